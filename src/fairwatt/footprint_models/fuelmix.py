"""Grid intensities (carbon, off-site water) from a generation fuel mix.

The intensity of a grid over an interval is the generation-weighted mean of per-fuel
factors (Li et al. 2023, "Making AI Less Thirsty", and its official code)::

    I_t = sum_k gen_k,t * f_k / sum_k gen_k,t

The same formula gives a carbon intensity (``f_k`` in gCO2e/kWh) or an electricity water
intensity factor, EWIF (``f_k`` in L/kWh). The result is in the unit of the factors; the
generation may be in any unit (MWh, MW, percent) as long as it is the same for every fuel.

Fuel names are normalised with :func:`canonical_fuel`, so EIA-930 codes (``COL``, ``NG``,
``NUC``, ``OIL``, ``OTH``, ``SUN``, ``WAT``, ``WND``), Electricity Maps modes and common
spellings (``natural gas``, ``petroleum``, ``biofuel``) map onto one vocabulary.

Generation of unreported type (``other``, ``unknown``; EIA ``OTH``, ENTSO-E B15/B20, GB
"other", Electricity Maps "unknown") is covered by one documented assumption when a factor
set has no factor for it: it takes the generation-weighted mean factor of the interval's
other (known) fuels, so it neither raises nor lowers the intensity — the same as leaving
it out of the weighting (:data:`AVERAGED_FUELS`, :data:`AVERAGED_FUELS_RULE`). A factor the
set does give for ``other`` or ``unknown`` is always used. This is fairwatt's own
assumption, not a published factor; callers record in provenance when it was used.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

#: The canonical fuel vocabulary used by the bundled per-fuel factor sets.
CANONICAL_FUELS: tuple[str, ...] = (
    "coal",
    "gas",
    "oil",
    "nuclear",
    "hydro",
    "wind",
    "solar",
    "biomass",
    "geothermal",
    "other",
    "unknown",
)

#: Fuels of unreported type: without a factor in a set, they take the interval's
#: generation-weighted mean of the known fuels (fairwatt's documented assumption).
AVERAGED_FUELS: tuple[str, ...] = ("other", "unknown")

#: The assumption, as written into provenance when it was used.
AVERAGED_FUELS_RULE = (
    "fuels 'other' and 'unknown' without a factor in the per-fuel set take the "
    "generation-weighted mean factor of the interval's known fuels (they neither raise nor "
    "lower the intensity); fairwatt's own assumption, not a published factor"
)

#: Source spellings (lower case, spaces and dashes as underscores) -> canonical fuel.
FUEL_ALIASES: dict[str, str] = {
    # EIA-930 fuel codes
    "col": "coal",
    "ng": "gas",
    "nuc": "nuclear",
    "oil": "oil",
    "oth": "other",
    "sun": "solar",
    "wat": "hydro",
    "wnd": "wind",
    "geo": "geothermal",
    # common names
    "natural_gas": "gas",
    "naturalgas": "gas",
    "fossil_gas": "gas",
    "petroleum": "oil",
    "hard_coal": "coal",
    "lignite": "coal",
    "hydroelectricity": "hydro",
    "hydropower": "hydro",
    "biofuel": "biomass",
    "bioenergy": "biomass",
    "biopower": "biomass",
    "photovoltaic": "solar",
    "solar_pv": "solar",
}


def canonical_fuel(name: str) -> str:
    """The canonical fuel name for a source spelling.

    Parameters
    ----------
    name : str
        A fuel name or code, e.g. ``"NG"``, ``"Natural Gas"``, ``"hydroelectricity"``.

    Returns
    -------
    str
        The canonical name (see :data:`CANONICAL_FUELS`) when the spelling is known,
        else the normalised spelling itself (lower case, spaces and dashes as ``_``).
    """
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    return FUEL_ALIASES.get(key, key)


def intensity_from_mix(
    generation: pd.DataFrame | Mapping[str, Any],
    factors: Mapping[str, float],
    *,
    negative: str = "clip",
    unreported: str = "average",
) -> Any:
    """Generation-weighted mean of per-fuel factors.

    Parameters
    ----------
    generation : DataFrame or mapping
        Generation by fuel: one column (or key) per fuel, one row per interval or zone.
        Values are energy or power in any one unit [MWh, MW, %]. Column names are
        normalised with :func:`canonical_fuel`.
    factors : mapping
        Factor per fuel (canonical or source spelling) [e.g. gCO2e/kWh or L/kWh].
    negative : {"clip", "raise", "keep"}, default "clip"
        What to do with negative generation (net consumption of storage, station
        load): ``clip`` counts it as zero, ``raise`` raises ``ValueError``, ``keep`` uses it.
    unreported : {"average", "error"}, default "average"
        ``other`` / ``unknown`` generation without a factor in ``factors``: ``average``
        gives it the row's generation-weighted mean of the known fuels (it is left out of
        the weighting, see :data:`AVERAGED_FUELS_RULE`); ``error`` treats it as any fuel
        without a factor.

    Returns
    -------
    Series, ndarray or float
        The intensity in the unit of ``factors``: a Series aligned with a DataFrame input,
        else an array (or a float for scalar inputs). Rows with no generation, or with
        generation of averaged fuels only, are NaN; NaN generation propagates.

    Raises
    ------
    ValueError
        A fuel with generation has no factor (``other`` / ``unknown`` only with
        ``unreported="error"``), two columns name the same fuel, or ``negative="raise"``
        and a value is negative.

    References
    ----------
    .. [1] Li, P., Yang, J., Islam, M. A. and Ren, S. Making AI Less "Thirsty":
       Uncovering and Addressing the Secret Water Footprint of AI Models.
       arXiv:2304.03271 (2023).
    .. [2] Macknick, J., Newmark, R., Heath, G. and Hallett, K. C. Operational water
       consumption and withdrawal factors for electricity generating technologies.
       Environ. Res. Lett. 7, 045802 (2012). doi:10.1088/1748-9326/7/4/045802
    """
    if negative not in ("clip", "raise", "keep"):
        raise ValueError(f"negative must be 'clip', 'raise' or 'keep', not {negative!r}")
    if unreported not in ("average", "error"):
        raise ValueError(f"unreported must be 'average' or 'error', not {unreported!r}")
    scalar = False
    if isinstance(generation, pd.DataFrame):
        frame = generation
    else:
        values = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in generation.items()}
        scalar = all(np.ndim(v) == 0 for v in generation.values())
        frame = pd.DataFrame(values)
    names = _fuel_names(frame.columns)
    table = {canonical_fuel(k): float(v) for k, v in factors.items()}
    if unreported == "average":
        averaged = set(averaged_fuels(names, table))
        keep = [n not in averaged for n in names]
        frame = frame.loc[:, keep]
        names = [n for n, k in zip(names, keep, strict=True) if k]
    missing = [c for c, n in zip(frame.columns, names, strict=True) if n not in table]
    if missing:
        raise ValueError(f"no factor for fuel(s): {', '.join(map(str, missing))}")
    gen = frame.to_numpy(dtype=float, na_value=np.nan)
    if negative == "raise" and np.any(gen < 0):
        raise ValueError("negative generation in the fuel mix")
    if negative == "clip":
        gen = np.where(gen < 0, 0.0, gen)
    f = np.array([table[n] for n in names], dtype=float)
    total = gen.sum(axis=1)
    weighted = gen @ f
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(total != 0, weighted / np.where(total != 0, total, 1.0), np.nan)
    out = np.where(np.isnan(total), np.nan, out)
    if isinstance(generation, pd.DataFrame):
        return pd.Series(out, index=generation.index)
    if scalar:
        return float(out[0])
    return out


def _fuel_names(columns: Any) -> list[str]:
    """Canonical fuel names of ``columns``; two columns naming one fuel are refused."""
    names = [canonical_fuel(c) for c in columns]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"several columns map to the same fuel: {', '.join(dup)}")
    return names


def averaged_fuels(fuels: Iterable[str], factors: Container[str]) -> list[str]:
    """The fuels of ``fuels`` (canonical names) that take the known-fuel average.

    These are the :data:`AVERAGED_FUELS` (``other``, ``unknown``) for which ``factors``
    (keyed by canonical fuel) has no factor.
    """
    return [f for f in fuels if f in AVERAGED_FUELS and f not in factors]


def averaged_share(generation: pd.DataFrame, factors: Mapping[str, float]) -> pd.Series:
    """Per row, the share of generation [0-1] that took the known-fuel average.

    Parameters
    ----------
    generation : DataFrame
        Generation by fuel, one column per fuel (any spelling) [any one unit]; negative
        values count as zero.
    factors : mapping
        Factor per fuel of one set [any unit].

    Returns
    -------
    Series
        Aligned with ``generation``; 0 where no ``other`` / ``unknown`` generation took the
        average, NaN where a row has no generation.
    """
    names = _fuel_names(generation.columns)
    table = {canonical_fuel(k) for k in factors}
    cols = [
        c for c, n in zip(generation.columns, names, strict=True) if n in averaged_fuels([n], table)
    ]
    gen = generation.astype(float).clip(lower=0)
    total = gen.sum(axis=1)
    part = gen[cols].sum(axis=1) if cols else pd.Series(0.0, index=generation.index)
    return (part / total.where(total > 0)).astype(float)


def averaging_summary(
    generation: pd.DataFrame,
    factors: Mapping[str, float],
    *,
    per: str = "rows",
    count_by: Any = None,
) -> dict[str, Any] | None:
    """Provenance of the known-fuel average for one factor set, or None when unused.

    Parameters
    ----------
    generation : DataFrame
        Generation by fuel, one column per fuel [any one unit].
    factors : mapping
        Factor per fuel of one set.
    per : str, default "rows"
        Name of the count in the result (e.g. ``"hours"``).
    count_by : array-like, optional
        One label per row of ``generation`` (e.g. its hour); the count is of distinct
        labels of the rows that used the assumption, else of those rows.

    Returns
    -------
    dict or None
        ``fuels`` (canonical names that took the average), ``per`` (the count),
        ``largest_share`` (largest share of one row's generation) and
        ``share_of_generation`` (share of all generation) [0-1], rounded to 1e-6.
    """
    share = averaged_share(generation, factors)
    used = (share > 0).to_numpy()
    if not used.any():
        return None
    names = _fuel_names(generation.columns)
    gen = generation.astype(float).clip(lower=0)
    table = {canonical_fuel(k) for k in factors}
    generated = [n for c, n in zip(generation.columns, names, strict=True) if gen[c].sum() > 0]
    labels = pd.Index(count_by if count_by is not None else range(len(generation)))
    total = float(gen.to_numpy().sum())
    return {
        "fuels": averaged_fuels(generated, table),
        per: int(labels[used].nunique()),
        "largest_share": round(float(share.max()), 6),
        "share_of_generation": round(float((share * gen.sum(axis=1)).sum()) / total, 6),
    }


def intensities_from_mix(
    generation: pd.DataFrame,
    factor_sets: Mapping[str, Mapping[str, float]],
    *,
    negative: str = "clip",
) -> pd.DataFrame:
    """Several intensities from one fuel mix, e.g. carbon and EWIF.

    Parameters
    ----------
    generation : DataFrame
        Generation by fuel, one column per fuel [any one unit].
    factor_sets : mapping
        Output column name -> per-fuel factors, e.g.
        ``{"carbon_g_per_kwh": {...}, "ewif_l_per_kwh": {...}}``.
    negative : {"clip", "raise", "keep"}, default "clip"
        See :func:`intensity_from_mix`.

    Returns
    -------
    DataFrame
        One column per factor set, aligned with ``generation``.

    References
    ----------
    .. [1] Li, P., Yang, J., Islam, M. A. and Ren, S. Making AI Less "Thirsty".
       arXiv:2304.03271 (2023).
    """
    return pd.DataFrame(
        {
            name: intensity_from_mix(generation, factors, negative=negative)
            for name, factors in factor_sets.items()
        },
        index=generation.index,
    )
