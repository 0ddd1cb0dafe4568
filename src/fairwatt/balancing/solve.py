"""Solve a rebalancing objective on a scenario: dispatch and per-hour routing."""

from __future__ import annotations

import dataclasses
import time
from typing import Literal

import numpy as np

from fairwatt.balancing.allocation import Allocation, route_unit_cost
from fairwatt.balancing.capacity import check_reachable_capacity
from fairwatt.balancing.decompose import solve_decomposition
from fairwatt.balancing.deferral import firm_network, has_deferral
from fairwatt.balancing.lp import build_lp, explain_infeasible, run_highs
from fairwatt.balancing.objectives import Objective, evaluate
from fairwatt.balancing.scenario import Network, Scenario, compile_network
from fairwatt.errors import InfeasibleError, InputError

Method = Literal["auto", "lp", "decomposition"]

#: Above this many flow variables a worst-site objective on one gateway group is solved
#: by the Lagrangian decomposition (``method="auto"``); below it the monolithic LP is
#: faster.
DECOMPOSITION_THRESHOLD = 50_000
#: Above this many flow variables an LP with deferrable load and several gateway groups
#: is solved by HiGHS's interior-point method (with crossover) instead of simplex.
IPM_THRESHOLD = 50_000


# --------------------------------------------------------------------------- per hour


def greedy_single_group(
    network: Network, adjusted: np.ndarray, hours: np.ndarray | slice | None = None
) -> np.ndarray:
    """Cheapest-first routing when every gateway reaches the same sites.

    Each hour is a fractional knapsack: fill sites in increasing ``adjusted`` price up
    to capacity until demand is met; this is optimal for a linear per-hour cost.

    Parameters
    ----------
    network : Network
        With exactly one gateway group.
    adjusted : ndarray, shape (T', R)
        Per-unit cost of each route in each selected hour. [US$/MWh]
    hours : index, optional
        Hours ``adjusted`` refers to (default: all).

    Returns
    -------
    ndarray, shape (T', R)
        Route flows. [MWh]
    """
    sel = slice(None) if hours is None else hours
    cap = network.scenario.capacity[network.route_site][:, sel].T  # (T', R)
    demand = network.group_demand[0, sel]
    order = np.argsort(adjusted, axis=1, kind="stable")
    cap_sorted = np.take_along_axis(cap, order, axis=1)
    before = np.cumsum(cap_sorted, axis=1) - cap_sorted
    fill = np.clip(demand[:, None] - before, 0.0, cap_sorted)
    flow: np.ndarray = np.empty_like(fill)
    np.put_along_axis(flow, order, fill, axis=1)
    return flow


class HourSolver:
    """Minimum-cost routing of one hour for arbitrary per-route unit costs.

    Greedy when there is one gateway group, otherwise a small transportation LP.
    """

    def __init__(self, network: Network) -> None:
        self.network = network
        self.single = network.n_groups == 1
        if not self.single:
            from scipy import sparse

            n_r, n_k = network.n_routes, network.n_groups
            self.a_eq = sparse.csr_array(
                (np.ones(n_r), (network.route_group, np.arange(n_r))), shape=(n_k, n_r)
            )
            n_s = network.scenario.n_sites
            self.a_ub = sparse.csr_array(
                (np.ones(n_r), (network.route_site, np.arange(n_r))), shape=(n_s, n_r)
            )

    def solve(self, t: int, unit_cost: np.ndarray) -> np.ndarray:
        """Route flows (R,) of hour ``t`` minimising ``unit_cost · x``. [MWh]"""
        net = self.network
        if self.single:
            flow: np.ndarray = greedy_single_group(net, unit_cost[None, :], np.array([t]))[0]
            return flow
        from scipy.optimize import linprog

        res = linprog(
            unit_cost,
            A_ub=self.a_ub,
            b_ub=net.scenario.capacity[:, t],
            A_eq=self.a_eq,
            b_eq=net.group_demand[:, t],
            bounds=(0, None),
            method="highs",
        )
        if res.status != 0 or res.x is None:
            raise explain_infeasible(net, Objective(name="per-hour", cost=1.0))
        clipped: np.ndarray = np.clip(np.asarray(res.x), 0.0, None)
        return clipped


# --------------------------------------------------------------------------- dispatch


