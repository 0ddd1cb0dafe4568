r"""Sparse LP formulation of the rebalancing problem, solved with HiGHS.

Variables, for hours ``t`` and routes ``r = (site s_r, gateway group k_r)``:

* :math:`x_{t,r} \ge 0` energy of group ``k_r`` served at site ``s_r`` in hour ``t``
  [MWh];
* :math:`y_{f,s}` total weighted footprint of site ``s`` (only for footprints in a
  worst-site term or a limit);
* :math:`z_f \ge y_{f,s}` epigraph of the worst site (eGLB-Off [1]_);
* :math:`m_f` mean footprint (ratio limits) and :math:`d_{ij} \ge |y_i - y_j|`
  (Gini limits).

Constraints: demand of each group met every hour (with deferrable load, the backlog
rows of :mod:`fairwatt.balancing.deferral` instead); site capacity every hour (a column
bound when only one group can reach the site); limits. The problem is handed to HiGHS
[2]_ through :func:`scipy.optimize.linprog`. Whether demand can be served at all is
decided beforehand, hour by hour, in :mod:`fairwatt.balancing.capacity`.

References
----------
.. [1] Li, P., Yang, J., Wierman, A., Ren, S. (2024). Towards environmentally equitable
   AI via geographical load balancing. e-Energy 2024. arXiv:2307.05494
.. [2] Huangfu, Q., Hall, J. A. J. (2018). Parallelizing the dual revised simplex
   method. Mathematical Programming Computation 10, 119-142.
   :doi:`10.1007/s12532-017-0130-5`
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from fairwatt.balancing.capacity import shortfall, shortfall_error
from fairwatt.balancing.deferral import (
    deferral_infeasible,
    deferral_rows,
    firm_network,
    has_deferral,
)
from fairwatt.balancing.objectives import Limit, Objective
from fairwatt.balancing.scenario import Network
from fairwatt.errors import InfeasibleError

#: Feasibility tolerance asked of HiGHS (absolute, in MWh and footprint units).
FEASIBILITY_TOL = 1e-9


@dataclass
class LinearProgram:
    """``min c·v  s.t.  A_ub v <= b_ub,  A_eq v = b_eq,  lo <= v <= hi``."""

    c: np.ndarray
    a_ub: sparse.csr_array
    b_ub: np.ndarray
    a_eq: sparse.csr_array
    b_eq: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n_flow: int
    offsets: dict[str, int] = field(default_factory=dict)
    build_seconds: float = 0.0

    @property
    def n_vars(self) -> int:
        return int(self.c.size)

    @property
    def nnz(self) -> int:
        return int(self.a_ub.nnz + self.a_eq.nnz)


class _Rows:
    """Accumulates COO triplets of a block of rows."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.rhs: list[np.ndarray] = []
        self.n = 0

    def add(self, rows: Any, cols: Any, vals: Any, rhs: Any, n_new: int) -> None:
        cols = np.asarray(cols, dtype=np.int64).ravel()
        self.rows.append(np.broadcast_to(np.asarray(rows, dtype=np.int64), cols.shape) + self.n)
        self.cols.append(cols)
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=np.float64), cols.shape))
        self.rhs.append(np.broadcast_to(np.asarray(rhs, dtype=np.float64), (n_new,)).ravel())
        self.n += n_new

    def matrix(self, n_cols: int) -> tuple[sparse.csr_array, np.ndarray]:
        if not self.rows:
            return sparse.csr_array((0, n_cols)), np.zeros(0)
        a = sparse.coo_array(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.n, n_cols),
        ).tocsr()
        return a, np.concatenate(self.rhs)


def _layout(objective: Objective, n_x: int, n_s: int) -> tuple[dict[str, int], int]:
    """Offsets of the auxiliary variables after the ``n_x`` flows, and the total count:
    per-site footprints ``y:f``, epigraphs ``z:f``, ratio means ``m:..``, Gini pairs
    ``d:..``."""
    coupled = [
        f
        for f in objective.footprints
        if f in objective.worst or any(lim.footprint == f for lim in objective.limits)
    ]
    offsets: dict[str, int] = {}
    n_vars = n_x
    for f in coupled:
        offsets[f"y:{f}"] = n_vars
        n_vars += n_s
    for f in objective.worst:
        offsets[f"z:{f}"] = n_vars
        n_vars += 1
    for lim in objective.limits:
        if lim.kind == "ratio":
            offsets[f"m:{_limit_key(lim)}"] = n_vars
            n_vars += 1
        elif lim.kind == "gini":
            offsets[f"d:{_limit_key(lim)}"] = n_vars
            n_vars += n_s * (n_s - 1) // 2
    return offsets, n_vars


