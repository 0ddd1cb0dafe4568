"""Read a rebalancing scenario file: TOML pointing at CSV/Parquet tables.

The format is in ``docs/rebalance.md``: ``sites``, ``gateways``, time settings
(``timezone``, ``time_column``, ``time_format``), the default ``mask``, ``objectives``
and ``[weights]``, the tables ``[capacity]``, ``[demand]``, ``[factors.price]``,
``[factors.carbon|water|health]`` (each ``value``, ``file`` or ``pattern`` with a
``unit``), ``[site_weights.*]``, ``[masks.*]``, ``[nearest]``, ``[files]``,
``[source]`` and ``[flexibility]`` (:mod:`fairwatt.io.scenario_flexibility`).
:func:`read_scenario` returns the arrays in balancing units (energy MWh per hour, price
US$/MWh, carbon t/MWh, water m³/MWh, health US$/MWh) as a :class:`ScenarioFile`; the
rebalancing service builds the balancing scenario from it.
In CSV tables only empty cells are missing values (a site named ``NA`` is a name).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairwatt.errors import InputError
from fairwatt.io.scenario_flexibility import read_flexibility
from fairwatt.io.tables import first_row_number, read_table
from fairwatt.io.times import to_utc
from fairwatt.schema import FOOTPRINTS
from fairwatt.schema import SCENARIO_ENERGY_UNITS as ENERGY_UNITS
from fairwatt.schema import SCENARIO_FACTOR_UNITS as FACTOR_UNITS

_KNOWN_KEYS = frozenset({
    "title", "sites", "gateways", "timezone", "time_column", "time_format", "mask",
    "objectives", "weights", "capacity", "demand", "factors", "site_weights", "masks",
    "nearest", "files", "source", "flexibility",
})  # fmt: skip

Table = pd.DataFrame | pd.Series
"""One value per entity (Series) or per hour and entity (DataFrame, UTC hourly index)."""


@dataclass
class ScenarioFile:
    """What a scenario file holds, on the hours every table has.

    ``capacity`` (S, T) and ``demand`` (G, T) [MWh per hour]; ``price`` (S, T) [US$/MWh];
    ``intensity`` (S, T) each: carbon [t/MWh], water [m³/MWh], health [US$/MWh];
    ``site_weights`` (S,) [dimensionless]; ``masks`` bool (S, G); ``nearest`` (G,) site
    indices; ``hours`` datetime64 hour starts (UTC, no zone).
    """

    path: str
    title: str
    sites: list[str]
    gateways: list[str]
    capacity: np.ndarray
    demand: np.ndarray
    price: np.ndarray
    intensity: dict[str, np.ndarray]
    hours: np.ndarray
    site_weights: dict[str, np.ndarray] = field(default_factory=dict)
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    nearest: np.ndarray | None = None
    weights: dict[str, float] = field(default_factory=dict)
    objectives: list[str] = field(default_factory=list)
    mask: str = "full"
    notes: list[str] = field(default_factory=list)
    source: Any = None
    flexibility: tuple[np.ndarray, np.ndarray] | None = None
    """Deferrable share and maximum delay [h] of each gateway (``[flexibility]``)."""


class _Ctx:
    """What every table reader needs: base folder, time settings, the file's name."""

    def __init__(self, path: Path, doc: Mapping[str, Any]) -> None:
        self.path = path
        self.base = path.parent
        self.timezone = doc.get("timezone")
        self.time_column = str(doc.get("time_column", "timestamp"))
        self.time_format = doc.get("time_format")
        self.keys = {str(k): str(v) for k, v in dict(doc.get("files", {})).items()}

    def err(
        self, message: str, *, section: str | None = None, hint: str | None = None
    ) -> InputError:
        where = f"[{section}] " if section else ""
        return InputError(f"{where}{message}", file=str(self.path), hint=hint)


# --------------------------------------------------------------------------- tables


