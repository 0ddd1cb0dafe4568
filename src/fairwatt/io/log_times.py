"""Naive log timestamps in a zone with daylight saving, inside the streaming reduction.

The energy-log reduction (:mod:`fairwatt.io.logs`) applies the time rule of
:mod:`fairwatt.io.times` to naive timestamps with ``tz``; each (site, server) is one
series, in file order. DuckDB's ``timezone(tz, local)`` is exact for a local time more
than a day away from an offset change of the zone; a first, cheap scan finds the log's
time span, the changes within it are computed in Python
(:func:`fairwatt.io.times.offset_changes`), and only the records within a day of one
are flagged, fetched in file order, converted by :func:`fairwatt.io.times.to_utc` and
put back into the scan. The cost is a min/max scan, and, when the log spans a change,
one more scan and a small table of flagged records (two days per change). Logs with
offsets, or with a fixed-offset ``tz`` such as ``UTC``, never take this path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fairwatt.errors import InputError
from fairwatt.io.log_sources import sql_str
from fairwatt.io.times import TimeError, offset_changes, to_utc

if TYPE_CHECKING:
    import duckdb

#: name of the resolved records registered with DuckDB
DST_TABLE = "fairwatt_dst_records"
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class LocalTimes:
    """The SQL pieces of the naive-local-time path.

    Parameters
    ----------
    local
        SQL expression of the naive local timestamp (``TIMESTAMP``).
    tz
        IANA zone of the local times.
    column
        Timestamp column name, for messages.
    changes
        Naive local times of the zone's offset changes within the log's time span.
    """

    local: str
    tz: str
    column: str
    changes: tuple[datetime, ...] = ()

    def utc(self, local: str | None = None) -> str:
        """SQL: the instant of ``local`` (exact away from offset changes)."""
        return f"timezone({sql_str(self.tz)}, {local or self.local})"

    def near_change(self) -> str:
        """SQL: true when the local time is within a day of an offset change."""
        if not self.changes:
            return "FALSE"
        windows = [
            f"({self.local} BETWEEN TIMESTAMP '{c - _DAY:%Y-%m-%d %H:%M:%S}' "
            f"AND TIMESTAMP '{c + _DAY:%Y-%m-%d %H:%M:%S}')"
            for c in self.changes
        ]
        return "(" + " OR ".join(windows) + ")"


def with_changes(con: duckdb.DuckDBPyConnection, lt: LocalTimes, reader: str) -> LocalTimes:
    """``lt`` with the offset changes of its zone within the log's span (one cheap scan)."""
    row = con.execute(f"SELECT min({lt.local}), max({lt.local}) FROM {reader}").fetchone()
    if row is None or row[0] is None or row[1] is None:
        return lt
    return replace(lt, changes=tuple(offset_changes(lt.tz, row[0], row[1])))


def resolved_base(
    con: duckdb.DuckDBPyConnection,
    lt: LocalTimes,
    *,
    reader: str,
    fields: str,
    display: str,
    locate: Callable[[int], tuple[str, int]],
) -> str | None:
    """The log's records with UTC timestamps by the rule of :mod:`fairwatt.io.times`.

    Parameters
    ----------
    con
        The reduction's connection; the resolved records are registered on it.
    lt
        The local-time expressions.
    reader
        SQL that reads the log.
    fields
        SQL select list of ``site``, ``server``, ``e`` (energy) and ``r`` (requests).
    display
        How messages name the log.
    locate
        Maps the place of a flagged record (0-based, file order) to its file and row.

    Returns
    -------
    str or None
        SQL of the records (``ts``, ``site``, ``server``, ``e``, ``r``), or ``None``
        when no record is near an offset change (``timezone()`` is then exact).

    Raises
    ------
    InputError
        For a skipped local time or a repeated one that cannot be paired, naming the
        file, row, column, local time and zone.
    """
    import pandas as pd

    lt = with_changes(con, lt, reader)
    if not lt.changes:
        return None
    flagged_sql = f"SELECT {lt.local} AS lt, {fields} FROM {reader} WHERE {lt.near_change()}"
    con.execute("SET preserve_insertion_order=true")
    try:
        flagged = con.execute(flagged_sql).df()
    finally:
        con.execute("SET preserve_insertion_order=false")
    if flagged.empty:
        return None
    try:
        ts = to_utc(
            flagged["lt"],
            tz=lt.tz,
            file=display,
            column=lt.column,
            series=flagged[["site", "server"]],
            first_row=0,
        )
    except TimeError as exc:
        if exc.position is None:
            raise
        file, row = locate(exc.position)
        raise InputError(exc.detail, file=file, row=row, column=lt.column, hint=exc.hint) from None
    records = pd.DataFrame(
        {"ts": ts, **{c: flagged[c] for c in ("site", "server", "e", "r")}}
    ).astype({"server": "object", "e": "float64", "r": "float64"})
    con.register(DST_TABLE, records)
    return (
        f"SELECT {lt.utc('lt')} AS ts, site, server, e, r FROM "
        f"(SELECT {lt.local} AS lt, {fields}, {lt.near_change()} AS near FROM {reader}) "
        f"WHERE near IS NOT TRUE "
        f"UNION ALL SELECT ts, site, server, e, r FROM {DST_TABLE}"
    )


def locate_flagged(
    con: duckdb.DuckDBPyConnection, lt: LocalTimes, *, reader: str, files: Sequence[str], k: int
) -> tuple[str, int]:
    """File and 1-based record number of the ``k``-th flagged record (0-based, in file
    order); ``reader`` must read the log with ``filename=true``."""
    lt = with_changes(con, lt, reader)
    order = "[" + ", ".join(sql_str(f) for f in files) + "]"
    sql = f"""
        SELECT filename, rn FROM (
            SELECT filename, row_number() OVER (PARTITION BY filename) AS rn,
                   {lt.near_change()} AS near
            FROM {reader})
        WHERE near ORDER BY list_position({order}, filename), rn LIMIT 1 OFFSET {int(k)}
    """
    con.execute("SET preserve_insertion_order=true")
    try:
        row = con.execute(sql).fetchone()
    finally:
        con.execute("SET preserve_insertion_order=false")
    if row is None:  # pragma: no cover - the flagged scan saw a record this one did not
        return files[0], 0
    return str(row[0]), int(row[1])
