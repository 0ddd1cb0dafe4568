"""Body-parsing steps the ``read_*`` functions of the provider clients share.

Factor readers turn records into observations (:func:`observation`,
:func:`observations`) and reduce them to the canonical hourly table (:func:`hourly`);
fuel-mix readers build a long table per fuel (:func:`long_table`).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import pandas as pd

from fairwatt.providers import _common as c


def number(
    value: Any,
    factor: float = 1.0,
    *,
    provider: str,
    zone: Any = None,
    at: Any = None,
    path: str | None = None,
    withheld: Collection[str] = (),
) -> float:
    """The one parse of a provider value: ``value`` as a float, times ``factor``.

    ``None`` (JSON null) and a documented withheld marker (``withheld``, e.g. EIA's
    ``"W"``) become NaN — the caller flags such hours missing, never zero. A number, or a
    string holding one, is accepted; anything else (text, booleans, infinities, objects)
    is a typed error naming the provider, zone, time and the value (see
    :func:`~fairwatt.providers._common.bad_body`).
    """
    if value is None or (isinstance(value, str) and value.strip() in withheld):
        return float("nan")
    if not isinstance(value, bool):
        try:
            x = float(value)
        except (TypeError, ValueError):
            x = math.inf
        if math.isfinite(x):
            return x * factor
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    where = " ".join(
        part
        for part in (f"zone {zone}" if zone else "", f"at {at}" if at is not None else "")
        if part
    )
    raise c.bad_body(
        provider,
        f"the value {shown}{' for ' + where if where else ''} is not a number",
        path,
        hint="the answer was not cached; report it to the provider if it persists",
    )


def withheld(value: Any, markers: Collection[str]) -> bool:
    """True when ``value`` is one of the provider's documented withheld markers."""
    return isinstance(value, str) and value.strip() in markers


def observation(
    timestamp: Any, column: str, value: float, *, estimated: bool, forecast: bool
) -> dict[str, Any]:
    """One observation row: its time, the factor value and the two source flags."""
    return {
        "timestamp": timestamp,
        column: value,
        "is_estimated": estimated,
        "is_forecast": forecast,
    }


def observations(
    rows: list[dict[str, Any]], column: str, *, provider: str, path: str | None, field: str
) -> pd.DataFrame:
    """The observations of :func:`observation` rows, times parsed to UTC (``field`` names
    the body's time field in errors)."""
    obs = pd.DataFrame(rows, columns=["timestamp", column, "is_estimated", "is_forecast"])
    obs["timestamp"] = c.parse_times(obs["timestamp"], provider=provider, path=path, field=field)
    return obs


def hourly(
    obs: pd.DataFrame,
    column: str,
    *,
    zone: str,
    period_s: float,
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """The canonical hourly table of ``obs``, covering ``[start, end)`` widened to whole
    hours when they are given."""
    s = c.to_utc(start, name="start").floor("h") if start is not None else None
    e = c.to_utc(end, name="end").ceil("h") if end is not None else None
    return c.to_hourly(obs, zone=zone, factor_cols=[column], period_s=period_s, start=s, end=e)


def long_table(
    rows: list[dict[str, Any]],
    columns: list[str],
    *,
    zone: str,
    provider: str,
    path: str | None,
    field: str,
) -> pd.DataFrame:
    """A long per-fuel table from ``rows`` (``timestamp``, ``fuel`` and values): times
    parsed to UTC, ``zone`` inserted second, sorted by time and fuel."""
    df = pd.DataFrame(rows, columns=columns)
    df["timestamp"] = c.parse_times(df["timestamp"], provider=provider, path=path, field=field)
    df.insert(1, "zone", pd.Series([zone] * len(df), dtype="string"))
    df["fuel"] = df["fuel"].astype("string")
    return df.sort_values(["timestamp", "fuel"]).reset_index(drop=True)
