"""One partition (file) of an energy log, reduced inside a task of a distributed engine.

Each function here runs on a worker, on one file, with an embedded DuckDB connection
and the SQL of the embedded engine (:mod:`fairwatt.io.logs`, :mod:`fairwatt.io.log_sql`);
what it returns is small and picklable:

1. :func:`reduce_partition` — energy per (site, UTC hour) of the file, its validity
   checks (an invalid record raises the embedded engine's error, naming file and row)
   and the file's time grid: the greatest common divisor of ``epoch_us % hour`` over
   its records (an hour when every record starts on the hour).
2. :func:`series_blocks` — for the exact duplicate check, per (site, server) series and
   block of 64 slots of the log's common grid, the bitmap ``bit_or(1 << slot % 64)``
   and the record count, split into buckets by series. Combined by OR and sum over all
   files (:func:`combine_blocks`), a block whose count exceeds its bitmap's population
   holds a repeated (timestamp, site, server), wherever the records sit. The tables
   hold one row per series and 64 slots, far fewer than records on a regular log.
3. :func:`duplicate_records` — only when blocks are flagged: the file's records in
   those blocks, counted per (timestamp, site, server), for the exact message.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from fairwatt.errors import InputError
from fairwatt.io.log_sources import Source, reader_sql, register_filesystems
from fairwatt.io.log_sql import SHIFT_US, US_PER_HOUR, aggregate_sql, with_hours
from fairwatt.io.logs import (
    LogOptions,
    LogPlan,
    bad_rows,
    base_sql,
    connect,
    duck_error,
    locate_bad_row,
)

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

#: bits per block of the duplicate check's bitmaps (one unsigned 64-bit word)
BLOCK_BITS = 64
#: distinct sub-hour offsets a file may have before its grid is taken to be 1 us
MAX_OFFSETS = 4096
#: name of the flagged blocks registered on a task's connection
FLAGGED_VIEW = "fairwatt_flagged"


@dataclass(frozen=True)
class PartitionTask:
    """What a task needs to reduce one file: the file, how the log is read (the plan
    made from the whole log's header) and the log options (without a scheduler)."""

    file: str
    kind: Literal["csv", "parquet"]
    hive: bool
    plan: LogPlan
    options: LogOptions

    def source(self, con: duckdb.DuckDBPyConnection | None = None) -> Source:
        """The file as a :class:`Source`; with ``con``, the columns of the whole log
        that the file lacks are read as NULL (as the embedded engine's union by name)."""
        src = Source(kind=self.kind, files=[self.file], display=self.file, hive=self.hive)
        if con is None:
            return src
        have = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader_sql(src)}").fetchall()}
        used = set(self.plan.cols.values())
        absent = {c: t for c, t in self.plan.available.items() if c in used and c not in have}
        return replace(src, absent=absent) if absent else src


@dataclass(frozen=True)
class ErrorInfo:
    """An :class:`InputError` found on a worker, as plain values (picklable)."""

    message: str
    hint: str | None
    file: str | None = None
    row: int | None = None
    column: str | None = None

    @classmethod
    def of(cls, exc: InputError) -> ErrorInfo:
        return cls(exc.message, exc.hint, exc.file, exc.row, exc.column)

    def error(self) -> InputError:
        """The error again: the same message, hint, file, row and column."""
        exc = InputError(self.message, hint=self.hint)
        exc.file, exc.row, exc.column = self.file, self.row, self.column
        return exc


@dataclass
class Partial:
    """A file's reduction: ``table`` (``site``, ``hour``, ``energy_kwh``, ``records``,
    ``requests``), its record count, its grid [us] (0 without records) and the first
    input error found in it (then ``table`` is ``None``)."""

    file: str
    table: pd.DataFrame | None
    records: int
    grid_us: int
    error: ErrorInfo | None = None


@contextmanager
def _connection(task: PartitionTask) -> Iterator[duckdb.DuckDBPyConnection]:
    """One thread per task: the cluster's workers give the parallelism."""
    spill = tempfile.mkdtemp(prefix="fairwatt-spill-")
    try:
        con = connect(replace(task.options, threads=1), spill)
        try:
            register_filesystems(con, task.source())
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _is_io_error(exc: Exception) -> bool:
    """Errors of the store or the network (worth a retry), not of the file's content."""
    import duckdb

    return isinstance(exc, (duckdb.IOException, duckdb.HTTPException, OSError))


def reduce_partition(task: PartitionTask) -> Partial:
    """Reduce one file: energy per (site, hour), checked, with its time grid.

    Input errors are returned in :attr:`Partial.error` (the client reports the first
    file's); errors of the store or network are raised, so that the task is retried.
    """
    src = task.source()
    opts = task.options
    try:
        with _connection(task) as con:
            src = task.source(con)
            base = base_sql(con, src, opts, task.plan)
            sql = aggregate_sql(base, opts.interval_s, "requests" in task.plan.cols)
            df = with_hours(con.execute(sql).df())
            if not df.empty and bad_rows(df).any():
                p = task.plan
                locate_bad_row(con, src, opts, p.cols, p.available, p.ts)
            grid = _grid(con, base) if not df.empty else 0
    except InputError as exc:
        return Partial(task.file, None, 0, 0, ErrorInfo.of(exc))
    except Exception as exc:
        if _is_io_error(exc):
            raise
        return Partial(task.file, None, 0, 0, ErrorInfo.of(duck_error(exc, src, {})))
    keep = ["site", "hour", "energy_kwh", "records"]
    if "requests" in task.plan.cols:
        keep.append("requests")
    records = int(df["records"].sum()) if not df.empty else 0
    return Partial(task.file, df[keep], records, grid)