def _limit_key(lim: Limit) -> str:
    return f"{lim.kind}:{lim.footprint}:{lim.bound!r}"


def _flow_rows(
    network: Network, eq: _Rows, ub: _Rows, hi: np.ndarray, t_idx: np.ndarray, r_idx: np.ndarray
) -> None:
    """Demand met in every hour and group; site capacity (a column bound for sites with
    a single route, a row otherwise)."""
    sc = network.scenario
    n_t, n_s, n_k = sc.n_hours, sc.n_sites, network.n_groups
    rs = network.route_site
    s_of_x = rs[r_idx]
    n_x = t_idx.size
    if not has_deferral(network):  # demand: one row per (hour, group)
        eq.add(
            t_idx * n_k + network.route_group[r_idx],
            np.arange(n_x),
            1.0,
            network.group_demand.T.ravel(),
            n_t * n_k,
        )
    routes_per_site = np.bincount(rs, minlength=n_s)
    single = routes_per_site[s_of_x] == 1
    hi[:n_x][single] = sc.capacity[s_of_x[single], t_idx[single]]
    multi_sites = np.flatnonzero(routes_per_site > 1)
    if multi_sites.size:
        pos = np.full(n_s, -1)
        pos[multi_sites] = np.arange(multi_sites.size)
        sel = ~single
        ub.add(
            t_idx[sel] * multi_sites.size + pos[s_of_x[sel]],
            np.flatnonzero(sel),
            1.0,
            sc.capacity[multi_sites].T.ravel(),
            n_t * multi_sites.size,
        )


def _footprint_rows(
    network: Network,
    objective: Objective,
    offsets: Mapping[str, int],
    eq: _Rows,
    ub: _Rows,
    t_idx: np.ndarray,
    s_of_x: np.ndarray,
) -> None:
    """Per-site footprints ``sum_t,r w k x - y = 0`` and worst-site epigraphs
    ``y_s - z <= 0``."""
    sc = network.scenario
    n_s, n_x = sc.n_sites, t_idx.size
    for key, y0 in offsets.items():
        if not key.startswith("y:"):
            continue
        wk = sc.weighted_intensity(key[2:])[s_of_x, t_idx]
        eq.add(
            np.concatenate([s_of_x, np.arange(n_s)]),
            np.concatenate([np.arange(n_x), y0 + np.arange(n_s)]),
            np.concatenate([wk, -np.ones(n_s)]),
            0.0,
            n_s,
        )
    for f in objective.worst:
        y0, z = offsets[f"y:{f}"], offsets[f"z:{f}"]
        _pairs_le(ub, y0 + np.arange(n_s), np.full(n_s, z), -1.0)


def _pairs_le(ub: _Rows, a: np.ndarray, b: np.ndarray, coef: float) -> None:
    """Rows ``v[a_i] + coef * v[b_i] <= 0``, one per pair."""
    n = a.size
    rows = np.arange(n)
    ub.add(
        np.concatenate([rows, rows]),
        np.concatenate([a, b]),
        np.concatenate([np.ones(n), np.full(n, coef)]),
        0.0,
        n,
    )


def _limit_rows(
    lim: Limit, offsets: Mapping[str, int], n_s: int, eq: _Rows, ub: _Rows, hi: np.ndarray
) -> None:
    ys = offsets[f"y:{lim.footprint}"] + np.arange(n_s)
    if lim.kind == "worst":
        hi[ys] = np.minimum(hi[ys], lim.bound)
    elif lim.kind == "ratio":
        m = offsets[f"m:{_limit_key(lim)}"]
        # S m - sum_s y_s = 0 ; y_s - r m <= 0
        eq.add(np.zeros(n_s + 1), np.append(ys, m), np.append(-np.ones(n_s), n_s), 0.0, 1)
        _pairs_le(ub, ys, np.full(n_s, m), -lim.bound)
    else:  # gini: y_i - y_j - d_ij <= 0, y_j - y_i - d_ij <= 0, sum d - g S sum y <= 0
        ii, jj = np.triu_indices(n_s, k=1)
        n_p = ii.size
        d = offsets[f"d:{_limit_key(lim)}"] + np.arange(n_p)
        rows = np.arange(n_p)
        for a, b in ((ys[ii], ys[jj]), (ys[jj], ys[ii])):
            ub.add(
                np.concatenate([rows, rows, rows]),
                np.concatenate([a, b, d]),
                np.concatenate([np.ones(n_p), -np.ones(n_p), -np.ones(n_p)]),
                0.0,
                n_p,
            )
        ub.add(
            np.zeros(n_p + n_s),
            np.concatenate([d, ys]),
            np.concatenate([np.ones(n_p), np.full(n_s, -lim.bound * n_s)]),
            0.0,
            1,
        )


