"""The Lagrangian decomposition: certified bounds bracket the LP optimum."""

from __future__ import annotations

import numpy as np
import pytest
from balancing_helpers import random_scenario

from fairwatt.balancing import objectives as ob
from fairwatt.balancing.scenario import Scenario, compile_network
from fairwatt.balancing.solve import solve
from fairwatt.errors import InputError


@pytest.fixture(scope="module")
def medium() -> Scenario:
    return random_scenario(np.random.default_rng(7), 12, 12, 720, load=0.7)


@pytest.mark.parametrize(
    "objective",
    [
        ob.eglb({"water": 60.0, "carbon": 1500.0}),
        ob.eglb({"water": 20.0}, cost=0.5),
        ob.min_worst("carbon"),
        ob.Objective("mixed", cost=1.0, mean={"water": 30.0}, worst={"carbon": 800.0}),
    ],
)
@pytest.mark.parametrize("tolerance", [1e-3, 1e-5])
def test_bounds_bracket_the_lp_optimum(
    medium: Scenario, objective: ob.Objective, tolerance: float
) -> None:
    exact = solve(medium, objective, method="lp")
    dec = solve(medium, objective, method="decomposition", tolerance=tolerance)
    assert dec.method == "decomposition"
    scale = abs(exact.value)
    # lower bound <= optimum <= value of the recovered (feasible) allocation
    assert dec.lower_bound <= exact.value + 1e-9 * scale
    assert dec.value >= exact.value - 1e-9 * scale
    assert dec.gap <= tolerance
    assert dec.info["certified_gap"] <= tolerance
    assert dec.max_violation() <= 1e-7


def test_time_limit_returns_the_best_certified_allocation(medium: Scenario) -> None:
    objective = ob.eglb({"water": 60.0, "carbon": 1500.0})
    dec = solve(medium, objective, method="decomposition", tolerance=0.0, time_limit=0.0)
    assert dec.info["iterations"] == 0
    exact = solve(medium, objective, method="lp")
    assert dec.lower_bound <= exact.value <= dec.value
    assert dec.max_violation() <= 1e-7


def test_decomposition_needs_one_gateway_group(medium: Scenario) -> None:
    sparse_mask = random_scenario(np.random.default_rng(3), 6, 6, 24, mask_density=0.5)
    assert compile_network(sparse_mask, "random").n_groups > 1
    with pytest.raises(InputError, match="reach the same sites"):
        solve(sparse_mask, ob.eglb({"water": 1.0}), "random", method="decomposition")
    with pytest.raises(InputError, match="without limits"):
        solve(
            medium,
            ob.cost_subject_to((ob.Limit("water", "ratio", 1.5),), "r"),
            method="decomposition",
        )
