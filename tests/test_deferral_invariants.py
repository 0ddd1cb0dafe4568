"""Deferrable load on small random scenarios (hypothesis): the compact backlog LP
against an independent dense LP with one variable per (arrival hour, serving hour,
site, gateway); demand served within its window; capacity respected; the objective
never rises as the deferrable share or the maximum delay grows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from fairwatt.balancing import objectives as ob
from fairwatt.balancing.deferral import time_shift
from fairwatt.balancing.scenario import Flexibility, Scenario
from fairwatt.balancing.solve import solve

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def random_scenario(seed: int, n_s: int, n_g: int, n_t: int, density: float) -> Scenario:
    """Feasible without deferral: each gateway's demand is at most 60 % of its nearest
    site's capacity divided by the gateways sharing that site."""
    rng = np.random.default_rng(seed)
    cap = rng.uniform(0.5, 2.0, size=(n_s, n_t))
    mask = rng.random((n_s, n_g)) < density
    nearest = np.arange(n_g) % n_s
    mask[nearest, np.arange(n_g)] = True
    share = np.bincount(nearest, minlength=n_s)[nearest]
    demand = rng.uniform(0.0, 0.6, size=(n_g, n_t)) * cap[nearest] / share[:, None]
    return Scenario(
        sites=[f"s{i}" for i in range(n_s)],
        gateways=[f"g{j}" for j in range(n_g)],
        capacity=cap,
        demand=demand,
        price=rng.uniform(20.0, 200.0, size=(n_s, n_t)),
        intensity={
            "carbon": rng.uniform(0.05, 0.9, size=(n_s, n_t)),
            "water": rng.uniform(0.5, 8.0, size=(n_s, n_t)),
        },
        masks={"random": mask},
        nearest=nearest,
    )


