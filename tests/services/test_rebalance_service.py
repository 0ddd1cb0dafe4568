"""The rebalancing service as a Python API: ``load_scenario`` and ``rebalance``.

REFERENCE.md R6, partial mask: eGLB-Off (cost + 60 max water + 1500 max carbon) has
the objective value 629,943.21, and water max/avg goes 1.716 (min price) -> 1.299.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from fairwatt.balancing import objectives as ob
from fairwatt.errors import InputError
from fairwatt.io.writers import report_to_json
from fairwatt.services.rebalance import (
    SCHEMA_VERSION,
    LoadedScenario,
    RebalanceResult,
    Sweep,
    load_scenario,
    rebalance,
)

EGLB = Path(__file__).resolve().parents[2] / "sample_inputs" / "eglb" / "scenario.toml"
WEIGHTS = {"water": 60.0, "carbon": 1500.0}


@pytest.fixture(scope="module")
def loaded() -> LoadedScenario:
    return load_scenario(EGLB)


@pytest.fixture(scope="module")
def partial(loaded: LoadedScenario) -> RebalanceResult:
    # the paper's units (t, m3, MWh), in which its figures are given
    return rebalance(loaded, mask="partial", units="paper")


def test_partial_mask_reproduces_cacm_eglb(partial: RebalanceResult) -> None:
    summary = partial.summary.set_index("objective")
    # the scenario's objectives, baseline first
    assert list(summary.index) == ["min-cost", "nearest", "eglb"]
    assert summary.loc["eglb", "objective_value"] == pytest.approx(629_943.21, rel=1e-6)
    assert summary.loc["min-cost", "objective_value"] == pytest.approx(296_594.70, rel=1e-6)
    assert summary.loc["min-cost", "water_max_to_mean"] == pytest.approx(1.716, abs=1e-3)
    assert summary.loc["eglb", "water_max_to_mean"] == pytest.approx(1.299, abs=1e-3)
    assert summary.loc["nearest", "mask"] == "nearest"
    assert partial.metadata["mask"] == "partial"
    assert partial.metadata["weights"] == {"cost": 1.0, **WEIGHTS}
    assert partial.frontier is None
    assert partial.options["mask"] == "partial"
    assert partial.schema_version == SCHEMA_VERSION
    assert repr(partial) == (
        "RebalanceResult('eGLB benchmark (Li et al., e-Energy 2024)', mask='partial', "
        "objectives=[min-cost, nearest, eglb])"
    )
    # per-site totals: 10 sites per objective; demand is met by every objective
    assert len(partial.sites) == 30
    energy = partial.sites.groupby("objective")["energy_mwh"].sum()
    assert energy.max() - energy.min() < 1e-6


def test_objectives_as_text_or_typed_give_the_same_result(
    loaded: LoadedScenario, partial: RebalanceResult
) -> None:
    """``partial`` solved the scenario's objectives given as text."""
    typed = rebalance(
        loaded,
        mask="partial",
        objectives=[ob.min_cost(), ob.nearest_site(), ob.eglb(WEIGHTS)],
        units="paper",
    )
    for name in ("summary", "inequity", "sites"):
        pd.testing.assert_frame_equal(getattr(typed, name), getattr(partial, name), rtol=1e-9)
    # the limit and worst-site forms, on the full mask (one gateway group: small LPs)
    specs = ["min-worst:water", "ratio:water=1.4", "avg:cost=1,water=60"]
    objects = [
        ob.min_worst("water"),
        ob.cost_subject_to((ob.Limit("water", "ratio", 1.4),), name="ratio:water=1.4"),
        ob.weighted_mean({"water": 60.0}, name="avg:cost=1,water=60"),
    ]
    as_text = rebalance(loaded, objectives=specs)
    as_objects = rebalance(loaded, objectives=objects)
    pd.testing.assert_frame_equal(as_text.summary, as_objects.summary, rtol=1e-9)
    assert list(as_text.summary["objective"]) == ["min-cost", *specs]


