"""Hourly feasibility: the exact max-flow deficit, its bottleneck and the message.

The eGLB benchmark with capacity 0.9 MWh per site (R6 has 1 MWh) is checked against
numbers derived here by hand from ``AI_workload.csv`` and against a plain per-hour LP
over (gateway, site) pairs, written independently of fairwatt's network and groups.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from fairwatt.balancing import capacity as cp
from fairwatt.balancing.scenario import Scenario, compile_network
from fairwatt.errors import InfeasibleError

EGLB_DIR = Path(__file__).resolve().parents[2] / "sample_inputs" / "eglb"
# REFERENCE.md R6, rows = sites, columns = gateways (both in the benchmark's order)
PARTIAL = np.array(
    [
        [1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
        [1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 0, 0, 0, 0, 1, 1],
        [0, 1, 1, 0, 1, 1, 1, 1, 0, 0],
        [0, 1, 1, 0, 1, 1, 1, 1, 0, 0],
        [0, 1, 1, 0, 1, 1, 1, 1, 0, 0],
        [0, 1, 1, 0, 1, 1, 1, 1, 0, 0],
        [0, 0, 0, 1, 0, 0, 0, 0, 1, 1],
        [0, 0, 0, 1, 0, 0, 0, 0, 1, 1],
    ],
    dtype=bool,
)


def per_hour_lp_deficit(demand: np.ndarray, capacity: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Demand minus the most that can be served, one LP per hour over the allowed
    (gateway, site) pairs: max sum x s.t. sum_s x_gs <= d_g, sum_g x_gs <= c_s."""
    sites, gateways = np.nonzero(mask)
    n_x = sites.size
    a_gate = (gateways[None, :] == np.arange(mask.shape[1])[:, None]).astype(float)
    a_site = (sites[None, :] == np.arange(mask.shape[0])[:, None]).astype(float)
    out = []
    for t in range(demand.shape[1]):
        res = linprog(
            -np.ones(n_x),
            A_ub=np.vstack([a_gate, a_site]),
            b_ub=np.concatenate([demand[:, t], capacity[:, t]]),
            bounds=(0, None),
            method="highs",
        )
        assert res.status == 0
        out.append(demand[:, t].sum() + res.fun)
    return np.array(out)


@pytest.fixture(scope="module")
def eglb_09(eglb: Scenario) -> Scenario:
    return dataclasses.replace(eglb, capacity=eglb.capacity * 0.9)


@pytest.fixture(scope="module")
def total_demand_by_hand() -> np.ndarray:
    """R6: total_t = P_t / 2708 W x 10 MWh, straight from the published trace."""
    trace = pd.read_csv(EGLB_DIR / "AI_workload.csv")
    assert len(trace) == 457
    return np.asarray(trace["Power (Watt)"] / 2708.0 * 10.0)


def test_benchmark_at_capacity_09_by_hand(total_demand_by_hand: np.ndarray) -> None:
    # every site takes 0.9 MWh, so on the full mask an hour fails when its total is
    # above 9.0 MWh: 19 hours, the first at 00:00 with 2700 W -> 9.970 MWh
    over = total_demand_by_hand > 9.0
    assert over.sum() == 19
    assert total_demand_by_hand[0] == pytest.approx(9.970, abs=5e-4)
    assert np.flatnonzero(over)[:3].tolist() == [0, 2, 3]


@pytest.mark.parametrize("mask", ["full", "partial"])
def test_benchmark_at_capacity_09(
    eglb_09: Scenario, total_demand_by_hand: np.ndarray, mask: str
) -> None:
    network = compile_network(eglb_09, mask)
    short = cp.shortfall(network)
    # independent: a per-hour LP over (gateway, site) pairs on the published trace
    n_s = 10
    demand = np.repeat(total_demand_by_hand[None, :] / n_s, n_s, axis=0)
    matrix = PARTIAL if mask == "partial" else np.ones((n_s, n_s), dtype=bool)
    expected = per_hour_lp_deficit(demand, np.full((n_s, 457), 0.9), matrix)
    expected[expected < 1e-9] = 0.0
    np.testing.assert_allclose(short.deficit, expected, atol=1e-9)
    np.testing.assert_allclose(short.deficit, np.clip(total_demand_by_hand - 9.0, 0, None))
    assert short.hours.size == 19
    np.testing.assert_allclose(short.reachable[short.hours], 9.0)

    with pytest.raises(InfeasibleError) as err:
        cp.check_reachable_capacity(network)
    total = float(np.clip(total_demand_by_hand - 9.0, 0, None).sum())
    text = str(err.value)
    assert text.startswith(
        f"demand cannot be served in 19 of 457 hours under mask {mask!r} "
        f"(short {total:.3f} MWh in all): "
        "hour 2022-09-22T00:00Z: all gateways together need 9.970 MWh against 9.000 MWh "
        "reachable; hour 2022-09-22T02:00Z: all gateways together need "
    )
    assert "; hour 2022-09-22T03:00Z: " in text
    assert text.endswith("; and 16 more hours; raise capacity, widen the mask or lower demand")
    assert "Texas needs" not in text
    assert err.value.exit_code == 4


