"""``fairwatt rebalance``: equity-aware geographical load balancing (eGLB)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer

from fairwatt.cli._audit_options import AUDIT_OPTIONS, AuditArgs, audit_options
from fairwatt.cli._common import (
    FormatOpt,
    OutputOpt,
    QuietOpt,
    handle_errors,
    note,
    progress_bar,
    render,
)
from fairwatt.errors import FairwattError

if TYPE_CHECKING:
    from fairwatt.balancing.solve import Method
    from fairwatt.services.rebalance import RebalanceOptions
    from fairwatt.services.rebalance_types import RebalanceResult

F = TypeVar("F", bound=Callable[..., Any])

#: Parameters as the library's messages name them, and the flag a user types for each.
PARAMETER_FLAGS: dict[str, str] = {
    "online": "--online",
    "step": "--step",
    "flexible": "--flexible",
    "weights": "--weights",
    "weight": "--weights",
    "sweep": "--sweep",
    "method": "--method",
    "deferrable": "--deferrable",
    "max_delay": "--max-delay",
    "units": "--units",
}
# A parameter name stands for its option when it opens the text or follows one of these.
_LEAD = r"(^|\b(?:use|unknown|give|with|without)\s+)"


def flag_names(text: str, parameters: Collection[str]) -> str:
    """``text`` with the names of ``parameters`` written as their flags
    (``step -1: ...`` -> ``--step -1: ...``, ``use method lp`` -> ``use --method lp``)."""
    for p in parameters:
        pattern = rf"{_LEAD}{re.escape(p)}(?![\w-])"
        text = re.sub(pattern, rf"\g<1>{PARAMETER_FLAGS[p]}", text)
    return text


def _passed(params: Mapping[str, Any]) -> set[str]:
    """Parameters whose messages are about options the user gave (``flexible``,
    ``method`` and ``units`` always have a value in effect)."""
    passed = {"flexible", "method", "units"}
    if params.get("online"):
        passed.add("online")
    if params.get("step") is not None:
        passed.add("step")
    if params.get("weights") is not None:
        passed |= {"weights", "weight"}
    if params.get("sweep") is not None:
        passed.add("sweep")
    for name in ("deferrable", "max_delay"):
        if params.get(name) is not None:
            passed.add(name)
    return passed


def with_flag_names(fn: F) -> F:
    """Show the library's errors with flag names: in the message for options the user
    passed, in the hint (what to do) for every rebalance option."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FairwattError as exc:
            exc.message = flag_names(exc.message, _passed(kwargs))
            if exc.hint:
                exc.hint = flag_names(exc.hint, PARAMETER_FLAGS)
            exc.args = (exc.message,)
            raise

    return wrapper  # type: ignore[return-value]


