"""Invariants of the offline problem on small random scenarios (hypothesis), and the
formulation checked against an independent dense LP."""

from __future__ import annotations

import numpy as np
import pytest
from balancing_helpers import random_scenario, reference_value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairwatt.balancing import objectives as ob
from fairwatt.balancing.objectives import Limit, cost_subject_to
from fairwatt.balancing.solve import solve
from fairwatt.errors import InfeasibleError

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scenarios = st.builds(
    lambda seed, s, g, t, density: random_scenario(
        np.random.default_rng(seed), s, g, t, mask_density=density
    ),
    seed=st.integers(0, 2**32 - 1),
    s=st.integers(2, 5),
    g=st.integers(1, 4),
    t=st.integers(1, 6),
    density=st.sampled_from([1.0, 0.6]),
)
footprint = st.sampled_from(["carbon", "water"])


def _worst(alloc, f: str) -> float:
    return float((alloc.site_totals()[f] * alloc.scenario.weight(f)).max())


@SETTINGS
@given(sc=scenarios, f=footprint, lo=st.floats(0.3, 1.0), hi=st.floats(1.0, 3.0))
def test_relaxing_a_cap_never_raises_cost(sc, f: str, lo: float, hi: float) -> None:
    # caps at or above the smallest achievable worst site are feasible
    base = solve(sc, ob.min_worst(f), "random").value
    tight = solve(sc, cost_subject_to((Limit(f, "worst", base * (1 + lo)),), "t"), "random")
    loose = solve(sc, cost_subject_to((Limit(f, "worst", base * (1 + lo) * hi),), "l"), "random")
    assert loose.value <= tight.value + 1e-7 * max(1.0, abs(tight.value))
    assert _worst(tight, f) <= base * (1 + lo) + 1e-7
    # a cap at the minimum achievable worst site is always feasible
    at_min = solve(
        sc, cost_subject_to((Limit(f, "worst", base * (1 + 1e-9) + 1e-9),), "m"), "random"
    )
    assert _worst(at_min, f) <= base * (1 + 1e-9) + 1e-9 + 1e-7


@SETTINGS
@given(sc=scenarios, f=footprint)
def test_min_worst_beats_every_baseline(sc, f: str) -> None:
    best = _worst(solve(sc, ob.min_worst(f), "random"), f)
    baselines = [
        ob.min_cost(),
        ob.min_footprint("carbon"),
        ob.min_footprint("water"),
        ob.weighted_mean({"water": 60.0, "carbon": 1500.0}),
    ]
    for b in baselines:
        assert best <= _worst(solve(sc, b, "random"), f) + 1e-7
    assert best <= _worst(solve(sc, ob.nearest_site()), f) + 1e-7


@SETTINGS
@given(sc=scenarios, f=footprint, w1=st.floats(0.0, 100.0), factor=st.floats(1.0, 20.0))
def test_raising_a_weight_never_raises_that_worst_site(
    sc, f: str, w1: float, factor: float
) -> None:
    other = "water" if f == "carbon" else "carbon"
    low = solve(sc, ob.eglb({f: w1, other: 10.0}), "random")
    high = solve(sc, ob.eglb({f: w1 * factor + 1.0, other: 10.0}), "random")
    assert _worst(high, f) <= _worst(low, f) + 1e-6 * max(1.0, _worst(low, f))


@SETTINGS
@given(
    sc=scenarios,
    kind=st.sampled_from(["eglb", "avg", "worst", "ratio", "gini", "min-worst"]),
    f=footprint,
    level=st.floats(0.0, 1.0),
)
def test_feasible_and_equal_to_independent_formulation(sc, kind: str, f: str, level: float) -> None:
    if kind == "eglb":
        obj = ob.eglb({"water": 60.0, "carbon": 1500.0})
    elif kind == "avg":
        obj = ob.weighted_mean({"water": 30.0, "carbon": 500.0}, cost=0.5)
    elif kind == "min-worst":
        obj = ob.min_worst(f)
    else:
        cheapest = solve(sc, ob.min_cost(), "random").site_totals()[f]
        if kind == "worst":
            bound = float(cheapest.max()) * (0.7 + 0.3 * level)
        elif kind == "ratio":
            bound = 1.0 + float(cheapest.size - 1) * level
        else:
            bound = 0.6 * level
        obj = cost_subject_to((Limit(f, kind, bound),), kind)  # type: ignore[arg-type]
    expected = reference_value(sc, obj, sc.mask("random"))
    if expected is None:
        with pytest.raises(InfeasibleError):
            solve(sc, obj, "random")
        return
    alloc = solve(sc, obj, "random")
    assert alloc.value == pytest.approx(expected, rel=1e-6, abs=1e-7)
    # every solution is feasible to 1e-7: demand, capacity, mask, limits
    assert alloc.max_violation() <= 1e-7
    flows = alloc.network.gateway_flows(alloc.flow)
    assert (flows[:, ~alloc.network.mask] <= 1e-12).all()
    np.testing.assert_allclose(flows.sum(axis=1).T, sc.demand, atol=1e-7)


def test_site_weights_scale_the_equity_terms() -> None:
    """A weight of 2 on a site's water doubles what its water counts for in max and mean.

    Two sites, one hour, demand 1, capacity 1 each, equal price; water 1 m3/MWh at both.
    Weight 2 on site a: minimising max weighted water gives 2 e_a = e_b, e_a = 1/3.
    """
    from fairwatt.balancing.scenario import Scenario

    sc = Scenario(
        sites=["a", "b"],
        gateways=["u"],
        capacity=1.0,
        demand=[[1.0]],
        price=10.0,
        intensity={"water": 1.0},
        site_weights={"water": [2.0, 1.0]},
    )
    alloc = solve(sc, ob.min_worst("water"))
    np.testing.assert_allclose(alloc.site_totals()["energy"], [1 / 3, 2 / 3], atol=1e-9)
    assert alloc.value == pytest.approx(2 / 3, abs=1e-9)
