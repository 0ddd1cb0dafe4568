"""A sustainability gate: footprint and equity budgets from a policy, checked on an audit.

:func:`run_check` loads the policy (:mod:`fairwatt.services.check_rules`, read by
:mod:`fairwatt.io.policy`), audits the logs or reads a saved audit (an
:class:`~fairwatt.reporting.results.AuditResult`), and :func:`evaluate` measures every
rule's metric (:mod:`fairwatt.services.check_metrics`) on it, against an optional
baseline audit. The results report feeds the CI outputs of :mod:`fairwatt.reporting.ci`.

Messages name the options a caller can change through a ``spell`` function: the
library's parameter names by default (``footprints=carbon,water``); the CLI passes
its flags (``--footprints carbon,water``).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fairwatt._version import __version__
from fairwatt.errors import FactorMissingError, InputError
from fairwatt.reporting.ci import fmt_number
from fairwatt.reporting.results import AuditResult
from fairwatt.services.check_metrics import FOOTPRINT_ORDER, Metric, Spell, param_spelling
from fairwatt.services.check_rules import Policy, Rule, RuleOverride, load_policy

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.reporting.report import Report
    from fairwatt.services.audit import AuditOptions

#: Columns of the results table, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "rule",
    "name",
    "severity",
    "metric",
    "value",
    "limit",
    "unit",
    "status",
    "detail",
)


def region_key(by: Sequence[str]) -> str | None:
    """The audit's regions: zones when grouped by zone, else sites, else none."""
    return next((k for k in ("zone", "site") if k in by), None)


def water_model_of(result: AuditResult) -> str:
    """The water model the audit used (``split`` unless it says otherwise)."""
    return str(result.options.get("water_model", "split"))


# --------------------------------------------------------------------------- metrics


class _Unavailable(Exception):
    """The audit cannot give this metric; the message says why."""


def check_rules_computable(
    policy: Policy,
    *,
    by: Sequence[str],
    footprints: Sequence[str],
    water_model: str,
    has_baseline: bool,
    saved: bool = False,
    spell: Spell = param_spelling,
) -> None:
    """Fail (exit 2) when a rule needs something the audit does not compute.

    ``saved``: the audit is a saved report (the hints then say to audit again).
    """
    what = "the saved audit" if saved else "this audit"
    redo = "audit again with " if saved else "use "
    for r in policy.rules:
        fp = r.metric.footprint
        where = f"rule {r.key}"
        if fp is not None and fp not in footprints:
            raise InputError(
                f"{where} needs the {fp} footprint, which {what} does not compute "
                f"(footprints: {', '.join(footprints) or 'none'})",
                hint=f"{redo}{spell('footprints', ','.join([*footprints, fp]))}, or drop the rule",
            )
        if r.metric.needs_split_water and water_model != "split":
            raise InputError(
                f"{where} needs on-site/off-site water, which the water model "
                f"{water_model!r} of {what} does not split",
                hint=f"{redo}{spell('water_model', 'split')}, or use a water_l rule",
            )
        if r.metric.kind in ("region", "inequity") and region_key(by) is None:
            raise InputError(
                f"{where} compares regions, but {what} is grouped by {','.join(by)}",
                hint=f"{redo}{spell('by', 'zone')} (or site)",
            )
        if r.kind == "change" and not has_baseline:
            raise InputError(
                f"{where} compares against a baseline, but none was given",
                hint=f"pass {spell('baseline_file', 'previous-audit.json')}",
            )


def _total(result: AuditResult, column: str) -> float:
    return float(result.totals[column]) if column in result.totals.index else math.nan


def _region_value(m: Metric, result: AuditResult) -> tuple[float, str]:
    import pandas as pd

    key = region_key(result.by)
    df = result.table
    if key is None or key not in df.columns or m.column not in df.columns:
        raise _Unavailable(f"the audit has no {m.column} per {key or 'region'}")
    per_region = pd.to_numeric(df[m.column], errors="coerce").groupby(df[key].astype(str)).sum()
    if per_region.empty:
        raise _Unavailable("the audit has no regions")
    worst = str(per_region.idxmax())
    return float(per_region.max()), f"worst {key}: {worst} of {len(per_region)}"


def _inequity_value(m: Metric, result: AuditResult) -> tuple[float, str]:
    key = region_key(result.by)
    equity = result.equity
    regions = result.equity_info.get("regions")
    if (equity is None or equity.empty) and isinstance(regions, int) and regions >= 2:
        raise _Unavailable(f"the audit has no equity table (across {regions} {key}s)")
    if equity is None or equity.empty:
        raise _Unavailable(
            f"the audit has no inequity indices (they need at least two {key or 'region'}s)"
        )
    label = str(m.index_name)
    if label not in equity.index or m.column not in equity.columns:
        raise _Unavailable(f"the audit's equity table has no {m.index} for {m.column}")
    detail = f"across {regions} {key}s" if regions else ""
    value: Any = equity.at[label, m.column]
    return float(value), detail


