"""Fuel-mix intensities and weather-based on-site WUE (Making AI Less Thirsty code, R3)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fairwatt.datasets import catalog
from fairwatt.footprint_models.fuelmix import (
    canonical_fuel,
    intensities_from_mix,
    intensity_from_mix,
)
from fairwatt.footprint_models.weather import (
    celsius_to_fahrenheit,
    cooling_tower_wue,
    wet_bulb_stull,
    wue_from_weather,
)

GAL = 0.003785412  # L/kWh per gal/MWh, as rounded in the paper's table
# Per-fuel factors of the official code (EIA-930 codes): EWIF gal/MWh, carbon kg/kWh
EWIF_GAL = {"COL": 450, "NG": 300, "NUC": 600, "OIL": 350, "OTH": 475, "SUN": 0, "WAT": 0, "WND": 0}
CARBON_KG = {
    "COL": 0.968,
    "NG": 0.44,
    "NUC": 0.015,
    "OIL": 0.89,
    "OTH": 0.45,
    "SUN": 0.02,
    "WAT": 0.014,
    "WND": 0.023,
}
MIX_1 = {"NG": 500.0, "COL": 300.0, "WND": 200.0}
MIX_2 = {"NG": 400.0, "COL": 150.0, "NUC": 100.0, "SUN": 150.0, "WND": 200.0}


def test_r3_mix_1_with_the_published_factors() -> None:
    ewif = {k: v * GAL for k, v in EWIF_GAL.items()}
    assert intensity_from_mix(MIX_1, ewif) == pytest.approx(1.07884, abs=1e-5)
    assert intensity_from_mix(MIX_1, CARBON_KG) == pytest.approx(0.5150, abs=1e-4)


def test_r3_mix_2_with_the_published_factors() -> None:
    ewif = {k: v * GAL for k, v in EWIF_GAL.items()}
    assert intensity_from_mix(MIX_2, ewif) == pytest.approx(0.93689, abs=1e-5)
    assert intensity_from_mix(MIX_2, CARBON_KG) == pytest.approx(0.33030, abs=1e-5)


def test_r3_both_mixes_with_the_bundled_factor_set() -> None:
    df = catalog.load("fuel-factors-thirsty-code")
    ewif = dict(zip(df["eia930_code"], df["ewif_l_per_kwh"], strict=True))
    carbon = dict(zip(df["eia930_code"], df["carbon_g_per_kwh"], strict=True))
    mixes = pd.DataFrame([MIX_1, MIX_2]).fillna(0.0)
    out = intensities_from_mix(mixes, {"ewif": ewif, "carbon": carbon})
    assert out["ewif"].tolist() == pytest.approx([1.07884, 0.93689], abs=1e-5)
    assert out["carbon"].tolist() == pytest.approx([515.0, 330.30], abs=0.01)


def test_hand_calculation_with_names_and_units() -> None:
    # 3 MWh gas at 400 g/kWh and 1 MWh wind at 10 g/kWh -> (1200 + 10) / 4 = 302.5
    assert intensity_from_mix({"natural gas": 3.0, "Wind": 1.0}, {"gas": 400, "wind": 10}) == (
        pytest.approx(302.5)
    )
    # percentages work the same as energies
    assert intensity_from_mix({"gas": 75.0, "wind": 25.0}, {"gas": 400, "wind": 10}) == (
        pytest.approx(302.5)
    )


def test_series_input_keeps_the_index_and_handles_edge_rows() -> None:
    idx = pd.date_range("2023-01-01", periods=4, freq="h", tz="UTC")
    gen = pd.DataFrame({"coal": [1.0, 0.0, np.nan, 2.0], "wind": [1.0, 0.0, 1.0, -1.0]}, index=idx)
    out = intensity_from_mix(gen, {"coal": 900, "wind": 10})
    assert out.index.equals(idx)
    assert out.iloc[0] == pytest.approx(455.0)
    assert math.isnan(out.iloc[1])  # no generation
    assert math.isnan(out.iloc[2])  # missing value propagates
    assert out.iloc[3] == pytest.approx(900.0)  # negative wind clipped to 0
    kept = intensity_from_mix(gen, {"coal": 900, "wind": 10}, negative="keep")
    assert kept.iloc[3] == pytest.approx((1800 - 10) / 1.0)
    with pytest.raises(ValueError, match="negative"):
        intensity_from_mix(gen, {"coal": 900, "wind": 10}, negative="raise")


def test_missing_and_duplicate_fuels_are_errors() -> None:
    with pytest.raises(ValueError, match="no factor for fuel"):
        intensity_from_mix({"coal": 1.0, "peat": 1.0}, {"coal": 900})
    with pytest.raises(ValueError, match="same fuel"):
        intensity_from_mix({"NG": 1.0, "gas": 1.0}, {"gas": 400})


def test_canonical_fuel_names() -> None:
    assert [canonical_fuel(x) for x in ("COL", "NG", "WAT", "Natural Gas", "petroleum")] == [
        "coal",
        "gas",
        "hydro",
        "gas",
        "oil",
    ]
    assert canonical_fuel("Battery Discharge") == "battery_discharge"


@pytest.mark.parametrize(
    ("t_f", "expected"),
    [(20, 0.05), (30, 0.624), (40, 2.208), (50, 3.120), (60, 3.792), (70, 4.656), (80, 6.144)],
)
def test_r3_cooling_tower_wue_curve(t_f: float, expected: float) -> None:
    assert cooling_tower_wue(t_f) == pytest.approx(expected, abs=1e-3)


def test_cooling_tower_wue_is_vectorised_and_checks_cycles() -> None:
    out = cooling_tower_wue(np.array([30.0, 60.0]), cycles_of_concentration=3.0)
    # N/(N-1) = 1.5; evaporation at 30 °F = 0.52, at 60 °F = 3.16 (6e-5·216000 − 36 + 36.6 − 10.4)
    assert out.tolist() == pytest.approx([0.78, 4.74], abs=1e-9)
    with pytest.raises(ValueError, match="cycles"):
        cooling_tower_wue(50.0, cycles_of_concentration=1.0)


def test_stull_worked_example() -> None:
    # Stull (2011): T = 20 °C, RH = 50 % gives Tw = 13.7 °C
    assert wet_bulb_stull(20.0, 50.0) == pytest.approx(13.7, abs=0.05)


def _psychrometric_wet_bulb(t: float, rh: float, p_hpa: float = 1013.25) -> float:
    """Independent check: solve e = e_s(Tw) − γ·P·(T − Tw) by bisection, with Bolton's
    saturation vapour pressure and the psychrometer coefficient 6.6e-4 /°C."""

    def es(x: float) -> float:
        return 6.112 * math.exp(17.67 * x / (x + 243.5))

    e = rh / 100.0 * es(t)
    lo, hi = -40.0, t
    for _ in range(80):
        mid = (lo + hi) / 2
        if es(mid) - 6.6e-4 * p_hpa * (t - mid) > e:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


@pytest.mark.parametrize("t", [0.0, 10.0, 20.0, 30.0, 40.0])
@pytest.mark.parametrize("rh", [20.0, 50.0, 80.0, 95.0])
def test_stull_agrees_with_psychrometric_solution(t: float, rh: float) -> None:
    # Stull's stated error band inside the validity range is −1 to +0.65 °C
    assert abs(wet_bulb_stull(t, rh) - _psychrometric_wet_bulb(t, rh)) < 1.0


def test_wue_from_weather_chains_the_two_models() -> None:
    tw_f = 13.699 * 1.8 + 32  # wet bulb of 20 °C / 50 % in °F
    assert celsius_to_fahrenheit(100.0) == pytest.approx(212.0)
    assert wue_from_weather(20.0, 50.0) == pytest.approx(cooling_tower_wue(tw_f), abs=1e-3)
    arr = wue_from_weather(np.array([5.0, 35.0]), np.array([60.0, 40.0]))
    assert arr.shape == (2,) and arr[1] > arr[0] >= 0.05
