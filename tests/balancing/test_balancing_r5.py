"""REFERENCE.md R5: a 3-site, 2-hour eGLB problem solved by hand.

Sites A, B, C; capacity 1 MWh per site and hour; demand 2 MWh per hour; full mask;
price (10, 20, 30) $/MWh, water (5, 2, 1) m3/MWh, carbon (0.2, 0.4, 0.3) t/MWh, constant
in time. Site totals over the horizon are what the hand solution fixes.

Hand derivations (totals over both hours, E = energy per site, sum E = 4, 0 <= E <= 2):

* min cost: fill A then B: E = (2, 2, 0), cost 2*10 + 2*20 = 60; water (10, 4, 0):
  PAR = 10 / (14/3) = 2.142857; Gini = (6+10+4)*2 / (2*9*14/3) = 40/84 = 0.476190.
* min mean water (cost 0, 60 x mean): fill C then B: E = (0, 2, 2), water (0, 4, 2),
  objective 60 * 6/3 = 120; PAR 4/2 = 2; Gini = 2*(4+2+2) / (2*9*2) = 0.444444.
* cost + 60 max water: at the optimum water is equalised over A and B and C is full:
  5a = 2b with a + b = 2 gives a = 4/7, b = 10/7; max water = 20/7; cost
  = 10*4/7 + 20*10/7 + 30*2 = 40/7 + 200/7 + 60 = 660/7; objective
  660/7 + 60*20/7 = 1860/7 = 265.714286; water (20/7, 20/7, 2): PAR
  (20/7)/((54/7)/3) = 60/54 = 1.111111; Gini = 2*(6/7 + 6/7) / (2*9*(18/7)) = 0.074074.
* cost + 6 max water: marginal trade-offs give E = (0.8, 2, 1.2): cost 8 + 40 + 36 = 84,
  max water = max(4, 4, 1.2) = 4, objective 84 + 6*4 = 108; PAR 4 / (9.2/3) = 1.304348.
* cost + 60 max water + 1500 max carbon: E = (24/41, 60/41, 80/41) equalises water of
  A and B (120/41) and the carbon of B and C (24/41): objective
  (240 + 1200 + 2400)/41 + 60*120/41 + 1500*24/41 = 47040/41 = 1147.317073;
  water (120/41, 120/41, 80/41): PAR (120/41) / ((320/41)/3) = 1.125.
"""

from __future__ import annotations

import numpy as np
import pytest

from fairwatt.balancing import objectives as ob
from fairwatt.balancing.scenario import Scenario
from fairwatt.balancing.solve import solve
from fairwatt.footprint_models.equity import gini, max_to_mean


@pytest.fixture(scope="module")
def small() -> Scenario:
    return Scenario(
        sites=["A", "B", "C"],
        gateways=["users"],
        capacity=1.0,
        demand=[[2.0, 2.0]],
        price=np.array([10.0, 20.0, 30.0]),
        intensity={"water": np.array([5.0, 2.0, 1.0]), "carbon": np.array([0.2, 0.4, 0.3])},
    )


CASES = [
    # objective, value, site totals (MWh), water PAR, water Gini (None: not tabulated)
    (ob.min_cost(), 60.0, (2.0, 2.0, 0.0), 2.1429, 0.4762),
    (ob.weighted_mean({"water": 60.0}, cost=0.0), 120.0, (0.0, 2.0, 2.0), 2.0000, 0.4444),
    (ob.eglb({"water": 60.0}), 1860.0 / 7.0, (4 / 7, 10 / 7, 2.0), 1.1111, 0.0741),
    (ob.eglb({"water": 6.0}), 108.0, (0.8, 2.0, 1.2), 1.3043, None),
    (
        ob.eglb({"water": 60.0, "carbon": 1500.0}),
        47040.0 / 41.0,
        (0.5854, 1.4634, 1.9512),
        1.1250,
        None,
    ),
]