def metric_value(
    m: Metric, result: AuditResult, *, spell: Spell = param_spelling
) -> tuple[float, str]:
    """The metric's value in its unit, and a short detail (e.g. the worst region)."""
    needs = {"total": [m.column], "per_kwh": [m.column, "energy_kwh"], "per_request": [m.column]}
    for column in needs.get(m.kind, []):
        if column not in result.totals.index:
            raise _Unavailable(f"the audit has no {column}")
    if m.kind == "total":
        return _total(result, m.column), ""
    if m.kind == "per_kwh":
        energy = _total(result, "energy_kwh")
        return _ratio(_total(result, m.column) * m.scale, energy), (
            f"per {fmt_number(energy)} kWh of IT energy"
        )
    if m.kind == "per_request":
        requests = _total(result, "requests")
        if math.isnan(requests):
            raise _Unavailable(
                f"the logs have no requests column (map one with "
                f"{spell('columns', 'requests=NAME')})"
            )
        return _ratio(_total(result, m.column) * m.scale, requests), (
            f"over {fmt_number(requests)} requests"
        )
    if m.kind == "region":
        return _region_value(m, result)
    return _inequity_value(m, result)


def _ratio(num: float, den: float) -> float:
    if math.isnan(num) or math.isnan(den) or den == 0:
        return math.nan
    return num / den


def change_pct(current: float, baseline: float, *, worse_when: Literal["up", "down"]) -> float:
    """Change from ``baseline`` to ``current`` in the bad direction, in percent of the
    baseline: ``(current - baseline) / baseline x 100`` when higher is worse. [%]

    A zero baseline gives 0 when unchanged, else +/- infinity; NaN in, NaN out.
    """
    if math.isnan(current) or math.isnan(baseline):
        return math.nan
    delta = current - baseline if worse_when == "up" else baseline - current
    if baseline == 0:
        return 0.0 if delta == 0 else math.copysign(math.inf, delta)
    return delta / abs(baseline) * 100.0


# --------------------------------------------------------------------------- evaluation


def _version_series(version: str) -> tuple[int, int] | None:
    m = re.match(r"(\d+)\.(\d+)", version)
    if not m:
        return None
    major, minor = int(m.group(1)), int(m.group(2))
    return (major, minor) if major == 0 else (major, -1)


def check_baseline(
    current: AuditResult,
    baseline: AuditResult,
    *,
    baseline_source: str | None = None,
    spell: Spell = param_spelling,
) -> None:
    """Refuse a baseline that cannot be compared: another release series
    (major.minor while the major version is 0, else major), another grouping or
    another water model."""
    name = spell("baseline_file", None)
    now, then = current.fairwatt_version, baseline.fairwatt_version
    a, b = _version_series(now), _version_series(then)
    if a is None or b is None or a != b:
        raise InputError(
            f"{name} was written by fairwatt {then or '(unknown)'}, "
            f"incompatible with this audit's {now or '(unknown)'}",
            file=baseline_source,
            hint="recompute the baseline with this fairwatt version",
        )
    if current.by != baseline.by:
        raise InputError(
            f"{name} is grouped by {','.join(baseline.by)}, this audit by {','.join(current.by)}",
            file=baseline_source,
            hint=f"compare audits with the same grouping ({spell('by', ','.join(baseline.by))})",
        )
    if water_model_of(current) != water_model_of(baseline):
        raise InputError(
            f"{name} used the water model {water_model_of(baseline)!r}, this audit "
            f"{water_model_of(current)!r}",
            file=baseline_source,
            hint=f"compare audits with the same {spell('water_model', None)}",
        )


def _rule_row(
    r: Rule,
    result: AuditResult,
    baseline: AuditResult | None,
    *,
    warn_only: bool,
    baseline_source: str | None,
    spell: Spell,
) -> tuple[Any, ...]:
    """One row of the results table (see :data:`RESULT_COLUMNS`)."""
    try:
        value, detail = metric_value(r.metric, result, spell=spell)
    except _Unavailable as exc:
        raise InputError(f"rule {r.key} cannot be evaluated: {exc}") from None
    if r.kind == "change":
        assert baseline is not None  # checked by check_rules_computable
        try:
            base, _ = metric_value(r.metric, baseline, spell=spell)
        except _Unavailable as exc:
            raise InputError(
                f"rule {r.key} cannot be evaluated on the baseline: {exc}", file=baseline_source
            ) from None
        unit = "" if r.metric.unit == "1" else f" {r.metric.unit}"
        detail = f"{fmt_number(value)}{unit} now, {fmt_number(base)}{unit} in the baseline"
        value = change_pct(value, base, worse_when="down" if r.metric.higher_is_better else "up")
    if math.isnan(value):
        ok = False
        detail = f"undefined value{'; ' + detail if detail else ''}"
    else:
        ok = value >= r.limit if r.at_least else value <= r.limit
    status = "pass" if ok else "fail" if r.severity == "error" and not warn_only else "warn"
    return (r.key, r.name, r.severity, r.measure, value, r.limit, r.unit, status, detail)


