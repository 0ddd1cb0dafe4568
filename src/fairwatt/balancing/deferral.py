r"""Temporally deferrable load: demand that may be served a few hours after it arrives.

A share :math:`\phi_g` of the demand :math:`d_{g,t}` of gateway ``g`` arriving in hour
``t`` may be served in any hour :math:`\tau` with :math:`t \le \tau \le \min(t + D_g,
T - 1)`, at any site the mask allows; the rest is served in hour ``t``
(:class:`fairwatt.balancing.scenario.Flexibility`). Capacity, price and intensities are
those of the serving site and hour.

Formulation
-----------
Gateways merged into a group ``k`` share :math:`\phi_k` and :math:`D_k`. Let
:math:`s_{k,\tau} = \sum_{r \in k} x_{\tau,r}` be what the group is served in hour
:math:`\tau` and :math:`b_{k,\tau}` its backlog (deferrable energy arrived but not yet
served) at the end of the hour. Then

.. math::

   s_{k,\tau} + b_{k,\tau} - b_{k,\tau-1} = d_{k,\tau}, \qquad
   b_{k,\tau} - b_{k,\tau-1} \le \phi_k d_{k,\tau}, \qquad
   0 \le b_{k,\tau} \le \phi_k \sum_{t=\tau-D_k+1}^{\tau} d_{k,t},

with :math:`b_{k,-1} = 0` and :math:`b_{k,T-1} = 0`. The second row says the firm share
:math:`(1-\phi_k) d_{k,\tau}` is served in its hour; the upper bound says that at the end
of hour :math:`\tau` only arrivals whose deadline :math:`t + D_k` is later are still
waiting. These rows are exact: any served profile meeting them is produced by serving
deferrable arrivals first in, first out (each arrival is then served inside its
window), and that order is the one the outputs report (:func:`time_shift`). With
:math:`\phi = 0` or :math:`D = 0` the backlog is 0 and the rows are the hourly demand
rows of the plain model. The per-site footprints, and hence every objective and limit,
are unchanged: they depend only on the energy served at each site and hour.

Total delay does not depend on the order: :math:`\sum_\tau b_{k,\tau}` is the energy-
weighted sum of delays [MWh·h] (each MWh waiting one hour adds 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from fairwatt.errors import InfeasibleError

if TYPE_CHECKING:
    from fairwatt.balancing.scenario import Network


class RowSink(Protocol):
    """Where constraint rows are collected (the LP builder's row blocks)."""

    def add(self, rows: Any, cols: Any, vals: Any, rhs: Any, n_new: int) -> None: ...


def has_deferral(network: Network) -> bool:
    """True when the network's scenario carries a flexibility setting."""
    return network.group_share is not None


def group_flex(network: Network) -> tuple[np.ndarray, np.ndarray]:
    """Deferrable share (K,) and maximum delay (K,) of each group (zeros without one)."""
    k = network.n_groups
    share = np.zeros(k) if network.group_share is None else network.group_share
    delay = np.zeros(k, dtype=np.int64) if network.group_delay is None else network.group_delay
    return share, delay


def firm_network(network: Network) -> Network:
    """The network with only the firm demand, ``(1 - share) × demand`` (itself without
    flexibility): what must be served in its own hour."""
    if not has_deferral(network):
        return network
    from dataclasses import replace

    share, _ = group_flex(network)
    return replace(network, group_demand=(1.0 - share)[:, None] * network.group_demand)


def backlog_bound(network: Network) -> np.ndarray:
    r"""Largest backlog allowed at the end of each hour, shape (K, T):
    :math:`\phi_k \sum_{t=\tau-D_k+1}^{\tau} d_{k,t}`, and 0 in the last hour. [MWh]"""
    share, delay = group_flex(network)
    demand = network.group_demand
    cum = np.concatenate([np.zeros((demand.shape[0], 1)), np.cumsum(demand, axis=1)], axis=1)
    n_t = demand.shape[1]
    tau = np.arange(n_t)
    bound = np.zeros_like(demand)
    for k in range(demand.shape[0]):
        lo = np.maximum(tau - int(delay[k]) + 1, 0)
        bound[k] = share[k] * (cum[k, tau + 1] - cum[k, lo])
    bound[:, -1] = 0.0
    clipped: np.ndarray = np.clip(bound, 0.0, None)
    return clipped


def deferral_rows(
    network: Network,
    eq: RowSink,
    ub: RowSink,
    hi: np.ndarray,
    t_idx: np.ndarray,
    r_idx: np.ndarray,
    b0: int,
) -> None:
    """Balance and firm-share rows of every group and hour, and the backlog bounds.

    Flow ``i`` is route ``r_idx[i]`` in hour ``t_idx[i]``; the backlog of group ``k``
    at the end of hour ``t`` is variable ``b0 + k * T + t``.
    """
    sc = network.scenario
    n_t, n_k = sc.n_hours, network.n_groups
    share, _ = group_flex(network)
    n_x = t_idx.size
    row_of_x = t_idx * n_k + network.route_group[r_idx]
    kk, tt = np.meshgrid(np.arange(n_k), np.arange(n_t), indexing="ij")
    b_now = b0 + kk * n_t + tt  # (K, T)
    row_b = tt * n_k + kk
    prev = tt > 0
    # s + b_t - b_{t-1} = d
    eq.add(
        np.concatenate([row_of_x, row_b.ravel(), row_b[prev]]),
        np.concatenate([np.arange(n_x), b_now.ravel(), (b_now - 1)[prev]]),
        np.concatenate([np.ones(n_x), np.ones(n_k * n_t), -np.ones(int(prev.sum()))]),
        network.group_demand.T.ravel(),
        n_t * n_k,
    )
    # b_t - b_{t-1} <= share * d
    ub.add(
        np.concatenate([row_b.ravel(), row_b[prev]]),
        np.concatenate([b_now.ravel(), (b_now - 1)[prev]]),
        np.concatenate([np.ones(n_k * n_t), -np.ones(int(prev.sum()))]),
        (share[:, None] * network.group_demand).T.ravel(),
        n_t * n_k,
    )
    hi[b0 : b0 + n_k * n_t] = backlog_bound(network).ravel()


# --------------------------------------------------------------------------- results


def served_by_group(network: Network, flow: np.ndarray) -> np.ndarray:
    """Energy served to each group in each hour, shape (K, T). [MWh]"""
    served = np.zeros((network.n_groups, flow.shape[0]))
    np.add.at(served, network.route_group, flow.T)
    return served


def window_violation(network: Network, flow: np.ndarray) -> float:
    """Largest violation of the deferral rows by route flows (T, R). [MWh]"""
    share, _ = group_flex(network)
    demand = network.group_demand
    served = served_by_group(network, flow)
    backlog = np.cumsum(demand - served, axis=1)
    worst = float(-backlog.min(initial=0.0))
    worst = max(worst, float((backlog - backlog_bound(network)).max(initial=0.0)))
    firm = (1.0 - share)[:, None] * demand
    return max(worst, float((firm - served).max(initial=0.0)))


@dataclass(frozen=True)
class TimeShift:
    """How an allocation moved deferrable load in time, per gateway group.

    Attributes
    ----------
    served : ndarray, shape (K, T, D + 1)
        ``served[k, t, j]``: energy of group ``k`` that arrived in hour ``t`` and was
        served in hour ``t + j`` (the firm share and deferrable load served at once are
        at ``j = 0``); deferrable arrivals matched first in, first out. [MWh]
    """

    served: np.ndarray

    @property
    def deferred(self) -> float:
        """Energy served after the hour it arrived. [MWh]"""
        return float(self.served[:, :, 1:].sum())

    @property
    def delay_hours(self) -> float:
        """Energy-weighted sum of delays. [MWh·h]"""
        lags = np.arange(self.served.shape[2])
        return float((self.served * lags).sum())

    def max_delay(self, tol: float = 1e-9) -> int:
        """Longest delay any energy (above ``tol`` MWh) actually waited. [h]"""
        used = np.flatnonzero((self.served > tol).any(axis=(0, 1)))
        return int(used.max(initial=0))

    def hourly(self) -> tuple[np.ndarray, np.ndarray]:
        """Energy arriving and energy served in each hour, over all groups, shape (T,)
        each. [MWh]"""
        arriving = self.served.sum(axis=(0, 2))
        n_t = arriving.size
        serving = np.zeros(n_t)
        for j in range(self.served.shape[2]):
            serving[j:] += self.served[:, : n_t - j, j].sum(axis=0)
        return arriving, serving


def _overlap(a_lo: np.ndarray, a_hi: np.ndarray, b_lo: np.ndarray, b_hi: np.ndarray) -> Any:
    return np.clip(np.minimum(a_hi, b_hi) - np.maximum(a_lo, b_lo), 0.0, None)


def time_shift(network: Network, flow: np.ndarray) -> TimeShift:
    """Match each group's served energy to its arrivals (first in, first out).

    The firm share of hour ``t`` is served at ``t``; the deferrable energy served in an
    hour is matched to the oldest deferrable arrivals still waiting. Cumulative
    intervals make this exact and vectorised: arrival ``t`` holds the interval
    ``[G(t-1), G(t)]`` of cumulative deferrable arrivals, hour ``tau`` serves
    ``[Q(tau-1), Q(tau)]`` of cumulative deferrable service, and their overlap is the
    energy of arrival ``t`` served at ``tau``.
    """
    share, delay = group_flex(network)
    n_k, n_t = network.n_groups, flow.shape[0]
    d_max = int(delay.max(initial=0))
    demand = network.group_demand
    served = served_by_group(network, flow)
    out = np.zeros((n_k, n_t, d_max + 1))
    firm = (1.0 - share)[:, None] * demand
    deferrable = demand - firm
    extra = np.clip(served - firm, 0.0, None)
    for k in range(n_k):
        g = np.concatenate([[0.0], np.cumsum(deferrable[k])])
        q = np.concatenate([[0.0], np.cumsum(extra[k])])
        q = np.minimum(q, g[-1])
        for j in range(int(delay[k]) + 1):
            tau = np.minimum(np.arange(n_t) + j, n_t - 1)
            valid = np.arange(n_t) + j <= n_t - 1
            part = _overlap(g[:-1], g[1:], q[tau], q[tau + 1])
            out[k, :, j] = np.where(valid, part, 0.0)
        out[k, :, 0] += firm[k]
    return TimeShift(out)


def deferral_infeasible(network: Network) -> InfeasibleError:
    """The error for a scenario whose demand cannot be served within its windows."""
    share, delay = group_flex(network)
    total = float(network.group_demand.sum())
    shown = (
        f"deferrable share {share.max():g}, max delay {int(delay.max(initial=0))} h"
        if share.size
        else ""
    )
    return InfeasibleError(
        f"demand ({total:.3f} MWh in all) cannot be served within its windows under mask "
        f"{network.mask_name!r} ({shown}): the capacity the deferrable load can reach in "
        "its hours is too small",
        hint="raise capacity, widen the mask, or allow a larger deferrable share or delay",
    )
