"""Every table and time read and write: energy logs, factors, sites, writers."""

#: Memory the log reduction may hold before it spills to a temporary folder: the default
#: of every audit (library and command line). DuckDB keeps what fits (CSV read buffers,
#: hash tables) up to this limit; 256 MB keeps a whole audit of 10^7 CSV records under
#: 512 MiB of resident memory, and larger logs spill rather than take more.
DEFAULT_MEMORY_LIMIT = "256MB"