def test_benchmark_at_capacity_1_is_feasible(eglb: Scenario) -> None:
    for mask in ("full", "partial", "nearest"):
        assert cp.shortfall(compile_network(eglb, mask)).hours.size == 0


def _random_tight(seed: int, n_sites: int, n_gateways: int, n_hours: int) -> Scenario:
    rng = np.random.default_rng(seed)
    mask = rng.random((n_sites, n_gateways)) < 0.35
    mask[rng.integers(0, n_sites, n_gateways), np.arange(n_gateways)] = True
    cap = rng.uniform(0.0, 2.0, size=(n_sites, n_hours))
    demand = rng.uniform(0.0, 2.2 * n_sites / n_gateways, size=(n_gateways, n_hours))
    demand[rng.random(demand.shape) < 0.2] = 0.0
    return Scenario(
        sites=[f"s{i}" for i in range(n_sites)],
        gateways=[f"g{j}" for j in range(n_gateways)],
        capacity=cap,
        demand=demand,
        price=1.0,
        masks={"m": mask},
    )


@pytest.mark.parametrize(
    ("seed", "n_sites", "n_gateways"), [(1, 4, 7), (2, 7, 4), (3, 6, 6), (4, 3, 9)]
)
def test_random_deficits_match_an_lp(
    seed: int, n_sites: int, n_gateways: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enumeration (over groups or over sites, whichever are fewer) and the LP fallback
    give the per-hour LP's deficits; each reported bottleneck's demand minus the
    capacity of its sites is the hour's deficit (a min cut)."""
    sc = _random_tight(seed, n_sites, n_gateways, 40)
    network = compile_network(sc, "m")
    expected = per_hour_lp_deficit(sc.demand, sc.capacity, network.mask)
    enumerated = cp.shortfall(network)
    assert 0 < enumerated.hours.size < 40
    np.testing.assert_allclose(enumerated.deficit, np.where(expected > 1e-9, expected, 0.0))

    def cut_excess(t: int) -> float:
        groups, sites = cp.bottleneck(network, t)
        return float(network.group_demand[groups, t].sum() - sc.capacity[sites, t].sum())

    cuts = [cut_excess(int(t)) for t in enumerated.hours]
    np.testing.assert_allclose(cuts, enumerated.deficit[enumerated.hours], atol=1e-9)

    monkeypatch.setattr(cp, "MAX_ENUMERATED", 0)
    assert cp.candidate_sets(network) is None
    by_lp = cp.shortfall(network)
    np.testing.assert_array_equal(by_lp.hours, enumerated.hours)
    np.testing.assert_allclose(by_lp.deficit, enumerated.deficit, atol=1e-7)
    cuts = [cut_excess(int(t)) for t in by_lp.hours]
    np.testing.assert_allclose(cuts, enumerated.deficit[enumerated.hours], atol=1e-7)


def test_year_of_hours_is_fast() -> None:
    """8760 hours, 12 gateway groups: 4095 candidate sets, no solver."""
    sc = _random_tight(5, 12, 12, 8760)
    network = compile_network(sc, "m")
    assert network.n_groups <= 12
    short = cp.shortfall(network)
    sample = short.hours[:: max(1, short.hours.size // 20)]
    expected = per_hour_lp_deficit(sc.demand[:, sample], sc.capacity[:, sample], network.mask)
    np.testing.assert_allclose(short.deficit[sample], expected, atol=1e-9)
