"""Every table and time read and write: energy logs, factors, sites, writers."""

#: Memory the log reduction may hold before it spills to a temporary folder: the default
#: of every audit (library and command line); it keeps a whole audit under 1 GiB.
DEFAULT_MEMORY_LIMIT = "768MB"
