"""An hourly allocation of demand to sites, and the per-route unit cost of an objective.

Shared by every solver (:mod:`~fairwatt.balancing.solve`,
:mod:`~fairwatt.balancing.decompose`, :mod:`~fairwatt.balancing.online`), which import it
and not each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from fairwatt.balancing.deferral import has_deferral, window_violation
from fairwatt.balancing.objectives import (
    Objective,
    limit_violation,
    site_costs,
    site_footprints,
)
from fairwatt.balancing.scenario import Network, Scenario


@dataclass(eq=False)
class Allocation:
    """An hourly allocation of demand to sites, and how it was obtained.

    Attributes
    ----------
    network : Network
        Scenario and mask the allocation is for.
    objective : Objective
    flow : ndarray, shape (T, R)
        Energy on each route in each hour. [MWh]
    value : float
        Objective value of ``flow``.
    lower_bound : float
        Certified lower bound on the optimum (equal to ``value`` for an exact solve;
        below it for the decomposition and the online algorithm's reference).
    method : str
        ``lp``, ``per-hour``, ``decomposition`` or ``online``.
    seconds : float
        Wall time of build and solve. [s]
    info : dict
        Method details (iterations, sizes, timings).
    """

    network: Network
    objective: Objective
    flow: np.ndarray
    value: float
    lower_bound: float
    method: str
    seconds: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def scenario(self) -> Scenario:
        return self.network.scenario

    @cached_property
    def site_energy(self) -> np.ndarray:
        """Energy per site and hour, shape (S, T). [MWh]"""
        return self.network.site_energy(self.flow)

    @property
    def gap(self) -> float:
        """Relative distance between ``value`` and ``lower_bound``. [dimensionless]"""
        denom = max(abs(self.lower_bound), 1e-12)
        gap = (self.value - self.lower_bound) / denom
        return gap if gap > 1e-9 else 0.0

    def site_totals(self) -> dict[str, np.ndarray]:
        """Per-site totals over the horizon: ``energy`` [MWh], ``cost`` [US$] and each
        footprint (unweighted; carbon [t], water [m³], health [US$])."""
        e = self.site_energy
        return {
            "energy": e.sum(axis=1),
            "cost": site_costs(self.scenario, e),
            **site_footprints(self.scenario, e),
        }

    def max_violation(self) -> float:
        """Largest violation of demand, capacity, mask or limits. [MWh or footprint]"""
        sc, net = self.scenario, self.network
        if has_deferral(net):
            worst = window_violation(net, self.flow)
        else:
            served = np.zeros((net.n_groups, sc.n_hours))
            np.add.at(served, net.route_group, self.flow.T)
            worst = float(np.abs(served - net.group_demand).max(initial=0.0))
        worst = max(worst, float((self.site_energy - sc.capacity).max(initial=0.0)))
        worst = max(worst, float(-self.flow.min(initial=0.0)))
        for lim in self.objective.limits:
            worst = max(worst, limit_violation(lim, sc, self.site_energy))
        return worst


def route_unit_cost(network: Network, objective: Objective) -> np.ndarray:
    """Separable per-route unit cost (T, R): cost weight × price plus the mean terms.
    [US$/MWh]"""
    sc = network.scenario
    rs = network.route_site
    unit = objective.cost * sc.price[rs].T
    for f, mu in objective.mean.items():
        unit = unit + mu / sc.n_sites * sc.weighted_intensity(f)[rs].T
    return np.ascontiguousarray(unit)
