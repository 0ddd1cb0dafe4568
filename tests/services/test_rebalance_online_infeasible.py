"""The rebalancing service on two edge cases: online eGLB with every footprint weight
zero, and an infeasible benchmark (capacity 0.9 MWh per site instead of R6's 1 MWh)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fairwatt.errors import InfeasibleError, InputError
from fairwatt.services.rebalance import LoadedScenario, load_scenario, rebalance

EGLB = Path(__file__).resolve().parents[2] / "sample_inputs" / "eglb" / "scenario.toml"
ZERO = "eglb:cost=1,water=0,carbon=0"


@pytest.fixture(scope="module")
def loaded() -> LoadedScenario:
    return load_scenario(EGLB)


@pytest.mark.parametrize(("mask", "min_price"), [("full", 291_698.6063), ("partial", 296_594.70)])
def test_online_with_zero_footprint_weights_is_cost_minimising_routing(
    loaded: LoadedScenario, mask: str, min_price: float
) -> None:
    """R7: with zero footprint weights online eGLB is per-hour cost-minimising routing,
    so it meets R6's min-price objective and the offline optimum exactly."""
    result = rebalance(loaded, objectives=[ZERO], online=True, mask=mask)
    summary = result.summary.set_index("objective")
    assert summary.loc[f"{ZERO} (online)", "objective_value"] == pytest.approx(min_price, rel=1e-6)
    assert summary.loc[f"{ZERO} (online)", "method"] == "online"
    online = result.metadata["online"]
    assert online["objective"] == ZERO
    assert online["equity_weights"] == {}
    assert online["gap_to_offline"] == pytest.approx(0.0, abs=1e-9)
    assert any("per-hour cost-minimising routing (no equity term)" in n for n in result.notes)


def test_online_prefers_an_objective_with_footprint_weights(loaded: LoadedScenario) -> None:
    result = rebalance(
        loaded, objectives=[ZERO, "eglb:cost=1,water=60,carbon=1500"], online=True, step=0.01
    )
    assert result.metadata["online"]["objective"] == "eglb:cost=1,water=60,carbon=1500"
    assert result.metadata["online"]["equity_weights"] == {"water": 60.0, "carbon": 1500.0}


def test_online_without_an_eglb_objective_names_the_objectives(loaded: LoadedScenario) -> None:
    with pytest.raises(InputError) as err:
        rebalance(loaded, objectives=["min-water", "ratio:water=1.5"], online=True)
    text = str(err.value)
    assert text.startswith(
        "online runs an eglb objective (cost + weighted worst-site footprints) and none is "
        "among the objectives (min-cost, min-water, ratio:water=1.5)"
    )
    assert "--" not in text


@pytest.mark.parametrize("mask", ["full", "partial"])
def test_capacity_09_names_19_hours(loaded: LoadedScenario, mask: str) -> None:
    scenario = dataclasses.replace(loaded.scenario, capacity=loaded.scenario.capacity * 0.9)
    with pytest.raises(InfeasibleError) as err:
        rebalance(dataclasses.replace(loaded, scenario=scenario), mask=mask)
    text = str(err.value)
    assert err.value.exit_code == 4
    assert f"19 of 457 hours under mask {mask!r}" in text
    assert "hour 2022-09-22T00:00Z: all gateways together need 9.970 MWh against 9.000 MWh" in text
    assert "Texas" not in text
    assert "and 16 more hours" in text