def _read_table(path: Path, ctx: _Ctx, section: str) -> pd.DataFrame:
    if not path.exists():
        raise ctx.err(
            f"file not found: {path}",
            section=section,
            hint="paths are relative to the scenario file",
        )
    return read_table(path, what="scenario table")


def _column(df: pd.DataFrame, name: str, path: Path) -> str:
    if name in df.columns:
        return name
    stripped = {str(c).strip(): str(c) for c in df.columns}
    if name.strip() in stripped:
        return stripped[name.strip()]
    raise InputError(
        f"no column {name!r} (columns: {', '.join(map(str, df.columns))})",
        file=str(path),
        column=name,
    )


def _hours(
    df: pd.DataFrame,
    path: Path,
    spec: Mapping[str, Any],
    ctx: _Ctx,
    series: pd.Series | None = None,
) -> pd.DatetimeIndex:
    """UTC hour starts of a table's rows, validated (the time rule of
    :mod:`fairwatt.io.times`; ``series`` splits a long table by entity)."""
    col = _column(df, str(spec.get("time_column", ctx.time_column)), path)
    raw = df[col]
    tz = spec.get("timezone", ctx.timezone)
    fmt = spec.get("time_format", ctx.time_format)
    ts = to_utc(
        raw,
        tz=str(tz) if tz else None,
        file=str(path),
        column=col,
        format=str(fmt) if fmt else None,
        series=series,
        first_row=first_row_number(path),
        zone_hint='set timezone = "UTC" (or the IANA zone of the data) in the scenario',
    )
    off_hour = (ts.dt.minute != 0) | (ts.dt.second != 0) | (ts.dt.microsecond != 0)
    if off_hour.any():
        bad = int(off_hour.to_numpy().argmax())
        raise InputError(
            f"timestamp {raw.iloc[bad]!r} is not the start of an hour",
            file=str(path),
            row=bad + first_row_number(path),
            column=col,
            hint="scenario tables are hourly, labelled by the hour's start",
        )
    return pd.DatetimeIndex(ts)


def _numeric(values: pd.Series, path: Path, column: str) -> np.ndarray:
    num = pd.to_numeric(values, errors="coerce")
    bad = num.isna() | ~np.isfinite(num.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise InputError(
            f"not a finite number: {values.iloc[i]!r}", file=str(path), row=i + 2, column=column
        )
    return num.to_numpy(dtype=float)


def _series_of(
    df: pd.DataFrame, path: Path, column: str, spec: Mapping[str, Any], ctx: _Ctx
) -> pd.Series:
    col = _column(df, column, path)
    hours = _hours(df, path, spec, ctx)
    dup = hours.duplicated()
    if dup.any():
        i = int(dup.argmax())
        raise InputError(f"hour {hours[i]} appears twice", file=str(path), row=i + 2, column=col)
    return pd.Series(_numeric(df[col], path, col), index=hours)


# --------------------------------------------------------------------------- entity tables


def _unit_factor(spec: Mapping[str, Any], kind: str, section: str, ctx: _Ctx) -> float:
    table = ENERGY_UNITS if kind in ("capacity", "demand") else FACTOR_UNITS[kind]
    default = "MWh" if kind in ("capacity", "demand") else next(iter(table))
    unit = str(spec.get("unit", default))
    if unit not in table:
        raise ctx.err(
            f"unknown unit {unit!r}", section=section, hint=f"use one of: {', '.join(table)}"
        )
    scale = spec.get("scale", 1.0)
    divide = spec.get("divide_by", 1.0)
    for name, v in (("scale", scale), ("divide_by", divide)):
        if not isinstance(v, int | float) or not math.isfinite(v) or v == 0:
            raise ctx.err(f"{name} must be a non-zero number", section=section)
    return table[unit] * float(scale) / float(divide)


def _entity_table(
    spec: Mapping[str, Any], names: Sequence[str], kind: str, section: str, ctx: _Ctx
) -> Table:
    """One value per entity (Series, constant in time) or per hour and entity (DataFrame
    with a UTC hourly index and one column per entity), in balancing units."""
    factor = _unit_factor(spec, kind, section, ctx)
    forms = [k for k in ("value", "file", "pattern") if k in spec]
    if len(forms) != 1:
        raise ctx.err("give exactly one of value, file or pattern", section=section)
    if "value" in spec:
        return _constant_form(spec["value"], names, section, ctx) * factor
    if "pattern" in spec:
        return _pattern_form(spec, names, section, ctx) * factor
    path = ctx.base / str(spec["file"])
    df = _read_table(path, ctx, section)
    entity_col = spec.get("entity_column")
    if entity_col is None:
        for candidate in ("site", "gateway"):
            if candidate in df.columns and "column" in spec:
                entity_col = candidate
                break
    if entity_col is not None:
        return _long_form(df, path, str(entity_col), spec, names, ctx) * factor
    if "column" in spec:
        if len(names) != 1 and not (kind == "demand" and "split" in spec):
            raise ctx.err(
                'one column serves a single series; add split = "equal" (demand) or an '
                "entity_column, or give a wide table without column",
                section=section,
            )
        s = _series_of(df, path, str(spec["column"]), spec, ctx) * factor
        split = kind == "demand" and "split" in spec
        return s.to_frame("__total__" if split else names[0])
    return _wide_form(df, path, spec, names, ctx) * factor


def _constant_form(value: Any, names: Sequence[str], section: str, ctx: _Ctx) -> pd.Series:
    if isinstance(value, Mapping):
        missing = [n for n in names if n not in value]
        if missing:
            raise ctx.err(f"no value for {', '.join(missing[:5])}", section=section)
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ctx.err(
                f"value given for unknown name(s) {', '.join(unknown[:5])}", section=section
            )
        data = [value[n] for n in names]
    else:
        data = [value] * len(names)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in data):
        raise ctx.err("values must be finite numbers", section=section)
    return pd.Series([float(v) for v in data], index=list(names))


