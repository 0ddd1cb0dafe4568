"""Operational footprint models against the published numbers of REFERENCE.md R1 and R2."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairwatt.footprint_models.carbon import carbon_mass
from fairwatt.footprint_models.energy import facility_energy
from fairwatt.footprint_models.health import health_cost
from fairwatt.footprint_models.water import offsite_water, onsite_water, operational_water

# "Making AI Less Thirsty" (arXiv:2304.03271), Table 1. GPT-3 training E_IT = 1,287,000 kWh,
# one medium request = 0.004 kWh. Columns: PUE, WUE [L/kWh], EWIF [L/kWh],
# training on-site / off-site / total [million L], request total [mL].
THIRSTY_TABLE_1 = {
    "U.S. average": (1.170, 0.550, 3.142, 0.708, 4.731, 5.439, 16.904),
    "Arizona": (1.180, 1.630, 4.959, 2.098, 7.531, 9.629, 29.926),
    "Georgia": (1.120, 0.060, 2.309, 0.077, 3.328, 3.406, 10.585),
    "Illinois": (1.350, 0.740, 2.233, 0.952, 3.880, 4.833, 15.020),
    "Iowa": (1.160, 0.140, 3.104, 0.180, 4.634, 4.814, 14.963),
    "Texas": (1.280, 0.250, 1.287, 0.322, 2.120, 2.442, 7.590),
    "Virginia": (1.140, 0.140, 2.385, 0.180, 3.499, 3.679, 11.435),
    "Washington": (1.150, 0.950, 9.501, 1.223, 14.063, 15.285, 47.506),
    "Wyoming": (1.110, 0.130, 2.574, 0.167, 3.677, 3.845, 11.949),
    "Ireland": (1.190, 0.020, 1.476, 0.026, 2.261, 2.287, 7.107),
    "Netherlands": (1.140, 0.060, 3.445, 0.077, 5.054, 5.131, 15.948),
    "Sweden": (1.160, 0.090, 6.019, 0.116, 8.986, 9.101, 28.287),
}
GPT3_TRAINING_KWH = 1_287_000.0
REQUEST_KWH = 0.004


#: EWIF is published to 3 decimals [L/kWh]; the paper computed with unrounded EWIF
EWIF_HALF_STEP = 0.0005
#: every output is published to 3 decimals (million L, mL)
OUTPUT_HALF_STEP = 0.0005


def table_1_tolerance(pue: float) -> dict[str, float]:
    """Largest gap between our figure (from the table's rounded EWIF) and the published
    one, per column, that the paper's rounding allows.

    PUE and WUE are taken as exact (operator figures); the true EWIF lies within
    ±0.0005 L/kWh of the printed one, and each output was rounded once to 3 decimals:

    * on-site ``E_IT × WUE`` has no EWIF term: ``|Δ| ≤ 0.0005`` million L;
    * off-site ``E_IT × PUE × EWIF`` and the total move by ``E_IT × PUE × 0.0005``:
      ``|Δ| ≤ 1.287e6 kWh × PUE × 0.0005 L/kWh / 1e6 + 0.0005`` million L
      (0.00125 at PUE 1.17, 0.00137 at the largest PUE, 1.35);
    * one request, ``0.004 kWh × (WUE + PUE × EWIF) × 1000 mL/L``:
      ``|Δ| ≤ 4 × PUE × 0.0005 + 0.0005`` mL (0.00284 at PUE 1.17).
    """
    ewif_term = GPT3_TRAINING_KWH * pue * EWIF_HALF_STEP / 1e6  # million L
    return {
        "onsite": OUTPUT_HALF_STEP,
        "offsite": ewif_term + OUTPUT_HALF_STEP,
        "total": ewif_term + OUTPUT_HALF_STEP,
        "request": REQUEST_KWH * 1000.0 * pue * EWIF_HALF_STEP + OUTPUT_HALF_STEP,
    }


def test_table_1_tolerance_by_hand() -> None:
    # PUE 1.17: 1.287 × 1.17 × 0.0005 = 0.000752895; + 0.0005 = 0.001252895 million L;
    # request 4 × 1.17 × 0.0005 = 0.00234; + 0.0005 = 0.00284 mL
    tol = table_1_tolerance(1.17)
    assert tol["onsite"] == 0.0005
    assert tol["offsite"] == pytest.approx(0.001252895, abs=1e-12)
    assert tol["request"] == pytest.approx(0.00284, abs=1e-12)


@pytest.mark.parametrize("location", list(THIRSTY_TABLE_1))
def test_thirsty_table_1(location: str) -> None:
    """Every row reproduces within the bound the paper's 3-decimal rounding allows
    (:func:`table_1_tolerance`), not a guessed relative tolerance."""
    pue, wue, ewif, on_ml, off_ml, total_ml, request_ml = THIRSTY_TABLE_1[location]
    tol = table_1_tolerance(pue)
    on = onsite_water(GPT3_TRAINING_KWH, wue) / 1e6
    off = offsite_water(GPT3_TRAINING_KWH, pue, ewif) / 1e6
    total = operational_water(GPT3_TRAINING_KWH, pue, wue, ewif) / 1e6
    request = operational_water(REQUEST_KWH, pue, wue, ewif) * 1000.0  # L -> mL
    assert abs(on - on_ml) <= tol["onsite"], (on, on_ml)
    assert abs(off - off_ml) <= tol["offsite"], (off, off_ml)
    assert abs(total - total_ml) <= tol["total"], (total, total_ml)
    assert abs(request - request_ml) <= tol["request"], (request, request_ml)


def test_table_1_tolerance_would_catch_a_wrong_formula() -> None:
    """The bound is tight enough to fail PUE × WUE on-site water (0.828 vs 0.708) and an
    off-site term without PUE (U.S. average: 4.044 vs 4.731)."""
    pue, wue, ewif, on_ml, off_ml, _total, _req = THIRSTY_TABLE_1["U.S. average"]
    tol = table_1_tolerance(pue)
    assert abs(GPT3_TRAINING_KWH * pue * wue / 1e6 - on_ml) > tol["onsite"]
    assert abs(GPT3_TRAINING_KWH * ewif / 1e6 - off_ml) > tol["offsite"]


def test_pue_never_multiplies_onsite_water() -> None:
    # the wrong formula (PUE x WUE) would give 0.828 million L in Table 1's first row
    wrong = GPT3_TRAINING_KWH * 1.17 * 0.55 / 1e6
    assert wrong == pytest.approx(0.828, abs=1e-3)
    assert onsite_water(GPT3_TRAINING_KWH, 0.55) / 1e6 == pytest.approx(0.708, abs=1e-3)


@pytest.mark.parametrize(
    ("twh", "withdrawal_bn_m3", "consumption_bn_m3"),
    [(85.0, 4.200, 0.379), (134.0, 6.621, 0.597)],
)
def test_global_ai_water_2027(
    twh: float, withdrawal_bn_m3: float, consumption_bn_m3: float
) -> None:
    # Thirsty appendix (REFERENCE.md R2): PUE 1.1; on-site withdrawal 1.2 / consumption 1.0
    # L/kWh of IT energy; off-site withdrawal 43.83 / consumption 3.14 L/kWh of facility energy.
    e_it = twh * 1e9  # kWh
    litres_per_bn_m3 = 1e12
    withdrawal = operational_water(e_it, 1.1, 1.2, 43.83) / litres_per_bn_m3
    consumption = operational_water(e_it, 1.1, 1.0, 3.14) / litres_per_bn_m3
    assert withdrawal == pytest.approx(withdrawal_bn_m3, abs=0.01)
    assert consumption == pytest.approx(consumption_bn_m3, abs=0.01)


def test_llama_training_health_cost() -> None:
    # The Unpaid Toll (REFERENCE.md R4): 39.3 M GPU-hours x 0.700 kW x PUE 1.08
    e_it = 39.3e6 * 0.700
    e_fac = facility_energy(e_it, 1.08)
    assert e_fac == pytest.approx(29_710_800.0)
    altoona = health_cost(e_fac, 84.48)  # $/MWh
    prineville = health_cost(e_fac, 7.74)
    assert altoona / 1e6 == pytest.approx(2.51, abs=0.01)
    assert prineville / 1e6 == pytest.approx(0.23, abs=0.01)
    # share of the electricity bill at 6.91 and 7.52 cents/kWh: 122 % and 10 % (±1 %)
    assert altoona / (e_fac * 0.0691) == pytest.approx(1.22, abs=0.01)
    assert prineville / (e_fac * 0.0752) == pytest.approx(0.10, abs=0.01)


def test_us_2023_health_average() -> None:
    # 176.39 TWh, $6.67 bn -> 37.81 $/MWh; so 37.81 $/MWh over 176.39 TWh gives $6.67 bn
    assert health_cost(176.39e9, 37.81) / 1e9 == pytest.approx(6.67, abs=0.01)


def test_carbon_units() -> None:
    # 1 MWh of facility energy at 400 g/kWh is 400 kg
    assert carbon_mass(1000.0, 400.0) == pytest.approx(400.0)


finite = st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False)
factor = st.floats(min_value=0.0, max_value=2000.0, allow_nan=False)


@given(e=finite, k=st.floats(min_value=0.0, max_value=1e3), pue=st.floats(1.0, 3.0), f=factor)
def test_linear_in_energy_and_zero_at_zero(e: float, k: float, pue: float, f: float) -> None:
    for model in (
        lambda x: carbon_mass(facility_energy(x, pue), f),
        lambda x: operational_water(x, pue, f / 100, f / 20),
        lambda x: health_cost(facility_energy(x, pue), f / 2),
    ):
        assert model(0.0) == 0.0
        assert model(k * e) == pytest.approx(k * model(e), rel=1e-9, abs=1e-9)


def test_vectorised() -> None:
    e = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(operational_water(e, 1.2, 0.5, 2.0), e * (0.5 + 2.4))
