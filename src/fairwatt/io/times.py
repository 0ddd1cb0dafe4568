"""One time conversion, with one daylight-saving rule, for every input with timestamps.

Energy logs, factor files, scenario files, fuel-mix files and provider answers all turn
their timestamps into tz-aware UTC with :func:`to_utc` (energy logs apply the same rule
inside their streaming reduction, :mod:`fairwatt.io.logs`). The rule:

1. **Offsets**: a value with a UTC offset (``2024-10-27T02:00+02:00``, ``...Z``) or an
   already tz-aware value is converted to UTC; rows may have different offsets.
2. **Naive values** are local times in ``tz``, an IANA zone name (``Europe/Berlin``,
   ``UTC``). Without ``tz`` they are refused: "timestamps have no time zone". A column
   that mixes naive values and values with offsets is refused too.
3. **Spring forward**: a local time that the clocks skip (Europe/Berlin 2024-03-31
   02:30) does not exist and is refused.
4. **Fall back**: a local time that the clocks repeat (Europe/Berlin 2024-10-27 02:00 to
   02:59) is ambiguous. Within each series (the rows with equal ``series`` keys, e.g.
   one site and server; the whole column without keys), in file order, it must occur
   exactly twice: the first occurrence is read as daylight-saving (summer) time, the
   second as standard time — what an ordered series of readings gives. A repeated
   local time that occurs once, or three or more times, in one series is refused.
5. Missing or unparseable values are refused.

Every refusal is an :class:`~fairwatt.errors.InputError` naming the file, row, column
and the value (the local time and zone for rules 3 and 4), with the remedy: add UTC
offsets. Nothing is dropped, shifted or reported as a duplicate silently.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: a value with a time part that ends with ``Z`` or a numeric UTC offset
OFFSET_PATTERN = r"[T ]\d.*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
OFFSET_HINT = "add UTC offsets to the timestamps (e.g. 2024-10-27T02:00:00+02:00)"
NO_ZONE_HINT = "add offsets (e.g. 2024-06-03T00:00:00+00:00) or pass --tz (e.g. --tz UTC)"
ZONE_HINT = "use an IANA name such as Europe/Berlin or UTC"


class TimeError(InputError):
    """A timestamp refused by the time rule; ``position`` is its 0-based place in the
    values given, ``detail`` the message without the file/row/column prefix."""

    def __init__(
        self,
        detail: str,
        *,
        position: int | None,
        file: str | None,
        row: int | None,
        column: str | None,
        hint: str | None = None,
    ) -> None:
        super().__init__(detail, file=file, row=row, column=column, hint=hint)
        self.detail = detail
        self.position = position


class _Where:
    """Where the values come from, to build error messages."""

    def __init__(self, file: str | None, column: str | None, first_row: int) -> None:
        self.file, self.column, self.first_row = file, column, first_row

    def error(self, detail: str, position: int | None = None, hint: str | None = None) -> TimeError:
        row = None if position is None else self.first_row + position
        return TimeError(
            detail, position=position, file=self.file, row=row, column=self.column, hint=hint
        )


def check_zone(tz: str) -> None:
    """Refuse a time-zone name that is not an IANA name known to this system.

    Raises
    ------
    InputError
        Naming ``tz`` and asking for an IANA name.
    """
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(str(tz))
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise InputError(f"unknown time zone {tz!r}", hint=ZONE_HINT) from None


def zone_is_fixed(tz: str) -> bool:
    """True when the UTC offset of ``tz`` never changes from 1970 to 2100 (``UTC``,
    ``Etc/GMT-3``, ``Asia/Kolkata``): naive times in it are never skipped or repeated."""
    from zoneinfo import ZoneInfo

    check_zone(tz)
    zone = ZoneInfo(str(tz))
    start = datetime(1970, 1, 1)
    offsets = {zone.utcoffset(start + timedelta(days=14 * i)) for i in range(131 * 26 + 1)}
    return len(offsets) == 1


def offset_changes(tz: str, lo: datetime, hi: datetime) -> list[datetime]:
    """Naive local times (before the change) at which the UTC offset of ``tz`` changes
    between the local times ``lo`` and ``hi`` (widened by three days each side).

    Found by daily steps and bisection to the second; an offset change undone within
    the same day is not seen (no zone has one).
    """
    from datetime import UTC
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(str(tz))

    def offset(t: datetime) -> timedelta | None:
        return t.astimezone(zone).utcoffset()

    day = timedelta(days=1)
    t = lo.replace(tzinfo=UTC, microsecond=0) - 3 * day
    end = hi.replace(tzinfo=UTC) + 3 * day
    changes = []
    while t < end:
        a, b = t, t + day
        if offset(a) != offset(b):
            while b - a > timedelta(seconds=1):
                mid = a + timedelta(seconds=(b - a).total_seconds() // 2)
                a, b = (mid, b) if offset(mid) == offset(a) else (a, mid)
            before = offset(a) or timedelta(0)
            changes.append((b + before).replace(tzinfo=None))
        t += day
    return changes


def to_utc(
    values: pd.Series,
    *,
    tz: str | None = None,
    file: str | None = None,
    column: str | None = "timestamp",
    format: str | None = None,
    series: pd.DataFrame | pd.Series | None = None,
    first_row: int = 2,
    zone_hint: str = NO_ZONE_HINT,
) -> pd.Series:
    """Convert timestamps to tz-aware UTC by the rule of this module.

    Parameters
    ----------
    values
        Timestamps in file order: text, naive or tz-aware datetimes.
    tz
        IANA zone of naive values; ``None`` refuses naive values.
    file, column
        Where the values come from, for error messages.
    format
        ``strftime`` format of text values; ``None`` reads ISO 8601.
    series
        Keys that split the values into series (same length as ``values``), e.g. the
        ``zone`` column, or ``site`` and ``server``; ``None``: one series.
    first_row
        Row number of the first value in error messages (2 for CSV, 1 for Parquet).
    zone_hint
        How to give the zone of naive values, for the "no time zone" message (the
        default names ``--tz``; a scenario file names its ``timezone`` key).

    Returns
    -------
    pandas.Series
        The instants, tz-aware UTC, same index as ``values``.

    Raises
    ------
    TimeError
        An :class:`~fairwatt.errors.InputError` naming file, row, column and value.
    """
    import pandas as pd

    where = _Where(file, column, first_row)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        _refuse_missing(values.isna(), where)
        return values.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        _refuse_missing(values.isna(), where)
        naive = values
    else:
        parsed = _parse(values, where, format)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            return parsed.dt.tz_convert("UTC")
        naive = parsed
    if tz is None:
        raise where.error("timestamps have no time zone", hint=zone_hint)
    check_zone(tz)
    return _localize(naive, str(tz), series, where)


def _refuse_missing(missing: pd.Series, where: _Where) -> None:
    if missing.any():
        position = int(missing.to_numpy().nonzero()[0][0])
        raise where.error("missing timestamp", position, hint="every row needs a time")


def _parse(values: pd.Series, where: _Where, format: str | None) -> pd.Series:
    """Text to datetimes: all with offsets (tz-aware UTC) or all naive."""
    import pandas as pd

    text = values.astype("string").str.strip()
    _refuse_missing(text.isna() | (text == ""), where)
    has_offset = text.str.contains(OFFSET_PATTERN, regex=True).to_numpy(dtype=bool)
    aware = pd.to_datetime(text, format=format or "ISO8601", utc=True, errors="coerce")
    bad = aware.isna().to_numpy()
    if bad.any():
        position = int(bad.nonzero()[0][0])
        raise where.error(
            f"cannot parse timestamp {text.iloc[position]!r}",
            position,
            hint="use ISO 8601, e.g. 2024-06-03T00:00:00+00:00"
            if format is None
            else f"expected the format {format!r}",
        )
    if has_offset.all():
        return pd.Series(aware, index=values.index)
    if has_offset.any():
        position = int((~has_offset).nonzero()[0][0])
        raise where.error(
            f"timestamp {text.iloc[position]!r} has no UTC offset, unlike others in the column",
            position,
            hint="give every timestamp an offset, or none and pass the time zone",
        )
    naive = pd.to_datetime(text, format=format or "ISO8601")
    return pd.Series(naive, index=values.index)


def _local(ts: Any) -> str:
    stamp = datetime.fromisoformat(str(ts))
    fmt = "%Y-%m-%d %H:%M" if stamp.second == 0 and stamp.microsecond == 0 else "%Y-%m-%d %H:%M:%S"
    return stamp.strftime(fmt)


def _localize(
    naive: pd.Series, tz: str, series: pd.DataFrame | pd.Series | None, where: _Where
) -> pd.Series:
    """Naive local times in ``tz`` to UTC: gaps refused, repeated times resolved in
    pairs (first daylight, then standard time) within each series."""
    import numpy as np

    n = len(naive)
    dst = naive.dt.tz_localize(tz, ambiguous=np.ones(n, dtype=bool), nonexistent="NaT")
    std = naive.dt.tz_localize(tz, ambiguous=np.zeros(n, dtype=bool), nonexistent="NaT")
    gap = dst.isna().to_numpy()
    if gap.any():
        position = int(gap.nonzero()[0][0])
        raise where.error(
            f"{_local(naive.iloc[position])} does not exist in {tz} (the clocks skip it at "
            "the spring-forward change)",
            position,
            hint=OFFSET_HINT,
        )
    ambiguous = (dst != std).to_numpy()
    if not ambiguous.any():
        return dst.dt.tz_convert("UTC")
    positions = np.flatnonzero(ambiguous)
    second = _second_of_pairs(naive, positions, series, tz, where)
    standard = np.zeros(n, dtype=bool)
    standard[positions[second]] = True
    return dst.where(~standard, std).dt.tz_convert("UTC")


def _second_of_pairs(
    naive: pd.Series,
    positions: np.ndarray,
    series: pd.DataFrame | pd.Series | None,
    tz: str,
    where: _Where,
) -> np.ndarray:
    """For the ambiguous rows at ``positions``: True where a row is the second
    occurrence of its local time in its series; refuse times not occurring twice."""
    frame = _keys(series, positions)
    keys = list(frame.columns)
    frame["_local"] = naive.to_numpy()[positions]
    frame["_one"] = 1
    groups = frame.groupby([*keys, "_local"], sort=False, dropna=False)["_one"]
    count = groups.transform("size").to_numpy()
    order = groups.cumcount().to_numpy()
    # name the lone occurrence, or the third one (the first that cannot be paired)
    bad = (count == 1) | ((count > 2) & (order == 2))
    if bad.any():
        i = int(bad.nonzero()[0][0])
        times = "once" if count[i] == 1 else f"{count[i]} times"
        owner = ", ".join(f"{k}={frame[k].iloc[i]!r}" for k in keys)
        raise where.error(
            f"{_local(frame['_local'].iloc[i])} in {tz} is ambiguous (it occurs twice at the "
            f"fall-back) but occurs {times} in {'the series ' + owner if owner else 'the column'}"
            ": cannot tell daylight from standard time",
            int(positions[i]),
            hint=OFFSET_HINT,
        )
    result: np.ndarray = order == 1
    return result


def _keys(series: pd.DataFrame | pd.Series | None, positions: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    if series is None:
        return pd.DataFrame(index=range(len(positions)))
    if isinstance(series, pd.Series):
        series = series.to_frame(name=str(series.name or "series"))
    return pd.DataFrame(
        {str(c): series[c].to_numpy()[positions] for c in series.columns},
        index=range(len(positions)),
    )
