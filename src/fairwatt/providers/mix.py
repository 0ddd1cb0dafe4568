"""Hourly carbon intensity and EWIF from a fetched fuel mix (EIA-930, ENTSO-E A75,
Electricity Maps power breakdown, GB generation mix).

Each sub-hourly (or hourly) fuel mix gives a generation-weighted intensity
(:func:`fairwatt.footprint_models.fuelmix.intensity_from_mix`); intensities are then
reduced to hours with the common hourly rule of :mod:`fairwatt.providers._common`.

Fuel handling, written down once:

* source fuel names are mapped to the canonical fuel vocabulary at the provider boundary
  (EIA codes via :func:`~fairwatt.footprint_models.fuelmix.canonical_fuel` and
  :data:`EIA_FUELS`; ENTSO-E production types via ``entsoe.PSR_TYPES``; Electricity Maps
  modes via :data:`ELECTRICITYMAPS_FUELS`; GB fuels via :data:`UK_FUELS`);
* storage (batteries, pumped hydro) re-delivers energy generated earlier: it is left out
  of the mix (its output is neither a source of emissions nor of water use here); so are
  GB "imports", whose fuels the API does not give (the intensity is then that of the
  domestic generation);
* negative net generation (station load, charging) counts as zero, and so does a fuel
  absent from an hour (or reported as null);
* an interval with a withheld value (``is_withheld``, EIA's ``W``) has an unknown mix: its
  intensities are empty, so its hour is flagged missing (never counted as zero);
* a fuel that generated in an hour but has no factor in a factor set is an error
  (:class:`~fairwatt.errors.FactorMissingError`) — never silently dropped; a fuel with no
  generation in the whole range is ignored;
* except ``other`` and ``unknown`` (EIA ``OTH``, ENTSO-E B15/B20, GB "other", Electricity
  Maps "unknown"): without a factor in a set they take the generation-weighted mean of the
  interval's known fuels (:data:`~fairwatt.footprint_models.fuelmix.AVERAGED_FUELS_RULE`),
  and the returned information says so, with the hours and share of generation concerned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from fairwatt.errors import FactorMissingError
from fairwatt.footprint_models.fuelmix import (
    AVERAGED_FUELS_RULE,
    averaged_fuels,
    averaging_summary,
    canonical_fuel,
    intensity_from_mix,
)
from fairwatt.providers import _common as c

#: Marker for what is left out of the mix (storage; GB imports, whose fuels are unknown).
EXCLUDED = "_excluded"
STORAGE = EXCLUDED

#: EIA-930 fuel codes beyond the classic eight (battery, pumped storage, hybrids ...).
EIA_FUELS: dict[str, str] = {
    "COL": "coal",
    "NG": "gas",
    "NUC": "nuclear",
    "OIL": "oil",
    "OTH": "other",
    "SUN": "solar",
    "WAT": "hydro",
    "WND": "wind",
    "GEO": "other",  # reported within OTH before 2024, as in the per-fuel sets for EIA-930
    "BAT": STORAGE,
    "PS": STORAGE,
    "OES": STORAGE,
    "UES": STORAGE,
    "SNB": "solar",
    "WNB": "wind",
}

#: Electricity Maps production modes -> canonical fuel.
ELECTRICITYMAPS_FUELS: dict[str, str] = {
    "nuclear": "nuclear",
    "geothermal": "geothermal",
    "biomass": "biomass",
    "coal": "coal",
    "wind": "wind",
    "solar": "solar",
    "hydro": "hydro",
    "gas": "gas",
    "oil": "oil",
    "unknown": "unknown",
    "hydro discharge": STORAGE,
    "battery discharge": STORAGE,
}

#: GB Carbon Intensity API fuels -> canonical fuel. Imports carry no fuel information and
#: are left out: the derived intensity is that of generation inside GB.
UK_FUELS: dict[str, str] = {
    "biomass": "biomass",
    "coal": "coal",
    "gas": "gas",
    "nuclear": "nuclear",
    "other": "other",
    "hydro": "hydro",
    "solar": "solar",
    "wind": "wind",
    "imports": EXCLUDED,
    "storage": STORAGE,
}


def map_fuels(fuels: pd.Series, table: Mapping[str, str] | None) -> pd.Series:
    """Canonical fuel names (``table`` first, then the model's alias list)."""

    def one(name: Any) -> str:
        if name is None or (isinstance(name, float) and pd.isna(name)) or name is pd.NA:
            return STORAGE
        key = str(name)
        if table is not None:
            for k in (key, key.upper(), key.lower()):
                if k in table:
                    return table[k]
        return canonical_fuel(key)

    return pd.Series([one(f) for f in fuels], index=fuels.index, dtype="string")


def derive(
    generation: pd.DataFrame,
    *,
    value_col: str,
    zone: str,
    factor_sets: Mapping[str, Mapping[str, float]],
    fuel_table: Mapping[str, str] | None,
    period_s: float,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    set_names: Mapping[str, str] | None = None,
    unmatched: str = "error",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Canonical hourly table of intensities from a long generation table.

    Parameters
    ----------
    generation
        Long table: ``timestamp`` (UTC interval start), ``fuel`` and ``value_col``
        (generation in any one unit: MWh, MW or %); optional ``is_estimated`` and
        ``is_partial`` and ``is_withheld``.
    value_col
        Name of the generation column.
    zone
        Zone written into the table.
    factor_sets
        Output column (``carbon_g_per_kwh``, ``ewif_l_per_kwh``) -> per-fuel factors
        [gCO2e/kWh or L/kWh], keyed by canonical fuel.
    fuel_table
        Provider fuel name -> canonical fuel (:data:`EIA_FUELS` ...).
    period_s
        Length of one generation interval. [s]
    start, end
        ``[start, end)`` the table covers (hours without data flagged ``is_missing``).
    set_names
        Output column -> name of the factor set, for error messages.
    unmatched
        ``"error"`` (default): a fuel that generated but has no factor in a set is an
        error. ``"exclude"``: such fuels are left out of that set's weighting (the value
        is the intensity of the remaining generation) and reported in the returned
        information.

    Returns
    -------
    (DataFrame, dict)
        The canonical hourly table, and ``{"excluded_fuels": {column: {fuel: largest
        share of an hour's generation}}}`` (empty when nothing was excluded); when
        ``other`` / ``unknown`` took the known-fuel average also ``fuel_assumption`` (the
        rule), ``averaged_fuels`` ``{column: {fuels, hours, largest_share,
        share_of_generation}}`` and ``averaged_fuel_hours`` (hours where any set used it).

    Raises
    ------
    FactorMissingError
        A fuel generated but one factor set has no factor for it (``unmatched="error"``).
    """
    if unmatched not in ("error", "exclude"):
        raise ValueError(f"unmatched must be 'error' or 'exclude', not {unmatched!r}")
    gen = generation.copy()
    gen["fuel"] = map_fuels(gen["fuel"], fuel_table)
    gen = gen[gen["fuel"] != STORAGE]
    gen[value_col] = gen[value_col].astype("float64")
    wide = _wide(gen, value_col)
    out, excluded = _intensities(
        wide, factor_sets, zone=zone, set_names=set_names or {}, unmatched=unmatched
    )
    info: dict[str, Any] = {"excluded_fuels": excluded, **_averaging(wide, factor_sets)}
    if "is_withheld" in gen.columns:  # an unknown mix has no intensity
        withheld = gen.loc[gen["is_withheld"].astype(bool), "timestamp"].unique()
        out.loc[out.index.isin(withheld), list(factor_sets)] = float("nan")
    obs = out.join(_flags(gen, wide.index)).reset_index().rename(columns={"index": "timestamp"})
    partial_in = obs.pop("is_partial") if "is_partial" in obs.columns else None
    hourly = c.to_hourly(
        obs, zone=zone, factor_cols=list(factor_sets), period_s=period_s, start=start, end=end
    )
    if partial_in is not None:
        hours = pd.Series(partial_in.to_numpy(), index=obs["timestamp"].dt.floor("h"))
        any_partial = hours.groupby(level=0).any()
        extra = hourly["timestamp"].map(any_partial).fillna(False).astype(bool)
        hourly["is_partial"] = (hourly["is_partial"] | extra) & ~hourly["is_missing"]
    return hourly, info


def _averaging(
    wide: pd.DataFrame, factor_sets: Mapping[str, Mapping[str, float]]
) -> dict[str, Any]:
    """Provenance of the known-fuel average for ``other`` / ``unknown`` (empty if unused)."""
    hours = pd.DatetimeIndex(wide.index).floor("h")
    averaged: dict[str, Any] = {}
    used = pd.Series(False, index=wide.index)
    for column, factors in factor_sets.items():
        table = {canonical_fuel(k): float(v) for k, v in factors.items()}
        summary = averaging_summary(wide, table, per="hours", count_by=hours)
        if summary is not None:
            averaged[column] = summary
            share = wide[summary["fuels"]].clip(lower=0).sum(axis=1)
            used |= share > 0
    if not averaged:
        return {}
    return {
        "fuel_assumption": AVERAGED_FUELS_RULE,
        "averaged_fuels": averaged,
        "averaged_fuel_hours": int(hours[used.to_numpy()].nunique()),
    }


def _flags(gen: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Per interval of ``index``: whether any generation value in it was estimated or
    partial (only the flags ``gen`` has)."""
    flags = pd.DataFrame(index=index)
    for flag in ("is_estimated", "is_partial"):
        if flag in gen.columns:
            flags[flag] = gen.groupby("timestamp")[flag].any().reindex(index, fill_value=False)
    return flags


def _wide(gen: pd.DataFrame, value_col: str) -> pd.DataFrame:
    """Generation per interval (rows) and fuel (columns), restricted to the fuels that
    generated at all in the range."""
    wide = gen.pivot_table(
        index="timestamp", columns="fuel", values=value_col, aggfunc="sum", dropna=False
    )
    wide.columns = [str(col) for col in wide.columns]
    # a fuel absent from an hour (or reported as null) generated nothing in it; an hour
    # with no generation at all gives NaN intensities and is flagged missing
    wide = wide.fillna(0.0)
    used = [f for f in wide.columns if (wide[f].fillna(0) > 0).any()]
    return wide[used]


def _intensities(
    wide: pd.DataFrame,
    factor_sets: Mapping[str, Mapping[str, float]],
    *,
    zone: str,
    set_names: Mapping[str, str],
    unmatched: str,
) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """Generation-weighted intensity per interval for each factor set, and the fuels left
    out of each set's weighting with their largest share of an interval's generation."""
    used = list(wide.columns)
    out = pd.DataFrame(index=wide.index)
    total = wide.clip(lower=0).sum(axis=1)
    excluded: dict[str, dict[str, float]] = {}
    for column, factors in factor_sets.items():
        table = {canonical_fuel(k): float(v) for k, v in factors.items()}
        assumed = averaged_fuels(used, table)
        lacking = [f for f in used if f not in table and f not in assumed]
        shares = {
            f: round(float((wide[f].clip(lower=0) / total.where(total > 0)).max()), 6)
            for f in lacking
        }
        if lacking and unmatched == "error":
            label = set_names.get(column, column)
            worst = ", ".join(f"{f} (up to {100 * v:.3g} % of an hour)" for f, v in shares.items())
            raise FactorMissingError(
                f"no {column} factor for fuel(s) {worst} in the per-fuel set {label!r} "
                f"(zone {zone})",
                hint="pass --unmatched-fuels exclude to leave them out of the weighting, "
                "or choose another per-fuel set with --fuel-factors",
            )
        if lacking:
            excluded[column] = shares
        keep = [f for f in used if f in table or f in assumed]
        out[column] = intensity_from_mix(wide[keep], table) if keep else float("nan")
    return out, excluded