def _pattern_form(
    spec: Mapping[str, Any], names: Sequence[str], section: str, ctx: _Ctx
) -> pd.DataFrame:
    column = spec.get("column")
    if not column:
        raise ctx.err("a pattern needs column = NAME of the value column", section=section)
    cols = {}
    for n in names:
        key = ctx.keys.get(n, n)
        try:
            rel = str(spec["pattern"]).format(key=key, site=n, name=n)
        except (KeyError, IndexError):
            raise ctx.err("pattern may use {key}, {site} or {name} only", section=section) from None
        path = ctx.base / rel
        cols[n] = _series_of(_read_table(path, ctx, section), path, str(column), spec, ctx)
    return pd.concat(cols, axis=1, join="outer")


def _long_form(
    df: pd.DataFrame,
    path: Path,
    entity_col: str,
    spec: Mapping[str, Any],
    names: Sequence[str],
    ctx: _Ctx,
) -> pd.DataFrame:
    ecol = _column(df, entity_col, path)
    vcol = _column(df, str(spec.get("column", "value")), path)
    hours = _hours(df, path, spec, ctx, series=df[ecol])
    long = pd.DataFrame(
        {
            "hour": hours,
            "name": df[ecol].astype(str).to_numpy(),
            "v": _numeric(df[vcol], path, vcol),
        }
    )
    dup = long.duplicated(["hour", "name"])
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise InputError("hour and name appear twice", file=str(path), row=i + 2, column=ecol)
    wide = long.pivot(index="hour", columns="name", values="v")
    missing = [n for n in names if n not in wide.columns]
    if missing:
        raise InputError(f"no rows for {', '.join(missing[:5])}", file=str(path), column=ecol)
    return wide[list(names)]