def test_weights_baseline_and_path(loaded: LoadedScenario) -> None:
    """Weights given update the scenario's; the baseline comes first; a path works."""
    result = rebalance(
        EGLB, objectives=["eglb", "min-cost"], weights={"water": 0.0}, baseline="nearest"
    )
    assert list(result.summary["objective"]) == ["nearest", "eglb", "min-cost"]
    assert result.metadata["weights"] == {"cost": 1.0, "water": 0.0, "carbon": 1500.0}
    scenario_only = rebalance(loaded.scenario, objectives=["min-cost"])
    assert list(scenario_only.summary["objective"]) == ["min-cost"]


def test_json_round_trip(loaded: LoadedScenario, tmp_path: Path) -> None:
    result = rebalance(loaded, objectives=["eglb"], sweep=Sweep("water", [0.0, 60.0]))
    back = RebalanceResult.from_json(result.to_json())
    for name in ("summary", "inequity", "sites", "frontier"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(result, name))
    assert back.notes == result.notes
    assert back.title == result.title
    assert back.fairwatt_version == result.fairwatt_version
    assert back.generated_at == result.generated_at
    assert back.options["sweep"] == {"kind": "weight", "footprint": "water", "values": [0.0, 60.0]}
    # a saved result renders the same report as the fresh one
    assert report_to_json(back.to_report()) == report_to_json(result.to_report())
    # through a file, with the hourly allocation
    path = tmp_path / "result.json"
    text = result.to_json(path, allocation=True)
    assert path.read_text(encoding="utf-8") == text
    from_file = RebalanceResult.from_json(path)
    pd.testing.assert_frame_equal(from_file.allocation, result.allocation)
    assert str(from_file.allocation["hour"].dt.tz) == "UTC"
    # without it, the allocation cannot be recomputed
    with pytest.raises(InputError, match="no hourly allocation"):
        _ = back.allocation


def test_json_schema_version_is_checked(partial: RebalanceResult) -> None:
    doc = json.loads(partial.to_json())
    assert doc["schema_version"] == SCHEMA_VERSION
    doc["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(InputError, match=f"schema version {SCHEMA_VERSION + 1}"):
        RebalanceResult.from_json(json.dumps(doc))
    with pytest.raises(InputError, match="not a fairwatt rebalancing result"):
        RebalanceResult.from_json('{"title": "x"}')


def test_allocation_is_the_hourly_flow(partial: RebalanceResult) -> None:
    alloc = partial.allocation
    assert list(alloc.columns) == ["objective", "hour", "site", "gateway", "energy_mwh"]
    per_objective = alloc.groupby("objective", sort=False)["energy_mwh"].sum()
    sites = partial.sites.groupby("objective", sort=False)["energy_mwh"].sum()
    pd.testing.assert_series_equal(per_objective, sites, check_names=False, rtol=1e-9)
    assert partial.allocation is alloc  # computed once


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mask": "nope"}, "unknown mask 'nope'"),
        ({"objectives": ["fastest"]}, "unknown objective 'fastest'"),
        ({"weights": {"water": -1.0}}, "finite number >= 0"),
        ({"weights": {"noise": 1.0}}, "unknown weight 'noise'"),
        ({"objectives": ["status-quo"]}, "what-if on logs"),
        ({"online": True, "target_cap": {"cost": 1.0}}, "target_cap"),
        ({"method": "simplex"}, "unknown method 'simplex'"),
        ({"tolerance": 0.0}, "tolerance 0"),
    ],
)
def test_parameter_errors(loaded: LoadedScenario, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        rebalance(loaded, **kwargs)
    assert "--" not in str(err.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("water", []), "at least one"),
        (("water", [1.0, -2.0]), ">= 0"),
        (("noise", [1.0]), "unknown sweep footprint"),
        (("water", [1.0], "median"), "unknown sweep kind"),
    ],
)
def test_sweep_is_checked(args: tuple, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Sweep(*args)
