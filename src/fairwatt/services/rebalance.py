"""Equity-aware rebalancing as a service: read a scenario, solve objectives, report.

A scenario file is TOML pointing at CSV/Parquet tables (see ``docs/rebalance.md``)::

    title = "..."
    sites = ["Texas", "Virginia", ...]          # or [[sites]] tables with name/key
    gateways = ["..."]                          # default: the sites' names
    timezone = "UTC"                            # for naive timestamps in the files
    time_column = "timestamp"                   # default for every table
    time_format = "%Y-%m-%d %H"                 # optional strptime format
    mask = "full"                               # default mask
    objectives = ["min-cost", "nearest", "eglb"]

    [weights]        # default weights of eglb/avg: cost=1, footprint=US$ per t|m3|US$
    [capacity]       # value | file | pattern, unit (MWh, kWh, Wh, MW, kW, W)
    [demand]         # the same, per gateway, or one total series with split = "equal"
    [factors.price]  # the same, unit USD/MWh or USD/kWh
    [factors.carbon] [factors.water] [factors.health]
    [site_weights.water]  # per-site multiplier in the equity terms (e.g. water stress)
    [masks.NAME]     # matrix = [[0/1, ...], ...] (rows sites, columns gateways) or file
    [nearest]        # gateway = "site"
    [files]          # site = "key" substituted for {key} in file patterns
    [source]         # provenance copied to the report

The service turns every objective's allocation into per-site totals and inequity
indices (Gini and max/mean from :mod:`fairwatt.footprint_models.equity`), before
(the baseline) and after.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from fairwatt import units
from fairwatt.errors import InfeasibleError, InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from fairwatt.balancing.objectives import LimitKind, Objective
    from fairwatt.balancing.scenario import Scenario
    from fairwatt.balancing.solve import Allocation, Method
    from fairwatt.reporting.report import Report
    from fairwatt.services.audit import AuditOptions

# --------------------------------------------------------------------------- units

#: Energy per hour: multiplier to MWh. Power units mean the average over the hour.
ENERGY_UNITS: dict[str, float] = {
    "MWh": 1.0,
    "kWh": 1.0 / units.KWH_PER_MWH,
    "Wh": 1.0 / (units.KWH_PER_MWH * units.WH_PER_KWH),
    "GWh": units.KWH_PER_MWH,
    "MW": 1.0,
    "kW": 1.0 / units.KWH_PER_MWH,
    "W": 1.0 / (units.KWH_PER_MWH * units.W_PER_KW),
}
#: Intensity units: multiplier to the balancing unit of each factor.
FACTOR_UNITS: dict[str, dict[str, float]] = {
    "price": {"USD/MWh": 1.0, "USD/kWh": units.KWH_PER_MWH},
    "carbon": {
        "t/MWh": 1.0,
        "kg/kWh": 1.0,
        "kg/MWh": 1.0 / units.KG_PER_TONNE,
        "g/kWh": 1.0 / units.KG_PER_TONNE,
        "lb/MWh": units.KG_PER_LB / units.KG_PER_TONNE,
    },
    "water": {
        "m3/MWh": 1.0,
        "L/kWh": 1.0,
        "L/MWh": 1.0 / units.L_PER_M3,
        "gal/MWh": units.L_PER_US_GAL / units.L_PER_M3,
    },
    "health": {"USD/MWh": 1.0, "USD/kWh": units.KWH_PER_MWH},
}
#: Output column of each per-site total.
TOTAL_COLUMNS: dict[str, str] = {
    "energy": "energy_mwh",
    "cost": "cost_usd",
    "carbon": "carbon_t",
    "water": "water_m3",
    "health": "health_usd",
}
FOOTPRINT_UNIT_LABEL = {"carbon": "t", "water": "m3", "health": "USD"}


# --------------------------------------------------------------------------- scenario file


@dataclass
class LoadedScenario:
    """A scenario read from a file, with what the file says about running it."""

    scenario: Scenario
    title: str
    path: str
    weights: dict[str, float] = field(default_factory=dict)
    objectives: list[str] = field(default_factory=list)
    mask: str = "full"
    notes: list[str] = field(default_factory=list)
    source: Any = None
    baseline: str = "min-cost"
    status_quo: bool = False
    """True when the nearest-site allocation is the observed one (a what-if on logs)."""


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


def _read_table(path: Path, ctx: _Ctx, section: str) -> pd.DataFrame:
    import pandas as pd

    if not path.exists():
        raise ctx.err(
            f"file not found: {path}",
            section=section,
            hint="paths are relative to the scenario file",
        )
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except Exception as exc:  # pandas/pyarrow raise many types for unreadable files
        raise InputError(f"cannot read table: {exc}", file=str(path)) from None


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


def _hours(df: pd.DataFrame, path: Path, spec: Mapping[str, Any], ctx: _Ctx) -> pd.DatetimeIndex:
    """UTC hour starts of a table's rows, validated."""
    import pandas as pd

    col = _column(df, str(spec.get("time_column", ctx.time_column)), path)
    fmt = spec.get("time_format", ctx.time_format)
    raw = df[col]
    try:
        ts = pd.to_datetime(raw, format=fmt, utc=False) if fmt else pd.to_datetime(raw, utc=False)
    except (ValueError, TypeError):
        coerced = pd.to_datetime(raw, format=fmt, errors="coerce", utc=False) if fmt else None
        bad = 0 if coerced is None else int(coerced.isna().to_numpy().argmax())
        raise InputError(
            f"cannot read timestamp {raw.iloc[bad]!r}",
            file=str(path),
            row=bad + 2,
            column=col,
            hint="set time_format in the scenario (strptime codes)",
        ) from None
    if ts.isna().any():
        bad = int(ts.isna().to_numpy().argmax())
        raise InputError("missing timestamp", file=str(path), row=bad + 2, column=col)
    if ts.dt.tz is None:
        tz = spec.get("timezone", ctx.timezone)
        if not tz:
            raise InputError(
                "timestamps have no time zone",
                file=str(path),
                column=col,
                hint='set timezone = "UTC" (or the IANA zone of the data) in the scenario',
            )
        try:
            ts = ts.dt.tz_localize(str(tz), ambiguous="raise", nonexistent="raise")
        except Exception as exc:  # invalid zone names or DST gaps
            raise InputError(
                f"cannot place timestamps in {tz!r}: {exc}", file=str(path), column=col
            ) from None
    ts = ts.dt.tz_convert("UTC")
    off_hour = (ts.dt.minute != 0) | (ts.dt.second != 0) | (ts.dt.microsecond != 0)
    if off_hour.any():
        bad = int(off_hour.to_numpy().argmax())
        raise InputError(
            f"timestamp {raw.iloc[bad]!r} is not the start of an hour",
            file=str(path),
            row=bad + 2,
            column=col,
            hint="scenario tables are hourly, labelled by the hour's start",
        )
    return pd.DatetimeIndex(ts)


