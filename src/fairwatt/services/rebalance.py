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

from fairwatt.errors import InputError
from fairwatt.schema import FOOTPRINTS
from fairwatt.services import rebalance_deferral as deferral_service
from fairwatt.services.rebalance_objectives import (
    DEFAULT_OBJECTIVES,
    objective_list,
    unpriced_notes,
    weights_for,
)
from fairwatt.services.rebalance_tables import Progress, frontier_table, result_tables
from fairwatt.services.rebalance_types import (
    SCHEMA_VERSION,
    LoadedScenario,
    Outcome,
    RebalanceOptions,
    RebalanceResult,
    Sweep,
    allocation_frame,
)
from fairwatt.services.rebalance_units import convert_frame, metadata_units

if TYPE_CHECKING:
    from fairwatt.balancing.objectives import Objective
    from fairwatt.balancing.scenario import Scenario
    from fairwatt.balancing.solve import Method
    from fairwatt.services.rebalance_units import UnitSystem

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


# --------------------------------------------------------------------------- solving


class _Steps:
    """Solves done out of all a run makes, told to a ``progress`` callback."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, max(total, 1), 0

    def start(self, message: str) -> None:
        """A solve starts (``message`` says which); the previous one is done."""
        if self.progress is not None:
            self.progress(message, min(self.done / self.total, 1.0))
        self.done += 1


def _solve_all(
    loaded: LoadedScenario,
    options: RebalanceOptions,
    objectives: list[Objective],
    mask: str,
    steps: _Steps,
) -> list[Outcome]:
    from fairwatt.balancing.solve import solve

    outcomes = []
    for obj in objectives:
        steps.start(f"solving {obj.name} ({steps.done + 1}/{steps.total})")
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


# --------------------------------------------------------------------------- running


def _metadata(
    loaded: LoadedScenario,
    mask: str,
    weights: dict[str, float],
    outcomes: list[Outcome],
    units: UnitSystem,
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
        "units": metadata_units(units),
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


def solve_scenario(
    loaded: LoadedScenario, options: RebalanceOptions, *, progress: Progress | None = None
) -> RebalanceResult:
    """:func:`rebalance` with its options as one :class:`RebalanceOptions` value;
    ``progress(message, fraction_done)``, if given, is called before each solve (every
    objective, the online run, every point of a sweep)."""
    mask = options.mask or loaded.mask
    loaded.scenario.mask(mask)  # unknown masks fail before any work
    notes = list(loaded.notes)
    loaded = deferral_service.apply_flexibility(loaded, options, notes)
    if options.online:
        deferral_service.refuse_online(loaded)
    weights = weights_for(loaded, options, notes)
    objectives = objective_list(loaded, options, weights)
    if not loaded.priced:
        notes += unpriced_notes(objectives, options.sweep)
    n_sweep = 0 if options.sweep is None else len(options.sweep.values)
    steps = _Steps(progress, len(objectives) + int(options.online) + n_sweep)
    outcomes = _solve_all(loaded, options, objectives, mask, steps)
    metadata = _metadata(loaded, mask, weights, outcomes, options.units)
    if options.online:
        steps.start(f"solving online eGLB ({steps.done + 1}/{steps.total})")
        online_outcome, info = _online(loaded, options, objectives, mask, outcomes)
        outcomes.append(online_outcome)
        metadata["online"] = info
        notes.append(_online_note(info))
    tables = result_tables(outcomes, outcomes[0])
    deferral = time_shift = None
    if loaded.scenario.flexibility is not None:
        deferral, time_shift = deferral_service.deferral_tables(outcomes)
        notes += deferral_service.delay_summary(deferral, options.units)
    frontier = None
    if options.sweep is not None:
        sweep = options.sweep

        def point(i: int, label: str) -> None:
            steps.start(f"sweep point {i + 1}/{len(sweep.values)}: {label}")

        frontier = frontier_table(loaded.scenario, mask, sweep, weights, options, point)
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
    u = options.units
    return RebalanceResult(
        title=loaded.title,
        frontier=None if frontier is None else convert_frame(frontier, u),
        notes=notes,
        metadata=metadata,
        options=options.record(),
        outcomes=outcomes,
        summary=tables["summary"],
        inequity=convert_frame(tables["inequity"], u),
        sites=convert_frame(tables["sites"], u),
        deferral=None if deferral is None else convert_frame(deferral, u),
        time_shift=None if time_shift is None else convert_frame(time_shift, u),
        units=u,
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
    units: UnitSystem = "audit",
    progress: Progress | None = None,
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
    units : {"audit", "paper"}, default "audit"
        Units of the result's tables: ``"audit"`` kWh, kg, L, US$ (columns
        ``energy_kwh``, ``carbon_kg``, ``water_l``, as ``fairwatt audit``), ``"paper"``
        MWh, t, m³, US$ (``energy_mwh``, ``carbon_t``, ``water_m3``, as the eGLB paper).
        Weights, limits, sweep values and target caps are given per t and m³ either way.
    progress : callable, optional
        ``progress(message, fraction_done)``, called before each solve (each objective,
        the online run, each point of a sweep: ``"sweep point 3/11: eglb:water=40"``),
        with the fraction of solves done [0..1]; for a progress display.

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
        units=units,
    )
    return solve_scenario(loaded, options, progress=progress)


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