ScenarioArg = Annotated[
    str | None,
    typer.Argument(
        help="Scenario TOML file: sites, gateways, capacity, demand, factors, masks.",
        metavar="SCENARIO",
    ),
]
MaskOpt = Annotated[
    str | None,
    typer.Option(
        "--mask",
        "-m",
        help="Connectivity: full, nearest, or a mask named in the scenario (e.g. "
        "partial). Default: the scenario's mask, else full.",
        metavar="NAME",
    ),
]
ObjectiveOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--objective",
        "-O",
        help="Objective to solve (repeat for several): min-cost, min-carbon, "
        "min-water, min-health, nearest, best-window[:water|cost] (nearest site, "
        "deferrable load moved to its window's cleanest hours), avg[:cost=1,water=60], "
        "eglb[:cost=1,water=60,carbon=1500], min-worst:FOOTPRINT, and min cost "
        "subject to worst:FOOTPRINT=CAP, ratio:FOOTPRINT=MAX_TO_MEAN or "
        "gini:FOOTPRINT=G. Default: the scenario's list, else min-cost, nearest, eglb.",
        metavar="SPEC",
    ),
]
WeightsOpt = Annotated[
    str | None,
    typer.Option(
        "--weights",
        "-w",
        help="Weights of eglb and avg: cost=1,water=60,carbon=1500 (US$ per t of "
        "carbon, per m3 of water, per US$ of health damage). Overrides the "
        "scenario's weights.",
        metavar="NAME=W,...",
    ),
]
BeforeOpt = Annotated[
    str | None,
    typer.Option(
        "--before",
        help="Objective that is 'before' in the comparison (default min-cost; with "
        "--logs the observed status-quo).",
        metavar="OBJECTIVE",
    ),
]
#: the former spelling of --before (check's --baseline is an audit file): still read
OldBaselineOpt = Annotated[str | None, typer.Option("--baseline", hidden=True, metavar="SPEC")]
SweepOpt = Annotated[
    str | None,
    typer.Option(
        "--sweep",
        help="Cost vs worst-region frontier over an eglb weight (water=0:200:11) or a "
        "limit (ratio:water=1.1:1.7:7, worst:water=..., gini:water=...); values as "
        "first:last:count or v1,v2,... The frontier becomes the main table.",
        metavar="SPEC",
    ),
]
OnlineOpt = Annotated[
    bool,
    typer.Option(
        "--online",
        help="Also run online eGLB (hour by hour, no knowledge of the future) and "
        "report its gap to the offline optimum.",
    ),
]
StepOpt = Annotated[
    float | None,
    typer.Option(
        "--step",
        help="Online step size, relative to the target cap (default 0.01).",
        metavar="ETA",
    ),
]
TargetCapOpt = Annotated[
    str | None,
    typer.Option(
        "--target-cap",
        help="Online target cap per site and hour, e.g. water=8,carbon=0.6 (m3, t, "
        "US$). Default: the largest footprint a site can take in one hour.",
        metavar="NAME=V,...",
    ),
]
MethodOpt = Annotated[
    str,
    typer.Option(
        "--method",
        help="auto, lp (one sparse LP) or decomposition (Lagrangian bound, for large "
        "full-mask eglb problems).",
        metavar="METHOD",
    ),
]
ToleranceOpt = Annotated[
    float,
    typer.Option(
        "--tolerance",
        help="Relative optimality gap at which the decomposition stops.",
        metavar="GAP",
    ),
]
AllocationOpt = Annotated[
    str | None,
    typer.Option(
        "--allocation",
        "-a",
        help="Also write the hourly allocation (objective, hour, site, gateway, "
        "energy_kwh, or energy_mwh with --units paper; with deferrable load also "
        "arrival_hour, hour being the serving hour) here: .csv or .parquet.",
        metavar="PATH",
    ),
]
LogsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--logs",
        help="What-if on energy logs instead of a scenario: the observed hourly energy "
        "per site is the status quo (read and joined with factors as by fairwatt "
        "audit; the factor price_usd_per_mwh gives costs). Repeatable.",
        metavar="LOG",
    ),
]
FlexibleOpt = Annotated[
    float,
    typer.Option("--flexible", help="With --logs: share of each hour's load that may move (0..1)."),
]
HeadroomOpt = Annotated[
    float,
    typer.Option(
        "--headroom",
        help="With --logs: capacity of a site without capacity_kw in the sites table = "
        "its observed peak hourly energy x this.",
    ),
]
DeferrableOpt = Annotated[
    float | None,
    typer.Option(
        "--deferrable",
        help="Share of each gateway's hourly demand (with --logs: of the flexible "
        "load) that may be served up to --max-delay hours later (0..1). Overrides "
        "the scenario's [flexibility].",
        metavar="SHARE",
    ),
]
MaxDelayOpt = Annotated[
    int | None,
    typer.Option(
        "--max-delay",
        help="Hours deferrable load may wait (whole hours, clipped at the end of the "
        "horizon). Overrides the scenario's [flexibility].",
        metavar="HOURS",
    ),
]
UnitsOpt = Annotated[
    str,
    typer.Option(
        "--units",
        help="Units of the report: audit (kWh, kg, L, US$; as fairwatt audit) or paper "
        "(MWh, t, m3, US$; as the eGLB paper). Weights, limits and caps are per t and "
        "m3 either way.",
        metavar="SYSTEM",
    ),
]
CapacityKwOpt = Annotated[
    float | None,
    typer.Option("--capacity-kw", help="With --logs: IT capacity of every site in kW."),
]


