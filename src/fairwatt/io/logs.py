"""Energy-log readers and the streaming reduction to energy per (site, hour).

Every footprint is linear in energy and factors are constant within a zone-hour, so
the log is first reduced to IT energy per (site, UTC hour) and only that small table
is joined to factors. The reduction is one SQL aggregation run by DuckDB, an embedded
engine that streams CSV (also gzip) and Parquet (files, folders, globs, hive
partitions) with memory bounded by ``memory_limit`` whatever the log's size (an
in-memory pandas DataFrame or pyarrow Table is scanned in place). For logs beyond one
machine, ``LogOptions(engine="dask")`` runs the same SQL on each file in a task on a
Dask cluster and combines the partial tables there (:mod:`fairwatt.io.engines`).

Conventions:

* A record's energy is IT energy over ``[timestamp, timestamp + interval)``; the
  record is labelled by its interval start. Without ``interval`` a record is attributed
  to the UTC hour that contains its timestamp; with it, a record that straddles hours
  is split between them in proportion to overlap.
* Timestamps must carry their offset, or ``tz`` must name the zone of naive ones.
  Naive local times follow the daylight-saving rule of :mod:`fairwatt.io.times`, each
  (site, server) one series in file order (:mod:`fairwatt.io.log_times`): a skipped
  local time is refused; a repeated one must occur twice, daylight time first.
* Duplicate records (the same timestamp, site and server) are an error unless
  ``duplicates="sum"``, which adds them up. The check is exact; unless two records of a
  series share an hour (or an ``interval``), it holds one bit per series and hour rather
  than one hash entry per record (:mod:`fairwatt.io.log_duplicates`).
* Hours are integers, ``floor(epoch_us / 3.6e9)`` (also before 1970), turned back into
  ``timestamp[us, UTC]`` after grouping.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from fairwatt.errors import InputError
from fairwatt.io import DEFAULT_MEMORY_LIMIT
from fairwatt.io.log_duplicates import bitmap_slots, check_duplicates
from fairwatt.io.log_sources import FRAME_VIEW as _FRAME_VIEW
from fairwatt.io.log_sources import Source as _Source
from fairwatt.io.log_sources import display as _display
from fairwatt.io.log_sources import quote as _quote
from fairwatt.io.log_sources import reader_sql as _reader_sql
from fairwatt.io.log_sources import register_filesystems
from fairwatt.io.log_sources import resolve_sources as _resolve_sources
from fairwatt.io.log_sql import SHIFT_HOURS, US_PER_HOUR, aggregate_sql, with_hours
from fairwatt.io.log_times import LocalTimes, locate_flagged, resolved_base
from fairwatt.io.times import NO_ZONE_HINT, check_zone, zone_is_fixed
from fairwatt.units import ENERGY_TO_KWH, J_PER_KWH

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from fairwatt.io.log_sources import LogSource

CANONICAL_FIELDS = ("timestamp", "site", "energy", "power", "server", "requests")
_DEFAULT_NAMES = {
    "timestamp": ("timestamp", "time", "datetime"),
    "site": ("site",),
    "power": ("power_w",),
    "server": ("server",),
    "requests": ("requests",),
}


@dataclass(frozen=True)
class LogOptions:
    """How to read an energy log.

    Parameters
    ----------
    columns
        Canonical field -> column name in the file, for fields named differently
        (``timestamp``, ``site``, ``energy``, ``power``, ``server``, ``requests``).
    energy_unit
        Unit of the energy column: ``Wh``, ``kWh``, ``MWh`` or ``J``.
    tz
        IANA time zone of naive timestamps (e.g. ``Europe/Berlin``); ``None`` makes naive
        timestamps an error.
    interval_s
        Length of each record's interval. [s] Required for power records.
    duplicates
        ``"error"`` (default) or ``"sum"``.
    memory_limit
        Memory the reduction may hold before it spills to a temporary folder, e.g.
        ``"1GB"`` (the default, ``"256MB"``, keeps a whole audit of 10^7 records under
        512 MiB; DuckDB spills beyond it, whatever the log's size).
    threads
        Worker threads for the reduction (``None``: all cores).
    engine
        ``"duckdb"`` (default): the embedded engine, on this machine; ``"dask"``: each
        file reduced by a task on a Dask cluster (:mod:`fairwatt.io.engines`).
    scheduler
        With ``engine="dask"``: the scheduler's address (``tcp://HOST:PORT``), a
        ``distributed.Client``, or ``None``: ``DASK_SCHEDULER_ADDRESS``, else a local
        cluster of worker processes.
    retries
        With ``engine="dask"``: how often a failed task is run again.
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    energy_unit: str = "kWh"
    tz: str | None = None
    interval_s: float | None = None
    duplicates: Literal["error", "sum"] = "error"
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int | None = None
    engine: Literal["duckdb", "dask"] = "duckdb"
    scheduler: Any = None
    retries: int = 0


@dataclass
class ReducedLog:
    """IT energy per (site, hour): ``site``, ``hour`` (UTC interval start), ``energy_kwh``,
    ``records`` and, when the log has them, ``requests``."""

    data: pd.DataFrame
    sources: list[str]
    records: int
    columns: dict[str, str]


# --------------------------------------------------------------------------- reduction


def connect(options: LogOptions, spill_dir: str | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection in UTC with bounded memory; it spills to ``spill_dir``."""
    import duckdb

    config: dict[str, str | bool | int | float | list[str]] = {"memory_limit": options.memory_limit}
    if spill_dir is not None:
        config["temp_directory"] = spill_dir
    con = duckdb.connect(config=config)
    con.execute("SET TimeZone='UTC'")
    con.execute("SET preserve_insertion_order=false")
    # progress is tracked (for query_progress) but never printed: stdout carries data
    con.execute("SET enable_progress_bar=true")
    con.execute("SET enable_progress_bar_print=false")
    if options.threads:
        con.execute(f"SET threads={int(options.threads)}")
    return con


def duck_error(exc: Exception, src: _Source, columns: Mapping[str, str]) -> InputError:
    """The :class:`InputError` of DuckDB's error ``exc`` reading ``src``: file, row and
    column where DuckDB names them."""
    text = str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    line = re.search(r"CSV Error on Line: (\d+)", text)
    conv = re.search(r'Could not convert string "(.*?)" to', text)
    col = re.search(r'converting column "(.*?)"', text)
    fname = re.search(r"file = (\S+)", text)
    where = _display(fname.group(1), src.tmpdir) if fname else src.display
    if line and conv:
        return InputError(
            f"cannot read {conv.group(1)!r} as a number",
            file=where,
            row=int(line.group(1)),
            column=col.group(1) if col else None,
            hint="fix or remove that row",
        )
    if "parquet" in text.lower() and ("magic" in text.lower() or "too small" in text.lower()):
        return InputError(f"{where}: not a readable Parquet file (truncated or corrupt): {first}")
    return InputError(f"{where}: cannot read the log: {first}")


def _describe(con: duckdb.DuckDBPyConnection, src: _Source) -> dict[str, str]:
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {_reader_sql(src)}").fetchall()
    except Exception as exc:  # duckdb raises many error classes; all are input problems here
        raise duck_error(exc, src, {}) from exc
    return {r[0]: r[1] for r in rows}


def _pick_columns(
    available: Mapping[str, str], options: LogOptions, src: _Source
) -> dict[str, str]:
    """Canonical field -> actual column, checking every mapping and required field."""
    unknown = set(options.columns) - set(CANONICAL_FIELDS)
    if unknown:
        raise InputError(
            f"--column: unknown field(s) {', '.join(sorted(unknown))}",
            hint=f"fields are {', '.join(CANONICAL_FIELDS)}",
        )
    chosen: dict[str, str] = {}
    for fld, col in options.columns.items():
        if col not in available:
            raise InputError(
                f"column {col!r} (mapped to {fld}) is not in the log",
                file=src.display,
                hint=f"columns are: {', '.join(available)}",
            )
        chosen[fld] = col
    unit_suffix = options.energy_unit.lower()
    defaults = dict(_DEFAULT_NAMES)
    defaults["energy"] = (f"energy_{unit_suffix}", "energy")
    for fld, names in defaults.items():
        if fld in chosen:
            continue
        for n in names:
            if n in available:
                chosen[fld] = n
                break
    missing = [f for f in ("timestamp", "site") if f not in chosen]
    if "energy" not in chosen and "power" not in chosen:
        missing.append(f"energy_{unit_suffix} (or power_w)")
    if missing:
        raise InputError(
            f"missing column(s): {', '.join(missing)}",
            file=src.display,
            hint=f"the log has {', '.join(available)}; map yours with --column FIELD=NAME",
        )
    if "energy" in chosen and "power" in chosen and "energy" not in options.columns:
        del chosen["power"]
    if "power" in chosen and "energy" not in chosen and not options.interval_s:
        raise InputError(
            "power records need an interval to become energy", hint="pass --interval (e.g. 15min)"
        )
    return chosen


def _timestamp_expr(
    col: str, dtype: str, options: LogOptions, src: _Source
) -> tuple[str, LocalTimes | None]:
    """SQL of the UTC timestamp and, for naive local times in a zone whose offset
    changes, the pieces of the daylight-saving path (else ``None``)."""
    q = _quote(col)
    upper = dtype.upper()
    if upper.startswith("TIMESTAMP WITH TIME ZONE") or upper == "TIMESTAMPTZ":
        return q, None
    if upper.startswith("TIMESTAMP") or upper == "DATE":
        if options.tz is None:
            raise InputError(
                "timestamps have no time zone", file=src.display, column=col, hint=NO_ZONE_HINT
            )
        local = f"CAST({q} AS TIMESTAMP)"
    elif upper in ("VARCHAR", "STRING"):
        # mixed or unusual strings: parse per value; unparseable ones become NULL and are
        # reported with their row below
        if options.tz is None:
            return f"TRY_CAST({q} AS TIMESTAMPTZ)", None
        local = f"TRY_CAST({q} AS TIMESTAMP)"
    else:
        raise InputError(
            f"timestamps of type {dtype} are not supported",
            file=src.display,
            column=col,
            hint="use ISO-8601 strings or a Parquet timestamp column",
        )
    lt = LocalTimes(local=local, tz=str(options.tz), column=col)
    return lt.utc(), None if zone_is_fixed(lt.tz) else lt


def reduce_log(
    paths: LogSource,
    options: LogOptions | None = None,
    progress: Callable[[float], None] | None = None,
) -> ReducedLog:
    """Read energy logs and return IT energy per (site, UTC hour).

    ``paths`` are files, folders, globs, object-store URLs (``s3://``, ``gs://``,
    ``abfs://``: :mod:`fairwatt.io.remote`) or ``-`` (stdin); or an in-memory log, a pandas
    DataFrame or a pyarrow Table, which DuckDB scans in place (errors name it
    ``<DataFrame>`` / ``<Table>`` and number its rows from 1).

    ``progress``, if given, is called with the fraction done (0-1) of the main scan.

    Raises :class:`~fairwatt.errors.InputError` naming the file, row and column for
    missing columns, unparseable, missing, NaN or negative values, naive timestamps
    without ``tz``, duplicates (unless summed) and empty logs.
    """
    options = options or LogOptions()
    if options.energy_unit not in ENERGY_TO_KWH:
        raise InputError(
            f"--energy-unit: unknown unit {options.energy_unit!r}",
            hint=f"use one of {', '.join(ENERGY_TO_KWH)}",
        )
    if options.interval_s is not None and options.interval_s <= 0:
        raise InputError("--interval must be positive")
    if options.tz is not None:
        check_zone(options.tz)
    if options.engine == "dask":
        from fairwatt.io.engines.dask_engine import reduce_log_dask

        return reduce_log_dask(paths, options, progress)
    src = _resolve_sources(paths)
    spill_dir = tempfile.mkdtemp(prefix="fairwatt-spill-")
    try:
        con = connect(options, spill_dir)
        try:
            if src.frame is not None:
                con.register(_FRAME_VIEW, src.frame)
            register_filesystems(con, src)
            return _reduce(con, src, options, progress)
        finally:
            con.close()
    finally:
        shutil.rmtree(spill_dir, ignore_errors=True)
        if src.tmpdir:
            shutil.rmtree(src.tmpdir, ignore_errors=True)


def _run_with_progress(
    con: duckdb.DuckDBPyConnection, sql: str, progress: Callable[[float], None] | None
) -> pd.DataFrame:
    """Run ``sql``; while it runs, report DuckDB's query progress to ``progress``."""
    if progress is None:
        return con.execute(sql).df()
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["df"] = con.execute(sql).df()
        except BaseException as exc:  # re-raised in the caller's thread
            result["exc"] = exc

    worker = threading.Thread(target=work, name="fairwatt-reduce", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
        done = con.query_progress()
        if done >= 0:
            progress(min(done / 100.0, 1.0))
    if "exc" in result:
        raise result["exc"]
    progress(1.0)
    return result["df"]


@dataclass(frozen=True)
class LogPlan:
    """How a log is read, from its header: the columns, the SQL of the UTC timestamp,
    the naive-local-time path (or ``None``) and the column types of a CSV log."""

    available: dict[str, str]
    cols: dict[str, str]
    ts: str
    local: LocalTimes | None
    types: dict[str, str] | None


def plan_log(con: duckdb.DuckDBPyConnection, src: _Source, options: LogOptions) -> LogPlan:
    """The :class:`LogPlan` of ``src``: its columns checked against ``options``."""
    available = _describe(con, src)
    cols = _pick_columns(available, options, src)
    ts, local = _timestamp_expr(cols["timestamp"], available[cols["timestamp"]], options, src)
    types = None
    if src.kind == "csv":
        types = {cols["site"]: "VARCHAR"}
        for fld in ("energy", "power", "requests"):
            if fld in cols:
                types[cols[fld]] = "DOUBLE"
        if "server" in cols:
            types[cols["server"]] = "VARCHAR"
    return LogPlan(available, cols, ts, local, types)


def base_sql(
    con: duckdb.DuckDBPyConnection, src: _Source, options: LogOptions, plan: LogPlan
) -> str:
    """SQL of the records of ``src``: ``ts`` (UTC), ``site``, ``server``, ``e`` (IT
    energy [kWh]) and ``r`` (requests); naive local times near an offset change are
    resolved on ``con`` first."""
    cols = plan.cols
    if "energy" in cols:
        energy = (
            f"CAST({_quote(cols['energy'])} AS DOUBLE) * {ENERGY_TO_KWH[options.energy_unit]!r}"
        )
    else:
        assert options.interval_s is not None
        energy = f"CAST({_quote(cols['power'])} AS DOUBLE) * {options.interval_s / J_PER_KWH!r}"
    requests = (
        f"CAST({_quote(cols['requests'])} AS DOUBLE)" if "requests" in cols else "NULL::DOUBLE"
    )
    server = f"CAST({_quote(cols['server'])} AS VARCHAR)" if "server" in cols else "NULL::VARCHAR"
    reader = _reader_sql(src, plan.types)
    fields = (
        f"CAST({_quote(cols['site'])} AS VARCHAR) AS site, {server} AS server, "
        f"{energy} AS e, {requests} AS r"
    )
    base = f"SELECT {plan.ts} AS ts, {fields} FROM {reader}"
    if plan.local is not None:
        base = _dst_base(con, src, plan.local, plan.types, fields) or base
    return base


def bad_rows(df: pd.DataFrame) -> pd.Series:
    """Rows of the reduction (:func:`fairwatt.io.log_sql.aggregate_sql`) whose hour
    holds an invalid record: no site or time, a missing, NaN or negative energy."""
    return df["site"].isna() | df["hour"].isna() | (df["bad"] > 0)


def finish(df: pd.DataFrame, requests: bool) -> pd.DataFrame:
    """The reduction's table as :class:`ReducedLog` holds it, sorted by site and hour."""
    out = df[["site", "hour", "energy_kwh", "records"]].copy()
    if requests:
        out["requests"] = df["requests"]
    out["hour"] = out["hour"].dt.tz_convert("UTC")
    out["records"] = out["records"].astype("int64")
    return out.sort_values(["site", "hour"], ignore_index=True)


def _reduce(
    con: duckdb.DuckDBPyConnection,
    src: _Source,
    options: LogOptions,
    progress: Callable[[float], None] | None = None,
) -> ReducedLog:
    plan = plan_log(con, src, options)
    cols, available, ts = plan.cols, plan.available, plan.ts
    base = base_sql(con, src, options, plan)
    # A CSV log is parsed again by a second scan, which costs more than the fused scan's
    # larger hash table; a Parquet or in-memory log is cheaper to read twice (columns).
    fused = options.duplicates == "error" and not options.interval_s and src.kind == "csv"
    aggregate = aggregate_sql(base, options.interval_s, "requests" in cols, check=fused)
    try:
        df = with_hours(_run_with_progress(con, aggregate, progress))
    except Exception as exc:
        raise duck_error(exc, src, cols) from exc

    checks = None
    if fused:
        checks = df[df["is_check"]]
        df = df[~df["is_check"]]
    if df.empty or int(df["records"].sum()) == 0:
        raise InputError(f"{src.display}: the log holds no records", hint="check the file")
    if bad_rows(df).any():
        locate_bad_row(con, src, options, cols, available, ts)
    if options.duplicates == "error":
        _check_duplicates(con, src, options, base, "server" in cols, df, checks)

    return ReducedLog(
        data=finish(df, "requests" in cols),
        sources=[_display(f, src.tmpdir) for f in src.files],
        records=int(df["records"].sum()),
        columns=cols,
    )


def _check_duplicates(
    con: duckdb.DuckDBPyConnection,
    src: _Source,
    options: LogOptions,
    base: str,
    has_server: bool,
    reduced: pd.DataFrame,
    checks: pd.DataFrame | None,
) -> None:
    """The duplicate check: by bitmaps per series in a second scan, or from the findings
    of the fused scan (``checks``); what either finds goes to the hashed scan and the
    exact confirmation (:mod:`fairwatt.io.log_duplicates`)."""
    slots = None
    if checks is None:
        step = round(options.interval_s * 1e6) if options.interval_s else US_PER_HOUR
        slots = bitmap_slots(reduced, step, hour_us=US_PER_HOUR, shift_hours=SHIFT_HOURS)
    elif not checks["dup"].fillna(False).any():
        return
    check_duplicates(
        con,
        base,
        has_server=has_server,
        slots=slots,
        display=src.display,
        on_error=lambda exc: duck_error(exc, src, {}),
    )


def _dst_base(
    con: duckdb.DuckDBPyConnection,
    src: _Source,
    lt: LocalTimes,
    types: Mapping[str, str] | None,
    fields: str,
) -> str | None:
    """Records with naive local times resolved by the daylight-saving rule."""

    def locate(k: int) -> tuple[str, int]:
        reader = _reader_sql(src, types, filename=True)
        fname, rn = locate_flagged(con, lt, reader=reader, files=src.files, k=k)
        return _display(fname, src.tmpdir), rn + (1 if src.kind == "csv" else 0)

    try:
        return resolved_base(
            con,
            lt,
            reader=_reader_sql(src, types),
            fields=fields,
            display=src.display,
            locate=locate,
        )
    except InputError:
        raise
    except Exception as exc:  # duckdb raises many error classes; all are input problems here
        raise duck_error(exc, src, {}) from exc


def locate_bad_row(
    con: duckdb.DuckDBPyConnection,
    src: _Source,
    options: LogOptions,
    cols: Mapping[str, str],
    available: Mapping[str, str],
    ts_expr: str,
) -> None:
    """Find the first offending record and raise an error naming its file, row and column."""
    value_fld = "energy" if "energy" in cols else "power"
    value_col = cols[value_fld]
    types = None
    if src.kind == "csv":
        types = {cols["site"]: "VARCHAR", value_col: "DOUBLE"}
    reader = _reader_sql(src, types, filename=True)
    con.execute("SET preserve_insertion_order=true")
    sql = f"""
        SELECT filename, rn, raw_ts, ts, site, v FROM (
            SELECT filename, row_number() OVER (PARTITION BY filename) AS rn,
                   CAST({_quote(cols["timestamp"])} AS VARCHAR) AS raw_ts, {ts_expr} AS ts,
                   CAST({_quote(cols["site"])} AS VARCHAR) AS site,
                   CAST({_quote(value_col)} AS DOUBLE) AS v
            FROM {reader})
        WHERE ts IS NULL OR site IS NULL OR site = '' OR v IS NULL OR isnan(v) OR v < 0
        ORDER BY filename, rn LIMIT 1
    """
    row = con.execute(sql).fetchone()
    con.execute("SET preserve_insertion_order=false")
    if row is None:  # pragma: no cover - the aggregate saw something this scan did not
        raise InputError(f"{src.display}: invalid records (could not locate the first one)")
    fname, rn, raw_ts, ts, site, v = row
    line = int(rn) + (1 if src.kind == "csv" else 0)  # CSV: line numbers count the header
    where: dict[str, Any] = {"file": _display(fname, src.tmpdir), "row": line}
    if ts is None:
        if raw_ts is None or raw_ts == "":
            raise InputError("missing timestamp", column=cols["timestamp"], **where)
        raise InputError(
            f"cannot parse timestamp {raw_ts!r}",
            column=cols["timestamp"],
            hint="use ISO-8601, e.g. 2024-06-03T00:00:00+00:00"
            + ("" if options.tz else ", or naive times with --tz"),
            **where,
        )
    if site is None or site == "":
        raise InputError("missing site", column=cols["site"], **where)
    if v is None:
        raise InputError(f"missing {value_fld} value", column=value_col, **where)
    if v != v:
        raise InputError(f"{value_fld} is NaN", column=value_col, **where)
    raise InputError(
        f"negative {value_fld} {v!r}",
        column=value_col,
        hint="energy and power must be >= 0",
        **where,
    )
