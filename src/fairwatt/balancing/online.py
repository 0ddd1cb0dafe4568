r"""Online eGLB: hour-by-hour routing without knowledge of the future.

Dual mirror descent in the form of [1]_ for objectives with worst-site terms, after
[2]_: each hour ``t``

1. route the hour's demand on prices adjusted by per-site dual weights,
   :math:`p_{s,t} + \sum_f \gamma_{f,s}\, \mu_f w_{f,s} k_{f,s,t}`, with the hour's
   capacity and mask (cheapest-first when one gateway group, a transportation LP
   otherwise);
2. choose the auxiliary target :math:`z_{f} = \arg\min_{0 \le z \le \bar z_f}
   \max_s z_s - \gamma_f \cdot z` (closed form: every site with a positive weight at
   the cap when those weights sum above one, else zero);
3. step the weights on the gap between the hour's weighted footprint
   :math:`b_{f,s} = \mu_f w_{f,s} k_{f,s,t} x_{s,t}` and the target:
   :math:`\gamma_f \leftarrow \max(0, \gamma_f + \eta (b_f - z_f) / \bar z_f)`.

Only the hour's own data enters each decision. Mean terms of the objective are
separable and simply added to the hour's prices. With all worst-site weights zero the
algorithm is per-hour cost-minimising routing. The offline optimum on the same inputs
(:func:`fairwatt.balancing.solve.solve`) is a lower bound of its objective.

References
----------
.. [1] Balseiro, S., Lu, H., Mirrokni, V. (2021). Regularized online allocation
   problems: fairness and beyond. ICML 2021. arXiv:2007.00514
.. [2] Li, P., Yang, J., Wierman, A., Ren, S. (2024). Towards environmentally equitable
   AI via geographical load balancing. e-Energy 2024. arXiv:2307.05494
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import numpy as np

from fairwatt.balancing.allocation import Allocation, route_unit_cost
from fairwatt.balancing.capacity import check_reachable_capacity
from fairwatt.balancing.objectives import Objective, evaluate
from fairwatt.balancing.scenario import Scenario, compile_network
from fairwatt.balancing.solve import HourSolver
from fairwatt.errors import InputError

#: Default step size (relative to the target cap). [dimensionless]
DEFAULT_STEP = 0.01


def default_target_cap(scenario: Scenario, footprint: str) -> float:
    """Largest weighted footprint a site can take in one hour:
    ``max_{s,t} w_s k_{s,t} min(capacity_{s,t}, total demand_t)``. [t, m³ or US$ per h]"""
    reach = np.minimum(scenario.capacity, scenario.demand.sum(axis=0)[None, :])
    return float((scenario.weighted_intensity(footprint) * reach).max(initial=0.0))


def _auxiliary(gamma: np.ndarray, cap: float) -> np.ndarray:
    """argmin over 0 <= z <= cap of max(z) - gamma·z (one footprint)."""
    pos = gamma > 0
    if gamma[pos].sum() > 1.0:
        return np.where(pos, cap, 0.0)
    return np.zeros_like(gamma)


def online_dmd(
    scenario: Scenario,
    objective: Objective,
    mask: str | np.ndarray = "full",
    *,
    step: float = DEFAULT_STEP,
    target_cap: Mapping[str, float] | None = None,
) -> Allocation:
    """Run online eGLB over the scenario's hours in order.

    Parameters
    ----------
    scenario : Scenario
    objective : Objective
        Cost, mean and worst-site terms; limits are not supported online.
    mask : str or bool array (S, G), default "full"
    step : float, default 0.01
        Step size of the dual update, relative to the target cap. [dimensionless]
    target_cap : mapping of footprint to float, optional
        Upper end :math:`\\bar z_f` of the auxiliary target, as a weighted footprint per
        site and hour [t, m³ or US$ per h]; default :func:`default_target_cap`.

    Returns
    -------
    Allocation
        ``method="online"``; ``value`` is the objective of the online allocation over
        the whole horizon; ``info["gamma"]`` the final dual weights.
    """
    if objective.limits:
        raise InputError(
            "the online algorithm handles cost, mean and worst-site terms, not limits",
            hint="use an eglb objective online",
        )
    if not math.isfinite(step) or step < 0:
        raise InputError(f"step {step:g}: give a finite number >= 0")
    t0 = time.perf_counter()
    objective.check(scenario)
    network = compile_network(scenario, objective.mask or mask)
    check_reachable_capacity(network)
    solver = HourSolver(network)
    base = route_unit_cost(network, objective)  # (T, R)
    worst = list(objective.worst)
    mu = np.array([objective.worst[f] for f in worst])
    caps = np.array([(target_cap or {}).get(f, default_target_cap(scenario, f)) for f in worst])
    if (caps <= 0).any() or not np.isfinite(caps).all():
        raise InputError("the online target cap must be a finite number > 0")
    zbar = mu * caps  # in objective units per hour
    wk = np.stack([scenario.weighted_intensity(f) for f in worst]) if worst else None
    rs = network.route_site
    n_t, n_s = scenario.n_hours, scenario.n_sites
    gamma = np.zeros((len(worst), n_s))
    flow = np.empty((n_t, network.n_routes))
    for t in range(n_t):
        unit = base[t]
        if wk is not None:
            unit = unit + ((gamma * mu[:, None]) * wk[:, :, t]).sum(axis=0)[rs]
        x = solver.solve(t, unit)
        flow[t] = x
        if wk is None:
            continue
        energy = np.bincount(rs, weights=x, minlength=n_s)
        b = mu[:, None] * wk[:, :, t] * energy[None, :]
        for i in range(len(worst)):
            z = _auxiliary(gamma[i], zbar[i])
            gamma[i] = np.maximum(0.0, gamma[i] + step * (b[i] - z) / zbar[i])
    value = evaluate(objective, scenario, network.site_energy(flow))
    return Allocation(
        network,
        objective,
        flow,
        value,
        float("nan"),
        "online",
        time.perf_counter() - t0,
        info={
            "step": step,
            "target_cap": dict(zip(worst, caps.tolist(), strict=True)),
            "gamma": {f: gamma[i].tolist() for i, f in enumerate(worst)},
        },
    )
