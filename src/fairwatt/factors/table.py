"""Factor tables: canonical columns, plausible ranges, and reading users' factor files.

A factor file (CSV or Parquet) has a ``zone`` column (or ``site`` for site-specific
values), an optional time column and factor values, either

* wide: one column per factor, named canonically (``carbon_g_per_kwh``) or with another
  known unit (``carbon_kg_per_kwh``, ``carbon_lb_per_mwh``, ``ewif_gal_per_mwh``, ...),
  converted on reading; or
* long: ``factor`` and ``value`` columns (optionally ``unit``), one row per factor.

Time: ``timestamp`` (hourly, interval start; with UTC offsets, or naive local times in
``tz`` read by the daylight-saving rule of :mod:`fairwatt.io.times`, each zone one
series), ``year`` + ``month`` (monthly), ``year`` (annual), or none (one value for all
times). Names, units, ranges and aliases come from :mod:`fairwatt.schema`; the file is
read by :func:`fairwatt.io.tables.read_table` (only empty cells are missing, so zone
``NA`` is Namibia).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError
from fairwatt.schema import ALIASES, FACTORS

if TYPE_CHECKING:
    import pandas as pd

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
        return [c for c in self.table.columns if c in FACTORS]


def _resolution_of(columns: list[str]) -> str:
    if "timestamp" in columns:
        return "hourly"
    if "year" in columns and "month" in columns:
        return "monthly"
    if "year" in columns:
        return "annual"
    return "static"


def check_plausible(df: pd.DataFrame, file: str, *, row_offset: int = 2) -> None:
    """Refuse values outside the plausible range of their factor (:data:`fairwatt.schema.
    FACTORS`), naming the rows; ``row_offset`` is the row number of the first row."""
    import numpy as np

    for col, spec in FACTORS.items():
        if col not in df.columns:
            continue
        values = df[col].to_numpy(dtype="float64", na_value=np.nan)
        bad = np.flatnonzero(~np.isnan(values) & ((values < spec.lo) | (values > spec.hi)))
        if bad.size:
            rows = ", ".join(str(int(i) + row_offset) for i in bad[:5])
            more = f" and {bad.size - 5} more" if bad.size > 5 else ""
            raise InputError(
                f"{bad.size} value(s) outside the plausible range {spec.lo:g}-{spec.hi:g} "
                f"{spec.unit} (rows {rows}{more}; e.g. {values[bad[0]]:g})",
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


def read_factor_file(
    path: str | pd.DataFrame, *, tz: str | None = None, name: str = "<DataFrame>"
) -> FactorLayer:
    """Read a user's factor file (wide or long) into a :class:`FactorLayer`.

    Parameters
    ----------
    path
        CSV or Parquet file (see the module docstring), or a pandas DataFrame of the
        same layout (its rows are numbered from 1 in messages).
    tz
        IANA zone of naive timestamps; the daylight-saving rule of
        :mod:`fairwatt.io.times` applies per zone (and per factor in long files).
    name
        How messages and the provenance name a DataFrame.
    """
    import pandas as pd

    from fairwatt.io.tables import first_row_number, read_table

    if isinstance(path, pd.DataFrame):
        df = path.reset_index(drop=True)
        first = 1
        path = name
    else:
        df = read_table(path, what="factor file")
        first = first_row_number(path)
    if df.empty:
        raise InputError(f"{path}: the factor file has no rows")
    keycol = "zone" if "zone" in df.columns else "site" if "site" in df.columns else None
    if keycol is None:
        raise InputError(
            "missing column 'zone' (or 'site')",
            file=path,
            hint=f"the file has {', '.join(map(str, df.columns))}",
        )
    df[keycol] = df[keycol].astype(str)
    long = "factor" in df.columns and "value" in df.columns
    if "timestamp" in df.columns:
        df["timestamp"] = _utc_times(df, path, keycol, long=long, tz=tz, first=first)
    if long:
        df = _long_to_wide(df, path, keycol, first)
    df, renamed = _convert_aliases(df)
    factor_cols = [c for c in df.columns if c in FACTORS]
    if not factor_cols:
        known = ", ".join([*FACTORS, *ALIASES])
        raise InputError(f"no factor column found; known columns: {known}", file=path)
    for col in factor_cols:
        df[col] = _numbers(df[col], path, col, first)
    check_plausible(df, path, row_offset=first)
    resolution = _resolution_of(list(df.columns))
    out = pd.DataFrame({"key": df[keycol].astype(str)})
    if resolution == "hourly":
        out["timestamp"] = df["timestamp"]
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
            f"duplicate factor row for {keycol} {out['key'].iloc[i]!r}", file=path, row=i + first
        )
    return FactorLayer(
        name=str(path),
        origin="user",
        resolution=resolution,
        table=out,
        provenance={"dataset": str(path), "kind": "user file", "source": str(path)}
        | ({"converted_columns": renamed} if renamed else {}),
    )


def _utc_times(
    df: pd.DataFrame, path: str, keycol: str, *, long: bool, tz: str | None, first: int
) -> pd.Series:
    """The ``timestamp`` column in UTC; each zone (and, in a long file, each factor of a
    zone) is one series for the daylight-saving rule."""
    from fairwatt.io.times import to_utc

    keys = [keycol, "factor"] if long else [keycol]
    return to_utc(
        df["timestamp"], tz=tz, file=path, column="timestamp", series=df[keys], first_row=first
    )


def _convert_aliases(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Columns in another unit (:data:`fairwatt.schema.ALIASES`) to their canonical
    column and unit; returns the frame and ``{alias: canonical}``."""
    import pandas as pd

    renamed = {}
    for col in list(df.columns):
        if col in ALIASES:
            canon, alias = ALIASES[col]
            df[canon] = pd.to_numeric(df[col], errors="coerce") * alias.multiplier
            renamed[col] = canon
            df = df.drop(columns=col)
    return df, renamed