def dense_reference(
    sc: Scenario, objective: ob.Objective, mask: np.ndarray, share: np.ndarray, delay: np.ndarray
) -> float:
    """Optimum with explicit per-arrival flows x[t, tau, s, g], tau in [t, min(t + D_g,
    T - 1)]; cost, mean and worst-site terms (no limits). Written independently of the
    backlog formulation."""
    n_s, n_g, n_t = sc.n_sites, sc.n_gateways, sc.n_hours
    keys = [
        (t, tau, s, g)
        for g in range(n_g)
        for t in range(n_t)
        for tau in range(t, min(t + int(delay[g]), n_t - 1) + 1)
        for s in range(n_s)
        if mask[s, g]
    ]
    worst = list(objective.worst)
    n = len(keys) + len(worst)
    c = np.zeros(n)
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    foot = {f: np.zeros((n_s, n)) for f in worst}
    for i, (_t, tau, s, _g) in enumerate(keys):
        c[i] = objective.cost * sc.price[s, tau]
        for f, mu in objective.mean.items():
            c[i] += mu / n_s * sc.intensity[f][s, tau]
        for f in worst:
            foot[f][s, i] = sc.intensity[f][s, tau]
    for g in range(n_g):
        for t in range(n_t):
            row = np.array(
                [1.0 if k[0] == t and k[3] == g else 0.0 for k in keys] + [0] * len(worst)
            )
            a_eq.append(row)
            b_eq.append(sc.demand[g, t])
            firm = np.array(
                [-1.0 if k[0] == t and k[1] == t and k[3] == g else 0.0 for k in keys]
                + [0] * len(worst)
            )
            a_ub.append(firm)
            b_ub.append(-(1.0 - share[g]) * sc.demand[g, t])
    for tau in range(n_t):
        for s in range(n_s):
            a_ub.append(
                np.array(
                    [1.0 if k[1] == tau and k[2] == s else 0.0 for k in keys] + [0] * len(worst)
                )
            )
            b_ub.append(sc.capacity[s, tau])
    for j, f in enumerate(worst):
        c[len(keys) + j] = objective.worst[f]
        for s in range(n_s):
            row = foot[f][s].copy()
            row[len(keys) + j] = -1.0
            a_ub.append(row)
            b_ub.append(0.0)
    res = linprog(c, A_ub=np.array(a_ub), b_ub=b_ub, A_eq=np.array(a_eq), b_eq=b_eq, method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


scenarios = st.builds(
    random_scenario,
    seed=st.integers(0, 2**32 - 1),
    n_s=st.integers(2, 3),
    n_g=st.integers(1, 3),
    n_t=st.integers(2, 6),
    density=st.sampled_from([1.0, 0.6]),
)
objectives = st.sampled_from(
    [
        ob.min_cost(),
        ob.eglb({"water": 60.0, "carbon": 1500.0}),
        ob.min_worst("water"),
        ob.weighted_mean({"carbon": 900.0}),
    ]
)


@SETTINGS
@given(sc=scenarios, objective=objectives, share=st.floats(0.0, 1.0), data=st.data())
def test_matches_the_dense_reference(
    sc: Scenario, objective: ob.Objective, share: float, data: st.DataObject
) -> None:
    delays = np.array(
        [data.draw(st.integers(0, sc.n_hours - 1)) for _ in range(sc.n_gateways)], dtype=int
    )
    shares = np.array([data.draw(st.sampled_from([share, 0.0, 1.0])) for _ in sc.gateways])
    flex = sc.with_flexibility(Flexibility(shares, delays))
    a = solve(flex, objective, "random")
    expected = dense_reference(sc, objective, sc.mask("random"), shares, delays)
    assert a.value == pytest.approx(expected, rel=1e-7, abs=1e-7)


@SETTINGS
@given(sc=scenarios, share=st.floats(0.0, 1.0), delay=st.integers(0, 5))
def test_served_within_window_and_capacity(sc: Scenario, share: float, delay: int) -> None:
    delay = min(delay, sc.n_hours - 1)
    flex = sc.with_flexibility(Flexibility.uniform(share, delay, sc.n_gateways))
    a = solve(flex, ob.eglb({"water": 60.0, "carbon": 1500.0}), "random")
    # capacity and non-negativity
    assert (a.site_energy <= sc.capacity + 1e-9).all()
    assert (a.flow >= -1e-12).all()
    # cumulative service: never ahead of arrivals, never behind the deadlines
    served = a.site_energy.sum(axis=0)
    demand = sc.demand.sum(axis=0)
    arrived = np.cumsum(demand)
    done = np.cumsum(served)
    assert (done <= arrived + 1e-8).all()
    firm = (1 - share) * demand
    assert (served >= firm - 1e-8).all()
    for tau in range(sc.n_hours):
        due = np.cumsum(demand)[tau - delay] if tau - delay >= 0 else 0.0
        assert done[tau] >= due - 1e-8
    assert done[-1] == pytest.approx(arrived[-1], abs=1e-8)
    # every arrival's energy is matched to hours of its window, and all of it
    shift = time_shift(a.network, a.flow)
    assert shift.served.shape[2] == delay + 1
    np.testing.assert_allclose(shift.served.sum(axis=(0, 2)), demand, atol=1e-8)
    assert shift.max_delay() <= delay


@SETTINGS
@given(
    sc=scenarios,
    objective=objectives,
    shares=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2),
    delays=st.lists(st.integers(0, 5), min_size=2, max_size=2),
)
def test_objective_non_increasing_in_share_and_delay(
    sc: Scenario, objective: ob.Objective, shares: list[float], delays: list[int]
) -> None:
    shares.sort()
    delays = sorted(min(d, sc.n_hours - 1) for d in delays)
    values = {}
    for p in shares:
        for d in delays:
            flex = sc.with_flexibility(Flexibility.uniform(p, d, sc.n_gateways))
            values[p, d] = solve(flex, objective, "random").value
    plain = solve(sc, objective, "random").value
    lo_p, hi_p = shares
    lo_d, hi_d = delays
    tol = 1e-7 * max(1.0, abs(plain))
    assert values[lo_p, lo_d] <= plain + tol
    assert values[hi_p, lo_d] <= values[lo_p, lo_d] + tol
    assert values[lo_p, hi_d] <= values[lo_p, lo_d] + tol
    assert values[hi_p, hi_d] <= min(values[hi_p, lo_d], values[lo_p, hi_d]) + tol
