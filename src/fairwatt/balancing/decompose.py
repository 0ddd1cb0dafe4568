r"""Lagrangian decomposition of eGLB-Off with a certified optimality gap.

For one gateway group (every gateway reaches the same sites, e.g. the full mask) the
problem

.. math:: \min_{x \in X} \sum_{t,s} a_{s,t} x_{s,t} + \sum_f \mu_f \max_s F_{f,s}(x),
   \quad F_{f,s}(x) = \sum_t \tilde k_{f,s,t} x_{s,t}

couples hours only through the worst-site terms; ``X`` is a product of per-hour sets
(demand met, capacity). Writing :math:`\mu_f \max_s F_{f,s} = \max_{\lambda_f \in \mu_f
\Delta} \lambda_f \cdot F_f` gives the concave dual function

.. math:: L(\lambda) = \sum_t \min_{x_t \in X_t} \sum_s \big(a_{s,t} + \sum_f
   \lambda_{f,s} \tilde k_{f,s,t}\big) x_{s,t},

each hour a fractional knapsack solved by sorting (vectorised over all hours), and
:math:`\max_\lambda L(\lambda)` equals the optimum [1]_. ``L`` is maximised by a
cutting-plane (Dantzig-Wolfe [2]_) method with one cut per block of hours
(multi-cut) and in-out smoothing of the query point [3]_. The restricted master LP is
solved in its primal form: a convex combination, per block, of the per-hour-optimal
allocations generated so far — a feasible allocation whose objective is an upper bound
(primal recovery) — while the best dual value seen is a lower bound. The method stops
when they are within the tolerance, so the gap it reports is certified.

References
----------
.. [1] Geoffrion, A. M. (1974). Lagrangean relaxation for integer programming.
   Mathematical Programming Study 2, 82-114. :doi:`10.1007/BFb0120690`
.. [2] Dantzig, G. B., Wolfe, P. (1960). Decomposition principle for linear programs.
   Operations Research 8(1), 101-111. :doi:`10.1287/opre.8.1.101`
.. [3] Wentges, P. (1997). Weighted Dantzig-Wolfe decomposition for linear mixed-integer
   programming. International Transactions in Operational Research 4(2), 151-162.
   :doi:`10.1111/j.1475-3995.1997.tb00070.x`
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairwatt.balancing.allocation import Allocation, route_unit_cost
from fairwatt.balancing.objectives import Objective, evaluate
from fairwatt.balancing.scenario import Network
from fairwatt.errors import InputError


@dataclass
class _Column:
    """One oracle answer: per-hour-optimal allocation at some dual point, compressed."""

    full: np.ndarray  # packed bits (T, R): route filled to capacity
    marginal: np.ndarray  # (T,) route partially filled (-1: none)
    amount: np.ndarray  # (T,) energy on the marginal route [MWh]
    cost: np.ndarray  # (B,) separable cost per block
    foot: np.ndarray  # (B, F, R) weighted footprint per block


class _Oracle:
    def __init__(self, network: Network, objective: Objective, n_blocks: int) -> None:
        sc = network.scenario
        self.n_t, self.n_r = sc.n_hours, network.n_routes
        self.base = route_unit_cost(network, objective)  # (T, R)
        self.worst = list(objective.worst)
        self.mu = np.array([objective.worst[f] for f in self.worst])
        self.kt = np.stack(
            [
                np.ascontiguousarray(sc.weighted_intensity(f)[network.route_site].T)
                for f in self.worst
            ]
        )  # (F, T, R)
        self.cap = np.ascontiguousarray(sc.capacity[network.route_site].T)  # (T, R)
        self.demand = network.group_demand[0]
        self.n_blocks = n_blocks
        edges = np.linspace(0, self.n_t, n_blocks + 1).round().astype(int)
        self.block_of_hour = np.repeat(np.arange(n_blocks), np.diff(edges))
        self.edges = edges

    def __call__(self, lam: np.ndarray) -> tuple[_Column, float]:
        """Per-hour-optimal allocation at duals ``lam`` (F, R) and the dual value L."""
        adj = self.base.copy()
        for i in range(lam.shape[0]):
            adj += lam[i][None, :] * self.kt[i]
        order = np.argsort(adj, axis=1, kind="stable")
        cap_sorted = np.take_along_axis(self.cap, order, axis=1)
        before = np.cumsum(cap_sorted, axis=1) - cap_sorted
        fill = np.clip(self.demand[:, None] - before, 0.0, cap_sorted)
        x = np.empty_like(fill)
        np.put_along_axis(x, order, fill, axis=1)
        full = (x >= self.cap) & (self.cap > 0)
        part = (x > 0) & ~full
        has = part.any(axis=1)
        marginal = np.where(has, part.argmax(axis=1), -1)
        amount = np.where(has, x[np.arange(self.n_t), np.maximum(marginal, 0)], 0.0)
        cost = np.add.reduceat((self.base * x).sum(axis=1), self.edges[:-1])
        foot = np.stack(
            [
                np.add.reduceat(self.kt[i] * x, self.edges[:-1], axis=0)
                for i in range(len(self.worst))
            ],
            axis=1,
        )  # (B, F, R)
        value = float((adj * x).sum())
        col = _Column(np.packbits(full, axis=1), marginal, amount, cost, foot)
        return col, value

    def expand(self, col: _Column) -> np.ndarray:
        """The allocation (T, R) a column stands for. [MWh]"""
        full = np.unpackbits(col.full, axis=1, count=self.n_r).astype(bool)
        x = np.where(full, self.cap, 0.0)
        rows = np.flatnonzero(col.marginal >= 0)
        x[rows, col.marginal[rows]] = col.amount[rows]
        return x


def _new_highs() -> Any:
    """A silent HiGHS instance with warm starts (the low-level class does not print the
    banner on stdout, which carries the command's data)."""
    import highspy

    cls = getattr(highspy, "_Highs", None) or highspy.Highs
    h = cls()
    h.setOptionValue("output_flag", False)
    return h


class _Master:
    """Restricted master LP in primal form, grown column by column with warm starts.

    ``min Σ_{k,b} θ_kb C_kb + Σ_f μ_f m_f`` s.t. ``Σ_{k,b} θ_kb F_kb[f, r] − m_f <= 0``
    and ``Σ_k θ_kb = 1`` for every block ``b``; its row duals are the next dual point.
    """

    def __init__(self, mu: np.ndarray, n_blocks: int, n_r: int) -> None:
        import highspy

        self.inf = highspy.kHighsInf
        self.n_f, self.n_b, self.n_r = mu.size, n_blocks, n_r
        self.n_rows = self.n_f * n_r + n_blocks
        self.h = _new_highs()
        h = self.h
        lower = np.concatenate([np.full(self.n_f * n_r, -self.inf), np.ones(n_blocks)])
        upper = np.concatenate([np.zeros(self.n_f * n_r), np.ones(n_blocks)])
        h.addRows(
            self.n_rows, lower, upper, 0, np.zeros(1, np.int32), np.zeros(0, np.int32), np.zeros(0)
        )
        # epigraph columns m_f with -1 in their footprint's rows
        starts = (np.arange(self.n_f) * n_r).astype(np.int32)
        index = np.arange(self.n_f * n_r, dtype=np.int32)
        h.addCols(
            self.n_f, mu.astype(float), np.zeros(self.n_f), np.full(self.n_f, self.inf),
            self.n_f * n_r, starts, index, -np.ones(self.n_f * n_r),
        )  # fmt: skip
        self.n_columns = 0

    def add(self, col: _Column) -> None:
        foot = col.foot.reshape(self.n_b, -1)  # (B, F*R)
        starts: list[int] = []
        index: list[np.ndarray | list[int]] = []
        value: list[np.ndarray | list[float]] = []
        nnz = 0
        for b in range(self.n_b):
            rows = np.flatnonzero(foot[b])
            starts.append(nnz)
            index += [rows, [self.n_f * self.n_r + b]]
            value += [foot[b, rows], [1.0]]
            nnz += rows.size + 1
        self.h.addCols(
            self.n_b, col.cost.astype(float), np.zeros(self.n_b), np.full(self.n_b, self.inf),
            nnz, np.array(starts, np.int32), np.concatenate(index).astype(np.int32),
            np.concatenate(value).astype(float),
        )  # fmt: skip
        self.n_columns += 1

    def solve(self) -> tuple[float, np.ndarray, np.ndarray]:
        """(value, theta (K, B), lambda (F, R))."""
        h = self.h
        h.run()
        status = h.getModelStatus()
        import highspy

        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"decomposition master: {h.modelStatusToString(status)}")
        sol = h.getSolution()
        x = np.asarray(sol.col_value)
        duals = np.asarray(sol.row_dual)
        theta = x[self.n_f :].reshape(self.n_columns, self.n_b)
        lam = np.clip(-duals[: self.n_f * self.n_r].reshape(self.n_f, self.n_r), 0.0, None)
        return float(h.getInfo().objective_function_value), theta, lam


