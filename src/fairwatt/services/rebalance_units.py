"""The units a rebalancing result is reported in.

The balancing model works in MWh, t and m³ (the eGLB paper's units: weights of US$ 60
per m³ and US$ 1500 per t). Results are reported by default in the units of
``fairwatt audit`` — kWh, kg, L, US$ — so that the two commands agree on a fleet;
``units="paper"`` keeps the model's t, m³ and MWh. Column names carry the unit
(``energy_kwh`` / ``energy_mwh``, ``carbon_kg`` / ``carbon_t``, ``water_l`` /
``water_m3``); conversions are exact powers of ten (1 MWh = 1000 kWh, 1 t = 1000 kg,
1 m³ = 1000 L). Inputs — scenario tables, weights, limits, sweep values and online
target caps — keep their own units whatever the report's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

from fairwatt.errors import InputError
from fairwatt.units import KG_PER_TONNE, KWH_PER_MWH, L_PER_M3

if TYPE_CHECKING:
    import pandas as pd

UnitSystem = Literal["audit", "paper"]
#: The unit system of results when none is asked for.
DEFAULT_UNITS: UnitSystem = "audit"
#: Column-name suffix of the model (paper) unit -> (suffix in audit units, factor).
_SUFFIXES = {
    "_mwh": ("_kwh", KWH_PER_MWH),
    "_t": ("_kg", KG_PER_TONNE),
    "_m3": ("_l", L_PER_M3),
}
#: Footprint -> its unit label in the ``inequity`` table, per unit system.
FOOTPRINT_UNITS: dict[UnitSystem, dict[str, str]] = {
    "paper": {"carbon": "t", "water": "m3", "health": "USD"},
    "audit": {"carbon": "kg", "water": "L", "health": "USD"},
}
#: The ``units`` entry of a result's metadata, per unit system.
METADATA_UNITS: dict[UnitSystem, dict[str, str]] = {
    "paper": {"energy": "MWh", "cost": "USD", "carbon": "t", "water": "m3", "health": "USD"},
    "audit": {"energy": "kWh", "cost": "USD", "carbon": "kg", "water": "L", "health": "USD"},
}
_FACTOR = {"carbon": KG_PER_TONNE, "water": L_PER_M3, "health": 1.0}
#: Columns of the ``inequity`` table in the footprint's unit.
_INEQUITY_VALUES = ("total", "mean_site", "worst")


def check_units(units: str) -> UnitSystem:
    """``units`` if it names a unit system, else an :class:`InputError` (exit 2)."""
    if units not in get_args(UnitSystem):
        raise InputError(
            f"unknown units {units!r}",
            hint="use audit (kWh, kg, L, US$: as fairwatt audit) or paper (MWh, t, m3, US$)",
        )
    return units  # type: ignore[return-value]


def energy_unit(units: UnitSystem) -> tuple[str, float]:
    """The energy unit of ``units`` and its size in MWh⁻¹ (``("kWh", 1000.0)``)."""
    return ("kWh", KWH_PER_MWH) if units == "audit" else ("MWh", 1.0)


def convert_frame(df: pd.DataFrame, units: UnitSystem) -> pd.DataFrame:
    """A table in the model's units (columns ``*_mwh``, ``*_t``, ``*_m3``) in ``units``:
    each such column renamed and scaled; the ``inequity`` table's ``total``,
    ``mean_site`` and ``worst`` scaled by each row's footprint and its ``unit`` relabelled."""
    if units == "paper":
        return df
    out = df.copy()
    renames: dict[str, str] = {}
    for col in out.columns:
        for old, (new, factor) in _SUFFIXES.items():
            if isinstance(col, str) and col.endswith(old):
                out[col] = out[col] * factor
                renames[col] = col[: -len(old)] + new
                break
    out = out.rename(columns=renames)
    if {"footprint", "unit"} <= set(out.columns):
        scale = out["footprint"].map(_FACTOR).fillna(1.0)
        for col in _INEQUITY_VALUES:
            if col in out.columns:
                out[col] = out[col] * scale
        labels = FOOTPRINT_UNITS["audit"]
        out["unit"] = [labels.get(f, u) for f, u in zip(out["footprint"], out["unit"], strict=True)]
    return out


def metadata_units(units: UnitSystem) -> dict[str, Any]:
    """The metadata ``units`` entry: the unit of each quantity, the system's name, and
    the units weights are given in (those of the model, whatever the report's)."""
    return {
        **METADATA_UNITS[units],
        "system": units,
        "weights": "USD per t (carbon), per m3 (water), per USD (health)",
    }


__all__ = [
    "DEFAULT_UNITS",
    "FOOTPRINT_UNITS",
    "UnitSystem",
    "check_units",
    "convert_frame",
    "energy_unit",
    "metadata_units",
]