def _wide_form(
    df: pd.DataFrame, path: Path, spec: Mapping[str, Any], names: Sequence[str], ctx: _Ctx
) -> pd.DataFrame:
    """A time column and one column per entity."""
    cols = {}
    for n in names:
        col = _column(df, n, path)
        cols[n] = pd.Series(_numeric(df[col], path, col))
    hours = _hours(df, path, spec, ctx)
    wide = pd.DataFrame(cols)
    wide.index = hours
    if hours.duplicated().any():
        i = int(hours.duplicated().argmax())
        raise InputError(f"hour {hours[i]} appears twice", file=str(path), row=i + 2)
    return wide


# --------------------------------------------------------------------------- document


def _read_doc(path: str | Path) -> tuple[dict[str, Any], _Ctx]:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"scenario file not found: {path}", hint="check the path")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(p)) from None
    ctx = _Ctx(p, doc)
    unknown = sorted(set(doc) - _KNOWN_KEYS)
    if unknown:
        raise ctx.err(
            f"unknown key(s): {', '.join(unknown)}",
            hint=f"known keys: {', '.join(sorted(_KNOWN_KEYS))}",
        )
    return doc, ctx


def _factor_specs(doc: Mapping[str, Any], ctx: _Ctx) -> dict[str, Any]:
    """Check the required sections; return the ``[factors]`` table."""
    for section in ("capacity", "demand"):
        if section not in doc:
            raise ctx.err(f"missing [{section}] table")
    factors = dict(doc.get("factors", {}))
    if "price" not in factors:
        raise ctx.err("missing [factors.price] table", hint="energy prices are needed for the cost")
    for name in factors:
        if name not in ("price", *FOOTPRINTS):
            raise ctx.err(
                f"unknown factor [factors.{name}]", hint=f"use price, {', '.join(FOOTPRINTS)}"
            )
    return factors


def _names(value: Any, key: str, ctx: _Ctx) -> list[str]:
    """Names of ``sites`` or ``gateways``; ``key = ...`` of an entry goes to ``ctx.keys``."""
    if not isinstance(value, list) or not value:
        raise ctx.err(f"{key} must be a non-empty list")
    names: list[str] = []
    for item in value:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, Mapping) and "name" in item:
            extra_keys = sorted(set(item) - {"name", "key"})
            if extra_keys:
                raise ctx.err(
                    f"unknown key(s) {', '.join(extra_keys)} in an entry of {key}",
                    hint="an entry is {name = ..., key = ...}; capacities go in [capacity]",
                )
            names.append(str(item["name"]))
            if "key" in item:
                ctx.keys[str(item["name"])] = str(item["key"])
        else:
            raise ctx.err(f"each entry of {key} is a name or a table with name = ...")
    return names


def _demand(spec: Mapping[str, Any], gateways: list[str], ctx: _Ctx) -> pd.DataFrame:
    demand = _entity_table(spec, gateways, "demand", "demand", ctx)
    if isinstance(demand, pd.DataFrame) and "__total__" in demand.columns:
        total = demand["__total__"]
        split = spec.get("split", "equal")
        if split == "equal":
            shares = pd.Series(1.0 / len(gateways), index=gateways)
        elif isinstance(split, Mapping):
            shares = pd.Series({g: float(split.get(g, 0.0)) for g in gateways})
            if (shares < 0).any() or not math.isclose(float(shares.sum()), 1.0, rel_tol=1e-9):
                raise ctx.err("demand split shares must be >= 0 and add up to 1", section="demand")
        else:
            raise ctx.err('split must be "equal" or a table gateway = share', section="demand")
        demand = pd.DataFrame({g: total * shares[g] for g in gateways})
    if isinstance(demand, pd.Series):
        raise ctx.err("demand must be a time series (file or pattern)", section="demand")
    return demand


def _common_hours(frames: list[pd.DataFrame], ctx: _Ctx) -> tuple[pd.DatetimeIndex, list[str]]:
    """The hours every series has a value for, and a note on the hours dropped."""
    index = frames[0].dropna().index
    for f in frames[1:]:
        index = index.intersection(f.dropna().index)
    index = index.sort_values()
    notes: list[str] = []
    longest = max(len(f.index) for f in frames)
    if len(index) == 0:
        raise ctx.err("the tables share no hour", hint="check time zones and the time columns")
    if len(index) < longest:
        notes.append(
            f"{len(index)} hours common to every table are used "
            f"({longest - len(index)} hours present in only some tables dropped)"
        )
    return pd.DatetimeIndex(index), notes


