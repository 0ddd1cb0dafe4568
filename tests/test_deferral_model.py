"""Deferrable load: hand-checked toy cases (two sites, three hours), the phi = 0
equivalence with the plain model on the eGLB benchmark, and bad input."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from fairwatt.balancing import objectives as ob
from fairwatt.balancing.deferral import time_shift
from fairwatt.balancing.scenario import Flexibility, Scenario
from fairwatt.balancing.solve import solve
from fairwatt.errors import InfeasibleError, InputError
from fairwatt.services.rebalance import load_scenario, rebalance

ROOT = Path(__file__).resolve().parents[1]
EGLB = ROOT / "sample_inputs" / "eglb" / "scenario.toml"


def toy(
    demand: list[float],
    *,
    price: list[list[float]] | None = None,
    carbon: list[list[float]] | None = None,
    capacity: float | list[list[float]] = 10.0,
    share: float = 0.0,
    delay: int = 0,
) -> Scenario:
    """Sites A, B; one gateway g that both may serve; three hours."""
    return Scenario(
        sites=("A", "B"),
        gateways=("g",),
        capacity=capacity,
        demand=[demand],
        price=price if price is not None else [[100.0] * 3, [100.0] * 3],
        intensity={"carbon": carbon if carbon is not None else [[0.5] * 3, [0.5] * 3]},
        nearest=[0],
        flexibility=Flexibility(share, delay),
    )


# A is cheap in hour 1 (10 US$/MWh), B costs 100 throughout.
CHEAP_HOUR_1 = [[100.0, 10.0, 50.0], [100.0, 100.0, 100.0]]


def test_deferral_into_a_cheaper_hour() -> None:
    # 2 MWh arrive in hour 0. Without deferral: 2 x 100 = 200 US$.
    # Half may wait one hour: the firm 1 MWh at 100, the other at A in hour 1 at 10 -> 110.
    # Waiting two hours changes nothing: hour 1 (10) is cheaper than hour 2 (50).
    for share, delay, expected in [(0.0, 1, 200.0), (0.5, 0, 200.0), (0.5, 1, 110.0)]:
        a = solve(toy([2, 0, 0], price=CHEAP_HOUR_1, share=share, delay=delay), ob.min_cost())
        assert a.value == pytest.approx(expected, rel=1e-9)
    a = solve(toy([2, 0, 0], price=CHEAP_HOUR_1, share=0.5, delay=2), ob.min_cost())
    assert a.value == pytest.approx(110.0, rel=1e-9)
    np.testing.assert_allclose(a.site_energy, [[1, 1, 0], [0, 0, 0]], atol=1e-9)
    shift = time_shift(a.network, a.flow)
    assert shift.deferred == pytest.approx(1.0)
    assert shift.max_delay() == 1
    assert shift.delay_hours == pytest.approx(1.0)  # 1 MWh waited 1 h


def test_all_deferrable_goes_to_the_cheapest_hour_of_its_window() -> None:
    # share 1, delay 2: the 2 MWh of hour 0 all go to A in hour 1 -> 2 x 10 = 20 US$
    a = solve(toy([2, 0, 0], price=CHEAP_HOUR_1, share=1.0, delay=2), ob.min_cost())
    assert a.value == pytest.approx(20.0, rel=1e-9)
    # with A's capacity 1.5 in hour 1: 1.5 there (15), 0.5 at A in hour 2 (25) -> 40
    cap = [[10.0, 1.5, 10.0], [10.0, 10.0, 10.0]]
    a = solve(toy([2, 0, 0], price=CHEAP_HOUR_1, capacity=cap, share=1.0, delay=2), ob.min_cost())
    assert a.value == pytest.approx(40.0, rel=1e-9)
    assert (a.site_energy <= np.asarray(cap) + 1e-9).all()


def test_window_is_clipped_at_the_end_of_the_horizon() -> None:
    # 2 MWh arrive in the last hour with delay 2: the window [2, min(4, 2)] is hour 2
    # alone, so all is served then at A's 50 -> 100 US$ (none is dropped or carried on).
    a = solve(toy([0, 0, 2], price=CHEAP_HOUR_1, share=1.0, delay=2), ob.min_cost())
    assert a.value == pytest.approx(100.0, rel=1e-9)
    assert a.site_energy.sum() == pytest.approx(2.0, rel=1e-12)
    # 2 MWh arriving in hour 1 with delay 2: window [1, 2]; hour 1 at A is cheapest (10)
    a = solve(toy([0, 2, 0], price=CHEAP_HOUR_1, share=1.0, delay=2), ob.min_cost())
    assert a.value == pytest.approx(20.0, rel=1e-9)
    # the same with A in hour 1 full: the rest must fit hour 2 (A at 50) -> 1x10 + 1x50
    cap = [[10.0, 1.0, 10.0], [10.0, 10.0, 10.0]]
    a = solve(toy([0, 2, 0], price=CHEAP_HOUR_1, capacity=cap, share=1.0, delay=2), ob.min_cost())
    assert a.value == pytest.approx(60.0, rel=1e-9)


def test_deferral_into_a_cleaner_hour() -> None:
    # min-carbon reports the mean over the 2 sites of the carbon footprint.
    # Carbon A 0.5 / 0.1 / 0.5 t/MWh, B 0.5 throughout. 2 MWh in hour 0:
    # no deferral: 2 x 0.5 = 1 t -> mean 0.5; half may wait 1 h: 1 x 0.5 + 1 x 0.1 = 0.6 t
    # -> mean 0.3.
    carbon = [[0.5, 0.1, 0.5], [0.5, 0.5, 0.5]]
    for share, expected in [(0.0, 0.5), (0.5, 0.3)]:
        a = solve(toy([2, 0, 0], carbon=carbon, share=share, delay=1), ob.min_footprint("carbon"))
        assert a.value == pytest.approx(expected, rel=1e-9)


def test_deferral_lowers_the_worst_site() -> None:
    # capacity 1 per site and hour; carbon A 1 throughout, B 3 in hour 0 then 1.
    # 2 MWh in hour 0: without deferral both sites run at hour 0: F_A = 1, F_B = 3 ->
    # worst 3. Half may wait 1 h: 1 MWh at A in hour 0 (F_A = 1), the other served at B
    # in hour 1 (F_B = 1) -> worst 1.
    carbon = [[1.0, 1.0, 1.0], [3.0, 1.0, 1.0]]
    plain = solve(toy([2, 0, 0], carbon=carbon, capacity=1.0), ob.min_worst("carbon"))
    assert plain.value == pytest.approx(3.0, rel=1e-9)
    shifted = solve(
        toy([2, 0, 0], carbon=carbon, capacity=1.0, share=0.5, delay=1), ob.min_worst("carbon")
    )
    assert shifted.value == pytest.approx(1.0, rel=1e-9)


def test_firm_share_is_served_in_its_hour() -> None:
    # 2 MWh in hour 0, 30 % deferrable, all later hours free (price 0): the firm 1.4 MWh
    # stays in hour 0 even though waiting would be cheaper.
    price = [[100.0, 0.0, 0.0], [100.0, 0.0, 0.0]]
    a = solve(toy([2, 0, 0], price=price, share=0.3, delay=2), ob.min_cost())
    assert a.site_energy[:, 0].sum() == pytest.approx(1.4, rel=1e-9)
    assert a.value == pytest.approx(140.0, rel=1e-9)


def test_infeasible_windows_exit_4() -> None:
    # 3 MWh arrive in the last hour against 2 MWh of capacity: deferral cannot help
    with pytest.raises(InfeasibleError, match="within its windows") as err:
        solve(toy([0, 0, 3], capacity=1.0, share=1.0, delay=2), ob.min_cost())
    assert err.value.exit_code == 4
    # the firm share alone exceeds hour 0's capacity: the hourly check names the hour
    with pytest.raises(InfeasibleError, match="hour 0"):
        solve(toy([3, 0, 0], capacity=1.0, share=0.2, delay=2), ob.min_cost())
    # ... while 3 MWh in hour 0 with two thirds deferrable fit over hours 0 and 1
    a = solve(toy([3, 0, 0], capacity=1.0, share=2 / 3, delay=1), ob.min_cost())
    assert a.max_violation() <= 1e-9


def test_unmeetable_limit_with_deferral_names_the_limit() -> None:
    # deferral is feasible, but no allocation puts under 0.1 t of carbon on every site
    # when 2 MWh at >= 0.5 t/MWh must be served somewhere (>= 1 t in all, >= 0.5 t on
    # the worst of the two sites)
    limit = ob.cost_subject_to((ob.Limit("carbon", "worst", 0.1),), "worst:carbon=0.1")
    with pytest.raises(InfeasibleError, match="no allocation meets carbon worst site"):
        solve(toy([2, 0, 0], share=0.5, delay=2), limit)


@pytest.mark.parametrize(
    ("share", "delay", "match"),
    [
        (1.5, 2, "deferrable 1.5"),
        (-0.1, 2, "deferrable -0.1"),
        (float("nan"), 2, "deferrable nan"),
        (0.3, -1, "max_delay -1"),
        (0.3, 2.5, "max_delay 2.5"),
        (0.3, 3, "max_delay 3 h is not shorter than the horizon"),
    ],
)
def test_bad_flexibility(share: float, delay: float, match: str) -> None:
    with pytest.raises(InputError, match=match) as err:
        toy([1, 0, 0], share=share, delay=delay)  # type: ignore[arg-type]
    assert err.value.exit_code == 2


# --------------------------------------------------------------------------- phi = 0


@pytest.fixture(scope="module")
def benchmark() -> Scenario:
    return load_scenario(EGLB).scenario


PHI_ZERO = [
    ("partial", ob.eglb({"water": 60.0, "carbon": 1500.0}), 629_943.21),  # CACM / R6
    ("partial", ob.min_cost(), 296_594.70),  # R6 "min price", partial mask
    ("partial", ob.nearest_site(), None),
    ("partial", ob.min_worst("water"), None),
    ("partial", ob.cost_subject_to((ob.Limit("water", "ratio", 1.3),), "ratio"), None),
    ("full", ob.weighted_mean({"carbon": 1500.0}, cost=0.0), 139_600.8013),  # R6 row
]


@pytest.mark.parametrize(("mask", "objective", "published"), PHI_ZERO)
@pytest.mark.parametrize("delay", [0, 4])
def test_phi_zero_equals_the_plain_model(
    benchmark: Scenario, mask: str, objective: ob.Objective, published: float | None, delay: int
) -> None:
    plain = solve(benchmark, objective, mask, method="lp")
    flex = benchmark.with_flexibility(Flexibility.uniform(0.0, delay, benchmark.n_gateways))
    deferred = solve(flex, objective, mask, method="lp")
    assert deferred.network.group_share is not None  # the deferral rows were used
    assert deferred.info["variables"] > plain.info["variables"]  # backlog variables
    assert deferred.value == pytest.approx(plain.value, rel=1e-9)
    if published is not None:
        assert deferred.value == pytest.approx(published, rel=1e-8)
    assert time_shift(deferred.network, deferred.flow).deferred == pytest.approx(0.0, abs=1e-9)


def test_benchmark_with_deferral_is_no_worse(benchmark: Scenario) -> None:
    obj = ob.eglb({"water": 60.0, "carbon": 1500.0})
    values = []
    for share, delay in [(0.0, 0), (0.3, 2), (0.3, 4), (0.6, 4)]:
        flex = benchmark.with_flexibility(Flexibility.uniform(share, delay, 10))
        a = solve(flex, obj, "partial")
        assert a.max_violation() <= 1e-7
        values.append(a.value)
    assert values[0] == pytest.approx(629_943.21, rel=1e-8)
    assert all(b <= a * (1 + 1e-9) for a, b in itertools.pairwise(values))
    assert values[-1] < values[0]


def test_phi_zero_keeps_the_fast_methods(benchmark: Scenario) -> None:
    # nothing may wait: the full-mask AVG objective separates by hour as without deferral
    flex = benchmark.with_flexibility(Flexibility.uniform(0.0, 4, benchmark.n_gateways))
    a = solve(flex, ob.weighted_mean({"carbon": 1500.0}, cost=0.0), "full")
    assert a.method == "per-hour"
    assert a.value == pytest.approx(139_600.8013, rel=1e-8)  # R6 row
    assert a.max_violation() <= 1e-9


def test_service_phi_zero_through_the_api() -> None:
    result = rebalance(EGLB, mask="partial", deferrable=0.0, max_delay=4)
    summary = result.summary.set_index("objective")
    assert summary.loc["eglb", "objective_value"] == pytest.approx(629_943.21, rel=1e-8)
    assert result.deferral is not None
    assert (result.deferral["deferred_kwh"].abs() < 1e-6).all()
    alloc = result.allocation
    assert (alloc["arrival_hour"] == alloc["hour"]).all()


def test_best_window_moves_in_time_only() -> None:
    # g's nearest site is A (carbon 0.5 / 0.1 / 0.5); B is cleaner (0.05) but a
    # scheduler at one location does not move load in space. Half of the 2 MWh may wait
    # 1 h: 1 MWh at A in hour 0 (0.5 t) and 1 MWh at A in hour 1 (0.1 t) -> 0.6 t, mean
    # over the 2 sites 0.3; B serves nothing.
    carbon = [[0.5, 0.1, 0.5], [0.05, 0.05, 0.05]]
    sc = toy([2, 0, 0], carbon=carbon, share=0.5, delay=1)
    a = solve(sc, ob.parse_objective("best-window"))
    assert a.value == pytest.approx(0.3, rel=1e-9)
    np.testing.assert_allclose(a.site_energy, [[1, 1, 0], [0, 0, 0]], atol=1e-9)
    # by cost: A costs 100 / 10 / 50 -> the same hours, 1 x 100 + 1 x 10 = 110 US$
    a = solve(toy([2, 0, 0], price=CHEAP_HOUR_1, share=0.5, delay=1), ob.best_window("cost"))
    assert a.value == pytest.approx(110.0, rel=1e-9)
    with pytest.raises(InputError, match="best-window criterion"):
        ob.parse_objective("best-window:noise")


def test_large_multi_group_lp_uses_the_interior_point_method(
    benchmark: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fairwatt.balancing.solve as solve_module

    flex = benchmark.with_flexibility(Flexibility.uniform(0.3, 4, benchmark.n_gateways))
    obj = ob.eglb({"water": 60.0, "carbon": 1500.0})
    simplex = solve(flex, obj, "partial")
    assert simplex.info["highs_method"] == "highs"
    monkeypatch.setattr(solve_module, "IPM_THRESHOLD", 0)
    ipm = solve(flex, obj, "partial")
    assert ipm.info["highs_method"] == "highs-ipm"
    assert ipm.value == pytest.approx(simplex.value, rel=1e-8)
    assert ipm.max_violation() <= 1e-7