@handle_errors
@with_flag_names
@audit_options(
    by=None,
    footprints_help="With --logs: footprints to balance, e.g. carbon,water; 'auto': "
    "those whose factors cover the zones of every site.",
    footprints_metavar=None,
)
def rebalance(
    scenario: ScenarioArg = None,
    mask: MaskOpt = None,
    objective: ObjectiveOpt = None,
    weights: WeightsOpt = None,
    before: BeforeOpt = None,
    sweep: SweepOpt = None,
    online: OnlineOpt = False,
    step: StepOpt = None,
    target_cap: TargetCapOpt = None,
    method: MethodOpt = "auto",
    tolerance: ToleranceOpt = 1e-4,
    deferrable: DeferrableOpt = None,
    max_delay: MaxDelayOpt = None,
    allocation: AllocationOpt = None,
    units: UnitsOpt = "audit",
    logs: LogsOpt = None,
    flexible: FlexibleOpt = 0.3,
    headroom: HeadroomOpt = 1.0,
    capacity_kw: CapacityKwOpt = None,
    audit: AuditArgs = AUDIT_OPTIONS,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
    baseline: OldBaselineOpt = None,
) -> None:
    """Rebalance load across sites for cost and regional equity (eGLB).

    Solves each objective as a sparse LP with HiGHS and reports, per
    objective, the cost, per-site energy and footprints, and the inequity
    (max/mean, Gini) of every footprint before (--before, default min-cost)
    and after.
    Exit code 4 when demand cannot be served (the number of such hours,
    the first ones and their bottleneck are named) or limits cannot be met.

    With --logs (and no SCENARIO), the observed load is the status quo
    ("before") and a --flexible share of each hour's load may move to any
    site, within capacity.

    With --deferrable and --max-delay, a share of demand may also wait a few
    hours (served at the site and hour chosen, within its window); the
    report then gains a deferral table (energy deferred, delays used).

    Example: fairwatt rebalance sample_inputs/eglb/scenario.toml --mask partial
    """
    import dataclasses
    import sys

    from fairwatt.errors import InputError
    from fairwatt.io.writers import resolve_format
    from fairwatt.services.rebalance import load_scenario, solve_scenario
    from fairwatt.services.rebalance_units import check_units

    if (scenario is None) == (logs is None):
        raise InputError(
            "give either a SCENARIO file or --logs", hint="see fairwatt rebalance --help"
        )
    if method not in ("auto", "lp", "decomposition"):
        raise typer.BadParameter("--method must be auto, lp or decomposition")
    before = _before(before, baseline, quiet)
    resolved = resolve_format(output, fmt, stdout_is_terminal=sys.stdout.isatty())
    _check_outputs(output, allocation)
    options = _options(
        mask, objective, weights, before, sweep, online, step, target_cap, method, tolerance
    )
    options = dataclasses.replace(
        options, deferrable=deferrable, max_delay=max_delay, units=check_units(units)
    )
    with progress_bar(quiet) as update:
        if logs is not None:
            from fairwatt.services.whatif import run_whatif

            result: RebalanceResult = run_whatif(
                logs,
                audit.options,
                options,
                flexible=flexible,
                headroom=headroom,
                capacity_kw=capacity_kw,
                progress=update,
            )
        else:
            assert scenario is not None
            result = solve_scenario(load_scenario(scenario), options, progress=update)
    if resolved in ("csv", "parquet"):
        for line in result.notes:
            note(line, quiet=quiet)
    render(result.to_report(), output, fmt)
    if allocation is not None:
        render(result.allocation_report(), allocation, None)
        note(f"hourly allocation written to {allocation}", quiet=quiet or allocation == "-")


def _before(before: str | None, baseline: str | None, quiet: bool) -> str | None:
    """The 'before' objective from ``--before`` or its deprecated spelling
    ``--baseline`` (with a warning on stderr)."""
    if baseline is None:
        return before
    if before is not None:
        raise typer.BadParameter("give --before only (--baseline is its deprecated name)")
    note("warning: --baseline is deprecated here, use --before OBJECTIVE", quiet=quiet)
    return baseline


def _check_outputs(output: str | None, allocation: str | None) -> None:
    """Refuse unwritable or clashing outputs before any work."""
    from fairwatt.errors import InputError
    from fairwatt.io.writers import check_output_path, resolve_format

    check_output_path(output)
    if allocation is None:
        return
    if allocation == "-" and output in (None, "-"):
        raise InputError(
            "--allocation - and the report cannot both go to stdout", hint="use -o FILE"
        )
    resolve_format(allocation, None, stdout_is_terminal=False)
    check_output_path(allocation)


def _options(
    mask: str | None,
    objective: list[str] | None,
    weights: str | None,
    before: str | None,
    sweep: str | None,
    online: bool,
    step: float | None,
    target_cap: str | None,
    method: str,
    tolerance: float,
) -> RebalanceOptions:
    """The rebalancing options from the command line's text."""
    from fairwatt.cli._parse import parse_sweep, parse_target_cap, parse_weights
    from fairwatt.services.rebalance import RebalanceOptions

    return RebalanceOptions(
        mask=mask,
        objectives=objective or None,
        weights=parse_weights(weights) if weights else None,
        baseline=before,
        sweep=parse_sweep(sweep) if sweep else None,
        online=online,
        step=step,
        target_cap=parse_target_cap(target_cap),
        method=cast("Method", method),  # checked by the command
        tolerance=tolerance,
    )