def _grid(con: duckdb.DuckDBPyConnection, base: str) -> int:
    """The greatest common divisor of the hour and every ``epoch_us % hour``. [us]"""
    rows = con.execute(
        f"SELECT DISTINCT (epoch_us(ts) + {SHIFT_US}) % {US_PER_HOUR} FROM ({base}) "
        f"LIMIT {MAX_OFFSETS + 1}"
    ).fetchall()
    if len(rows) > MAX_OFFSETS:
        return 1
    grid = US_PER_HOUR
    for (offset,) in rows:
        grid = math.gcd(grid, int(offset))
    return grid


def combine_tables(parts: Sequence[pd.DataFrame | None]) -> pd.DataFrame | None:
    """Partial reductions added up per (site, hour)."""
    import pandas as pd

    tables = [p for p in parts if p is not None and not p.empty]
    if not tables:
        return None
    both = pd.concat(tables, ignore_index=True)
    sums = {c: "sum" for c in both.columns if c not in ("site", "hour")}
    out = both.groupby(["site", "hour"], sort=False, as_index=False).agg(sums)
    if "requests" in both.columns:  # all-missing stays missing, as SQL's sum
        counts = both.groupby(["site", "hour"], sort=False)["requests"].count().to_numpy()
        out.loc[counts == 0, "requests"] = float("nan")
    return out


def partial_table(partial: Partial) -> pd.DataFrame | None:
    """The table of a :class:`Partial` (for combining on the cluster)."""
    return partial.table


def partial_status(partial: Partial) -> tuple[str, int, int, ErrorInfo | None]:
    """File, record count, grid and error of a :class:`Partial` (small, to the client)."""
    return partial.file, partial.records, partial.grid_us, partial.error


def _slots(step_us: int, ts: str = "ts") -> str:
    return f"(epoch_us({ts}) + {SHIFT_US}) // {int(step_us)}"


def series_blocks(task: PartitionTask, step_us: int, buckets: int) -> list[pd.DataFrame]:
    """Per (site, server, block of 64 slots of ``step_us``): bitmap ``m`` (uint64) and
    record count ``n``, split into ``buckets`` tables by series."""
    slot = _slots(step_us)
    with _connection(task) as con:
        base = base_sql(con, task.source(con), task.options, task.plan)
        df = con.execute(
            f"SELECT hash(site, server) % {int(buckets)} AS b, site, server, "
            f"s // {BLOCK_BITS} AS blk, "
            f"bit_or(CAST(1 AS UBIGINT) << CAST(s % {BLOCK_BITS} AS UBIGINT)) AS m, "
            f"count(*) AS n FROM (SELECT site, server, {slot} AS s FROM ({base})) GROUP BY ALL"
        ).df()
    return [df[df["b"] == k].drop(columns="b") for k in range(buckets)]


def bucket(tables: list[pd.DataFrame], k: int) -> pd.DataFrame:
    """The ``k``-th bucket of :func:`series_blocks`."""
    return tables[k]


def combine_blocks(*parts: pd.DataFrame) -> pd.DataFrame:
    """Blocks of one bucket from every file combined by OR and sum; returns the blocks
    whose record count exceeds the bitmap's population (repeated slots)."""
    import duckdb
    import pandas as pd

    both = pd.concat([p for p in parts if not p.empty] or list(parts[:1]), ignore_index=True)
    con = duckdb.connect()
    try:
        con.register("blocks", both)
        return con.execute(
            "SELECT site, server, blk FROM (SELECT site, server, blk, bit_or(m) AS m, "
            "sum(n) AS n FROM blocks GROUP BY ALL) WHERE n <> bit_count(m)"
        ).df()
    finally:
        con.close()


def duplicate_records(task: PartitionTask, step_us: int, flagged: pd.DataFrame) -> pd.DataFrame:
    """The file's records in the ``flagged`` blocks, counted per (``ts``, ``site``,
    ``server``) as ``n``."""
    slot = _slots(step_us, "r.ts")
    with _connection(task) as con:
        base = base_sql(con, task.source(con), task.options, task.plan)
        con.register(FLAGGED_VIEW, flagged)
        return con.execute(
            f"SELECT r.ts, r.site, r.server, count(*) AS n FROM ({base}) r "
            f"JOIN {FLAGGED_VIEW} f ON r.site = f.site "
            "AND r.server IS NOT DISTINCT FROM f.server "
            f"AND {slot} // {BLOCK_BITS} = f.blk GROUP BY ALL"
        ).df()