class _CuttingPlane:
    """The oracle's answers so far (columns of the master), the best dual bound and the
    dual point it was found at."""

    def __init__(self, oracle: _Oracle, n_blocks: int) -> None:
        self.oracle = oracle
        n_f, n_r = oracle.mu.size, oracle.n_r
        self.master = _Master(oracle.mu, n_blocks, n_r)
        self.columns: list[_Column] = []
        self.lower = -math.inf
        self.best_lam = np.zeros((n_f, n_r))
        self.seen: set[bytes] = set()

    def add(self, lam: np.ndarray) -> None:
        """Ask the oracle at ``lam``; keep a new column and a better bound."""
        col, value = self.oracle(lam)
        if value > self.lower:
            self.lower, self.best_lam = value, lam.copy()
        key = col.full.tobytes() + col.marginal.tobytes() + col.amount.tobytes()
        if key not in self.seen:
            self.seen.add(key)
            self.columns.append(col)
            self.master.add(col)

    def run(
        self,
        *,
        tolerance: float,
        time_limit: float | None,
        started: float,
        smoothing: float,
        max_iterations: int,
    ) -> tuple[float, np.ndarray, dict[str, Any]]:
        """Iterate until the gap is within ``tolerance`` or a limit is reached; return the
        master's value (upper bound), its weights theta (K, B) and loop details."""
        mu = self.oracle.mu
        n_f, n_r = mu.size, self.oracle.n_r
        self.add(np.zeros((n_f, n_r)))  # cheapest routing
        self.add(mu[:, None] * np.full((n_f, n_r), 1.0 / n_r))  # mean weights
        upper, theta, lam_master = self.master.solve()
        iterations = 0
        master_seconds = oracle_seconds = 0.0
        history = []
        while iterations < max_iterations:
            gap = (upper - self.lower) / max(abs(self.lower), 1e-12)
            history.append((iterations, self.lower, upper))
            if gap <= tolerance:
                break
            if time_limit is not None and time.perf_counter() - started > time_limit:
                break
            iterations += 1
            ts = time.perf_counter()
            before = self.lower
            self.add(smoothing * self.best_lam + (1.0 - smoothing) * lam_master)
            if self.lower <= before and smoothing > 0:
                # mis-price: the smoothed point did not improve; also cut at the master's point
                self.add(lam_master)
            oracle_seconds += time.perf_counter() - ts
            ts = time.perf_counter()
            upper, theta, lam_master = self.master.solve()
            master_seconds += time.perf_counter() - ts
        info = {
            "iterations": iterations,
            "oracle_seconds": oracle_seconds,
            "master_seconds": master_seconds,
            "history": history,
        }
        return upper, theta, info

    def recover(self, theta: np.ndarray) -> np.ndarray:
        """Primal recovery: per block, the convex combination the master chose (T, R)."""
        oracle = self.oracle
        flow = np.zeros((oracle.n_t, oracle.n_r))
        block = oracle.block_of_hour
        for i, col in enumerate(self.columns):
            w = theta[i]
            if not (w > 1e-15).any():
                continue
            flow += w[block][:, None] * oracle.expand(col)
        return flow