def _hourly(
    t: Table, index: pd.DatetimeIndex, names: list[str], label: str, ctx: _Ctx
) -> np.ndarray:
    """Values (entities, hours) of a table on ``index``; a gap is an error."""
    if isinstance(t, pd.Series):
        return np.repeat(t.to_numpy(dtype=float)[:, None], len(index), axis=1)
    sub = t.loc[index, names]
    if sub.isna().any().any():
        col = sub.columns[sub.isna().any()][0]
        hour = sub.index[sub[col].isna()][0]
        raise ctx.err(f"{label} has no value for {col} at {hour}", hint="fill the gap")
    return sub.to_numpy(dtype=float).T


def _site_weights(doc: Mapping[str, Any], sites: list[str], ctx: _Ctx) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for f, spec in dict(doc.get("site_weights", {})).items():
        if f not in FOOTPRINTS:
            raise ctx.err(f"unknown footprint [site_weights.{f}]")
        w = _entity_table(
            {**dict(spec), "unit": "MWh"}, sites, "capacity", f"site_weights.{f}", ctx
        )
        if not isinstance(w, pd.Series):
            raise ctx.err(
                "site weights are constants per site (value = {...})", section=f"site_weights.{f}"
            )
        out[f] = w.to_numpy(dtype=float)
    return out


def _mask(spec: Any, name: str, sites: list[str], gateways: list[str], ctx: _Ctx) -> np.ndarray:
    section = f"masks.{name}"
    if not isinstance(spec, Mapping):
        raise ctx.err("a mask is a table with matrix = [[...]] or file = PATH", section=section)
    if "matrix" in spec:
        m = np.array(spec["matrix"], dtype=object)
        if m.shape != (len(sites), len(gateways)):
            raise ctx.err(
                f"matrix has shape {m.shape}, expected {len(sites)} rows (sites) × "
                f"{len(gateways)} columns (gateways)",
                section=section,
            )
        flat = [v for v in m.ravel() if v not in (0, 1, True, False)]
        if flat:
            raise ctx.err(f"matrix entries must be 0 or 1, got {flat[0]!r}", section=section)
        return m.astype(bool)
    if "file" in spec:
        return _mask_file(ctx.base / str(spec["file"]), section, sites, gateways, ctx)
    raise ctx.err("a mask needs matrix = [[...]] or file = PATH", section=section)


def _mask_file(
    path: Path, section: str, sites: list[str], gateways: list[str], ctx: _Ctx
) -> np.ndarray:
    df = _read_table(path, ctx, section)
    first = df.columns[0]
    df = df.set_index(df[first].astype(str)).drop(columns=first)
    dup = df.index[df.index.duplicated()]
    if len(dup):
        raise InputError(
            f"mask has more than one row for site {dup[0]!r}", file=str(path), column=first
        )
    missing = [s for s in sites if s not in df.index] + [g for g in gateways if g not in df.columns]
    if missing:
        raise InputError(
            f"mask lacks {', '.join(missing[:5])} (rows are sites, columns gateways)",
            file=str(path),
        )
    vals = df.loc[sites, gateways].to_numpy()
    bad = ~np.isin(vals, (0, 1))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(
            f"mask entries must be 0 or 1, got {vals[i, j]!r}",
            file=str(path),
            row=int(np.flatnonzero(df.index == sites[i])[0]) + 2,
            column=gateways[j],
        )
    return vals.astype(bool)