@pytest.mark.parametrize(("objective", "value", "totals", "par", "gini_w"), CASES)
def test_r5_rows(
    small: Scenario,
    objective: ob.Objective,
    value: float,
    totals: tuple[float, ...],
    par: float,
    gini_w: float | None,
) -> None:
    alloc = solve(small, objective)
    assert alloc.value == pytest.approx(value, abs=1e-6)
    t = alloc.site_totals()
    np.testing.assert_allclose(t["energy"], totals, atol=1e-4)
    assert max_to_mean(t["water"]) == pytest.approx(par, abs=1e-4)
    if gini_w is not None:
        assert gini(t["water"]) == pytest.approx(gini_w, abs=1e-4)
    assert alloc.max_violation() <= 1e-7


def test_r5_forced_lp_matches_per_hour_routing(small: Scenario) -> None:
    """The separable baselines give the same answer through the LP and per hour."""
    for objective in (ob.min_cost(), ob.weighted_mean({"water": 60.0}, cost=0.0)):
        a = solve(small, objective, method="auto")
        b = solve(small, objective, method="lp")
        assert a.method == "per-hour"
        assert b.method == "lp"
        assert a.value == pytest.approx(b.value, abs=1e-9)


def test_r5_total_water_baseline_value_is_the_mean(small: Scenario) -> None:
    """min-water minimises the total; its reported value is the mean over sites:
    water (0, 4, 2) m3 -> mean 2."""
    alloc = solve(small, ob.min_footprint("water"))
    assert alloc.value == pytest.approx(2.0, abs=1e-9)
    np.testing.assert_allclose(alloc.site_totals()["water"], (0.0, 4.0, 2.0), atol=1e-9)


def test_r5_limit_forms(small: Scenario) -> None:
    """Constraint forms, by hand on the same problem (E = site totals, sum 4).

    * worst water <= 4 caps A at 0.8 MWh; B full (2), C takes 1.2: cost 8 + 40 + 36 = 84.
    * At the optimum of both relative limits A and B carry the same water M (5a = 2b = M,
      so a = M/5, b = M/2) and C the rest, c = 4 - 0.7 M, with water c < M; cost
      = 2M + 10M + 30(4 - 0.7M) = 120 - 9M falls as M grows, so the limit binds:
      - max/mean <= 1.125: M <= 0.375 (2M + c)  ->  M = 6 / 2.05 = 120/41,
        E = (24/41, 60/41, 80/41), cost 3840/41 = 93.658537;
      - Gini <= 0.1: Gini = 4 (M - c) / (2 * 9 * (2M + c) / 3) = 2 (M - c) / (3 (2M + c))
        <= 0.1  ->  30.1 M <= 92  ->  M = 92/30.1, cost 120 - 9 * 92/30.1 = 92.491694.
    """
    cap = solve(small, ob.cost_subject_to((ob.Limit("water", "worst", 4.0),), "cap"))
    assert cap.value == pytest.approx(84.0, abs=1e-6)
    np.testing.assert_allclose(cap.site_totals()["energy"], (0.8, 2.0, 1.2), atol=1e-6)

    ratio = solve(small, ob.cost_subject_to((ob.Limit("water", "ratio", 1.125),), "ratio"))
    assert ratio.value == pytest.approx(3840.0 / 41.0, abs=1e-6)
    np.testing.assert_allclose(
        ratio.site_totals()["energy"], (24 / 41, 60 / 41, 80 / 41), atol=1e-6
    )
    assert max_to_mean(ratio.site_totals()["water"]) == pytest.approx(1.125, abs=1e-7)

    m = 92.0 / 30.1
    g = solve(small, ob.cost_subject_to((ob.Limit("water", "gini", 0.1),), "gini"))
    assert g.value == pytest.approx(120.0 - 9.0 * m, abs=1e-6)
    np.testing.assert_allclose(g.site_totals()["energy"], (m / 5, m / 2, 4 - 0.7 * m), atol=1e-6)
    assert gini(g.site_totals()["water"]) == pytest.approx(0.1, abs=1e-7)
