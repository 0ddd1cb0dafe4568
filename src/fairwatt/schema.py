"""The one registry of factors and footprints: names, units, plausible ranges, aliases.

Every module that names a factor column, states its unit, checks its plausible range,
accepts another unit spelling, or names a footprint output column takes it from here.

* :data:`FACTORS` — the factor columns an audit can join (``carbon_g_per_kwh``, ...),
  each a :class:`Factor` with its unit label, plausible range, accepted aliases and a
  short description;
* :data:`QUANTITIES` — other canonical input columns held to a plausible range (site
  PUE and on-site WUE, bundled health-damage components);
* :data:`OUTPUTS` — the footprint columns an audit writes, with their unit and formula;
* :data:`FOOTPRINTS`, :data:`REQUIRED_FACTOR`, :data:`OPTIONAL_FACTORS` — the footprints
  and the factors each one needs.

Unit labels have one spelling each: ``gCO2e/kWh``, ``L/kWh``, ``US$/MWh``, ``kgCO2e``,
``L``, ``US$``, ``kWh``. Pure data: this module imports only :mod:`fairwatt.units`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairwatt.units import (
    G_PER_KG,
    GAL_PER_MWH_TO_L_PER_KWH,
    KWH_PER_MWH,
    L_PER_M3,
    LB_PER_MWH_TO_G_PER_KWH,
)

G_PER_KWH = "gCO2e/kWh"
L_PER_KWH = "L/kWh"
USD_PER_MWH = "US$/MWh"


@dataclass(frozen=True)
class Alias:
    """Another column name (and unit) accepted for a factor, converted on reading.

    Parameters
    ----------
    name
        Column name in the user's file, e.g. ``carbon_lb_per_mwh``.
    unit
        Unit of that column, e.g. ``lbCO2e/MWh``.
    multiplier
        Value in the canonical unit = value in ``unit`` × ``multiplier``. [-]
    """

    name: str
    unit: str
    multiplier: float


@dataclass(frozen=True)
class Factor:
    """One factor column: canonical name, unit, plausible range, aliases.

    Parameters
    ----------
    name
        Canonical column name, carrying its unit (``carbon_g_per_kwh``).
    unit
        The one unit label (``gCO2e/kWh``).
    lo, hi
        Plausible range, inclusive, in ``unit``; values outside it are refused.
    description
        One line for help texts and documentation.
    aliases
        Other column names accepted for this factor, with their conversions.
    unit_spellings
        Other spellings of ``unit`` accepted in the ``unit`` column of a long file.
    """

    name: str
    unit: str
    lo: float
    hi: float
    description: str
    aliases: tuple[Alias, ...] = ()
    unit_spellings: tuple[str, ...] = ()

    @property
    def range(self) -> tuple[float, float]:
        """``(lo, hi)``, in :attr:`unit`."""
        return (self.lo, self.hi)

    def accepts_unit(self, unit: str) -> bool:
        """True when ``unit`` names this factor's unit (one of its spellings)."""
        return unit.strip() in (self.unit, *self.unit_spellings)


@dataclass(frozen=True)
class Output:
    """One footprint output column of an audit.

    Parameters
    ----------
    name
        Column name, carrying its unit (``carbon_kg``).
    unit
        Unit label (``kgCO2e``).
    formula
        How it is computed from energy and factors (the models of
        :mod:`fairwatt.footprint_models`).
    """

    name: str
    unit: str
    formula: str


_USD = ("$/MWh", "USD/MWh")

_FACTOR_LIST: tuple[Factor, ...] = (
    Factor(
        "carbon_g_per_kwh",
        G_PER_KWH,
        0.0,
        2000.0,
        "carbon intensity of electricity (location-based, life-cycle or direct)",
        aliases=(
            Alias("carbon_kg_per_kwh", "kgCO2e/kWh", G_PER_KG),
            Alias("carbon_t_per_mwh", "tCO2e/MWh", G_PER_KG),
            Alias("carbon_kg_per_mwh", "kgCO2e/MWh", 1.0),
            Alias("carbon_lb_per_mwh", "lbCO2e/MWh", LB_PER_MWH_TO_G_PER_KWH),
        ),
        unit_spellings=("gCO2eq/kWh", "g/kWh"),
    ),
    Factor(
        "ewif_l_per_kwh",
        L_PER_KWH,
        0.0,
        100.0,
        "off-site water consumed per kWh generated (energy water intensity factor)",
        aliases=(
            Alias("ewif_gal_per_mwh", "gal/MWh", GAL_PER_MWH_TO_L_PER_KWH),
            Alias("ewif_m3_per_mwh", "m3/MWh", L_PER_M3 / KWH_PER_MWH),
        ),
    ),
    Factor(
        "ewif_withdrawal_l_per_kwh",
        L_PER_KWH,
        0.0,
        1000.0,
        "off-site water withdrawn per kWh generated (once-through cooling exceeds 100)",
    ),
    Factor(
        "water_total_l_per_kwh",
        L_PER_KWH,
        0.0,
        100.0,
        "total (on-site + off-site) water per kWh, for the 'total' water model",
    ),
    Factor(
        "health_usd_per_mwh",
        USD_PER_MWH,
        0.0,
        1000.0,
        "public-health damage of air pollution per MWh drawn",
        aliases=(Alias("health_usd_per_kwh", "US$/kWh", KWH_PER_MWH),),
        unit_spellings=_USD,
    ),
    Factor(
        "health_low_usd_per_mwh",
        USD_PER_MWH,
        0.0,
        1000.0,
        "low estimate of the health damage",
        unit_spellings=_USD,
    ),
    Factor(
        "health_high_usd_per_mwh",
        USD_PER_MWH,
        0.0,
        1000.0,
        "high estimate of the health damage",
        unit_spellings=_USD,
    ),
    Factor(
        "price_usd_per_mwh",
        USD_PER_MWH,
        -5000.0,
        20000.0,
        "wholesale electricity price (negative prices occur)",
        unit_spellings=_USD,
    ),
)