def build_lp(network: Network, objective: Objective) -> LinearProgram:
    """The LP of ``objective`` on ``network`` (sparse, one block per constraint kind)."""
    t0 = time.perf_counter()
    sc = network.scenario
    n_t, n_s, n_r = sc.n_hours, sc.n_sites, network.n_routes
    n_x = n_t * n_r
    t_idx = np.repeat(np.arange(n_t), n_r)  # hour of each x
    r_idx = np.tile(np.arange(n_r), n_t)  # route of each x
    s_of_x = network.route_site[r_idx]
    offsets, n_vars = _layout(objective, n_x, n_s)
    if has_deferral(network):  # backlog of every group at the end of every hour
        offsets["b"] = n_vars
        n_vars += network.n_groups * n_t

    c = np.zeros(n_vars)
    c[:n_x] = objective.cost * sc.price[s_of_x, t_idx]
    for f, mu in objective.mean.items():
        c[:n_x] += mu / n_s * sc.weighted_intensity(f)[s_of_x, t_idx]
    for f, mu in objective.worst.items():
        c[offsets[f"z:{f}"]] = mu
    lo = np.zeros(n_vars)
    hi = np.full(n_vars, np.inf)

    eq = _Rows()
    ub = _Rows()
    _flow_rows(network, eq, ub, hi, t_idx, r_idx)
    if has_deferral(network):
        deferral_rows(network, eq, ub, hi, t_idx, r_idx, offsets["b"])
    _footprint_rows(network, objective, offsets, eq, ub, t_idx, s_of_x)
    for lim in objective.limits:
        _limit_rows(lim, offsets, n_s, eq, ub, hi)
    a_eq, b_eq = eq.matrix(n_vars)
    a_ub, b_ub = ub.matrix(n_vars)
    return LinearProgram(
        c=c,
        a_ub=a_ub,
        b_ub=b_ub,
        a_eq=a_eq,
        b_eq=b_eq,
        lo=lo,
        hi=hi,
        n_flow=n_x,
        offsets=offsets,
        build_seconds=time.perf_counter() - t0,
    )


@dataclass
class LPResult:
    status: int
    message: str
    x: np.ndarray | None
    value: float
    seconds: float


def run_highs(
    lp: LinearProgram, *, method: str = "highs", time_limit: float | None = None
) -> LPResult:
    """Solve ``lp`` with HiGHS (``highs``, ``highs-ds`` or ``highs-ipm``)."""
    from scipy.optimize import linprog

    options: dict[str, Any] = {
        "primal_feasibility_tolerance": FEASIBILITY_TOL,
        "dual_feasibility_tolerance": FEASIBILITY_TOL,
    }
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    t0 = time.perf_counter()
    res = linprog(
        lp.c,
        A_ub=lp.a_ub if lp.a_ub.shape[0] else None,
        b_ub=lp.b_ub if lp.a_ub.shape[0] else None,
        A_eq=lp.a_eq if lp.a_eq.shape[0] else None,
        b_eq=lp.b_eq if lp.a_eq.shape[0] else None,
        bounds=np.column_stack([lp.lo, lp.hi]),
        method=method,
        options=options,
    )
    seconds = time.perf_counter() - t0
    x = None if res.x is None else np.asarray(res.x)
    value = float(res.fun) if res.fun is not None else float("nan")
    return LPResult(int(res.status), str(res.message), x, value, seconds)


# --------------------------------------------------------------------------- feasibility


def explain_infeasible(network: Network, objective: Objective) -> InfeasibleError:
    """Find why the LP of ``objective`` has no solution.

    When demand cannot be served in some hour (an exact hourly max-flow,
    :func:`fairwatt.balancing.capacity.shortfall`) the error names those hours and their
    bottleneck; otherwise the objective's limits are what cannot be met.
    """
    short = shortfall(firm_network(network))
    if short.hours.size:
        return shortfall_error(short)
    if has_deferral(network):
        plain = build_lp(network, Objective(name="feasibility", cost=0.0))
        if not objective.limits or run_highs(plain).status == 2:
            return deferral_infeasible(network)
    limits = ", ".join(lim.describe() for lim in objective.limits) or "the objective's terms"
    return InfeasibleError(
        f"objective {objective.name!r}: no allocation meets {limits}",
        hint="relax the limit (a sweep over it shows the cost of each bound)",
    )