def _period(result: AuditResult) -> dict[str, str | None] | None:
    period: dict[str, str | None] = result.metadata["period"]
    return None if period["start"] is None and period["end"] is None else period


def _results_metadata(
    results: pd.DataFrame,
    policy: Policy,
    result: AuditResult,
    baseline: AuditResult | None,
    *,
    warn_only: bool,
    source: str | None,
    baseline_source: str | None,
) -> dict[str, Any]:
    failed = int((results["status"] == "fail").sum())
    metadata: dict[str, Any] = {
        "fairwatt_version": __version__,
        "passed": failed == 0,
        "rules": len(results),
        "failed": failed,
        "warnings": int((results["status"] == "warn").sum()),
        "warn_only": warn_only,
        "policy": {
            "file": policy.source,
            "section": policy.section,
            "overrides": policy.overrides,
            "locations": {r.key: [r.file, r.line] for r in policy.rules if r.file},
        },
        "audit": {
            "source": source,
            "fairwatt_version": result.fairwatt_version,
            "period": _period(result),
            "by": list(result.by),
            "footprints": list(result.footprints),
            "regions": region_key(result.by),
        },
    }
    if baseline is not None:
        metadata["baseline"] = {
            "source": baseline_source,
            "fairwatt_version": baseline.fairwatt_version,
            "period": _period(baseline),
        }
    return metadata


def evaluate(
    policy: Policy,
    result: AuditResult,
    baseline: AuditResult | None = None,
    *,
    source: str | None = None,
    baseline_source: str | None = None,
    warn_only: bool = False,
    saved: bool = False,
    spell: Spell = param_spelling,
) -> Report:
    """Evaluate every rule on the audit ``result``; return the results report.

    Status per rule: ``pass``; ``fail`` (an error rule whose value breaks its limit, or
    is undefined); ``warn`` (the same for a warning rule, or for any rule with
    ``warn_only``). Limits are inclusive: a value equal to its limit passes.
    ``source`` and ``baseline_source`` name the audits in the results and messages.
    The metadata's ``timing`` has when the evaluation started (``started``, ISO 8601
    UTC), its ``seconds`` and each rule's (``rules``); :func:`run_check` widens
    ``started`` and ``seconds`` to the whole check, the audit included.

    Raises
    ------
    InputError
        A rule needs a metric the audit (or the baseline) cannot give, or the
        baseline cannot be compared with the audit.
    """
    import pandas as pd

    from fairwatt.reporting.report import Report

    check_rules_computable(
        policy,
        by=result.by,
        footprints=result.footprints,
        water_model=water_model_of(result),
        has_baseline=baseline is not None,
        saved=saved,
        spell=spell,
    )
    if baseline is not None:
        check_baseline(result, baseline, baseline_source=baseline_source, spell=spell)
    started, start = _now(), time.perf_counter()
    rows, seconds = [], {}
    for r in policy.rules:
        t = time.perf_counter()
        rows.append(
            _rule_row(
                r,
                result,
                baseline,
                warn_only=warn_only,
                baseline_source=baseline_source,
                spell=spell,
            )
        )
        seconds[r.key] = time.perf_counter() - t
    results = pd.DataFrame(rows, columns=list(RESULT_COLUMNS)).astype(
        {"value": float, "limit": float}
    )
    metadata = _results_metadata(
        results,
        policy,
        result,
        baseline,
        warn_only=warn_only,
        source=source,
        baseline_source=baseline_source,
    )
    metadata["timing"] = {
        "started": started,
        "seconds": time.perf_counter() - start,
        "rules": seconds,
    }
    return Report(title="fairwatt check", tables={"results": results}, metadata=metadata)


def _now() -> str:
    """The current time, ISO 8601 in UTC."""
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- running


