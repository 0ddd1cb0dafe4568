"""Factor tables: canonical columns, plausible ranges, and reading users' factor files.

A factor file (CSV or Parquet) has a ``zone`` column (or ``site`` for site-specific
values), an optional time column and factor values, either

* wide: one column per factor, named canonically (``carbon_g_per_kwh``) or with another
  known unit (``carbon_kg_per_kwh``, ``carbon_lb_per_mwh``, ``ewif_gal_per_mwh``, ...),
  converted on reading; or
* long: ``factor`` and ``value`` columns (optionally ``unit``), one row per factor.

Time: ``timestamp`` (hourly, UTC interval start; offsets required, or ``tz``),
``year`` + ``month`` (monthly), ``year`` (annual), or none (one value for all times).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError
from fairwatt.units import G_PER_KG, GAL_PER_MWH_TO_L_PER_KWH, KG_PER_LB, USD_PER_MWH_TO_USD_PER_KWH

if TYPE_CHECKING:
    import pandas as pd

#: canonical factor column -> (unit, plausible low, plausible high)
FACTOR_COLUMNS: dict[str, tuple[str, float, float]] = {
    "carbon_g_per_kwh": ("gCO2e/kWh", 0.0, 2000.0),
    "ewif_l_per_kwh": ("L/kWh", 0.0, 100.0),
    "ewif_withdrawal_l_per_kwh": ("L/kWh", 0.0, 1000.0),
    "health_usd_per_mwh": ("$/MWh", 0.0, 1000.0),
    "health_low_usd_per_mwh": ("$/MWh", 0.0, 1000.0),
    "health_high_usd_per_mwh": ("$/MWh", 0.0, 1000.0),
    "water_total_l_per_kwh": ("L/kWh", 0.0, 100.0),
    "price_usd_per_mwh": ("$/MWh", -5000.0, 20000.0),
}

#: other unit spellings accepted in factor files -> (canonical column, multiplier)
UNIT_ALIASES: dict[str, tuple[str, float]] = {
    "carbon_kg_per_kwh": ("carbon_g_per_kwh", G_PER_KG),
    "carbon_t_per_mwh": ("carbon_g_per_kwh", G_PER_KG),
    "carbon_kg_per_mwh": ("carbon_g_per_kwh", 1.0),
    "carbon_lb_per_mwh": ("carbon_g_per_kwh", KG_PER_LB),
    "ewif_gal_per_mwh": ("ewif_l_per_kwh", GAL_PER_MWH_TO_L_PER_KWH),
    "ewif_m3_per_mwh": ("ewif_l_per_kwh", 1.0),
    "health_usd_per_kwh": ("health_usd_per_mwh", 1.0 / USD_PER_MWH_TO_USD_PER_KWH),
}

RESOLUTION_RANK = {"hourly": 0, "monthly": 1, "annual": 2, "static": 3}


@dataclass
class FactorLayer:
    """One source of factors: a table keyed by zone (or site) and time.

    ``table`` has a ``key`` column, the time columns of its resolution (hourly:
    ``timestamp``; monthly: ``year``, ``month``; annual: ``year``; static: none) and
    canonical factor columns.
    """

    name: str
    origin: str  # "user" | "provider" | "bundled"
    resolution: str
    table: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def factors(self) -> list[str]:
        return [c for c in self.table.columns if c in FACTOR_COLUMNS]


def _resolution_of(columns: list[str]) -> str:
    if "timestamp" in columns:
        return "hourly"
    if "year" in columns and "month" in columns:
        return "monthly"
    if "year" in columns:
        return "annual"
    return "static"


def check_plausible(df: pd.DataFrame, file: str, *, row_offset: int = 2) -> None:
    """Refuse values outside the plausible range of their declared unit, naming rows."""
    import numpy as np

    for col, (unit, lo, hi) in FACTOR_COLUMNS.items():
        if col not in df.columns:
            continue
        values = df[col].to_numpy(dtype="float64", na_value=np.nan)
        bad = np.flatnonzero(~np.isnan(values) & ((values < lo) | (values > hi)))
        if bad.size:
            rows = ", ".join(str(int(i) + row_offset) for i in bad[:5])
            more = f" and {bad.size - 5} more" if bad.size > 5 else ""
            raise InputError(
                f"{bad.size} value(s) outside the plausible range {lo:g}-{hi:g} {unit} "
                f"(rows {rows}{more}; e.g. {values[bad[0]]:g})",
                file=file,
                column=col,
                hint="check the unit of the column",
            )
        finite = values[~np.isnan(values)]
        if col == "carbon_g_per_kwh" and finite.size and 0 < finite.max() <= 1.5:
            raise InputError(
                f"every value is at most {finite.max():g}, which looks like kg/kWh (or t/MWh), "
                "not g/kWh",
                file=file,
                column=col,
                hint="multiply by 1000, or name the column carbon_kg_per_kwh",
            )


def _read_any(path: str) -> pd.DataFrame:
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: factor file not found")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(p)
        return pd.read_csv(p, keep_default_na=False, na_values=[""])
    except Exception as exc:  # pandas/pyarrow raise many kinds for unreadable files
        raise InputError(f"{path}: cannot read the factor file: {exc}") from exc


def read_factor_file(path: str, *, tz: str | None = None) -> FactorLayer:
    """Read a user's factor file (wide or long) into a :class:`FactorLayer`."""
    import pandas as pd

    df = _read_any(path)
    if df.empty:
        raise InputError(f"{path}: the factor file has no rows")
    keycol = "zone" if "zone" in df.columns else "site" if "site" in df.columns else None
    if keycol is None:
        raise InputError(
            "missing column 'zone' (or 'site')",
            file=path,
            hint=f"the file has {', '.join(map(str, df.columns))}",
        )
    if "factor" in df.columns and "value" in df.columns:
        df = _long_to_wide(df, path, keycol)
    renamed = {}
    for col in list(df.columns):
        if col in UNIT_ALIASES:
            canon, mult = UNIT_ALIASES[col]
            df[canon] = pd.to_numeric(df[col], errors="coerce") * mult
            renamed[col] = canon
            df = df.drop(columns=col)
    factor_cols = [c for c in df.columns if c in FACTOR_COLUMNS]
    if not factor_cols:
        known = ", ".join([*FACTOR_COLUMNS, *UNIT_ALIASES])
        raise InputError(f"no factor column found; known columns: {known}", file=path)
    for col in factor_cols:
        numeric = pd.to_numeric(df[col], errors="coerce")
        bad = numeric.isna() & df[col].notna()
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(
                f"cannot read {df[col].iloc[i]!r} as a number", file=path, row=i + 2, column=col
            )
        df[col] = numeric.astype("float64")
    check_plausible(df, path)
    resolution = _resolution_of(list(df.columns))
    out = pd.DataFrame({"key": df[keycol].astype(str)})
    if resolution == "hourly":
        out["timestamp"] = parse_utc(df["timestamp"], file=path, column="timestamp", tz=tz)
    if resolution in ("monthly", "annual"):
        out["year"] = pd.to_numeric(df["year"], errors="raise").astype("int64")
    if resolution == "monthly":
        out["month"] = pd.to_numeric(df["month"], errors="raise").astype("int64")
    for col in factor_cols:
        out[col] = df[col].to_numpy()
    timecols = [c for c in ("timestamp", "year", "month") if c in out.columns]
    dup = out.duplicated(["key", *timecols])
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise InputError(
            f"duplicate factor row for {keycol} {out['key'].iloc[i]!r}", file=path, row=i + 2
        )
    return FactorLayer(
        name=str(path),
        origin="user",
        resolution=resolution,
        table=out,
        provenance={"dataset": str(path), "kind": "user file", "source": str(path)}
        | ({"converted_columns": renamed} if renamed else {}),
    )


