r"""Can demand be served? Hourly maximum flow from gateways to sites under a mask.

In hour ``t`` the gateways' demand can be served exactly when the maximum flow from a
source through the gateway groups (edges of capacity ``d_{k,t}``), the mask's routes
(unbounded) and the sites (edges of capacity ``c_{s,t}``) to a sink equals the total
demand. By max-flow/min-cut (Hall's condition for transportation problems [1]_) the
shortfall is

.. math:: \text{deficit}_t = D_t - \text{maxflow}_t
          = \max_{A} \Big( \sum_{k \in A} d_{k,t} - \sum_{s \in N(A)} c_{s,t} \Big)^+

over sets ``A`` of gateway groups, ``N(A)`` the sites they may use; the maximising set
is the bottleneck (the min cut). Only *closed* sets matter (every group whose sites lie
inside ``N(A)`` belongs to ``A``), so the candidates are enumerated over subsets of the
groups or of the sites, whichever are fewer, and evaluated for all hours at once by two
matrix products: exact sums, no solver. When both groups and sites are too many to
enumerate, one HiGHS LP over all hours (minimum unserved energy) gives the deficits and
a residual-graph search gives the bottleneck of a reported hour.

References
----------
.. [1] Gale, D. (1957). A theorem on flows in networks. Pacific Journal of
   Mathematics 7(2), 1073-1081. :doi:`10.2140/pjm.1957.7.1073`
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairwatt.balancing.scenario import Network
from fairwatt.errors import InfeasibleError

#: Largest number of groups or sites (the smaller of the two) whose subsets are
#: enumerated; above it the deficits come from an LP. 2**12 candidate sets.
MAX_ENUMERATED = 12
#: Infeasible hours shown in a message.
SHOWN_HOURS = 3
#: Relative tolerance on a deficit (of the hour's total demand, at least 1 MWh).
RELATIVE_TOL = 1e-9
_HINT = "raise capacity, widen the mask or lower demand"


@dataclass(frozen=True)
class Shortfall:
    """Hours whose demand cannot be served, with the deficit of every hour.

    Attributes
    ----------
    network : Network
    demand : ndarray, shape (T,)
        Total demand of each hour. [MWh]
    deficit : ndarray, shape (T,)
        Demand minus the maximum flow to the sites under the mask (0 when feasible).
        [MWh]
    """

    network: Network
    demand: np.ndarray
    deficit: np.ndarray

    @property
    def hours(self) -> np.ndarray:
        """Indices of the infeasible hours."""
        return np.flatnonzero(self.deficit > 0)

    @property
    def reachable(self) -> np.ndarray:
        """Maximum flow of each hour: the demand that can be served. [MWh]"""
        served: np.ndarray = self.demand - self.deficit
        return served


def _group_sites(network: Network) -> np.ndarray:
    """Sites each group may use, bool (K, S)."""
    return np.ascontiguousarray(network.mask[:, [int(g[0]) for g in network.groups]].T)


def _subsets(n: int) -> np.ndarray:
    """Every non-empty subset of ``n`` items as rows of a bool matrix (2**n - 1, n)."""
    codes = np.arange(1, 2**n, dtype=np.int64)
    return ((codes[:, None] >> np.arange(n)) & 1).astype(bool)


def candidate_sets(network: Network) -> tuple[np.ndarray, np.ndarray] | None:
    """Closed (groups, sites) pairs covering every min cut, or None when too many.

    Returns bool matrices ``(P, K)`` and ``(P, S)``: row ``p`` is a set of groups and
    the sites they may use, where no other group's sites lie inside those sites.
    """
    reach = _group_sites(network)  # (K, S)
    n_k, n_s = reach.shape
    if min(n_k, n_s) > MAX_ENUMERATED:
        return None
    if n_k <= n_s:
        sites = _subsets(n_k).astype(np.float64) @ reach.astype(np.float64) > 0
    else:
        sites = _subsets(n_s)
    reach_f = reach.astype(np.float64)
    groups = (~sites).astype(np.float64) @ reach_f.T == 0  # groups whose sites lie inside
    groups = groups[groups.any(axis=1)]
    sites = groups.astype(np.float64) @ reach_f > 0
    pairs = np.unique(np.hstack([groups, sites]), axis=0)
    return pairs[:, :n_k], pairs[:, n_k:]


def _tolerance(demand: np.ndarray | float, relative: float) -> np.ndarray:
    """Absolute tolerance on a deficit, relative to the demand (at least 1 MWh)."""
    return np.asarray(relative * np.maximum(1.0, demand), dtype=np.float64)


def _enumerated_deficit(network: Network, groups: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Max over the candidate sets of demand minus capacity, per hour (chunked)."""
    gd, cap = network.group_demand, network.scenario.capacity
    g = groups.astype(np.float64)
    s = sites.astype(np.float64)
    n_t = gd.shape[1]
    chunk = max(1, 2_000_000 // max(1, groups.shape[0]))
    out = np.empty(n_t)
    for start in range(0, n_t, chunk):
        sl = slice(start, start + chunk)
        out[sl] = (g @ gd[:, sl] - s @ cap[:, sl]).max(axis=0)
    return out


def _lp_flow(network: Network, hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Route flows (H, R) and unserved demand (H, K) of a minimum-unserved LP over
    ``hours`` (HiGHS)."""
    from scipy import sparse
    from scipy.optimize import linprog

    n_h, n_r, n_k = hours.size, network.n_routes, network.n_groups
    n_s = network.scenario.n_sites
    block_eq = sparse.hstack(
        [
            sparse.csr_array((np.ones(n_r), (network.route_group, np.arange(n_r))), (n_k, n_r)),
            sparse.identity(n_k, format="csr"),
        ]
    )
    block_ub = sparse.csr_array(
        (np.ones(n_r), (network.route_site, np.arange(n_r))), (n_s, n_r + n_k)
    )
    eye = sparse.identity(n_h, format="csr")
    res = linprog(
        np.tile(np.concatenate([np.zeros(n_r), np.ones(n_k)]), n_h),
        A_ub=sparse.kron(eye, block_ub, format="csr"),
        b_ub=network.scenario.capacity[:, hours].T.ravel(),
        A_eq=sparse.kron(eye, block_eq, format="csr"),
        b_eq=network.group_demand[:, hours].T.ravel(),
        bounds=(0, None),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10},
    )
    x = np.asarray(res.x).reshape(n_h, n_r + n_k)
    return x[:, :n_r], x[:, n_r:]


def shortfall(network: Network) -> Shortfall:
    """Deficit of every hour: total demand minus the maximum flow under the mask."""
    demand = network.group_demand.sum(axis=0)
    cands = candidate_sets(network)
    if cands is not None:
        deficit = _enumerated_deficit(network, *cands)
        tol = _tolerance(demand, RELATIVE_TOL)
    else:
        deficit = _lp_flow(network, np.arange(demand.size))[1].sum(axis=1)
        tol = _tolerance(demand, 1e-7)
    return Shortfall(network, demand, np.where(deficit > tol, deficit, 0.0))


def bottleneck(network: Network, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Group and site indices of a min cut of hour ``t``: the gateway groups whose demand
    most exceeds the capacity of the sites they may use (the fewest such groups)."""
    cands = candidate_sets(network)
    if cands is not None:
        groups, sites = cands
        excess = groups @ network.group_demand[:, t] - sites @ network.scenario.capacity[:, t]
        tol = _tolerance(network.group_demand[:, t].sum(), RELATIVE_TOL)
        best = np.flatnonzero(excess >= excess.max() - tol)
        p = int(best[np.argmin(groups[best].sum(axis=1))])
        return np.flatnonzero(groups[p]), np.flatnonzero(sites[p])
    return _residual_cut(network, t)


def _residual_cut(network: Network, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Source side of a min cut from a maximum flow: groups with unserved demand and
    everything reachable from them along routes and back along used routes."""
    flow, unmet = (a[0] for a in _lp_flow(network, np.array([t])))
    tol = _tolerance(float(network.group_demand[:, t].sum()), 1e-7)
    groups = unmet > tol
    sites = np.zeros(network.scenario.n_sites, dtype=bool)
    rs, rg = network.route_site, network.route_group
    while True:
        new_sites = sites.copy()
        new_sites[rs[groups[rg]]] = True
        new_groups = groups.copy()
        new_groups[rg[new_sites[rs] & (flow > tol)]] = True
        if (new_sites == sites).all() and (new_groups == groups).all():
            return np.flatnonzero(groups), np.flatnonzero(sites)
        sites, groups = new_sites, new_groups


# --------------------------------------------------------------------------- messages


def _mwh(value: float) -> str:
    return f"{value:.3f} MWh" if abs(value) >= 0.01 else f"{value:.3g} MWh"


def _names(names: list[str], limit: int = 4) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def describe_hour(network: Network, t: int) -> str:
    """``hour …: gateways … need X MWh against Y MWh reachable …`` for hour ``t``."""
    sc = network.scenario
    groups, sites = bottleneck(network, t)
    need = float(network.group_demand[groups, t].sum())
    have = float(sc.capacity[sites, t].sum())
    gateways = [
        sc.gateways[int(g)]
        for k in groups
        for g in network.groups[int(k)]
        if sc.demand[int(g), t] > 0
    ]
    site_names = _names([sc.sites[int(s)] for s in sites])
    if len(gateways) == int((sc.demand[:, t] > 0).sum()):
        who, where = "all gateways together need", "reachable"
    elif len(gateways) == 1:
        who, where = f"gateway {gateways[0]!r} needs", f"at the sites it may use ({site_names})"
    else:
        who = f"gateways {_names(gateways)} together need"
        where = f"at the sites they may use ({site_names})"
    return f"{sc.hour_label(t)}: {who} {_mwh(need)} against {_mwh(have)} {where}"


def shortfall_error(short: Shortfall) -> InfeasibleError:
    """The error naming the number of infeasible hours, the first few, and for each the
    bottleneck's demand against the capacity it can reach."""
    net = short.network
    hours = short.hours
    n_t = short.deficit.size
    shown = "; ".join(describe_hour(net, int(t)) for t in hours[:SHOWN_HOURS])
    more = f"; and {hours.size - SHOWN_HOURS} more hours" if hours.size > SHOWN_HOURS else ""
    return InfeasibleError(
        f"demand cannot be served in {hours.size} of {n_t} hours under mask "
        f"{net.mask_name!r} (short {_mwh(float(short.deficit.sum()))} in all): {shown}{more}",
        hint=_HINT,
    )


def check_reachable_capacity(network: Network) -> None:
    """Raise :class:`InfeasibleError` when demand cannot be served in some hour (the
    count of such hours, the first few and their bottleneck); exact, see the module."""
    short = shortfall(network)
    if short.hours.size:
        raise shortfall_error(short)