def _numbers(values: pd.Series, path: str, column: str, first: int) -> pd.Series:
    """``values`` as float64; text that is not a number is refused, naming its row."""
    import pandas as pd

    numeric = pd.to_numeric(values, errors="coerce")
    bad = numeric.isna() & values.notna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            f"cannot read {values.iloc[i]!r} as a number", file=path, row=i + first, column=column
        )
    return numeric.astype("float64")


def _long_to_wide(df: pd.DataFrame, path: str, keycol: str, first: int = 2) -> pd.DataFrame:
    if "unit" in df.columns:
        for i, (fac, unit) in enumerate(zip(df["factor"], df["unit"], strict=True)):
            if fac in FACTORS and not FACTORS[fac].accepts_unit(str(unit)):
                raise InputError(
                    f"factor {fac} declared in {unit!r}, expected {FACTORS[fac].unit!r}",
                    file=path,
                    row=i + first,
                    column="unit",
                )
    unknown = sorted(set(df["factor"].astype(str)) - set(FACTORS) - set(ALIASES))
    if unknown:
        raise InputError(
            f"unknown factor name(s) {', '.join(unknown)}",
            file=path,
            column="factor",
            hint=f"use {', '.join(FACTORS)}",
        )
    idx = [c for c in (keycol, "timestamp", "year", "month") if c in df.columns]
    values = _numbers(df["value"], path, "value", first)
    wide = (
        df.assign(value=values)
        .pivot_table(index=idx, columns="factor", values="value", aggfunc="first")
        .reset_index()
    )
    wide.columns.name = None
    return wide


def bundled_layer(name: str) -> FactorLayer:
    """A bundled zone-factor dataset as a :class:`FactorLayer`.

    The table is parsed once per process and shared by the layers returned (a new
    layer each call, so changing its ``origin`` changes nothing else); do not modify it
    in place."""
    resolution, table, provenance = _bundled_table(name)
    return FactorLayer(
        name=name,
        origin="bundled",
        resolution=resolution,
        table=table,
        provenance=dict(provenance),
    )


@functools.cache
def _bundled_table(name: str) -> tuple[str, pd.DataFrame, dict[str, Any]]:
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
    keep += [c for c in out.columns if c in FACTORS]
    return resolution, out[keep], meta.provenance()