def _long_to_wide(df: pd.DataFrame, path: str, keycol: str) -> pd.DataFrame:
    import pandas as pd

    if "unit" in df.columns:
        for i, (fac, unit) in enumerate(zip(df["factor"], df["unit"], strict=True)):
            if fac in FACTOR_COLUMNS and str(unit) != FACTOR_COLUMNS[fac][0]:
                raise InputError(
                    f"factor {fac} declared in {unit!r}, expected {FACTOR_COLUMNS[fac][0]!r}",
                    file=path,
                    row=i + 2,
                    column="unit",
                )
    unknown = sorted(set(df["factor"].astype(str)) - set(FACTOR_COLUMNS) - set(UNIT_ALIASES))
    if unknown:
        raise InputError(
            f"unknown factor name(s) {', '.join(unknown)}",
            file=path,
            column="factor",
            hint=f"use {', '.join(FACTOR_COLUMNS)}",
        )
    idx = [c for c in (keycol, "timestamp", "year", "month") if c in df.columns]
    values = pd.to_numeric(df["value"], errors="coerce")
    if (values.isna() & df["value"].notna()).any():
        i = int((values.isna() & df["value"].notna()).to_numpy().nonzero()[0][0])
        raise InputError(
            f"cannot read {df['value'].iloc[i]!r} as a number", file=path, row=i + 2, column="value"
        )
    wide = (
        df.assign(value=values)
        .pivot_table(index=idx, columns="factor", values="value", aggfunc="first")
        .reset_index()
    )
    wide.columns.name = None
    return wide


def parse_utc(values: pd.Series, *, file: str, column: str, tz: str | None = None) -> pd.Series:
    """Parse timestamps to tz-aware UTC; naive ones need ``tz``."""
    import pandas as pd

    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(values):
        parsed = values
    else:
        try:
            parsed = pd.to_datetime(values, format="ISO8601", utc=False)
        except (ValueError, TypeError):
            try:
                parsed = pd.to_datetime(values, format="ISO8601", utc=True)
            except (ValueError, TypeError) as exc:
                raise InputError(
                    f"cannot parse timestamps ({exc})", file=file, column=column
                ) from exc
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert("UTC")
    if tz is None:
        raise InputError(
            "timestamps have no time zone",
            file=file,
            column=column,
            hint="add offsets (e.g. +00:00) or pass --tz",
        )
    return parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert(
        "UTC"
    )


def bundled_layer(name: str) -> FactorLayer:
    """A bundled zone-factor dataset as a :class:`FactorLayer`."""
    from fairwatt import datasets

    meta = datasets.info(name)
    if meta.role != "zone_factors":
        raise InputError(
            f"dataset {name!r} holds {meta.role}, not zone factors",
            hint="run `fairwatt factors list` to see the zone-factor datasets",
        )
    df = datasets.load(name)
    out = df.rename(columns={"zone": "key"})
    resolution = (
        meta.resolution if meta.resolution in RESOLUTION_RANK else _resolution_of(list(out.columns))
    )
    keep = ["key"] + [c for c in ("timestamp", "year", "month") if c in out.columns]
    keep += [c for c in out.columns if c in FACTOR_COLUMNS]
    return FactorLayer(
        name=name,
        origin="bundled",
        resolution=resolution,
        table=out[keep],
        provenance=meta.provenance(),
    )