#: canonical factor column -> :class:`Factor`
FACTORS: dict[str, Factor] = {f.name: f for f in _FACTOR_LIST}

#: other accepted column names -> :class:`Alias` (with the factor it converts to)
ALIASES: dict[str, tuple[str, Alias]] = {
    a.name: (f.name, a) for f in _FACTOR_LIST for a in f.aliases
}

#: other canonical input columns held to a plausible range (not audit factors)
QUANTITIES: dict[str, Factor] = {
    q.name: q
    for q in (
        Factor("pue", "-", 1.0, 3.0, "power usage effectiveness: facility / IT energy"),
        Factor("wue_l_per_kwh", L_PER_KWH, 0.0, 20.0, "on-site water per kWh of IT energy"),
        Factor(
            "health_internal_usd_per_mwh",
            USD_PER_MWH,
            0.0,
            1000.0,
            "health damage inside the balancing area's footprint",
        ),
        Factor(
            "health_external_usd_per_mwh",
            USD_PER_MWH,
            0.0,
            1000.0,
            "health damage outside the balancing area's footprint",
        ),
    )
}

#: every column with a plausible range -> (lo, hi)
PLAUSIBLE_RANGES: dict[str, tuple[float, float]] = {
    name: spec.range for name, spec in (FACTORS | QUANTITIES).items()
}

_OUTPUT_LIST: tuple[Output, ...] = (
    Output("energy_kwh", "kWh", "IT energy from the log"),
    Output("facility_energy_kwh", "kWh", "energy_kwh × PUE"),
    Output("carbon_kg", "kgCO2e", "facility_energy_kwh × carbon_g_per_kwh / 1000"),
    Output("water_onsite_l", "L", "energy_kwh × wue_l_per_kwh (PUE does not multiply it)"),
    Output("water_offsite_l", "L", "facility_energy_kwh × ewif_l_per_kwh"),
    Output("water_l", "L", "water_onsite_l + water_offsite_l"),
    Output("water_withdrawal_offsite_l", "L", "facility_energy_kwh × ewif_withdrawal_l_per_kwh"),
    Output("health_usd", "US$", "facility_energy_kwh × health_usd_per_mwh / 1000"),
    Output("health_low_usd", "US$", "facility_energy_kwh × health_low_usd_per_mwh / 1000"),
    Output("health_high_usd", "US$", "facility_energy_kwh × health_high_usd_per_mwh / 1000"),
)

#: footprint output column -> :class:`Output`
OUTPUTS: dict[str, Output] = {o.name: o for o in _OUTPUT_LIST}

#: the footprints an audit computes, in report order
FOOTPRINTS: tuple[str, ...] = ("carbon", "water", "health")

#: footprint -> the factor it needs
REQUIRED_FACTOR: dict[str, str] = {
    "carbon": "carbon_g_per_kwh",
    "water": "ewif_l_per_kwh",
    "health": "health_usd_per_mwh",
}

#: footprint -> factors used where the data has them
OPTIONAL_FACTORS: dict[str, tuple[str, ...]] = {
    "water": ("ewif_withdrawal_l_per_kwh",),
    "health": ("health_low_usd_per_mwh", "health_high_usd_per_mwh"),
}


def unit_of(column: str) -> str:
    """The unit label of a factor, quantity or output column.

    Raises
    ------
    KeyError
        If ``column`` is not in the registry.
    """
    for table in (FACTORS, QUANTITIES):
        if column in table:
            return table[column].unit
    return OUTPUTS[column].unit
