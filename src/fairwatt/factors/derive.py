"""Carbon and EWIF series from a user's fuel-mix file and bundled per-fuel factor sets.

A fuel-mix file (CSV or Parquet) is either

* wide: a time column (``timestamp``, UTC interval start, or ``year``), an optional
  ``zone`` column and one numeric column per fuel (``coal``, ``gas``, ``NG``, ``WND``, ...);
* long: a time column, ``fuel`` (or ``fueltype``), a value column (``generation_mwh``,
  ``generation``, ``value`` or ``mwh``) and an optional ``zone`` (or ``respondent``).

Generation may be in any one unit (MWh, MW, %). The output is a zone factor table
(``zone``, ``timestamp`` or ``year``, ``carbon_g_per_kwh`` and/or ``ewif_l_per_kwh``)
that can be passed back to the audit as a user factor file.

A fuel without a factor in the chosen set is an error, except ``other`` and ``unknown``:
they take the generation-weighted mean of the row's known fuels
(:data:`fairwatt.footprint_models.fuelmix.AVERAGED_FUELS_RULE`); the metadata then says so
(``fuel_assumption``) and counts the rows and share of generation concerned
(``averaged_fuels``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_FACTOR_SETS: tuple[str, ...] = ("fuel-factors-thirsty-code",)
#: When no set is named: for each factor column, the first of these sets that covers
#: every fuel of the file (directly, or ``other``/``unknown`` by the known-fuel
#: average). The default set's EIA-930 vocabulary first; then the sets whose fuels are
#: those of Electricity Maps and ENTSO-E mixes (biomass, geothermal, ...).
AUTO_FACTOR_SETS: tuple[str, ...] = (
    *DEFAULT_FACTOR_SETS,
    "fuel-carbon-ipcc2014-lifecycle",
    "fuel-ewif-macknick2012-incl-hydro",
)
#: factor columns a per-fuel set can provide
DERIVED_FACTORS: tuple[str, ...] = ("carbon_g_per_kwh", "ewif_l_per_kwh")
_TIME = ("timestamp", "year")
_FUEL = ("fuel", "fueltype")
_VALUE = ("generation_mwh", "generation", "value", "mwh")
_ZONE = ("zone", "respondent")


def _pick(columns: Sequence[str], options: Sequence[str]) -> str | None:
    lower = {c.lower(): c for c in columns}
    for o in options:
        if o in lower:
            return lower[o]
    return None


def _parse_time(
    df: pd.DataFrame,
    col: str,
    *,
    file: str,
    tz: str | None,
    series: pd.DataFrame,
    first: int,
) -> pd.Series:
    """Integer years, or timestamps in UTC by the rule of :mod:`fairwatt.io.times`
    (each zone, and each fuel of a long file, is one series)."""
    import pandas as pd

    from fairwatt.io.times import to_utc

    if col.lower() == "year":
        years = pd.to_numeric(df[col], errors="coerce")
        bad = years.isna() | (years % 1 != 0)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0]) + first
            raise InputError("year must be an integer", file=file, row=row, column=col)
        return years.astype(int)
    return to_utc(df[col], tz=tz, file=file, column=col, series=series, first_row=first)


def read_fuel_mix(
    path: str | Path, *, zone: str | None = None, tz: str | None = None
) -> tuple[pd.DataFrame, str]:
    """Read a fuel-mix file into a wide frame indexed by (zone, time).

    Parameters
    ----------
    path : str or Path
        CSV or Parquet file, wide or long (see the module docstring).
    zone : str, optional
        Zone id for every row when the file has no ``zone`` column.
    tz : str, optional
        Time zone of naive timestamps (an IANA name such as ``UTC``).

    Returns
    -------
    (DataFrame, str)
        Generation by fuel (one column per fuel, same unit as the file), indexed by
        ``zone`` and the time column; and the name of the time column (``timestamp``
        or ``year``).
    """
    import pandas as pd

    from fairwatt.io.tables import first_row_number, read_table

    p = Path(path)
    file = str(p)
    df = read_table(p, what="fuel-mix file")
    first = first_row_number(p)
    cols = [str(c) for c in df.columns]
    df.columns = cols
    tcol = _pick(cols, _TIME)
    if tcol is None:
        raise InputError(
            "no time column", file=file, hint="name it 'timestamp' (UTC interval start) or 'year'"
        )
    time_name = "year" if tcol.lower() == "year" else "timestamp"
    zcol = _pick(cols, _ZONE)
    if zcol is None and not zone:
        raise InputError(
            "no zone column and no --zone",
            file=file,
            hint="pass --zone (e.g. --zone US-BA-CISO) or add a 'zone' column",
        )
    zones = df[zcol].astype(str) if zcol is not None else pd.Series(zone, index=df.index)
    if zone and zcol is not None:
        zones = pd.Series(zone, index=df.index)
    fcol, vcol = _pick(cols, _FUEL), _pick(cols, _VALUE)
    keys = pd.DataFrame({"zone": zones} | ({"fuel": df[fcol]} if fcol is not None else {}))
    times = _parse_time(df, tcol, file=file, tz=tz, series=keys, first=first)
    index = pd.MultiIndex.from_arrays([zones.to_numpy(), times], names=["zone", time_name])
    if fcol is not None:
        return _long_mix(df, index, fcol, vcol, file=file, first=first), time_name
    fuels = [c for c in cols if c not in {tcol, zcol}]
    return _wide_mix(df, index, fuels, file=file, first=first), time_name


def _generation(values: pd.Series, *, file: str, column: str, first: int) -> pd.Series:
    """``values`` as numbers; text that is not a number is refused, naming its row."""
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            f"not a number: {values.iloc[i]!r}",
            file=file,
            row=i + first,
            column=column,
            hint="fuel columns hold generation numbers",
        )
    return numbers


def _long_mix(
    df: pd.DataFrame,
    index: pd.MultiIndex,
    fcol: str,
    vcol: str | None,
    *,
    file: str,
    first: int,
) -> pd.DataFrame:
    """Long format (one row per zone, time and fuel) to one column per fuel."""
    import pandas as pd

    if vcol is None:
        raise InputError(
            "long format needs a value column",
            file=file,
            hint=f"name it one of: {', '.join(_VALUE)}",
        )
    values = _generation(df[vcol], file=file, column=vcol, first=first)
    long = pd.DataFrame(
        {"fuel": df[fcol].astype(str).to_numpy(), "value": values.to_numpy()}, index=index
    ).reset_index()
    wide = long.pivot_table(
        index=list(index.names), columns="fuel", values="value", aggfunc="sum", sort=True
    )
    wide.columns = [str(c) for c in wide.columns]
    return wide


def _wide_mix(
    df: pd.DataFrame, index: pd.MultiIndex, fuels: list[str], *, file: str, first: int
) -> pd.DataFrame:
    """Wide format (one column per fuel, one row per zone and time), checked."""
    import pandas as pd

    if not fuels:
        raise InputError(
            "no fuel columns",
            file=file,
            hint="one numeric column per fuel, e.g. coal,gas,nuclear,wind",
        )
    gen = {c: _generation(df[c], file=file, column=c, first=first).to_numpy() for c in fuels}
    wide = pd.DataFrame(gen, index=index)
    if wide.index.duplicated().any():
        dup = wide.index[wide.index.duplicated()][0]
        raise InputError(
            f"duplicate row for zone {dup[0]} at {dup[1]}",
            file=file,
            hint="one row per zone and time in the wide format",
        )
    return wide.sort_index()


def factor_set(name: str) -> dict[str, dict[str, float]]:
    """The per-fuel factors of a bundled ``fuel_factors`` dataset, by factor column."""
    from fairwatt.datasets import catalog
    from fairwatt.footprint_models.fuelmix import canonical_fuel

    d = catalog.info(name)
    if d.role != "fuel_factors":
        sets = [x.name for x in catalog.manifest() if x.role == "fuel_factors"]
        raise InputError(
            f"{name!r} is not a per-fuel factor set", hint=f"use one of: {', '.join(sets)}"
        )
    df = catalog.load(name)
    out: dict[str, dict[str, float]] = {}
    for col in DERIVED_FACTORS:
        if col in df.columns:
            out[col] = {
                canonical_fuel(f): float(v) for f, v in zip(df["fuel"], df[col], strict=True)
            }
    return out


def derive_intensities(
    path: str | Path,
    factor_sets: Sequence[str] | None = None,
    *,
    zone: str | None = None,
    tz: str | None = None,
    negative: str = "clip",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Carbon and EWIF series from a fuel-mix file (generation-weighted per-fuel factors).

    For each factor column, the first set in ``factor_sets`` that provides it is used.

    Parameters
    ----------
    path : str or Path
        The fuel-mix file.
    factor_sets : sequence of str, optional
        Names of bundled per-fuel sets (``fairwatt factors list --role fuel_factors``).
        Default: for each factor column, the first of :data:`AUTO_FACTOR_SETS` that
        covers every fuel of the file (``factor_set_choice`` in the metadata says so).
    zone, tz : str, optional
        See :func:`read_fuel_mix`.
    negative : {"clip", "raise", "keep"}
        Treatment of negative generation, see
        :func:`fairwatt.footprint_models.fuelmix.intensity_from_mix`.

    Returns
    -------
    (DataFrame, dict)
        A zone factor table (``zone``, ``timestamp`` or ``year``, factor columns in
        gCO2e/kWh and L/kWh) and metadata naming the factor set used for each column;
        when ``other`` / ``unknown`` took the known-fuel average, ``fuel_assumption`` (the
        rule) and ``averaged_fuels`` ``{column: {fuels, rows, largest_share,
        share_of_generation}}``.
    """
    import pandas as pd

    from fairwatt.datasets import catalog
    from fairwatt.footprint_models.fuelmix import (
        AVERAGED_FUELS_RULE,
        averaged_fuels,
        averaging_summary,
        canonical_fuel,
        intensity_from_mix,
    )

    if factor_sets is not None and not factor_sets:
        raise InputError("no factor set given", hint="pass --factor-set NAME")
    wide, _time = read_fuel_mix(path, zone=zone, tz=tz)
    names = {c: canonical_fuel(c) for c in wide.columns}
    chosen = _choose_sets(names.values(), factor_sets)
    seen: dict[str, str] = {}
    for c, n in names.items():
        if n in seen:
            raise InputError(
                f"columns {seen[n]!r} and {c!r} are the same fuel ({n})", file=str(path), column=c
            )
        seen[n] = c
    out = pd.DataFrame(index=wide.index)
    averaged: dict[str, Any] = {}
    for col, (set_name, table) in chosen.items():
        assumed = averaged_fuels(names.values(), table)
        missing = [c for c, n in names.items() if n not in table and n not in assumed]
        if missing:
            raise InputError(
                f"factor set {set_name!r} has no {col} for fuel(s) {', '.join(missing)}",
                file=str(path),
                column=missing[0],
                hint=f"its fuels: {', '.join(sorted(table))}; rename the column or pass "
                "another --factor-set (Electricity Maps or ENTSO-E mixes: --factor-set "
                "fuel-carbon-ipcc2014-lifecycle --factor-set fuel-ewif-macknick2012-incl-hydro)",
            )
        try:
            out[col] = intensity_from_mix(wide, table, negative=negative)
        except ValueError as exc:
            raise InputError(str(exc), file=str(path), hint="use --negative clip or keep") from None
        summary = averaging_summary(wide, table)
        if summary is not None:
            averaged[col] = summary
    out = out.reset_index()
    meta = {
        "fuel_mix": str(path),
        "factor_sets": {col: name for col, (name, _t) in chosen.items()},
        "provenance": [
            catalog.info(n).provenance()
            for n in dict.fromkeys(name for name, _t in chosen.values())
        ],
        "negative_generation": negative,
    }
    if factor_sets is None:
        meta["factor_set_choice"] = (
            "automatic: for each factor, the first of "
            + ", ".join(AUTO_FACTOR_SETS)
            + " that covers every fuel of the file"
        )
    if averaged:
        meta["fuel_assumption"] = AVERAGED_FUELS_RULE
        meta["averaged_fuels"] = averaged
    return out, meta


def _choose_sets(
    fuels: Iterable[str], factor_sets: Sequence[str] | None
) -> dict[str, tuple[str, dict[str, float]]]:
    """For each factor column, the set that provides it: the first named one, or (none
    named) the first of :data:`AUTO_FACTOR_SETS` covering every fuel, else the first
    providing the column (whose missing fuels the caller then reports)."""
    from fairwatt.footprint_models.fuelmix import averaged_fuels

    fuels = list(fuels)
    chosen: dict[str, tuple[str, dict[str, float]]] = {}
    fallback: dict[str, tuple[str, dict[str, float]]] = {}
    for name in AUTO_FACTOR_SETS if factor_sets is None else factor_sets:
        for col, table in factor_set(name).items():
            fallback.setdefault(col, (name, table))
            assumed = averaged_fuels(fuels, table)
            covers = all(f in table or f in assumed for f in fuels)
            if factor_sets is not None or covers:
                chosen.setdefault(col, (name, table))
    return {**fallback, **chosen}