def _numeric(values: pd.Series, path: Path, column: str) -> np.ndarray:
    import numpy as np
    import pandas as pd

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
    import pandas as pd

    col = _column(df, column, path)
    hours = _hours(df, path, spec, ctx)
    dup = hours.duplicated()
    if dup.any():
        i = int(dup.argmax())
        raise InputError(f"hour {hours[i]} appears twice", file=str(path), row=i + 2, column=col)
    return pd.Series(_numeric(df[col], path, col), index=hours)


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
) -> pd.DataFrame | pd.Series:
    """One value per entity (Series, constant in time) or per hour and entity (DataFrame
    with a UTC hourly index and one column per entity), in balancing units."""
    import pandas as pd

    factor = _unit_factor(spec, kind, section, ctx)
    forms = [k for k in ("value", "file", "pattern") if k in spec]
    if len(forms) != 1:
        raise ctx.err("give exactly one of value, file or pattern", section=section)
    if "value" in spec:
        value = spec["value"]
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
        return pd.Series([float(v) * factor for v in data], index=list(names))
    if "pattern" in spec:
        column = spec.get("column")
        if not column:
            raise ctx.err("a pattern needs column = NAME of the value column", section=section)
        cols = {}
        for n in names:
            key = ctx.keys.get(n, n)
            try:
                rel = str(spec["pattern"]).format(key=key, site=n, name=n)
            except (KeyError, IndexError):
                raise ctx.err(
                    "pattern may use {key}, {site} or {name} only", section=section
                ) from None
            path = ctx.base / rel
            cols[n] = _series_of(_read_table(path, ctx, section), path, str(column), spec, ctx)
        return pd.concat(cols, axis=1, join="outer") * factor
    path = ctx.base / str(spec["file"])
    df = _read_table(path, ctx, section)
    entity_col = spec.get("entity_column")
    if entity_col is None:
        for candidate in ("site", "gateway"):
            if candidate in df.columns and "column" in spec:
                entity_col = candidate
                break
    if entity_col is not None:
        ecol = _column(df, str(entity_col), path)
        vcol = _column(df, str(spec.get("column", "value")), path)
        hours = _hours(df, path, spec, ctx)
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
        return wide[list(names)] * factor
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
    # wide: time column + one column per entity
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
    return wide * factor