def _check_applies(network: Network, objective: Objective) -> None:
    if network.n_groups != 1:
        raise InputError(
            "the decomposition needs every gateway to reach the same sites (e.g. the full mask)",
            hint="use method lp",
        )
    if objective.limits or not objective.worst:
        raise InputError(
            "the decomposition handles worst-site objectives without limits",
            hint="use method lp",
        )


def solve_decomposition(
    network: Network,
    objective: Objective,
    *,
    tolerance: float = 1e-4,
    time_limit: float | None = None,
    n_blocks: int | None = None,
    smoothing: float = 0.7,
    max_iterations: int = 500,
    started: float | None = None,
) -> Allocation:
    """Solve a worst-site objective on one gateway group by Lagrangian decomposition.

    Parameters
    ----------
    network : Network
        With one gateway group.
    objective : Objective
        Cost, mean and worst-site terms (no limits).
    tolerance : float, default 1e-4
        Stop when (upper − lower bound) / lower bound is at most this. [dimensionless]
    time_limit : float, optional
        Stop after this long with the best certified gap so far. [s]
    n_blocks : int, optional
        Hour blocks with their own cuts (default: about one per week, 1 to 64).
    smoothing : float, default 0.7
        In-out smoothing weight of the best dual point. [dimensionless]
    max_iterations : int, default 500

    Returns
    -------
    Allocation
        ``value`` is the objective of the recovered allocation, ``lower_bound`` the best
        dual value; ``info`` has iterations, columns and timings.
    """
    t0 = time.perf_counter() if started is None else started
    _check_applies(network, objective)
    sc = network.scenario
    if n_blocks is None:
        n_blocks = int(min(64, max(1, round(sc.n_hours / 168))))
    n_blocks = max(1, min(n_blocks, sc.n_hours))
    # footprints of unreachable sites are zero; only reachable ones get a dual weight
    planes = _CuttingPlane(_Oracle(network, objective, n_blocks), n_blocks)
    upper, theta, info = planes.run(
        tolerance=tolerance,
        time_limit=time_limit,
        started=t0,
        smoothing=smoothing,
        max_iterations=max_iterations,
    )
    flow = planes.recover(theta)
    value = evaluate(objective, sc, network.site_energy(flow))
    lower = planes.lower
    return Allocation(
        network,
        objective,
        flow,
        value,
        min(lower, value),
        "decomposition",
        time.perf_counter() - t0,
        info={
            "iterations": info["iterations"],
            "columns": len(planes.columns),
            "blocks": n_blocks,
            "upper_bound": upper,
            "lower_bound": lower,
            "certified_gap": max(0.0, (value - lower) / max(abs(lower), 1e-12)),
            "oracle_seconds": info["oracle_seconds"],
            "master_seconds": info["master_seconds"],
            "history": info["history"],
        },
    )
