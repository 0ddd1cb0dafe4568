"""Which objectives a rebalancing run solves, and with which weights.

The scenario's weights updated with the caller's (balanced at the status quo for a
what-if given no footprint weight), the baseline first and then every objective once,
and the objective of each point of a sweep. Without energy prices (a what-if on logs
whose factors have no ``price_usd_per_mwh``) every allocation costs 0: cost is left out
of the weights, the default objectives leave out ``min-cost``, and objectives whose only
aim is cost are named in a note as arbitrary.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from fairwatt.errors import InputError
from fairwatt.schema import FOOTPRINTS

if TYPE_CHECKING:
    from fairwatt.balancing.objectives import Objective
    from fairwatt.services.rebalance_types import LoadedScenario, RebalanceOptions, Sweep

#: Objectives solved when neither the call nor the scenario names any.
DEFAULT_OBJECTIVES = ("min-cost", "nearest", "eglb")


def weights_for(
    loaded: LoadedScenario, options: RebalanceOptions, notes: list[str]
) -> dict[str, float]:
    """The scenario's weights updated with the given ones; balanced at the status quo
    when a what-if gets no footprint weight; without ``cost`` when there are no prices."""
    weights = {**loaded.weights, **(options.weights or {})}
    for k, v in weights.items():
        if k not in ("cost", *FOOTPRINTS):
            raise InputError(f"unknown weight {k!r}", hint="cost, carbon, water or health")
        if not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
            raise InputError(f"weight {k}: must be a finite number >= 0")
    if not loaded.priced and "cost" in weights:
        del weights["cost"]
        notes.append("weight cost ignored: there are no energy prices, every allocation costs 0")
    if loaded.status_quo and not set(weights) - {"cost"}:
        weights = {**_balanced_weights(loaded), **weights}
        shown = ", ".join(f"{k}={v:.4g}" for k, v in weights.items())
        notes.append(
            f"weights not given: balanced at the status quo ({shown}); give weights to set them"
        )
    return weights


def _objective(
    spec: str | Objective, loaded: LoadedScenario, weights: Mapping[str, float]
) -> Objective:
    from fairwatt.balancing.objectives import nearest_site, parse_objective

    if not isinstance(spec, str):
        return spec
    if spec.strip() == "status-quo":
        if not loaded.status_quo:
            raise InputError(
                "status-quo is the observed allocation of a what-if on logs",
                hint="use a what-if on energy logs, or nearest for the nearest-site baseline",
            )
        return nearest_site(name="status-quo")
    if not loaded.priced:  # no cost term in eglb and avg: it would weigh nothing
        weights = {"cost": 0.0, **weights}
    return parse_objective(spec, weights)


def objective_list(
    loaded: LoadedScenario, options: RebalanceOptions, weights: Mapping[str, float]
) -> list[Objective]:
    """The baseline first, then every other objective once (by name)."""
    specs = options.objectives or loaded.objectives or DEFAULT_OBJECTIVES
    baseline = options.baseline or loaded.baseline
    out: list[Objective] = []
    for spec in (baseline, *specs):
        obj = _objective(spec, loaded, weights)
        if all(o.name != obj.name for o in out):
            out.append(obj)
    return out


def cost_only(objective: Objective) -> bool:
    """Whether ``objective`` minimises cost alone (``min-cost``, cost under limits,
    ``best-window:cost``), so that without prices any feasible allocation is optimal."""
    return objective.cost > 0 and not objective.mean and not objective.worst


def _placed(objective: Objective) -> bool:
    """Whether the allocation is fixed without prices: the nearest-site baselines
    (``nearest``, ``status-quo``), but not ``best-window:cost``, which picks hours by
    price."""
    return objective.mask == "nearest" and not objective.name.startswith("best-window")


def unpriced_notes(objectives: Sequence[Objective], sweep: Sweep | None) -> list[str]:
    """Notes naming the objectives (and a limit sweep) that mean nothing without prices."""
    arbitrary = [o.name for o in objectives if cost_only(o) and not _placed(o)]
    if sweep is not None and sweep.kind != "weight":
        arbitrary.append(f"the {sweep.kind}:{sweep.footprint} sweep")
    if not arbitrary:
        return []
    return [
        f"{', '.join(arbitrary)}: minimum cost without energy prices is meaningless (every "
        "allocation costs 0); the allocation shown is one of many feasible ones"
    ]


def _balanced_weights(loaded: LoadedScenario) -> dict[str, float]:
    """Weights under which, at the status quo, the worst-site terms together weigh as
    much as the energy cost: ``μ_f = C / (n_f · max_s F_f)`` (``1 / max_s F_f``, and no
    cost weight, when the cost is zero)."""
    from fairwatt.balancing.objectives import nearest_site
    from fairwatt.balancing.solve import solve

    sq = solve(loaded.scenario.with_flexibility(None), nearest_site(name="status-quo"))
    totals = sq.site_totals()
    cost = float(totals["cost"].sum())
    feet = [f for f in loaded.scenario.footprints if float(totals[f].max()) > 0]
    out: dict[str, float] = {"cost": 1.0} if cost > 0 else {}
    for f in feet:
        worst = float((totals[f] * loaded.scenario.weight(f)).max())
        out[f] = cost / (len(feet) * worst) if cost > 0 else 1.0 / worst
    return out


def sweep_objective(sweep: Sweep, value: float, weights: Mapping[str, float]) -> Objective:
    """The objective of the sweep's point ``value``."""
    from fairwatt.balancing.objectives import Limit, cost_subject_to, eglb

    if sweep.kind == "weight":
        w = {k: x for k, x in weights.items() if k != "cost"}
        w[sweep.footprint] = value
        name = f"eglb:{sweep.footprint}={value:g}"
        return eglb(w, cost=weights.get("cost", 1.0), name=name)
    limit = Limit(sweep.footprint, sweep.kind, value)
    return cost_subject_to((limit,), name=f"{sweep.kind}:{sweep.footprint}={value:g}")