def _names(value: Any, key: str, ctx: _Ctx) -> tuple[list[str], dict[str, dict[str, Any]]]:
    if not isinstance(value, list) or not value:
        raise ctx.err(f"{key} must be a non-empty list")
    names: list[str] = []
    extra: dict[str, dict[str, Any]] = {}
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
            extra[str(item["name"])] = dict(item)
            if "key" in item:
                ctx.keys[str(item["name"])] = str(item["key"])
        else:
            raise ctx.err(f"each entry of {key} is a name or a table with name = ...")
    return names, extra


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read a scenario TOML file and the tables it points at.

    Raises
    ------
    InputError
        On a missing or malformed file, table, column, unit or value (with the file,
        row and column).
    """
    import numpy as np
    import pandas as pd

    from fairwatt.balancing.scenario import FOOTPRINTS, Scenario

    p = Path(path)
    if not p.is_file():
        raise InputError(f"scenario file not found: {path}", hint="check the path")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(p)) from None
    ctx = _Ctx(p, doc)
    known = {
        "title", "sites", "gateways", "timezone", "time_column", "time_format", "mask",
        "objectives", "weights", "capacity", "demand", "factors", "site_weights", "masks",
        "nearest", "files", "source",
    }  # fmt: skip
    unknown = sorted(set(doc) - known)
    if unknown:
        raise ctx.err(
            f"unknown key(s): {', '.join(unknown)}", hint=f"known keys: {', '.join(sorted(known))}"
        )
    sites, _ = _names(doc.get("sites"), "sites", ctx)
    gateways, _ = (
        _names(doc.get("gateways", sites), "gateways", ctx) if "gateways" in doc else (sites, {})
    )
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

    site_tables: dict[str, pd.DataFrame | pd.Series] = {
        "capacity": _entity_table(doc["capacity"], sites, "capacity", "capacity", ctx)
    }
    for name, spec in factors.items():
        site_tables[name] = _entity_table(spec, sites, name, f"factors.{name}", ctx)
    dspec = dict(doc["demand"])
    demand = _entity_table(dspec, gateways, "demand", "demand", ctx)
    if isinstance(demand, pd.DataFrame) and "__total__" in demand.columns:
        total = demand["__total__"]
        split = dspec.get("split", "equal")
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

    # align on the hours every series has
    frames = [demand, *(t for t in site_tables.values() if isinstance(t, pd.DataFrame))]
    # an hour is usable when every series has a value for it
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

    def site_array(t: pd.DataFrame | pd.Series, label: str) -> np.ndarray:
        if isinstance(t, pd.Series):
            return np.repeat(t.to_numpy(dtype=float)[:, None], len(index), axis=1)
        sub = t.loc[index, sites]
        if sub.isna().any().any():
            col = sub.columns[sub.isna().any()][0]
            hour = sub.index[sub[col].isna()][0]
            raise ctx.err(f"{label} has no value for {col} at {hour}", hint="fill the gap")
        return sub.to_numpy(dtype=float).T

    capacity = site_array(site_tables["capacity"], "capacity")
    price = site_array(site_tables["price"], "price")
    intensity = {f: site_array(site_tables[f], f) for f in FOOTPRINTS if f in site_tables}
    dem = demand.loc[index, gateways]
    if dem.isna().any().any():
        col = dem.columns[dem.isna().any()][0]
        raise ctx.err(f"demand has no value for {col} at {dem.index[dem[col].isna()][0]}")
    for label, arr in (("capacity", capacity), ("demand", dem.to_numpy())):
        if (arr < 0).any():
            raise ctx.err(f"{label} has negative values", section=label)
    site_weights: dict[str, np.ndarray] = {}
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
        site_weights[f] = w.to_numpy(dtype=float)
    masks: dict[str, np.ndarray] = {}
    for name, spec in dict(doc.get("masks", {})).items():
        masks[name] = _mask(spec, name, sites, gateways, ctx)
    nearest = None
    if "nearest" in doc:
        table = dict(doc["nearest"])
        missing = [g for g in gateways if g not in table]
        bad = [str(v) for v in table.values() if str(v) not in sites]
        if missing or bad:
            listed = f"missing: {', '.join(missing[:5]) or '-'}; "
            listed += f"unknown: {', '.join(bad[:5]) or '-'}"
            raise ctx.err(
                f"every gateway needs a nearest site among the sites ({listed})",
                section="nearest",
            )
        nearest = np.array([sites.index(str(table[g])) for g in gateways])
    weights = {str(k): float(v) for k, v in dict(doc.get("weights", {})).items()}
    for k in weights:
        if k not in ("cost", *FOOTPRINTS):
            raise ctx.err(
                f"unknown weight {k!r}", section="weights", hint="cost, carbon, water or health"
            )
    objectives = doc.get("objectives", [])
    if not isinstance(objectives, list) or not all(isinstance(o, str) for o in objectives):
        raise ctx.err("objectives must be a list of strings")
    # every table is indexed by the hour starts of _hours
    hours = cast("pd.DatetimeIndex", index).tz_convert("UTC").tz_localize(None).to_numpy()
    try:
        scenario = Scenario(
            sites=tuple(sites),
            gateways=tuple(gateways),
            capacity=capacity,
            demand=dem.to_numpy(dtype=float).T,
            price=price,
            intensity=intensity,
            site_weights=site_weights,
            masks=masks,
            nearest=nearest,
            hours=hours,
        )
    except InputError as exc:
        raise ctx.err(exc.message, hint=exc.hint) from None
    return LoadedScenario(
        scenario=scenario,
        title=str(doc.get("title", p.stem)),
        path=str(p),
        weights=weights,
        objectives=list(objectives),
        mask=str(doc.get("mask", "full")),
        notes=notes,
        source=doc.get("source"),
    )


def _mask(spec: Any, name: str, sites: list[str], gateways: list[str], ctx: _Ctx) -> np.ndarray:
    import numpy as np

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
        path = ctx.base / str(spec["file"])
        df = _read_table(path, ctx, section)
        first = df.columns[0]
        df = df.set_index(df[first].astype(str)).drop(columns=first)
        dup = df.index[df.index.duplicated()]
        if len(dup):
            raise InputError(
                f"mask has more than one row for site {dup[0]!r}", file=str(path), column=first
            )
        missing = [s for s in sites if s not in df.index] + [
            g for g in gateways if g not in df.columns
        ]
        if missing:
            raise InputError(
                f"mask lacks {', '.join(missing[:5])} (rows are sites, columns gateways)",
                file=str(path),
            )
        sub = df.loc[sites, gateways]
        vals = sub.to_numpy()
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
    raise ctx.err("a mask needs matrix = [[...]] or file = PATH", section=section)


# --------------------------------------------------------------------------- what-if on logs


def scenario_from_logs(
    logs: Sequence[str],
    audit_options: AuditOptions,
    *,
    flexible: float = 0.3,
    headroom: float = 1.0,
    capacity_kw: float | None = None,
) -> LoadedScenario:
    """A scenario whose status quo is the observed hourly energy of each site.

    The log is reduced and joined with factors by the audit
    (:func:`fairwatt.services.audit.site_hour_table`); every site is also a gateway.
    In each hour a share ``flexible`` of each site's load may move to any site the mask
    allows; the rest stays (a gateway ``"<site> (fixed)"`` that only its own site
    serves). The nearest-site allocation is therefore the status quo.

    Intensities are per kWh of IT energy, as the audit computes footprints: carbon
    ``PUE × CI``, water ``WUE + PUE × EWIF`` (or the combined total intensity),
    health ``PUE × damage``, price ``PUE × price`` (the factor ``price_usd_per_mwh``;
    without it the cost is zero, with a note).

    Parameters
    ----------
    logs : sequence of str
        Energy logs, as for ``fairwatt audit``.
    audit_options : AuditOptions
        Reader, sites, factors and footprints (``by`` is ignored).
    flexible : float, default 0.3
        Share of each hour's load that may move. [dimensionless, 0..1]
    headroom : float, default 1.0
        Capacity of a site without a known capacity: its observed peak hourly energy
        times this. [dimensionless, >= 1]
    capacity_kw : float, optional
        IT capacity of every site, overriding the sites table. [kW]

    Raises
    ------
    InputError
        On invalid options; the audit's errors (missing factors: exit 3) pass through.
    """
    import numpy as np
    import pandas as pd

    from fairwatt.balancing.scenario import FOOTPRINTS, Scenario
    from fairwatt.services.audit import footprints, site_hour_table

    if not (math.isfinite(flexible) and 0.0 <= flexible <= 1.0):
        raise InputError(f"--flexible {flexible:g}: give a share between 0 and 1 (e.g. 0.3)")
    if not (math.isfinite(headroom) and headroom >= 1.0):
        raise InputError(f"--headroom {headroom:g}: give a factor of at least 1 (e.g. 1.2)")
    if capacity_kw is not None and not (math.isfinite(capacity_kw) and capacity_kw > 0):
        raise InputError("--capacity-kw must be a positive number of kW")

    opts = dataclasses.replace(
        audit_options, extra_factors=(*audit_options.extra_factors, "price_usd_per_mwh")
    )
    rows, _resolved, reduced, site_info = site_hour_table(list(logs), opts)
    which = [f for f in opts.footprints if f in FOOTPRINTS]
    per_kwh = footprints(rows.assign(energy_kwh=1.0), which, opts.water_model)
    sites = sorted(rows["site"].unique())
    hours = pd.DatetimeIndex(sorted(rows["hour"].unique()))
    si = {s: i for i, s in enumerate(sites)}
    ti = pd.Series(np.arange(len(hours)), index=hours)
    r_i = rows["site"].map(si).to_numpy()
    t_i = ti.loc[rows["hour"]].to_numpy()
    shape = (len(sites), len(hours))

    def grid(values: np.ndarray) -> np.ndarray:
        out = np.zeros(shape)
        np.add.at(out, (r_i, t_i), values)
        return out

    present = np.zeros(shape, dtype=bool)
    present[r_i, t_i] = True
    energy = grid(rows["energy_kwh"].to_numpy()) / units.KWH_PER_MWH  # IT MWh
    notes: list[str] = []
    if "price_usd_per_mwh" in rows and rows["price_usd_per_mwh"].notna().all():
        price = grid(rows["pue"].to_numpy() * rows["price_usd_per_mwh"].to_numpy())
    else:
        price = np.zeros(shape)
        notes.append("no energy price factor (price_usd_per_mwh) for every site-hour: costs are 0")
    intensity = {
        "carbon": grid(per_kwh.get("carbon_kg", pd.Series(0.0, index=rows.index)).to_numpy()),
        "water": grid(per_kwh.get("water_l", pd.Series(0.0, index=rows.index)).to_numpy()),
        "health": grid(
            per_kwh.get("health_usd", pd.Series(0.0, index=rows.index)).to_numpy()
            * units.KWH_PER_MWH
        ),
    }
    intensity = {f: v for f, v in intensity.items() if f in which}

    peak = energy.max(axis=1)
    info = site_info.set_index("site") if "site" in site_info.columns else site_info
    cap_site = np.empty(len(sites))
    sources = {"given": 0, "sites table": 0, "peak x headroom": 0}
    for i, s in enumerate(sites):
        known = info["capacity_kw"].get(s) if "capacity_kw" in info.columns else None
        if capacity_kw is not None:
            cap_site[i], src = capacity_kw / units.KWH_PER_MWH, "given"
        elif known is not None and not pd.isna(known):
            cap_site[i], src = float(known) / units.KWH_PER_MWH, "sites table"
        else:
            cap_site[i], src = peak[i] * headroom, "peak x headroom"
        sources[src] += 1
    capacity = np.repeat(cap_site[:, None], len(hours), axis=1)
    raised = capacity < energy
    if raised.any():
        notes.append(
            f"{int(raised.any(axis=1).sum())} site(s) ran above the capacity used in some "
            "hours; their capacity is raised to the observed energy there"
        )
        capacity = np.maximum(capacity, energy)
    # a site-hour without records has no factors joined: it cannot receive load
    missing = ~present
    if missing.any():
        capacity[missing] = 0.0
        notes.append(
            f"{int(missing.sum())} site-hours without records cannot receive load "
            "(no factors were joined for them)"
        )
    notes.append(
        f"what-if: {100 * flexible:g} % of each site's hourly load may move; capacity: "
        + ", ".join(f"{n} {k}" for k, n in sources.items() if n)
        + f" (headroom {headroom:g})"
    )
    n = len(sites)
    gateways = [*sites, *(f"{s} (fixed)" for s in sites)]
    demand = np.vstack([flexible * energy, (1.0 - flexible) * energy])
    fixed_mask = np.hstack([np.ones((n, n), dtype=bool), np.eye(n, dtype=bool)])
    scenario = Scenario(
        sites=tuple(sites),
        gateways=tuple(gateways),
        capacity=capacity,
        demand=demand,
        price=price,
        intensity=intensity,
        masks={"flexible": fixed_mask},
        nearest=np.concatenate([np.arange(n), np.arange(n)]),
        hours=hours.tz_convert("UTC").tz_localize(None).to_numpy(),
    )
    return LoadedScenario(
        scenario=scenario,
        title=f"what-if on {', '.join(Path(p).name for p in logs)}",
        path=", ".join(logs),
        mask="flexible",
        objectives=["status-quo", "min-cost", "eglb"],
        notes=notes,
        source={"logs": list(logs), "records": reduced.records},
        baseline="status-quo",
        status_quo=True,
    )


# --------------------------------------------------------------------------- running


@dataclass
class RebalanceOptions:
    """What ``fairwatt rebalance`` was asked for."""

    mask: str | None = None
    objectives: list[str] | None = None
    weights: str | None = None
    baseline: str | None = None
    sweep: str | None = None
    online: bool = False
    step: float | None = None
    target_cap: str | None = None
    method: Method = "auto"
    tolerance: float = 1e-4


@dataclass
class Outcome:
    """One solved objective (or the status quo) with its label."""

    name: str
    allocation: Allocation
    description: str
    gap: float = 0.0


def _default_weights(loaded: LoadedScenario, options: RebalanceOptions) -> dict[str, float]:
    from fairwatt.balancing.objectives import parse_weights

    weights = dict(loaded.weights)
    if options.weights:
        weights.update(parse_weights(options.weights))
    return weights


def _objective_list(
    loaded: LoadedScenario, options: RebalanceOptions, weights: Mapping[str, float]
) -> list[Objective]:
    from fairwatt.balancing.objectives import nearest_site, parse_objective

    specs = options.objectives or loaded.objectives or ["min-cost", "nearest", "eglb"]
    baseline = options.baseline or loaded.baseline
    if baseline not in specs:
        specs = [baseline, *specs]
    else:
        specs = [baseline, *[s for s in specs if s != baseline]]
    seen: set[str] = set()
    out = []
    for s in specs:
        if s in seen:
            continue
        seen.add(s)
        if s == "status-quo":
            if not loaded.status_quo:
                raise InputError(
                    "status-quo is the observed allocation of a what-if on logs",
                    hint="use --logs, or nearest for the nearest-site baseline",
                )
            out.append(nearest_site(name="status-quo"))
        else:
            out.append(parse_objective(s, weights))
    return out


def _balanced_weights(loaded: LoadedScenario) -> dict[str, float]:
    """Weights under which, at the status quo, the worst-site terms together weigh as
    much as the energy cost: ``μ_f = C / (n_f · max_s F_f)`` (``1 / max_s F_f`` when the
    cost is zero)."""
    from fairwatt.balancing.objectives import nearest_site
    from fairwatt.balancing.solve import solve

    sq = solve(loaded.scenario, nearest_site(name="status-quo"))
    totals = sq.site_totals()
    cost = float(totals["cost"].sum())
    feet = [f for f in loaded.scenario.footprints if float(totals[f].max()) > 0]
    out: dict[str, float] = {"cost": 1.0}
    for f in feet:
        worst = float((totals[f] * loaded.scenario.weight(f)).max())
        out[f] = cost / (len(feet) * worst) if cost > 0 else 1.0 / worst
    return out


def _parse_sweep(text: str, weights: Mapping[str, float]) -> tuple[str, str, list[float]]:
    """``water=0:200:11`` (eglb weight), ``ratio:water=1.1:1.7:7``, ``worst:water=...``,
    ``gini:water=...``; values as ``a:b:n`` (n points) or ``v1,v2,...``."""
    import numpy as np

    from fairwatt.balancing.objectives import LIMIT_KINDS
    from fairwatt.balancing.scenario import FOOTPRINTS

    head, sep, tail = text.partition(":")
    kind, rest = (head.strip(), tail) if sep and head.strip() in LIMIT_KINDS else ("weight", text)
    footprint, sep, values = rest.partition("=")
    footprint = footprint.strip()
    hint = "write e.g. --sweep water=0:200:11 or --sweep ratio:water=1.1:1.7:7"
    if kind not in ("weight", *LIMIT_KINDS) or not sep or footprint not in FOOTPRINTS:
        raise InputError(f"cannot read --sweep {text!r}", hint=hint)
    try:
        if values.count(":") == 2:
            a, b, n = values.split(":")
            if int(n) < 1:
                raise ValueError
            points = np.linspace(float(a), float(b), int(n)).tolist()
        else:
            points = [float(v) for v in values.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"cannot read the values of --sweep {text!r}", hint=hint) from None
    if not points or not all(math.isfinite(v) and v >= 0 for v in points):
        raise InputError(f"--sweep {text!r} needs finite values >= 0", hint=hint)
    return kind, footprint, points


def _frontier(
    scenario: Scenario,
    mask: str,
    kind: str,
    footprint: str,
    points: list[float],
    weights: Mapping[str, float],
    method: Method,
    tolerance: float,
) -> pd.DataFrame:
    import pandas as pd

    from fairwatt.balancing.objectives import Limit, cost_subject_to, eglb
    from fairwatt.balancing.solve import solve

    rows = []
    for v in points:
        if kind == "weight":
            w = {k: x for k, x in weights.items() if k != "cost"}
            w[footprint] = v
            obj = eglb(w, cost=weights.get("cost", 1.0), name=f"eglb:{footprint}={v:g}")
        else:
            limit = Limit(footprint, cast("LimitKind", kind), v)  # Limit checks the kind
            obj = cost_subject_to((limit,), name=f"{kind}:{footprint}={v:g}")
        row: dict[str, Any] = {
            "parameter": f"{kind}:{footprint}" if kind != "weight" else f"weight:{footprint}",
            "value": v,
        }
        try:
            alloc = solve(scenario, obj, mask, method=method, tolerance=tolerance)
        except InfeasibleError:
            row["status"] = "infeasible"
            rows.append(row)
            continue
        row["status"] = "optimal"
        row.update(_summary_numbers(alloc))
        rows.append(row)
    return pd.DataFrame(rows)


def _indices(values: np.ndarray) -> tuple[float, float]:
    import numpy as np

    from fairwatt.footprint_models.equity import gini, max_to_mean

    v = np.clip(values, 0.0, None)
    if not np.any(v > 0):
        return math.nan, math.nan
    return max_to_mean(v), gini(v)


def _summary_numbers(alloc: Allocation) -> dict[str, Any]:
    totals = alloc.site_totals()
    out: dict[str, Any] = {"cost_usd": float(totals["cost"].sum())}
    for f in alloc.scenario.footprints:
        fw = totals[f] * alloc.scenario.weight(f)
        par, g = _indices(fw)
        out[f"{f}_worst_{FOOTPRINT_UNIT_LABEL[f].lower()}"] = float(fw.max())
        out[f"{f}_max_to_mean"] = par
        out[f"{f}_gini"] = g
    return out


def _solve_all(
    loaded: LoadedScenario, options: RebalanceOptions, objectives: list[Objective], mask: str
) -> list[Outcome]:
    from fairwatt.balancing.solve import solve

    outcomes = []
    for obj in objectives:
        alloc = solve(
            loaded.scenario,
            obj,
            mask,
            method=options.method,
            tolerance=options.tolerance,
        )
        outcomes.append(Outcome(obj.name, alloc, obj.describe(), alloc.gap))
    return outcomes


def _parse_caps(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    from fairwatt.balancing.objectives import parse_weights

    caps = parse_weights(text, what="--target-cap")
    if "cost" in caps:
        raise InputError("--target-cap takes footprint=VALUE items (per site and hour)")
    return caps


def _online(
    loaded: LoadedScenario,
    options: RebalanceOptions,
    objectives: list[Objective],
    mask: str,
    outcomes: list[Outcome],
) -> tuple[Outcome, dict[str, Any]]:
    from fairwatt.balancing.online import DEFAULT_STEP, online_dmd

    target = next((o for o in objectives if o.worst and not o.limits), None)
    if target is None:
        raise InputError(
            "--online needs an eglb objective",
            hint="add --objective eglb (with --weights) or [weights] in the scenario",
        )
    step = DEFAULT_STEP if options.step is None else options.step
    alloc = online_dmd(
        loaded.scenario, target, mask, step=step, target_cap=_parse_caps(options.target_cap)
    )
    offline = next(o for o in outcomes if o.allocation.objective is target).allocation
    gap = (
        (alloc.value - offline.lower_bound) / abs(offline.lower_bound)
        if offline.lower_bound
        else math.nan
    )
    alloc.lower_bound = offline.lower_bound
    name = f"{target.name} (online)"
    info = {
        "objective": target.name,
        "step": step,
        "target_cap": alloc.info["target_cap"],
        "online_value": alloc.value,
        "offline_value": offline.value,
        "gap_to_offline": gap,
    }
    return Outcome(name, alloc, f"online dual mirror descent on {target.describe()}", gap), info


def _tables(outcomes: list[Outcome], baseline: Outcome) -> dict[str, pd.DataFrame]:
    import numpy as np
    import pandas as pd

    sc = baseline.allocation.scenario
    base_totals = baseline.allocation.site_totals()
    base_cost = float(base_totals["cost"].sum())
    summary, inequity, sites = [], [], []
    for o in outcomes:
        a = o.allocation
        totals = a.site_totals()
        cost = float(totals["cost"].sum())
        row: dict[str, Any] = {
            "objective": o.name,
            "mask": a.network.mask_name,
            "method": a.method,
            "objective_value": a.value,
            "gap_to_optimum_pct": 100.0 * o.gap,
            "cost_usd": cost,
            "cost_change_pct": 100.0 * (cost - base_cost) / base_cost if base_cost else math.nan,
        }
        for f in sc.footprints:
            fw = totals[f] * sc.weight(f)
            par, g = _indices(fw)
            par0, g0 = _indices(base_totals[f] * sc.weight(f))
            row[f"{f}_max_to_mean"] = par
            unit = FOOTPRINT_UNIT_LABEL[f]
            inequity.append(
                {
                    "objective": o.name,
                    "footprint": f,
                    "unit": unit,
                    "total": float(totals[f].sum()),
                    "mean_site": float(fw.mean()),
                    "worst_site": sc.sites[int(np.argmax(fw))],
                    "worst": float(fw.max()),
                    "max_to_mean": par,
                    "gini": g,
                    "max_to_mean_before": par0,
                    "gini_before": g0,
                }
            )
        summary.append(row)
        for i, s in enumerate(sc.sites):
            rec: dict[str, Any] = {"objective": o.name, "site": s}
            for key, col in TOTAL_COLUMNS.items():
                if key in totals:
                    rec[col] = float(totals[key][i])
            rec["energy_change_mwh"] = float(totals["energy"][i] - base_totals["energy"][i])
            sites.append(rec)
    return {
        "summary": pd.DataFrame(summary),
        "inequity": pd.DataFrame(inequity),
        "sites": pd.DataFrame(sites),
    }


def allocation_frame(outcomes: Sequence[Outcome], *, max_rows: int = 20_000_000) -> pd.DataFrame:
    """Hourly allocation of every outcome: objective, hour (UTC), site, gateway,
    energy_mwh; rows with a positive flow only. Gateway groups are split by demand
    share unless that would exceed ``max_rows`` (then the group's label is used)."""
    import numpy as np
    import pandas as pd

    parts = []
    for o in outcomes:
        a = o.allocation
        net, sc = a.network, a.scenario
        hours = (
            pd.DatetimeIndex(sc.hours).tz_localize("UTC")
            if sc.hours is not None and np.issubdtype(np.asarray(sc.hours).dtype, np.datetime64)
            else pd.RangeIndex(sc.n_hours)
        )
        split = sc.n_hours * net.n_routes * max((len(g) for g in net.groups), default=1) <= max_rows
        for k, members in enumerate(net.groups):
            routes = np.flatnonzero(net.route_group == k)
            flow = a.flow[:, routes]  # (T, Rk)
            if split:
                total = net.group_demand[k]
                share = np.divide(
                    sc.demand[members],
                    total,
                    out=np.zeros((len(members), sc.n_hours)),
                    where=total > 0,
                )
                vals = flow[:, :, None] * share.T[:, None, :]  # (T, Rk, m)
                t_i, r_i, g_i = np.nonzero(vals > 1e-12)
                gw = np.array(sc.gateways, dtype=object)[members[g_i]]
            else:
                vals = flow
                t_i, r_i = np.nonzero(vals > 1e-12)
                g_i = None
                gw = np.full(t_i.size, net.group_label(k), dtype=object)
            energy = vals[t_i, r_i, g_i] if g_i is not None else vals[t_i, r_i]
            parts.append(
                pd.DataFrame(
                    {
                        "objective": o.name,
                        "hour": hours[t_i],
                        "site": np.array(sc.sites, dtype=object)[net.route_site[routes][r_i]],
                        "gateway": gw,
                        "energy_mwh": energy,
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=["objective", "hour", "site", "gateway", "energy_mwh"])
    df = pd.concat(parts, ignore_index=True)
    order = {o.name: i for i, o in enumerate(outcomes)}
    df["_order"] = df["objective"].map(order)
    df = df.sort_values(["_order", "hour", "site", "gateway"], kind="stable", ignore_index=True)
    return df.drop(columns="_order")


@dataclass
class RebalanceResult:
    report: Report
    outcomes: list[Outcome]

    def allocation_report(self) -> Report:
        from fairwatt.reporting.report import Report

        return Report(
            title=f"{self.report.title} — hourly allocation",
            tables={"allocation": allocation_frame(self.outcomes)},
            metadata={"scenario": self.report.metadata.get("scenario")},
        )


def rebalance(loaded: LoadedScenario, options: RebalanceOptions | None = None) -> RebalanceResult:
    """Solve the baseline and every objective of ``loaded`` and build the report."""
    from fairwatt.reporting.report import Report

    options = options or RebalanceOptions()
    mask = options.mask or loaded.mask
    loaded.scenario.mask(mask)  # unknown masks fail before any work
    weights = _default_weights(loaded, options)
    notes = list(loaded.notes)
    if loaded.status_quo and not set(weights) - {"cost"}:
        weights = {**_balanced_weights(loaded), **weights}
        shown = ", ".join(f"{k}={v:.4g}" for k, v in weights.items())
        notes.append(
            f"weights not given: balanced at the status quo ({shown}); set them with --weights"
        )
    sweep = _parse_sweep(options.sweep, weights) if options.sweep else None
    objectives = _objective_list(loaded, options, weights)
    outcomes = _solve_all(loaded, options, objectives, mask)
    metadata: dict[str, Any] = {
        "scenario": loaded.path,
        "title": loaded.title,
        "mask": mask,
        "sites": len(loaded.scenario.sites),
        "gateways": len(loaded.scenario.gateways),
        "hours": loaded.scenario.n_hours,
        "weights": weights,
        "baseline": outcomes[0].name,
        "units": {
            "energy": "MWh",
            "cost": "USD",
            "carbon": "t",
            "water": "m3",
            "health": "USD",
            "weights": "USD per t (carbon), per m3 (water), per USD (health)",
        },
        "objectives": {o.name: o.description for o in outcomes},
        "solver": {
            o.name: {
                "method": o.allocation.method,
                "seconds": round(o.allocation.seconds, 4),
                **{k: v for k, v in o.allocation.info.items() if isinstance(v, int | float | str)},
            }
            for o in outcomes
        },
    }
    if loaded.source is not None:
        metadata["provenance"] = loaded.source
    if options.online:
        online_outcome, info = _online(loaded, options, objectives, mask, outcomes)
        outcomes.append(online_outcome)
        metadata["online"] = info
        notes.append(
            f"online eGLB ({info['objective']}, step {info['step']:g}) is "
            f"{100 * info['gap_to_offline']:.2f} % above the offline optimum"
        )
    tables = _tables(outcomes, outcomes[0])
    if sweep is not None:
        kind, footprint, points = sweep
        frontier = _frontier(
            loaded.scenario,
            mask,
            kind,
            footprint,
            points,
            weights,
            options.method,
            options.tolerance,
        )
        tables = {"frontier": frontier, **tables}
        metadata["sweep"] = {"kind": kind, "footprint": footprint, "values": points}
    base = outcomes[0]
    notes.append(
        f"before = {base.name}; indices are over sites of the total footprint "
        "(weighted by site weights where given); Gini in population form"
    )
    for o in outcomes:
        if o.allocation.method == "decomposition":
            notes.append(
                f"{o.name}: decomposition, certified within {100 * o.gap:.3g} % of the optimum"
            )
    return RebalanceResult(
        Report(
            title=f"Rebalancing — {loaded.title}", tables=tables, metadata=metadata, notes=notes
        ),
        outcomes,
    )


def run_rebalance(path: str, options: RebalanceOptions | None = None) -> RebalanceResult:
    """Read the scenario file at ``path`` and rebalance it."""
    return rebalance(load_scenario(path), options)


def run_whatif(
    logs: Sequence[str],
    audit_options: AuditOptions,
    options: RebalanceOptions | None = None,
    *,
    flexible: float = 0.3,
    headroom: float = 1.0,
    capacity_kw: float | None = None,
) -> RebalanceResult:
    """What eGLB and the baselines would have done with the load of energy logs.

    ``options.mask`` ``full`` (default) lets the flexible share go to any site;
    ``nearest`` keeps everything in place (the status quo).
    """
    loaded = scenario_from_logs(
        logs, audit_options, flexible=flexible, headroom=headroom, capacity_kw=capacity_kw
    )
    options = options or RebalanceOptions()
    if options.mask in (None, "full"):
        options = dataclasses.replace(options, mask="flexible")
    return rebalance(loaded, options)


__all__ = [
    "LoadedScenario",
    "Outcome",
    "RebalanceOptions",
    "RebalanceResult",
    "allocation_frame",
    "load_scenario",
    "rebalance",
    "run_rebalance",
    "run_whatif",
    "scenario_from_logs",
]
