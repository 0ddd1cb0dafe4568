"""The SQL of the energy-log reduction: energy per (site, integer UTC hour) with the
validity checks, and the fused duplicate check of one scan (:mod:`fairwatt.io.logs`).

The same statements run over a whole log in the embedded engine and over one partition
(file) of it in each task of the distributed engine (:mod:`fairwatt.io.engines`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: microseconds per hour: the reduction groups by integer UTC hours, ``floor(epoch_us / H)``
US_PER_HOUR = 3_600_000_000
#: hours added to every time before integer division so that it is a floor division
SHIFT_HOURS = 1_000_000_000
SHIFT_US = SHIFT_HOURS * US_PER_HOUR


def aggregate_sql(
    base: str, interval_s: float | None, requests: bool = True, check: bool = False
) -> str:
    """SQL of the reduction: energy per (site, integer UTC hour), with the validity
    checks folded into the same scan; :func:`with_hours` adds the UTC timestamps.

    The hour is ``(epoch_us + SHIFT_US) // US_PER_HOUR - SHIFT_HOURS``: the shift makes
    every time from 112,000 BC to 177,000 AD non-negative, so integer division (which
    truncates toward zero in DuckDB) is a floor division, also before 1970; it is taken
    back after grouping. Per (site, hour) the scan also gives ``records``, ``bad`` (1
    when a record's energy is missing, NaN or negative, else 0: one aggregate, where
    ``count(e)``, ``min(e)`` and ``max(e)`` took 0.1-0.2 s more at 10^8 records) and
    ``hk``, the shifted hour. The hour is turned into a timestamp by :func:`with_hours`
    on the result rather than in SQL (``make_timestamp(...)::TIMESTAMPTZ`` and its
    conversion to pandas cost about 0.1 s per 4 x 10^5 rows).
    """
    req = "sum(r) AS requests, " if requests else ""
    outer = f"SELECT site, hk, energy_kwh, {'requests, ' if requests else ''}records, bad"
    if not interval_s and check:
        return checked_sql(base, outer, req)
    if not interval_s:
        return (
            f"{outer} FROM (SELECT site, (epoch_us(ts) + {SHIFT_US}) // {US_PER_HOUR} AS hk, "
            f"sum(e) AS energy_kwh, {req}count(*) AS records, {invalid('e')} AS bad "
            f"FROM ({base}) GROUP BY ALL)"
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
               {invalid("e_chk")} AS bad
        FROM parts GROUP BY ALL)
    """


def invalid(e: str) -> str:
    """SQL of the aggregate that is 1 when an energy ``e`` of the group is missing, NaN or
    negative (``NULL >= 0`` is NULL and NaN sorts above every number), else 0."""
    return f"max(CASE WHEN {e} >= 0 AND NOT isnan({e}) THEN 0 ELSE 1 END)"


def checked_sql(base: str, outer: str, req: str) -> str:
    """The reduction by hour with the duplicate check in the same scan.

    ``GROUPING SETS`` fill two hash tables from one read of the log: (site, hour), the
    reduction, and (series, block of 63 hours), where series is ``hash(site, server)``.
    Per block a 63-bit mask ``bit_or(1 << hour % 63)`` counts the distinct hours: when
    every block has as many distinct hours as records, no two records of a series share
    an hour, let alone a timestamp. A block with more records than hours (``dup``) holds
    a duplicate, two records in one hour (sub-hourly records) or two series whose hashes
    collide, which the hashed scan and the exact check tell apart. The states are
    fixed-size, so the table spills like any other under ``memory_limit``. Rows of the
    check carry ``is_check``.
    """
    hour = f"u // {US_PER_HOUR}"
    return (
        f"{outer}, is_check, bit_count(m) <> records AS dup FROM ("
        f"SELECT site, hk, k IS NOT NULL AS is_check, sum(e) AS energy_kwh, {req}"
        f"count(*) AS records, {invalid('e')} AS bad, "
        "bit_or(CAST(1 AS BIGINT) << CAST(hk % 63 AS BIGINT)) AS m "
        f"FROM (SELECT site, e, r, hash(site, server) AS k, {hour} AS hk, "
        f"({hour}) // 63 AS hb FROM (SELECT *, epoch_us(ts) + {SHIFT_US} AS u FROM ({base}))) "
        "GROUP BY GROUPING SETS ((site, hk), (k, hb)))"
    )


def with_hours(df: pd.DataFrame) -> pd.DataFrame:
    """``df``, a result of :func:`aggregate_sql`, with ``hour``: the UTC start of hour
    ``hk`` as ``timestamp[us, UTC]`` (``NaT`` where ``hk`` is missing: no timestamp)."""
    import numpy as np
    import pandas as pd

    hk = pd.to_numeric(df["hk"])
    missing = hk.isna().to_numpy()
    us = (hk.fillna(SHIFT_HOURS).to_numpy(dtype=np.int64) - SHIFT_HOURS) * US_PER_HOUR
    stamps = us.astype("datetime64[us]")
    stamps[missing] = np.datetime64("NaT")
    hour = pd.Series(stamps, index=df.index).dt.tz_localize("UTC")
    return df.assign(hour=hour)
