"""What every provider client shares: body loading, time ranges, the canonical table.

Canonical factor table (one per zone), returned by every ``get_*`` / ``read_*`` that
yields factors:

========================  =============================================================
``timestamp``             interval start, tz-aware UTC, hourly, sorted, unique
``zone``                  the zone as the user asked for it (string)
factor columns            any of :data:`FACTOR_COLUMNS` (unit in the name)
``is_estimated``          the provider estimated, imputed or modelled the value
``is_forecast``           the value is a forecast, not an observation
``is_partial``            fewer sub-hourly observations than the hour should hold
``is_missing``            no observation in the hour (factor columns are NaN)
========================  =============================================================

Hourly rule (sub-hourly data): an observation is labelled by the start of its interval;
the hourly value is the arithmetic mean of the observations whose start lies in
``[hour, hour + 1 h)`` (equal weights, since the sub-intervals have equal length); an
hour's flags are true if any of its observations carries them. Gaps are never filled:
an hour without observations is a row with NaN factors and ``is_missing=True``.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pandas as pd

from fairwatt.errors import DataUnavailableError, InputError
from fairwatt.io.times import TimeError
from fairwatt.io.times import to_utc as times_to_utc
from fairwatt.schema import FACTORS

#: factor columns providers deliver -> unit label (from :mod:`fairwatt.schema`)
FACTOR_COLUMNS: dict[str, str] = {
    name: FACTORS[name].unit
    for name in ("carbon_g_per_kwh", "ewif_l_per_kwh", "health_usd_per_mwh")
}
FLAG_COLUMNS: tuple[str, ...] = ("is_estimated", "is_forecast", "is_partial", "is_missing")
KEY_COLUMNS: tuple[str, ...] = ("timestamp", "zone")

HOURLY_RULE = (
    "interval-start labels; hourly value = arithmetic mean of the sub-hourly values "
    "starting in the hour; flags true if any value in the hour has them; "
    "no gap filling (is_missing)"
)

Source = str | os.PathLike[str] | bytes | bytearray | IO[bytes] | IO[str]
Progress = Callable[[int, int], None]
ONE_HOUR = timedelta(hours=1)


# Loading bodies -----------------------------------------------------------------------


def read_source(source: Source) -> tuple[bytes, str | None]:
    """The raw bytes of ``source`` and, when it is a file, its path (for error messages).

    ``source`` is a path (str or PathLike), the body itself (bytes), or an open buffer.
    """
    if isinstance(source, bytes | bytearray):
        return bytes(source), None
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            return path.read_bytes(), str(path)
        except FileNotFoundError:
            raise InputError(f"file not found: {path}", hint="check the path") from None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}", file=str(path)) from None
    if hasattr(source, "read"):
        data = source.read()
        name = getattr(source, "name", None)
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        return raw, name if isinstance(name, str) else None
    raise TypeError(f"cannot read a body from {type(source).__name__}")


def path_of(source: Source) -> str | None:
    """The file path of ``source`` when it is one (for error messages)."""
    return str(source) if isinstance(source, str | os.PathLike) else None


def as_mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty mapping."""
    return value if isinstance(value, Mapping) else {}


def bad_body(provider: str, what: str, path: str | None, hint: str | None = None) -> Exception:
    """The right typed error for an unreadable body: InputError for a local file,
    DataUnavailableError for an answer received from a provider."""
    if path is not None:
        return InputError(what, file=path, hint=hint or f"expected a recorded {provider} answer")
    return DataUnavailableError(f"{provider}: {what}", hint=hint or "try again later")


def load_json(source: Source, *, provider: str) -> Any:
    """Parse a JSON body; a body that is not JSON, or is cut off, is a typed error."""
    raw, path = read_source(source)
    if not raw.strip():
        raise bad_body(provider, "the answer is empty", path)
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise bad_body(provider, "the answer is not UTF-8 text", path) from None
    except json.JSONDecodeError as exc:
        head = raw.lstrip()[:1]
        if head in (b"{", b"[") and _unclosed(raw):
            what = "the JSON answer is cut off (truncated body)"
        elif head == b"<":
            what = "the answer is HTML/XML, not JSON (maintenance page or proxy error?)"
        else:
            what = f"the answer is not valid JSON (line {exc.lineno}, column {exc.colno})"
        raise bad_body(provider, what, path) from None