def solve(
    scenario: Scenario,
    objective: Objective,
    mask: str | np.ndarray = "full",
    *,
    method: Method = "auto",
    tolerance: float = 1e-4,
    time_limit: float | None = None,
) -> Allocation:
    """Optimal allocation of ``scenario`` for ``objective`` under ``mask``.

    Parameters
    ----------
    scenario : Scenario
    objective : Objective
        Its own ``mask`` (e.g. ``nearest``) overrides ``mask``.
    mask : str or bool array (S, G), default "full"
    method : {"auto", "lp", "decomposition"}
        ``lp``: one sparse LP with HiGHS. ``decomposition``: Lagrangian dual over the
        worst-site terms with a certified bound (worst-site objectives without limits
        on one gateway group). ``auto``: per-hour routing when the objective separates
        by hour and there is one gateway group; the decomposition for large
        worst-site problems it applies to; otherwise the LP.
    tolerance : float, default 1e-4
        Relative optimality gap at which the decomposition stops. [dimensionless]
    time_limit : float, optional
        Wall-time limit of the solver. [s]

    Raises
    ------
    InfeasibleError
        When demand cannot be met in some hours (naming how many, the first ones and
        their bottleneck; see :mod:`fairwatt.balancing.capacity`) or no allocation meets
        the limits.
    InputError
        When the objective needs a footprint the scenario lacks, or a mask is unknown.
    """
    t0 = time.perf_counter()
    objective.check(scenario)
    network = compile_network(scenario, objective.mask or mask)
    check_reachable_capacity(firm_network(network))
    flex = scenario.flexibility
    if has_deferral(network):
        if method == "lp" or (flex is not None and flex.active):
            return _solve_deferral(network, objective, method, tolerance, time_limit, t0)
        # nothing may wait: the plain model, solved as usual
        network = dataclasses.replace(network, group_share=None, group_delay=None)

    if not objective.coupled and network.n_groups == 1 and method != "lp":
        flow = greedy_single_group(network, route_unit_cost(network, objective))
        value = evaluate(objective, scenario, network.site_energy(flow))
        return Allocation(
            network, objective, flow, value, value, "per-hour", time.perf_counter() - t0
        )

    use_decomposition = method == "decomposition" or (
        method == "auto"
        and network.n_groups == 1
        and objective.worst
        and not objective.limits
        and scenario.n_hours * network.n_routes > DECOMPOSITION_THRESHOLD
    )
    if use_decomposition:
        return solve_decomposition(
            network, objective, tolerance=tolerance, time_limit=time_limit, started=t0
        )

    return _solve_lp(network, objective, time_limit=time_limit, started=t0)


def _solve_deferral(
    network: Network,
    objective: Objective,
    method: Method,
    tolerance: float,
    time_limit: float | None,
    started: float,
) -> Allocation:
    """Deferrable load couples the hours of every objective: one LP. (Without any load
    that may wait, the hours separate as without deferral and :func:`solve` dispatches
    as usual, unless ``method="lp"``.)"""
    if method == "decomposition":
        raise InputError(
            "the decomposition does not handle deferrable load",
            hint="use method lp or auto",
        )
    # many gateway groups over many hours: the interior-point method (with crossover to
    # an optimal vertex) is several times faster than simplex on these LPs
    large = network.n_groups > 1 and network.scenario.n_hours * network.n_routes > IPM_THRESHOLD
    return _solve_lp(
        network,
        objective,
        time_limit=time_limit,
        started=started,
        highs_method="highs-ipm" if large else "highs",
    )


def _solve_lp(
    network: Network,
    objective: Objective,
    *,
    time_limit: float | None,
    started: float,
    highs_method: str = "highs",
) -> Allocation:
    """One sparse LP with HiGHS (``highs_method``: ``highs`` or ``highs-ipm``)."""
    lp = build_lp(network, objective)
    res = run_highs(lp, method=highs_method, time_limit=time_limit)
    if res.status == 2:
        raise explain_infeasible(network, objective)
    if res.status != 0 or res.x is None:
        raise InfeasibleError(
            f"objective {objective.name!r}: the solver stopped without an optimum ({res.message})",
            hint="raise the time limit or simplify the scenario",
        )
    n_x = lp.n_flow
    flow = np.clip(res.x[:n_x], 0.0, lp.hi[:n_x]).reshape(
        network.scenario.n_hours, network.n_routes
    )
    value = evaluate(objective, network.scenario, network.site_energy(flow))
    return Allocation(
        network,
        objective,
        flow,
        value,
        min(value, res.value),
        "lp",
        time.perf_counter() - started,
        info={
            "build_seconds": lp.build_seconds,
            "solve_seconds": res.seconds,
            "variables": lp.n_vars,
            "nonzeros": lp.nnz,
            "lp_value": res.value,
            "highs_method": highs_method,
        },
    )
