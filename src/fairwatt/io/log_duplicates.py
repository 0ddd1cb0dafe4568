"""The exact duplicate-record check of the energy-log reduction (:mod:`fairwatt.io.logs`).

A duplicate is two records with the same timestamp, site and server. Proving there is
none with ``GROUP BY ts, site, server`` is a second full scan whose hash table holds one
entry per record. Instead:

* Each (site, server) series gets a bitmap over the slots of a grid (the step is an
  hour, or ``interval``; the span comes from the reduction),
  ``bit_count(bitstring_agg(slot, lo, hi))``: when it equals the series' record count
  for every series, no slot repeats and there is no duplicate. Memory: one bit per
  series and slot (about 1 KiB per series for an hourly year), far smaller than the log.
* Otherwise (a slot holding two records, which irregular timestamps also give, or
  bitmaps that would be too large) records are grouped on ``hash(ts, site, server)``, a
  fixed-width key.

Either way a positive answer is confirmed exactly (``GROUP BY ts, site, server`` over the
records whose key hash repeats) before anything is reported, so a hash collision never
raises and every real duplicate does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

#: the most bitmap memory the check may use [bytes]; beyond it, the hashed check runs
BITMAP_BUDGET = 128 * 2**20


@dataclass(frozen=True)
class Slots:
    """The grid of the bitmap check: slot = ``(epoch_us + shift_us) // step_us``, from
    ``lo`` to ``hi``."""

    step_us: int
    shift_us: int
    lo: int
    hi: int


def bitmap_slots(
    reduced: pd.DataFrame, step_us: int, *, hour_us: int, shift_hours: int
) -> Slots | None:
    """The slots of the bitmap check, or ``None`` when the bitmaps would exceed
    :data:`BITMAP_BUDGET`.

    ``reduced`` is the reduction per (site, hour) with ``records`` and ``hk``, the hour
    shifted by ``shift_hours`` (so that every shifted time is non-negative).
    """
    hk = reduced["hk"].dropna()
    if hk.empty:
        return None
    lo = int(hk.min()) * hour_us // step_us
    hi = ((int(hk.max()) + 1) * hour_us - 1) // step_us
    # a site has at least as many series as records in one of its hours over the slots
    # of an hour (exact for series without gaps); the bitmaps take one bit per slot each
    per_hour = max(1, hour_us // step_us)
    series = reduced.groupby("site", sort=False)["records"].max() // per_hour + 1
    if int(series.sum()) * (hi - lo + 1) > 8 * BITMAP_BUDGET:
        return None
    return Slots(step_us, shift_hours * hour_us, lo, hi)


def check_duplicates(
    con: duckdb.DuckDBPyConnection,
    base: str,
    *,
    has_server: bool,
    slots: Slots | None,
    display: str,
    on_error: Callable[[Exception], InputError],
) -> None:
    """Raise :class:`InputError` when two records of ``base`` (SQL with ``ts``, ``site``,
    ``server``) share timestamp, site and server, naming one of them.

    With ``slots``, one scan gives per series, keyed by ``hash(site, server)`` (a
    fixed-width key, cheaper than two strings), the record count and the bitmap's count
    of distinct slots. When they agree for every series, no two records of a series
    share a slot, let alone a timestamp: no duplicate. Otherwise (a duplicate, records
    off the grid sharing a slot, or two series whose hashes collide) the hashed scan
    decides, and the exact confirmation after it. The scan does not test whether the
    times lie on the grid, which cost 0.1-0.2 s more at 10^8 records.
    """
    key = "ts, site, server" if has_server else "ts, site"
    try:
        if slots is not None:
            u = f"(epoch_us(ts) + {slots.shift_us})"
            row = con.execute(
                "SELECT count(*) FILTER (WHERE n <> b) "
                f"FROM (SELECT count(*) AS n, bit_count(bitstring_agg({u} // {slots.step_us}, "
                f"{slots.lo}, {slots.hi})) AS b FROM ({base}) GROUP BY hash(site, server))"
            ).fetchone()
            if row is not None and not row[0]:
                return
        row = con.execute(f"SELECT count(*) FROM ({_repeated_hashes(base, key)})").fetchone()
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
    candidates = f"SELECT {key} FROM ({base}) WHERE hash({key}) IN ({_repeated_hashes(base, key)})"
    dups = f"SELECT {key}, count(*) AS n FROM ({candidates}) GROUP BY {key} HAVING count(*) > 1"
    con.execute(f"CREATE OR REPLACE TEMP TABLE fairwatt_dups AS {dups}")
    try:
        dup = con.execute(f"SELECT * FROM fairwatt_dups ORDER BY n DESC, {key} LIMIT 1").fetchone()
        n_groups = con.execute("SELECT count(*) FROM fairwatt_dups").fetchone()
    finally:
        con.execute("DROP TABLE IF EXISTS fairwatt_dups")
    if dup is None:  # the hashes collided: no duplicate
        return
    server = dup[2] if has_server else None
    count = n_groups[0] if n_groups else None
    raise duplicate_error(dup[0], dup[1], server, dup[-1], count, display, has_server=has_server)


def duplicate_error(
    ts: Any,
    site: str,
    server: str | None,
    n: int,
    n_groups: int | None,
    display: str,
    *,
    has_server: bool,
) -> InputError:
    """The error of ``n`` records at ``ts`` for ``site`` and ``server`` (when the log
    has a server column), one of ``n_groups`` repeated keys of log ``display``."""
    what = f"site {site!r}" + (f", server {server!r}" if has_server else "")
    hint = "remove them, or pass --duplicates sum to add them up"
    if not has_server:
        hint += "; if they are different servers, map the server id with --column server=NAME"
    return InputError(
        f"{n_groups if n_groups is not None else '?'} duplicate record keys, e.g. {n} records "
        f"at {ts.isoformat()} for {what}",
        file=display,
        hint=hint,
    )