def _unclosed(raw: bytes) -> bool:
    """True when JSON text ends inside a string or with brackets still open (cut off)."""
    depth = 0
    in_string = escaped = False
    for ch in raw.decode("utf-8", "replace"):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
    return in_string or depth > 0


# Time ---------------------------------------------------------------------------------


def to_utc(value: Any, *, name: str) -> pd.Timestamp:
    """A UTC timestamp from a string, datetime or Timestamp; a value without an offset is
    taken as UTC (providers' time axes are UTC)."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(
            f"{name}={value!r} is not a date or time",
            hint="use ISO 8601, e.g. 2024-01-01 or 2024-01-01T06:00Z",
        ) from None
    if ts is pd.NaT:
        raise InputError(f"{name} is empty", hint="use ISO 8601, e.g. 2024-01-01")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def hour_range(start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end)`` widened to whole UTC hours; ``end`` must be after ``start``."""
    s = to_utc(start, name="start").floor("h")
    e = to_utc(end, name="end").ceil("h")
    if e <= s:
        raise InputError(
            f"end ({e.isoformat()}) is not after start ({s.isoformat()})",
            hint="give --end later than --start",
        )
    return s, e


def chunks(
    start: pd.Timestamp, end: pd.Timestamp, span: timedelta
) -> Iterator[tuple[pd.Timestamp, pd.Timestamp]]:
    """Consecutive ``[a, b)`` pieces of ``[start, end)`` no longer than ``span``."""
    a = start
    while a < end:
        b = min(a + span, end)
        yield a, b
        a = b


def n_chunks(start: pd.Timestamp, end: pd.Timestamp, span: timedelta) -> int:
    return sum(1 for _ in chunks(start, end, span))


