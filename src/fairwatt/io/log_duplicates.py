"""The exact duplicate-record check of the energy-log reduction (:mod:`fairwatt.io.logs`).

A duplicate is two records with the same timestamp, site and server. Proving there is
none with ``GROUP BY ts, site, server`` is a second full scan whose hash table holds one
entry per record. Instead:

* When every timestamp lies on one grid (the reduction's scan reports the least and
  greatest ``epoch_us % step`` and the time span; the step is an hour, or ``interval``),
  each (site, server) series gets a bitmap over the grid's slots,
  ``bit_count(bitstring_agg(slot, lo, hi))``: it equals the series' record count exactly
  when no slot repeats. Memory: one bit per series and slot (about 1 KiB per series for
  an hourly year), far smaller than the log.
* Otherwise (irregular timestamps, or a bitmap that would be too large) records are
  grouped on ``hash(ts, site, server)``, a fixed-width key.

Either way a positive answer is confirmed exactly (``GROUP BY ts, site, server`` over the
records whose key hash repeats) before anything is reported, so a hash collision never
raises and every real duplicate does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fairwatt.errors import InputError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

#: the most bitmap memory the check may use [bytes]; beyond it, the hashed check runs
BITMAP_BUDGET = 128 * 2**20


def bitmap_plan(
    stats: pd.DataFrame, grid_us: int, hour_us: int
) -> tuple[int, int, int] | None:
    """``(residue, lo, hi)`` of the timestamps' grid when the bitmap check applies.

    ``stats`` is the reduction per (site, hour), with ``records``, ``t_min``, ``t_max``,
    ``g_min`` and ``g_max``; slot = ``(epoch_us - residue) // grid_us``.
    """
    g = stats[["g_min", "g_max", "t_min", "t_max"]]
    if g.isna().to_numpy().any():
        return None
    residues = {int(g["g_min"].min()), int(g["g_max"].max())}
    if len(residues) != 1:
        return None
    residue = residues.pop()
    lo = (int(g["t_min"].min()) - residue) // grid_us
    hi = (int(g["t_max"].max()) - residue) // grid_us
    # series per site are at least the records of a (site, hour) over its slots per hour
    per_hour = max(1, hour_us // grid_us)
    series = stats.groupby("site", sort=False)["records"].max() // per_hour + 1
    if int(series.sum()) * (hi - lo + 1) > 8 * BITMAP_BUDGET:
        return None
    return residue, lo, hi


def check_duplicates(
    con: duckdb.DuckDBPyConnection,
    base: str,
    *,
    has_server: bool,
    plan: tuple[int, int, int] | None,
    grid_us: int,
    display: str,
    on_error: Callable[[Exception], InputError],
) -> None:
    """Raise :class:`InputError` when two records of ``base`` (SQL with ``ts``, ``site``,
    ``server``) share timestamp, site and server, naming one of them."""
    key = "ts, site, server" if has_server else "ts, site"
    if plan is not None:
        residue, lo, hi = plan
        slot = f"CAST((epoch_us(ts) - {residue}) // {grid_us} AS BIGINT)"
        suspect = (
            "SELECT count(*) FROM (SELECT count(*) AS n, "
            f"bit_count(bitstring_agg({slot}, {lo}, {hi})) AS b FROM ({base}) "
            "GROUP BY site, server) WHERE n <> b"
        )
    else:
        suspect = f"SELECT count(*) FROM ({_repeated_hashes(base, key)})"
    try:
        row = con.execute(suspect).fetchone()
        if row is None or not row[0]:
            return
        _report(con, base, key, has_server, display)
    except InputError:
        raise
    except Exception as exc:  # duckdb raises many error classes; all are input problems here
        raise on_error(exc) from exc


def _repeated_hashes(base: str, key: str) -> str:
    return f"SELECT hash({key}) AS k FROM ({base}) GROUP BY k HAVING count(*) > 1"


def _report(
    con: duckdb.DuckDBPyConnection, base: str, key: str, has_server: bool, display: str
) -> None:
    """The exact check over the records whose key hash repeats; raises when it finds one."""
    candidates = (
        f"SELECT {key} FROM ({base}) WHERE hash({key}) IN ({_repeated_hashes(base, key)})"
    )
    dups = f"SELECT {key}, count(*) AS n FROM ({candidates}) GROUP BY {key} HAVING count(*) > 1"
    con.execute(f"CREATE OR REPLACE TEMP TABLE fairwatt_dups AS {dups}")
    try:
        dup = con.execute(f"SELECT * FROM fairwatt_dups ORDER BY n DESC, {key} LIMIT 1").fetchone()
        n_groups = con.execute("SELECT count(*) FROM fairwatt_dups").fetchone()
    finally:
        con.execute("DROP TABLE IF EXISTS fairwatt_dups")
    if dup is None:  # the hashes collided: no duplicate
        return
    what = f"site {dup[1]!r}" + (f", server {dup[2]!r}" if has_server else "")
    hint = "remove them, or pass --duplicates sum to add them up"
    if not has_server:
        hint += "; if they are different servers, map the server id with --column server=NAME"
    raise InputError(
        f"{n_groups[0] if n_groups else '?'} duplicate record keys, e.g. {dup[-1]} records at "
        f"{dup[0].isoformat()} for {what}",
        file=display,
        hint=hint,
    )
