"""Validation of the Python API's parameters: Python values in, typed options out.

Messages name the *parameter* (``by: unknown grouping 'x'``), never a command-line flag.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError

if TYPE_CHECKING:
    from fairwatt.services.audit import AuditOptions


def _is_table(obj: Any) -> bool:
    """A pandas DataFrame or a pyarrow Table (recognised without importing either)."""
    cls = type(obj)
    return (cls.__module__.startswith("pandas") and cls.__name__ == "DataFrame") or (
        cls.__module__.startswith("pyarrow") and cls.__name__ == "Table"
    )


def log_source(logs: Any) -> Any:
    if _is_table(logs):
        return logs
    if isinstance(logs, str | os.PathLike):
        return [os.fspath(logs)]
    if isinstance(logs, Sequence) and all(isinstance(p, str | os.PathLike) for p in logs):
        if not logs:
            raise InputError("logs: no energy log given")
        return [os.fspath(p) for p in logs]
    raise InputError(
        f"logs: expected a pandas DataFrame, a pyarrow Table, a path or a list of paths, "
        f"got {type(logs).__name__}"
    )


def _tables(value: Any, name: str) -> list[Any]:
    """A path, a table in memory, or a list of them, as a list of paths (str) and pandas
    DataFrames (a pyarrow Table becomes a DataFrame); ``name`` for messages."""
    if value is None:
        return []
    items = [value] if isinstance(value, str | os.PathLike) or _is_table(value) else value
    if not isinstance(items, Sequence):
        raise InputError(
            f"{name}: expected a path, a DataFrame or a list of them, got {type(value).__name__}"
        )
    out: list[Any] = []
    for item in items:
        if isinstance(item, str | os.PathLike):
            out.append(os.fspath(item))
        elif _is_table(item):
            out.append(item if type(item).__name__ == "DataFrame" else item.to_pandas())
        else:
            raise InputError(
                f"{name}: expected a path, a DataFrame or a list of them, got {type(item).__name__}"
            )
    return out


def _names(value: Any, name: str) -> tuple[list[str], str | None]:
    """A comma-separated string or a list of strings as a list (and the string given)."""
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()], value
    if isinstance(value, Sequence) and all(isinstance(k, str) for k in value):
        return [k.strip() for k in value], None
    raise InputError(f"{name}: expected a string or a list of strings, got {value!r}")


def _choice(value: Any, name: str, choices: Sequence[str | None]) -> Any:
    value = getattr(value, "value", value)  # an Enum member stands for its value
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise InputError(f"{name}: {value!r} is not one of {shown}")
    return value


def parse_duration(text: str, *, error: str, hint: str) -> float:
    """Seconds of a duration written as pandas reads it (``15min``, ``1h``, ``300s``). [s]

    Unreadable text raises :class:`~fairwatt.errors.InputError` with the caller's
    ``error`` message and ``hint`` (each caller names its own parameter or option).
    """
    import pandas as pd

    try:
        return float(pd.Timedelta(text).total_seconds())
    except (ValueError, TypeError):
        raise InputError(error, hint=hint) from None


def _interval_seconds(value: Any) -> float | None:
    """``interval`` as seconds. [s]"""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"interval: {value!r} is not a duration")
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        bad = f"interval: {value!r} is not a duration"
        seconds = parse_duration(value, error=bad, hint="e.g. '15min', '1h', 300 (seconds)")
    else:
        raise InputError(f"interval: {value!r} is not a duration")
    if not seconds > 0 or seconds == float("inf"):
        raise InputError(f"interval: {value!r} must be a positive duration")
    return seconds


def _check_tz(tz: Any) -> str | None:
    if tz is None:
        return None
    import zoneinfo

    if not isinstance(tz, str):
        raise InputError(f"tz: expected an IANA time zone name, got {tz!r}")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"tz: unknown time zone {tz!r}", hint="use an IANA name such as Europe/Berlin or UTC"
        ) from None
    return tz


def _mapping(value: Any, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InputError(f"{name}: expected a mapping of strings to strings, got {value!r}")
    return dict(value)


def audit_options(
    *,
    sites: Any,
    factors: Any,
    footprints: Any,
    by: Any,
    tz: Any,
    energy_unit: Any,
    interval: Any,
    columns: Any,
    duplicates: Any,
    fallback: Any,
    water_model: Any,
    datasets: Any,
    carbon_basis: Any = "lifecycle",
    factors_from: Any,
    provider_zones: Any,
    offline: bool,
    equity: bool,
    provenance_column: bool,
    memory_limit: str,
) -> AuditOptions:
    """Validate the parameters of :func:`audit` (errors name them) into its options."""
    from fairwatt.io.logs import CANONICAL_FIELDS, LogOptions
    from fairwatt.services.audit import AuditOptions, check_by, check_footprints
    from fairwatt.units import ENERGY_TO_KWH

    keys, given = _names(by, "by")
    group = check_by(keys, name="by", given=given)
    which: list[str] | None = None  # auto: every footprint the factors cover
    if footprints is not None:
        items, given = _names(footprints, "footprints")
        which = check_footprints(items, name="footprints", given=given)
    energy_unit = getattr(energy_unit, "value", energy_unit)
    if energy_unit not in ENERGY_TO_KWH:
        raise InputError(
            f"energy_unit: unknown unit {energy_unit!r}",
            hint=f"use one of {', '.join(ENERGY_TO_KWH)}",
        )
    column_map = _mapping(columns, "columns")
    unknown = sorted(set(column_map) - set(CANONICAL_FIELDS))
    if unknown:
        raise InputError(
            f"columns: unknown field(s) {', '.join(unknown)}",
            hint=f"fields are {', '.join(CANONICAL_FIELDS)}",
        )
    fallback = _choice(fallback, "fallback", (None, "none", "annual"))
    pinned, _ = _names([datasets] if isinstance(datasets, str) else datasets, "datasets")
    if factors_from is not None and not isinstance(factors_from, str):
        raise InputError(f"factors_from: expected a provider name, got {factors_from!r}")
    if not isinstance(memory_limit, str) or not memory_limit.strip():
        raise InputError(f"memory_limit: expected a size such as '768MB', got {memory_limit!r}")
    return AuditOptions(
        log=LogOptions(
            columns=column_map,
            energy_unit=energy_unit,
            tz=_check_tz(tz),
            interval_s=_interval_seconds(interval),
            duplicates=_choice(duplicates, "duplicates", ("error", "sum")),
            memory_limit=memory_limit,
        ),
        sites=_tables(sites, "sites"),
        factors=_tables(factors, "factors"),
        datasets=pinned,
        by=group,
        footprints=which,
        fallback=None if fallback in (None, "none") else fallback,
        provenance_column=bool(provenance_column),
        equity=bool(equity),
        water_model=_choice(water_model, "water_model", ("split", "total")),
        carbon_basis=_choice(carbon_basis, "carbon_basis", ("lifecycle", "direct", "any")),
        factors_from=factors_from,
        provider_zones=_mapping(provider_zones, "provider_zones"),
        offline=bool(offline),
    )
