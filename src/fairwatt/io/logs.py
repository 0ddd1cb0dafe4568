"""Energy-log readers and the streaming reduction to energy per (site, hour).

Every footprint is linear in energy and factors are constant within a zone-hour, so
the log is first reduced to IT energy per (site, UTC hour) and only that small table
is joined to factors. The reduction is one SQL aggregation run by DuckDB, an embedded
engine that streams CSV (also gzip) and Parquet (files, folders, globs, hive
partitions) with memory bounded by ``memory_limit`` whatever the log's size (an
in-memory pandas DataFrame or pyarrow Table is scanned in place). The same
query is meant to run on a distributed engine for logs beyond one machine.

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
  ``duplicates="sum"``, which adds them up. The check is exact and never holds one hash
  entry per record (:mod:`fairwatt.io.log_duplicates`).
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
from fairwatt.io.log_sources import resolve_sources as _resolve_sources
from fairwatt.io.log_times import LocalTimes, locate_flagged, resolved_base
from fairwatt.io.times import NO_ZONE_HINT, check_zone, zone_is_fixed
from fairwatt.units import ENERGY_TO_KWH, J_PER_KWH

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from fairwatt.io.log_sources import LogSource

#: microseconds per hour: the reduction groups by integer UTC hours, ``floor(epoch_us / H)``
US_PER_HOUR = 3_600_000_000
#: hours added to every time before integer division so that it is a floor division
SHIFT_HOURS = 1_000_000_000
SHIFT_US = SHIFT_HOURS * US_PER_HOUR
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
        ``"768MB"`` (the default keeps a whole audit under 1 GiB whatever the log's size).
    threads
        Worker threads for the reduction (``None``: all cores).
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    energy_unit: str = "kWh"
    tz: str | None = None
    interval_s: float | None = None
    duplicates: Literal["error", "sum"] = "error"
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int | None = None


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


def _duck_error(exc: Exception, src: _Source, columns: Mapping[str, str]) -> InputError:
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
        raise _duck_error(exc, src, {}) from exc
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

    ``paths`` are files, folders, globs or ``-`` (stdin); or an in-memory log, a pandas
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
    src = _resolve_sources(paths)
    spill_dir = tempfile.mkdtemp(prefix="fairwatt-spill-")
    try:
        con = connect(options, spill_dir)
        try:
            if src.frame is not None:
                con.register(_FRAME_VIEW, src.frame)
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


def _reduce(
    con: duckdb.DuckDBPyConnection,
    src: _Source,
    options: LogOptions,
    progress: Callable[[float], None] | None = None,
) -> ReducedLog:
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
    reader = _reader_sql(src, types)
    fields = (
        f"CAST({_quote(cols['site'])} AS VARCHAR) AS site, {server} AS server, "
        f"{energy} AS e, {requests} AS r"
    )
    base = f"SELECT {ts} AS ts, {fields} FROM {reader}"
    if local is not None:
        base = _dst_base(con, src, local, types, fields) or base
    # A CSV log is parsed again by a second scan, which costs more than the fused scan's
    # larger hash table; a Parquet or in-memory log is cheaper to read twice (columns).
    fused = options.duplicates == "error" and not options.interval_s and src.kind == "csv"
    aggregate = _aggregate_sql(base, options.interval_s, "requests" in cols, check=fused)
    try:
        df = _run_with_progress(con, aggregate, progress)
    except Exception as exc:
        raise _duck_error(exc, src, cols) from exc

    checks = None
    if fused:
        checks = df[df["is_check"]]
        df = df[~df["is_check"]]
    if df.empty or int(df["records"].sum()) == 0:
        raise InputError(f"{src.display}: the log holds no records", hint="check the file")
    bad = (
        df["site"].isna()
        | df["hour"].isna()
        | (df["n_val"] < df["records"])
        | (df["e_min"] < 0)
        | df["e_max"].isna()
    )
    if bad.any():
        _locate_bad_row(con, src, options, cols, available, ts)
    if options.duplicates == "error":
        _check_duplicates(con, src, options, base, "server" in cols, df, checks)

    out = df[["site", "hour", "energy_kwh", "records"]].copy()
    if "requests" in cols:
        out["requests"] = df["requests"]
    out["hour"] = out["hour"].dt.tz_convert("UTC")
    out["records"] = out["records"].astype("int64")
    out = out.sort_values(["site", "hour"], ignore_index=True)
    return ReducedLog(
        data=out,
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
    """The duplicate check: from the findings of the fused scan (``checks``), else by
    bitmaps per series in a second scan (:mod:`fairwatt.io.log_duplicates`)."""
    step = round(options.interval_s * 1e6) if options.interval_s else US_PER_HOUR
    slots = None
    if checks is None:
        slots = bitmap_slots(reduced, step, hour_us=US_PER_HOUR, shift_hours=SHIFT_HOURS)
    elif not checks["mixed"].fillna(False).any():
        if not checks["dup"].fillna(False).any():
            return
        slots = bitmap_slots(reduced, step, hour_us=US_PER_HOUR, shift_hours=SHIFT_HOURS)
    check_duplicates(
        con,
        base,
        has_server=has_server,
        slots=slots,
        display=src.display,
        on_error=lambda exc: _duck_error(exc, src, {}),
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
        raise _duck_error(exc, src, {}) from exc


def _aggregate_sql(
    base: str, interval_s: float | None, requests: bool = True, check: bool = False
) -> str:
    """SQL of the reduction: energy per (site, integer UTC hour), turned back into a UTC
    timestamp after grouping, with the validity checks folded into the same scan.

    The hour is ``(epoch_us + SHIFT_US) // US_PER_HOUR - SHIFT_HOURS``: the shift makes
    every time from 112,000 BC to 177,000 AD non-negative, so integer division (which
    truncates toward zero in DuckDB) is a floor division, also before 1970; it is taken
    back after grouping. Per (site, hour) the scan also gives ``records``, ``n_val``
    (non-NULL energies), ``e_min`` and ``e_max`` (NaN sorts above every number in
    DuckDB, so a NaN makes ``e_max`` NaN) and ``hk``, the shifted hour.
    """
    req = "sum(r) AS requests, " if requests else ""
    stats = "min(e_chk) AS e_min, max(e_chk) AS e_max"
    outer = (
        f"SELECT site, make_timestamp((hk - {SHIFT_HOURS}) * {US_PER_HOUR})::TIMESTAMPTZ "
        f"AS hour, hk, energy_kwh, {'requests, ' if requests else ''}records, n_val, e_min, e_max"
    )
    if not interval_s and check:
        return _checked_sql(base, outer, req)
    if not interval_s:
        return (
            f"{outer} FROM (SELECT site, (epoch_us(ts) + {SHIFT_US}) // {US_PER_HOUR} AS hk, "
            f"sum(e) AS energy_kwh, {req}count(*) AS records, count(e) AS n_val, "
            f"min(e) AS e_min, max(e) AS e_max FROM ({base}) GROUP BY ALL)"
        )
    us = round(interval_s * 1e6)
    # A record covers [ts, ts + interval); records inside one hour take the fast path,
    # the others are split over the hours they overlap, in proportion to overlap. The
    # checks see each record once, in its first part (the others carry 0).
    part = f"(least(u + {us}, (hh + 1) * {US_PER_HOUR}) - greatest(u, hh * {US_PER_HOUR}))"
    return f"""
    WITH src AS (SELECT site, e, r, u, u // {US_PER_HOUR} AS h0,
                        (u + {us - 1}) // {US_PER_HOUR} AS h1
                 FROM (SELECT *, epoch_us(ts) + {SHIFT_US} AS u FROM ({base}))),
    parts AS (
        SELECT site, h0 AS hk, e, r, 1 AS first, e AS e_chk FROM src
        WHERE u IS NULL OR h0 = h1
        UNION ALL
        SELECT site, hh AS hk, e * {part} / {us} AS e, r * {part} / {us} AS r,
               CASE WHEN hh = h0 THEN 1 ELSE 0 END AS first,
               CASE WHEN hh = h0 THEN e ELSE 0 END AS e_chk
        FROM (SELECT *, unnest(range(h0, h1 + 1)) AS hh FROM src
              WHERE u IS NOT NULL AND h0 <> h1)
    )
    {outer} FROM (
        SELECT site, hk, sum(e) AS energy_kwh, {req}sum(first) AS records,
               count(e_chk) - count(*) + sum(first) AS n_val, {stats}
        FROM parts GROUP BY ALL)
    """


def _checked_sql(base: str, outer: str, req: str) -> str:
    """The reduction by hour with the duplicate check in the same scan.

    ``GROUPING SETS`` fill two hash tables from one read of the log: (site, hour), the
    reduction, and (series, block of 63 hours), where series is ``hash(site, server)``.
    Per block a 63-bit mask ``bit_or(1 << hour % 63)`` counts the distinct hours: a block
    whose records all lie on one grid (least and greatest ``epoch_us % hour`` equal) and
    number more than its distinct hours holds a repeated (hour, series), i.e. a
    duplicate or two series whose hashes collide, which the exact check tells apart. The
    states are fixed-size, so the table spills like any other under ``memory_limit``.
    Rows of the check carry ``is_check``; ``dup`` and ``mixed`` are its findings.
    """
    hour = f"u // {US_PER_HOUR}"
    return (
        f"{outer}, is_check, bit_count(m) <> records AS dup, g0 <> g1 AS mixed FROM ("
        f"SELECT site, hk, k IS NOT NULL AS is_check, sum(e) AS energy_kwh, {req}"
        "count(*) AS records, count(e) AS n_val, min(e) AS e_min, max(e) AS e_max, "
        "bit_or(CAST(1 AS BIGINT) << CAST(hk % 63 AS BIGINT)) AS m, min(g) AS g0, max(g) AS g1 "
        f"FROM (SELECT site, e, r, hash(site, server) AS k, {hour} AS hk, "
        f"({hour}) // 63 AS hb, u % {US_PER_HOUR} AS g "
        f"FROM (SELECT *, epoch_us(ts) + {SHIFT_US} AS u FROM ({base}))) "
        "GROUP BY GROUPING SETS ((site, hk), (k, hb)))"
    )


def _locate_bad_row(
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