def _nearest(doc: Mapping[str, Any], sites: list[str], gateways: list[str], ctx: _Ctx) -> Any:
    if "nearest" not in doc:
        return None
    table = dict(doc["nearest"])
    missing = [g for g in gateways if g not in table]
    bad = [str(v) for v in table.values() if str(v) not in sites]
    if missing or bad:
        listed = f"missing: {', '.join(missing[:5]) or '-'}; "
        listed += f"unknown: {', '.join(bad[:5]) or '-'}"
        raise ctx.err(
            f"every gateway needs a nearest site among the sites ({listed})", section="nearest"
        )
    return np.array([sites.index(str(table[g])) for g in gateways])


def _run_settings(doc: Mapping[str, Any], ctx: _Ctx) -> tuple[dict[str, float], list[str]]:
    """The file's default weights and objectives."""
    weights = {str(k): float(v) for k, v in dict(doc.get("weights", {})).items()}
    for k in weights:
        if k not in ("cost", *FOOTPRINTS):
            raise ctx.err(
                f"unknown weight {k!r}", section="weights", hint="cost, carbon, water or health"
            )
    objectives = doc.get("objectives", [])
    if not isinstance(objectives, list) or not all(isinstance(o, str) for o in objectives):
        raise ctx.err("objectives must be a list of strings")
    return weights, list(objectives)


def read_scenario(path: str | Path) -> ScenarioFile:
    """Read a scenario TOML file and the tables it points at.

    Parameters
    ----------
    path : str or Path
        The TOML file; table paths in it are relative to its folder.

    Returns
    -------
    ScenarioFile
        Arrays in balancing units on the hours every table has (a note says how many
        hours were dropped).

    Raises
    ------
    InputError
        On a missing or malformed file, table, column, unit or value (with the file,
        row and column).
    """
    doc, ctx = _read_doc(path)
    p = ctx.path
    sites = _names(doc.get("sites"), "sites", ctx)
    gateways = _names(doc["gateways"], "gateways", ctx) if "gateways" in doc else sites
    factors = _factor_specs(doc, ctx)
    site_tables: dict[str, Table] = {
        "capacity": _entity_table(doc["capacity"], sites, "capacity", "capacity", ctx)
    }
    for name, spec in factors.items():
        site_tables[name] = _entity_table(spec, sites, name, f"factors.{name}", ctx)
    demand = _demand(dict(doc["demand"]), gateways, ctx)
    frames = [demand, *(t for t in site_tables.values() if isinstance(t, pd.DataFrame))]
    index, notes = _common_hours(frames, ctx)
    arrays = {k: _hourly(t, index, sites, k, ctx) for k, t in site_tables.items()}
    dem = _hourly(demand, index, gateways, "demand", ctx)
    for label, arr in (("capacity", arrays["capacity"]), ("demand", dem)):
        if (arr < 0).any():
            raise ctx.err(f"{label} has negative values", section=label)
    site_weights = _site_weights(doc, sites, ctx)
    masks = {n: _mask(s, n, sites, gateways, ctx) for n, s in dict(doc.get("masks", {})).items()}
    nearest = _nearest(doc, sites, gateways, ctx)
    weights, objectives = _run_settings(doc, ctx)
    return ScenarioFile(
        path=str(p),
        title=str(doc.get("title", p.stem)),
        sites=sites,
        gateways=gateways,
        capacity=arrays["capacity"],
        demand=dem,
        price=arrays["price"],
        intensity={f: arrays[f] for f in FOOTPRINTS if f in arrays},
        # every table is indexed by the UTC hour starts of _hours
        hours=index.tz_convert("UTC").tz_localize(None).to_numpy(),
        site_weights=site_weights,
        masks=masks,
        nearest=nearest,
        weights=weights,
        objectives=objectives,
        mask=str(doc.get("mask", "full")),
        notes=notes,
        source=doc.get("source"),
        flexibility=read_flexibility(doc.get("flexibility"), gateways, str(p)),
    )


__all__ = ["ENERGY_UNITS", "FACTOR_UNITS", "FOOTPRINTS", "ScenarioFile", "read_scenario"]
