"""Equity-aware rebalancing as a service: solve a scenario's objectives, typed result.

:func:`load_scenario` reads a scenario file (:mod:`fairwatt.io.scenario`, format in
``docs/rebalance.md``); :func:`rebalance` solves the baseline and every objective (and
optionally a frontier sweep and the online algorithm) and returns a
:class:`RebalanceResult`: per objective the cost, per-site totals and the inequity
indices (Gini and max/mean from :mod:`fairwatt.footprint_models.equity`) of every
footprint, before (the baseline) and after. The what-if on energy logs is in
:mod:`fairwatt.services.whatif`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InfeasibleError, InputError
from fairwatt.schema import FOOTPRINTS
from fairwatt.services import rebalance_deferral as deferral_service
from fairwatt.services.rebalance_types import (
    SCHEMA_VERSION,
    LoadedScenario,
    Outcome,
    RebalanceOptions,
    RebalanceResult,
    Sweep,
    allocation_frame,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from fairwatt.balancing.allocation import Allocation
    from fairwatt.balancing.objectives import Objective
    from fairwatt.balancing.scenario import Scenario
    from fairwatt.balancing.solve import Method

#: Objectives solved when neither the call nor the scenario names any.
DEFAULT_OBJECTIVES = ("min-cost", "nearest", "eglb")
#: Output column of each per-site total.
TOTAL_COLUMNS: dict[str, str] = {
    "energy": "energy_mwh",
    "cost": "cost_usd",
    "carbon": "carbon_t",
    "water": "water_m3",
    "health": "health_usd",
}
FOOTPRINT_UNIT_LABEL = {"carbon": "t", "water": "m3", "health": "USD"}
#: Fields of a read scenario file passed on unchanged to the :class:`Scenario` ...
_SCENARIO_FIELDS = (
    "capacity",
    "demand",
    "price",
    "intensity",
    "site_weights",
    "masks",
    "nearest",
    "hours",
)
#: ... and to the :class:`LoadedScenario` around it.
_LOADED_FIELDS = ("title", "path", "weights", "objectives", "mask", "notes", "source")


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read a scenario TOML file and the tables it points at.

    Parameters
    ----------
    path : str or Path
        Scenario file (format in ``docs/rebalance.md``).

    Returns
    -------
    LoadedScenario
        Energy in MWh per hour, price [US$/MWh], carbon [t/MWh], water [m³/MWh],
        health [US$/MWh], with the file's default mask, objectives and weights.

    Raises
    ------
    InputError
        On a missing or malformed file, table, column, unit or value (with the file,
        row and column).
    """
    from fairwatt.balancing.scenario import Flexibility, Scenario
    from fairwatt.io.scenario import read_scenario

    f = read_scenario(path)
    try:
        scenario = Scenario(
            sites=tuple(f.sites),
            gateways=tuple(f.gateways),
            flexibility=None if f.flexibility is None else Flexibility(*f.flexibility),
            **{name: getattr(f, name) for name in _SCENARIO_FIELDS},
        )
    except InputError as exc:
        raise InputError(exc.message, file=f.path, hint=exc.hint) from None
    return LoadedScenario(scenario=scenario, **{name: getattr(f, name) for name in _LOADED_FIELDS})


# --------------------------------------------------------------------------- objectives


def _weights(
    loaded: LoadedScenario, options: RebalanceOptions, notes: list[str]
) -> dict[str, float]:
    """The scenario's weights updated with the given ones; balanced at the status quo
    when a what-if gets no footprint weight."""
    weights = {**loaded.weights, **(options.weights or {})}
    for k, v in weights.items():
        if k not in ("cost", *FOOTPRINTS):
            raise InputError(f"unknown weight {k!r}", hint="cost, carbon, water or health")
        if not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
            raise InputError(f"weight {k}: must be a finite number >= 0")
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
    return parse_objective(spec, weights)


