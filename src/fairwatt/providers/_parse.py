"""Body-parsing steps the ``read_*`` functions of the provider clients share.

Factor readers turn records into observations (:func:`observation`,
:func:`observations`) and reduce them to the canonical hourly table (:func:`hourly`);
fuel-mix readers build a long table per fuel (:func:`long_table`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairwatt.providers import _common as c


def number(value: Any, factor: float = 1.0) -> float:
    """``value`` as a float, times ``factor``; ``None`` (JSON null) becomes NaN."""
    return float(value) * factor if value is not None else float("nan")


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