@dataclass
class CheckOptions:
    """What a check is asked for besides the logs.

    Attributes
    ----------
    policy_file
        The policy; default: the nearest one found from ``start`` (see
        :func:`fairwatt.io.policy.find_policy`).
    overrides
        Rules set or changed on top of the policy file: :class:`RuleOverride` objects
        or a mapping ``{key: value}`` (a limit, a table of fields, or ``False``).
    report_file
        A saved audit (JSON) to check instead of auditing logs.
    baseline_file
        A previous audit (JSON) for the change rules.
    warn_only
        Report failed rules as warnings.
    audit
        How to audit the logs (default: by site, as ``fairwatt audit``).
    footprints_given
        False: compute the footprints the policy needs; True: exactly
        ``audit.footprints``.
    start
        Where the policy search starts (default: the working directory).
    """

    policy_file: str | None = None
    overrides: Sequence[RuleOverride] | Mapping[str, Any] = ()
    report_file: str | None = None
    baseline_file: str | None = None
    warn_only: bool = False
    audit: AuditOptions | None = None
    footprints_given: bool = False
    start: Path | None = None


def _read_audit(path: str, name: str, spell: Spell) -> AuditResult:
    return AuditResult.from_json(Path(path), what=spell(name, None))


def _missing_factor(exc: FactorMissingError, policy: Policy, spell: Spell) -> InputError | None:
    """The error for a factor missing for a footprint the policy refers to, if any."""
    from fairwatt.services.audit import REQUIRED_FACTOR

    needed = set(policy.footprints())
    # the footprint each missing factor serves
    serves = {factor: fp for fp, factor in REQUIRED_FACTOR.items()}
    serves["water_total_l_per_kwh"] = "water"
    missing = {serves[f] for f in exc.factors if f in serves}
    blocking = sorted(missing & needed, key=FOOTPRINT_ORDER.index)
    if not blocking:
        return None
    fp = blocking[0]
    keys = [r.key for r in policy.rules if r.metric.footprint == fp]
    return InputError(
        f"the policy refers to the {fp} footprint (rule {', '.join(keys)}), which the "
        f"audit cannot compute: {exc.message}",
        hint=f"pass {spell('factors', 'FILE')} with the missing {fp} factors, or drop the rule",
    )


def _audit_logs(
    logs: Sequence[str],
    options: CheckOptions,
    policy: Policy,
    *,
    has_baseline: bool,
    run: Callable[[Sequence[str], AuditOptions], AuditResult] | None,
    spell: Spell,
) -> AuditResult:
    from fairwatt.services.audit import AuditOptions, run_audit

    audit = options.audit or AuditOptions()
    footprints = audit.footprints if options.footprints_given else None
    if footprints is None:  # not given, or auto: those the policy needs
        footprints = policy.footprints()
        audit = replace(audit, footprints=footprints)
    check_rules_computable(
        policy,
        by=audit.by,
        footprints=footprints,
        water_model=audit.water_model,
        has_baseline=has_baseline,
        spell=spell,
    )
    try:
        return (run or run_audit)(logs, audit)
    except FactorMissingError as exc:
        error = _missing_factor(exc, policy, spell)
        if error is None:
            raise
        raise error from None


def run_check(
    logs: Sequence[str],
    options: CheckOptions,
    run: Callable[[Sequence[str], AuditOptions], AuditResult] | None = None,
    *,
    spell: Spell = param_spelling,
) -> Report:
    """Load the policy, audit ``logs`` (or read ``options.report_file``), compare with
    the baseline if any, and return the results (see :func:`evaluate`).

    ``run`` runs the audit (default :func:`fairwatt.services.audit.run_audit`);
    ``spell`` names options in messages (see :data:`.check_metrics.Spell`).

    Raises
    ------
    InputError
        Invalid policy, inputs or baseline, or a rule the audit cannot evaluate; also a
        missing factor for a footprint that only the policy asks for (the audit cannot
        compute what the policy refers to).
    """
    started, start = _now(), time.perf_counter()
    policy = load_policy(options.policy_file, options.overrides, start=options.start, spell=spell)
    baseline_source = options.baseline_file
    baseline = _read_audit(baseline_source, "baseline_file", spell) if baseline_source else None
    if options.report_file is not None:
        if logs:
            raise InputError(
                f"give {spell('logs', None)} or {spell('report_file', None)}, not both"
            )
        source = options.report_file
        result = _read_audit(source, "report_file", spell)
    else:
        if not logs:
            raise InputError(
                "nothing to check",
                hint=f"give energy {spell('logs', None)}, or {spell('report_file', 'audit.json')}",
            )
        source = ", ".join(logs)
        result = _audit_logs(
            logs, options, policy, has_baseline=baseline is not None, run=run, spell=spell
        )
    results = evaluate(
        policy,
        result,
        baseline,
        source=source,
        baseline_source=baseline_source,
        warn_only=options.warn_only,
        saved=options.report_file is not None,
        spell=spell,
    )
    # the whole check's time: the policy, the audit (or reading it) and the rules
    results.metadata["timing"].update(started=started, seconds=time.perf_counter() - start)
    if baseline is not None and not any(r.kind == "change" for r in policy.rules):
        results.notes.append(
            f"{spell('baseline_file', None)} was given, but no rule compares against it"
        )
    return results