def _objective_list(
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


def _balanced_weights(loaded: LoadedScenario) -> dict[str, float]:
    """Weights under which, at the status quo, the worst-site terms together weigh as
    much as the energy cost: ``μ_f = C / (n_f · max_s F_f)`` (``1 / max_s F_f`` when the
    cost is zero)."""
    from fairwatt.balancing.objectives import nearest_site
    from fairwatt.balancing.solve import solve

    sq = solve(loaded.scenario.with_flexibility(None), nearest_site(name="status-quo"))
    totals = sq.site_totals()
    cost = float(totals["cost"].sum())
    feet = [f for f in loaded.scenario.footprints if float(totals[f].max()) > 0]
    out: dict[str, float] = {"cost": 1.0}
    for f in feet:
        worst = float((totals[f] * loaded.scenario.weight(f)).max())
        out[f] = cost / (len(feet) * worst) if cost > 0 else 1.0 / worst
    return out


# --------------------------------------------------------------------------- solving


def _sweep_objective(sweep: Sweep, value: float, weights: Mapping[str, float]) -> Objective:
    from fairwatt.balancing.objectives import Limit, cost_subject_to, eglb

    if sweep.kind == "weight":
        w = {k: x for k, x in weights.items() if k != "cost"}
        w[sweep.footprint] = value
        name = f"eglb:{sweep.footprint}={value:g}"
        return eglb(w, cost=weights.get("cost", 1.0), name=name)
    limit = Limit(sweep.footprint, sweep.kind, value)
    return cost_subject_to((limit,), name=f"{sweep.kind}:{sweep.footprint}={value:g}")


def _frontier(
    scenario: Scenario,
    mask: str,
    sweep: Sweep,
    weights: Mapping[str, float],
    options: RebalanceOptions,
) -> pd.DataFrame:
    import pandas as pd

    from fairwatt.balancing.solve import solve

    rows = []
    for v in sweep.values:
        obj = _sweep_objective(sweep, v, weights)
        row: dict[str, Any] = {"parameter": f"{sweep.kind}:{sweep.footprint}", "value": v}
        try:
            alloc = solve(scenario, obj, mask, method=options.method, tolerance=options.tolerance)
        except InfeasibleError:
            row["status"] = "infeasible"
            rows.append(row)
            continue
        row["status"] = "optimal"
        row.update(_summary_numbers(alloc))
        rows.append(row)
    return pd.DataFrame(rows)


def _indices(values: np.ndarray) -> tuple[float, float]:
    import numpy as np

    from fairwatt.footprint_models.equity import gini, max_to_mean

    v = np.clip(values, 0.0, None)
    if not np.any(v > 0):
        return math.nan, math.nan
    return max_to_mean(v), gini(v)


def _summary_numbers(alloc: Allocation) -> dict[str, Any]:
    totals = alloc.site_totals()
    out: dict[str, Any] = {"cost_usd": float(totals["cost"].sum())}
    for f in alloc.scenario.footprints:
        fw = totals[f] * alloc.scenario.weight(f)
        par, g = _indices(fw)
        out[f"{f}_worst_{FOOTPRINT_UNIT_LABEL[f].lower()}"] = float(fw.max())
        out[f"{f}_max_to_mean"] = par
        out[f"{f}_gini"] = g
    return out


def _solve_all(
    loaded: LoadedScenario, options: RebalanceOptions, objectives: list[Objective], mask: str
) -> list[Outcome]:
    from fairwatt.balancing.solve import solve

    outcomes = []
    for obj in objectives:
        sc = deferral_service.scenario_for(loaded, obj.name)
        alloc = solve(sc, obj, mask, method=options.method, tolerance=options.tolerance)
        outcomes.append(Outcome(obj.name, alloc, obj.describe(), alloc.gap))
    return outcomes


def _target_cap(caps: Mapping[str, float] | None) -> dict[str, float] | None:
    if caps is None:
        return None
    bad = [k for k in caps if k not in FOOTPRINTS]
    if bad:
        raise InputError(
            f"target_cap: unknown footprint(s) {', '.join(bad)}",
            hint=f"give a cap per site and hour for {', '.join(FOOTPRINTS)}",
        )
    return {k: float(v) for k, v in caps.items()}


def _is_eglb(objective: Objective) -> bool:
    return objective.name.partition(":")[0].strip().lower() == "eglb"


def _online_target(objectives: Sequence[Objective]) -> Objective:
    """The objective run online: the first with worst-site terms and no limits, else the
    first eglb objective whose footprint weights are all zero (online it is per-hour
    cost-minimising routing, the algorithm without its equity term)."""
    target = next((o for o in objectives if o.worst and not o.limits), None)
    if target is None:
        target = next((o for o in objectives if _is_eglb(o) and not o.limits), None)
    if target is None:
        names = ", ".join(o.name for o in objectives)
        raise InputError(
            f"online runs an eglb objective (cost + weighted worst-site footprints) and "
            f"none is among the objectives ({names})",
            hint="add the objective eglb (with weights, or [weights] in the scenario)",
        )
    return target


def _online(
    loaded: LoadedScenario,
    options: RebalanceOptions,
    objectives: list[Objective],
    mask: str,
    outcomes: list[Outcome],
) -> tuple[Outcome, dict[str, Any]]:
    from fairwatt.balancing.online import DEFAULT_STEP, online_dmd

    target = _online_target(objectives)
    step = DEFAULT_STEP if options.step is None else options.step
    caps = _target_cap(options.target_cap)
    alloc = online_dmd(loaded.scenario, target, mask, step=step, target_cap=caps)
    offline = next(o for o in outcomes if o.allocation.objective is target).allocation
    gap = (
        (alloc.value - offline.lower_bound) / abs(offline.lower_bound)
        if offline.lower_bound
        else math.nan
    )
    if -1e-9 < gap < 0.0:  # the online value is never below the optimum: solver noise
        gap = 0.0
    alloc.lower_bound = offline.lower_bound
    info = {
        "objective": target.name,
        "step": step,
        "target_cap": alloc.info["target_cap"],
        "online_value": alloc.value,
        "offline_value": offline.value,
        "gap_to_offline": gap,
        "equity_weights": dict(target.worst),
    }
    description = f"online dual mirror descent on {target.describe()}"
    return Outcome(f"{target.name} (online)", alloc, description, gap), info


def _online_note(info: Mapping[str, Any]) -> str:
    text = (
        f"online eGLB ({info['objective']}, step {info['step']:g}) is "
        f"{100 * info['gap_to_offline']:.2f} % above the offline optimum"
    )
    if not info["equity_weights"]:
        text += (
            "; every footprint weight of the objective is 0, so online it is per-hour "
            "cost-minimising routing (no equity term)"
        )
    return text


# --------------------------------------------------------------------------- tables


def _inequity_rows(o: Outcome, base_totals: Mapping[str, np.ndarray]) -> list[dict[str, Any]]:
    import numpy as np

    sc = o.allocation.scenario
    totals = o.allocation.site_totals()
    rows = []
    for f in sc.footprints:
        fw = totals[f] * sc.weight(f)
        par, g = _indices(fw)
        par0, g0 = _indices(base_totals[f] * sc.weight(f))
        rows.append(
            {
                "objective": o.name,
                "footprint": f,
                "unit": FOOTPRINT_UNIT_LABEL[f],
                "total": float(totals[f].sum()),
                "mean_site": float(fw.mean()),
                "worst_site": sc.sites[int(np.argmax(fw))],
                "worst": float(fw.max()),
                "max_to_mean": par,
                "gini": g,
                "max_to_mean_before": par0,
                "gini_before": g0,
            }
        )
    return rows


def _tables(outcomes: list[Outcome], baseline: Outcome) -> dict[str, pd.DataFrame]:
    import pandas as pd

    sc = baseline.allocation.scenario
    base_totals = baseline.allocation.site_totals()
    base_cost = float(base_totals["cost"].sum())
    summary, inequity, sites = [], [], []
    for o in outcomes:
        a = o.allocation
        totals = a.site_totals()
        cost = float(totals["cost"].sum())
        row: dict[str, Any] = {
            "objective": o.name,
            "mask": a.network.mask_name,
            "method": a.method,
            "objective_value": a.value,
            "gap_to_optimum_pct": 100.0 * o.gap,
            "cost_usd": cost,
            "cost_change_pct": 100.0 * (cost - base_cost) / base_cost if base_cost else math.nan,
        }
        for f in sc.footprints:
            row[f"{f}_max_to_mean"] = _indices(totals[f] * sc.weight(f))[0]
        summary.append(row)
        inequity += _inequity_rows(o, base_totals)
        for i, s in enumerate(sc.sites):
            rec: dict[str, Any] = {"objective": o.name, "site": s}
            for key, col in TOTAL_COLUMNS.items():
                if key in totals:
                    rec[col] = float(totals[key][i])
            rec["energy_change_mwh"] = float(totals["energy"][i] - base_totals["energy"][i])
            sites.append(rec)
    return {
        "summary": pd.DataFrame(summary),
        "inequity": pd.DataFrame(inequity),
        "sites": pd.DataFrame(sites),
    }


# --------------------------------------------------------------------------- running


def _metadata(
    loaded: LoadedScenario, mask: str, weights: dict[str, float], outcomes: list[Outcome]
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "scenario": loaded.path,
        "title": loaded.title,
        "mask": mask,
        "sites": len(loaded.scenario.sites),
        "gateways": len(loaded.scenario.gateways),
        "hours": loaded.scenario.n_hours,
        "weights": weights,
        "baseline": outcomes[0].name,
        "units": {
            "energy": "MWh",
            "cost": "USD",
            "carbon": "t",
            "water": "m3",
            "health": "USD",
            "weights": "USD per t (carbon), per m3 (water), per USD (health)",
        },
        "objectives": {o.name: o.description for o in outcomes},
        "solver": {
            o.name: {
                "method": o.allocation.method,
                "seconds": round(o.allocation.seconds, 4),
                **{k: v for k, v in o.allocation.info.items() if isinstance(v, int | float | str)},
            }
            for o in outcomes
        },
    }
    if loaded.source is not None:
        metadata["provenance"] = loaded.source
    return metadata


def solve_scenario(loaded: LoadedScenario, options: RebalanceOptions) -> RebalanceResult:
    """:func:`rebalance` with its options as one :class:`RebalanceOptions` value."""
    mask = options.mask or loaded.mask
    loaded.scenario.mask(mask)  # unknown masks fail before any work
    notes = list(loaded.notes)
    loaded = deferral_service.apply_flexibility(loaded, options, notes)
    if options.online:
        deferral_service.refuse_online(loaded)
    weights = _weights(loaded, options, notes)
    objectives = _objective_list(loaded, options, weights)
    outcomes = _solve_all(loaded, options, objectives, mask)
    metadata = _metadata(loaded, mask, weights, outcomes)
    if options.online:
        online_outcome, info = _online(loaded, options, objectives, mask, outcomes)
        outcomes.append(online_outcome)
        metadata["online"] = info
        notes.append(_online_note(info))
    tables = _tables(outcomes, outcomes[0])
    deferral = time_shift = None
    if loaded.scenario.flexibility is not None:
        deferral, time_shift = deferral_service.deferral_tables(outcomes)
        notes += deferral_service.delay_summary(deferral)
    frontier = None
    if options.sweep is not None:
        frontier = _frontier(loaded.scenario, mask, options.sweep, weights, options)
        metadata["sweep"] = options.record()["sweep"]
    notes.append(
        f"before = {outcomes[0].name}; indices are over sites of the total footprint "
        "(weighted by site weights where given); Gini in population form"
    )
    for o in outcomes:
        if o.allocation.method == "decomposition":
            notes.append(
                f"{o.name}: decomposition, certified within {100 * o.gap:.3g} % of the optimum"
            )
    return RebalanceResult(
        title=loaded.title,
        frontier=frontier,
        notes=notes,
        metadata=metadata,
        options=options.record(),
        outcomes=outcomes,
        summary=tables["summary"],
        inequity=tables["inequity"],
        sites=tables["sites"],
        deferral=deferral,
        time_shift=time_shift,
    )


def rebalance(
    scenario: LoadedScenario | Scenario | str | Path,
    *,
    objectives: Sequence[str | Objective] | None = None,
    mask: str | None = None,
    weights: Mapping[str, float] | None = None,
    baseline: str | Objective | None = None,
    sweep: Sweep | None = None,
    online: bool = False,
    step: float | None = None,
    target_cap: Mapping[str, float] | None = None,
    method: Method = "auto",
    tolerance: float = 1e-4,
    deferrable: float | None = None,
    max_delay: int | None = None,
) -> RebalanceResult:
    """Solve the baseline and every objective on a scenario and compare them.

    Parameters
    ----------
    scenario : LoadedScenario, Scenario, str or Path
        From :func:`load_scenario`, a :class:`fairwatt.balancing.scenario.Scenario`, or
        the path of a scenario file.
    objectives : sequence of str or Objective, optional
        Objectives as text (``"min-cost"``, ``"nearest"``, ``"eglb"``,
        ``"eglb:cost=1,water=60"``, ``"min-worst:water"``, ``"ratio:water=1.3"``, ... see
        :func:`fairwatt.balancing.objectives.parse_objective`) or
        :class:`fairwatt.balancing.objectives.Objective` values. Default: the scenario's
        list, else ``("min-cost", "nearest", "eglb")``.
    mask : str, optional
        ``"full"``, ``"nearest"`` or a mask named in the scenario (e.g. ``"partial"``).
        Default: the scenario's mask.
    weights : mapping of str to float, optional
        Weights of ``eglb`` and ``avg`` given as text: ``cost`` [dimensionless] and
        ``carbon`` [US$/t], ``water`` [US$/m³], ``health`` [US$/US$]; they update the
        scenario's weights.
    baseline : str or Objective, optional
        The objective that is "before" (default ``"min-cost"``; ``"status-quo"`` for a
        what-if on logs).
    sweep : Sweep, optional
        Also solve a frontier over an eglb weight or a limit (``result.frontier``).
    online : bool, default False
        Also run online eGLB on the first eglb objective with a footprint weight (else on
        an eglb objective whose footprint weights are all zero: per-hour cost-minimising
        routing) and report its gap; ``step``
        [dimensionless] and ``target_cap`` per site and hour [t, m³ or US$ per h] tune it
        (see :func:`fairwatt.balancing.online.online_dmd`).
    method : {"auto", "lp", "decomposition"}, default "auto"
        How to solve, and the decomposition's relative gap ``tolerance`` (default 1e-4)
        [dimensionless]; see :func:`fairwatt.balancing.solve.solve`.
    deferrable, max_delay : float and int, optional
        Share of each gateway's hourly demand that may be served up to ``max_delay``
        hours later [dimensionless 0..1, h] (``docs/rebalance.md``, "Deferrable load");
        they replace the scenario's ``[flexibility]`` values. The result then has the
        ``deferral`` and ``time_shift`` tables.

    Raises
    ------
    InputError
        On an unknown mask or objective, or invalid weights or options (exit 2).
    InfeasibleError
        When demand cannot be served in some hours (the message gives their number, the
        first ones and each one's bottleneck: demand against reachable capacity) or
        limits cannot be met (exit 4).
    """
    from fairwatt.balancing.scenario import Scenario

    if isinstance(scenario, Scenario):
        loaded = LoadedScenario(scenario=scenario, title="scenario", path="")
    elif isinstance(scenario, LoadedScenario):
        loaded = scenario
    else:
        loaded = load_scenario(scenario)
    objectives = None if objectives is None else tuple(objectives)
    options = RebalanceOptions(
        mask=mask,
        objectives=objectives,
        weights=weights,
        baseline=baseline,
        sweep=sweep,
        online=online,
        step=step,
        target_cap=target_cap,
        method=method,
        tolerance=tolerance,
        deferrable=deferrable,
        max_delay=max_delay,
    )
    return solve_scenario(loaded, options)


__all__ = [
    "DEFAULT_OBJECTIVES",
    "FOOTPRINTS",
    "SCHEMA_VERSION",
    "LoadedScenario",
    "Outcome",
    "RebalanceOptions",
    "RebalanceResult",
    "Sweep",
    "allocation_frame",
    "load_scenario",
    "rebalance",
    "solve_scenario",
]
