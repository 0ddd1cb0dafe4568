"""The registry of factors and footprints: one name, unit and range per column."""

from __future__ import annotations

import pytest

from fairwatt import schema


def test_units_have_one_spelling() -> None:
    assert schema.FACTORS["carbon_g_per_kwh"].unit == "gCO2e/kWh"
    assert schema.FACTORS["ewif_l_per_kwh"].unit == "L/kWh"
    for name in ("health_usd_per_mwh", "health_low_usd_per_mwh", "price_usd_per_mwh"):
        assert schema.FACTORS[name].unit == "US$/MWh"
    assert schema.OUTPUTS["carbon_kg"].unit == "kgCO2e"
    assert schema.unit_of("water_l") == "L"
    assert schema.unit_of("pue") == "-"


def test_withdrawal_range_allows_once_through_cooling() -> None:
    # once-through cooling withdraws well over 100 L/kWh
    assert schema.FACTORS["ewif_withdrawal_l_per_kwh"].range == (0.0, 1000.0)
    assert schema.PLAUSIBLE_RANGES["ewif_withdrawal_l_per_kwh"] == (0.0, 1000.0)
    assert schema.PLAUSIBLE_RANGES["ewif_l_per_kwh"] == (0.0, 100.0)
    assert schema.PLAUSIBLE_RANGES["pue"] == (1.0, 3.0)


@pytest.mark.parametrize(
    ("alias", "canonical", "multiplier"),
    [
        ("carbon_kg_per_kwh", "carbon_g_per_kwh", 1000.0),  # 1 kg = 1000 g
        ("carbon_t_per_mwh", "carbon_g_per_kwh", 1000.0),  # 1 t/MWh = 1e6 g / 1e3 kWh
        ("carbon_kg_per_mwh", "carbon_g_per_kwh", 1.0),
        ("carbon_lb_per_mwh", "carbon_g_per_kwh", 0.45359237),  # 453.59237 g / 1000 kWh
        ("ewif_gal_per_mwh", "ewif_l_per_kwh", 0.003785411784),  # 3.785411784 L / 1000 kWh
        ("ewif_m3_per_mwh", "ewif_l_per_kwh", 1.0),  # 1000 L / 1000 kWh
        ("health_usd_per_kwh", "health_usd_per_mwh", 1000.0),
    ],
)
def test_aliases_convert_to_the_canonical_unit(
    alias: str, canonical: str, multiplier: float
) -> None:
    target, spec = schema.ALIASES[alias]
    assert target == canonical
    assert spec.multiplier == pytest.approx(multiplier, rel=1e-12)


def test_footprints_and_their_factors() -> None:
    assert schema.FOOTPRINTS == ("carbon", "water", "health")
    assert set(schema.REQUIRED_FACTOR) == set(schema.FOOTPRINTS)
    for factors in [list(schema.REQUIRED_FACTOR.values()), *schema.OPTIONAL_FACTORS.values()]:
        assert set(factors) <= set(schema.FACTORS)


def test_unit_spellings_of_long_files() -> None:
    health = schema.FACTORS["health_usd_per_mwh"]
    assert health.accepts_unit("US$/MWh") and health.accepts_unit("$/MWh")
    assert not schema.FACTORS["carbon_g_per_kwh"].accepts_unit("kg/kWh")


def test_every_output_names_its_formula() -> None:
    expected = {
        "energy_kwh",
        "facility_energy_kwh",
        "carbon_kg",
        "water_onsite_l",
        "water_offsite_l",
        "water_l",
        "water_withdrawal_offsite_l",
        "health_usd",
        "health_low_usd",
        "health_high_usd",
    }
    assert set(schema.OUTPUTS) == expected
    assert all(o.formula for o in schema.OUTPUTS.values())