def iso_z(ts: pd.Timestamp | datetime, *, minutes: bool = True, seconds: bool = True) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` (or without seconds) in UTC."""
    t = pd.Timestamp(ts).tz_convert("UTC") if pd.Timestamp(ts).tzinfo else pd.Timestamp(ts)
    if seconds:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return t.strftime("%Y-%m-%dT%H:%MZ") if minutes else t.strftime("%Y-%m-%dT%H")


def parse_times(values: Any, *, provider: str, path: str | None, field: str) -> pd.Series:
    """Parse provider timestamps to UTC by the rule of :mod:`fairwatt.io.times` (provider
    time axes are UTC: a value without an offset is UTC); unparseable values are a typed
    error."""
    try:
        return times_to_utc(pd.Series(values), tz="UTC", column=field)
    except TimeError as exc:
        raise bad_body(
            provider, f"unreadable time in field {field!r}: {exc.detail}", path
        ) from None


def now_utc() -> datetime:
    return datetime.now(UTC)


# The canonical hourly table -----------------------------------------------------------


def empty_table(factor_cols: list[str]) -> pd.DataFrame:
    cols: dict[str, Any] = {
        "timestamp": pd.Series([], dtype="datetime64[us, UTC]"),
        "zone": pd.Series([], dtype="string"),
    }
    for c in factor_cols:
        cols[c] = pd.Series([], dtype="float64")
    for f in FLAG_COLUMNS:
        cols[f] = pd.Series([], dtype="bool")
    return pd.DataFrame(cols)


def to_hourly(
    obs: pd.DataFrame,
    *,
    zone: str,
    factor_cols: list[str],
    period_s: float | None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Reduce observations to the canonical hourly table (see the module docstring).

    Parameters
    ----------
    obs
        ``timestamp`` (UTC interval start), the factor columns, and optionally the flags
        ``is_estimated`` / ``is_forecast``.
    zone
        Written into the ``zone`` column.
    factor_cols
        Canonical factor columns present in ``obs``.
    period_s
        Length of one observation's interval. [s] ``None`` or ≥ 3600: hourly data.
    start, end
        If given, the table covers exactly ``[start, end)`` (hours without observations are
        rows flagged ``is_missing``); else it spans the first to the last observed hour.
    """
    if period_s is not None and period_s > 3600:
        raise DataUnavailableError(
            f"data at a {period_s / 3600:g}-hour resolution cannot give hourly factors",
            hint="ask the provider for hourly or finer data",
        )
    obs = obs.copy()
    for flag in ("is_estimated", "is_forecast"):
        if flag not in obs.columns:
            obs[flag] = False
        obs[flag] = obs[flag].fillna(False).astype(bool)
    obs = obs.dropna(subset=["timestamp"])
    obs = obs.sort_values("timestamp").drop_duplicates("timestamp", keep="last")
    if start is not None:
        obs = obs[obs["timestamp"] >= start]
    if end is not None:
        obs = obs[obs["timestamp"] < end]
    obs["hour"] = obs["timestamp"].dt.floor("h")
    grouped = obs.groupby("hour", sort=True)
    out = grouped[factor_cols].mean()
    out["is_estimated"] = grouped["is_estimated"].any()
    out["is_forecast"] = grouped["is_forecast"].any()
    counts = grouped[factor_cols].count().min(axis=1) if factor_cols else grouped.size()
    expected = 1 if not period_s or period_s >= 3600 else round(3600 / period_s)
    out["is_partial"] = counts < expected
    if start is None and end is None and out.empty:
        return empty_table(factor_cols)
    lo = start if start is not None else out.index.min()
    hi = end if end is not None else out.index.max() + ONE_HOUR
    grid = pd.date_range(lo, hi, freq="h", inclusive="left", tz="UTC", name="hour")
    out = out.reindex(grid)
    missing = out[factor_cols].isna().all(axis=1) if factor_cols else out["is_partial"].isna()
    for flag in ("is_estimated", "is_forecast", "is_partial"):
        out[flag] = out[flag].astype("boolean").fillna(False).astype(bool)
    out["is_partial"] = out["is_partial"] & ~missing
    out["is_missing"] = missing.astype(bool).to_numpy()
    out = out.reset_index().rename(columns={"hour": "timestamp"})
    out["timestamp"] = out["timestamp"].astype("datetime64[us, UTC]")
    out.insert(1, "zone", pd.Series([zone] * len(out), dtype="string"))
    for c in factor_cols:
        out[c] = out[c].astype("float64")
    return out[["timestamp", "zone", *factor_cols, *FLAG_COLUMNS]]


def concat_tables(parts: list[pd.DataFrame], factor_cols: list[str]) -> pd.DataFrame:
    """Concatenate hourly tables of one zone (chunks), later chunks winning on overlap."""
    parts = [p for p in parts if not p.empty]
    if not parts:
        return empty_table(factor_cols)
    df = pd.concat(parts, ignore_index=True)
    # a real observation beats a "missing" placeholder from a neighbouring chunk
    df = df.sort_values(["timestamp", "is_missing"], ascending=[True, False])
    return df.drop_duplicates("timestamp", keep="last").reset_index(drop=True)


def flag_summary(df: pd.DataFrame) -> dict[str, int]:
    """Counts of flagged hours, for provenance."""
    return {f"{f[3:]}_hours": int(df[f].sum()) for f in FLAG_COLUMNS if f in df.columns}


def units_of(factor_cols: list[str]) -> dict[str, str]:
    return {c: FACTOR_COLUMNS[c] for c in factor_cols}


def provenance(
    *,
    provider: str,
    zone: str,
    signal: str | None,
    signal_kind: str,
    emission_factor_type: str | list[str] | None,
    factor_cols: list[str],
    df: pd.DataFrame | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The provenance record every fetched table carries."""
    meta: dict[str, Any] = {
        "provider": provider,
        "zone": zone,
        "signal": signal,
        "signal_kind": signal_kind,
        "emission_factor_type": emission_factor_type,
        "units": units_of(factor_cols),
        "hourly_rule": HOURLY_RULE,
    }
    if df is not None:
        meta.update(flag_summary(df))
        meta["hours"] = len(df)
    meta.update({k: v for k, v in extra.items() if v is not None})
    return meta


def merge_request_meta(meta: dict[str, Any], responses: list[Any], endpoint: str) -> None:
    """Add endpoint, retrieval time and cache use of the HTTP answers to ``meta``."""
    from fairwatt.providers.session import from_cache, retrieved_at

    meta["endpoint"] = endpoint
    if responses:
        times = [retrieved_at(r) for r in responses]
        meta["retrieved_at"] = min(times).isoformat()
        meta["requests"] = len(responses)
        meta["from_cache"] = sum(1 for r in responses if from_cache(r))
    else:
        meta["retrieved_at"] = now_utc().isoformat()


def text_buffer(raw: bytes) -> io.BytesIO:
    return io.BytesIO(raw)
