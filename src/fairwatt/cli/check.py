"""``fairwatt check``: footprint and equity budgets as a CI gate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from fairwatt.cli._audit_options import (
    AUDIT_OPTIONS,
    AuditArgs,
    audit_options,
    run_audit_with_status,
)
from fairwatt.cli._common import (
    FormatOpt,
    LimitOpt,
    OutputOpt,
    QuietOpt,
    SortOpt,
    handle_errors,
    render,
    sort_and_limit,
)

if TYPE_CHECKING:
    from fairwatt.reporting.report import Report
    from fairwatt.services.audit import AuditOptions
    from fairwatt.services.check_rules import RuleOverride

#: The flag of each parameter that check messages name (the services' ``spell`` names).
_FLAGS = {
    "logs": "LOGS",
    "report_file": "--report",
    "baseline_file": "--baseline",
    "policy_file": "--policy",
    "overrides": "--rule",
    "footprints": "--footprints",
    "water_model": "--water-model",
    "by": "--by",
    "factors": "--factors",
    "columns": "--column",
}


def _flag(name: str, value: str | None = None) -> str:
    """How check messages name the parameter ``name`` (set to ``value``): as a flag."""
    flag = _FLAGS[name]
    return flag if value is None else f"{flag} {value}"


def _rule_override(text: str) -> RuleOverride:
    """One ``--rule KEY=VALUE``; VALUE is a TOML value, as in a policy file."""
    from fairwatt.errors import InputError
    from fairwatt.io.policy import parse_value
    from fairwatt.services.check_rules import RuleOverride

    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise InputError(
            f"--rule {text!r}: expected KEY=VALUE",
            hint="e.g. --rule max_carbon_kg=5000 or --rule "
            "'max_gini_water_l={limit=0.5, severity=\"warning\"}'",
        )
    try:
        value = parse_value(raw)
    except ValueError:
        raise InputError(
            f"--rule {text!r}: {raw!r} is not a number, an inline table or false",
            hint='e.g. 5000, {limit=5000, severity="warning"} or false',
        ) from None
    return RuleOverride(key, value, text)


def _audit_options_for(audit: AuditArgs, report: str | None) -> AuditOptions | None:
    """The audit's options, or ``None`` with ``--report`` (where audit flags are refused)."""
    from fairwatt.errors import InputError

    if report is None:
        return audit.options
    if audit.given:
        raise InputError(
            f"{', '.join(audit.given)} would have no effect with --report (the saved audit is "
            "checked as it is)",
            hint="drop them, or audit the logs again by passing LOGS instead of --report",
        )
    return None


#: ``--output-format`` values: where the results go besides the table.
_OUTPUT_FORMATS = ("auto", "github", "none")


def _annotate(output_format: str) -> bool:
    """Whether to print GitHub annotations: ``github`` yes, ``none`` no, ``auto`` when
    running in GitHub Actions (``GITHUB_ACTIONS=true``)."""
    import os

    from fairwatt.errors import InputError

    if output_format not in _OUTPUT_FORMATS:
        raise InputError(
            f"unknown --output-format {output_format!r}",
            hint=f"use one of: {', '.join(_OUTPUT_FORMATS)}",
        )
    if output_format == "auto":
        return os.environ.get("GITHUB_ACTIONS", "").lower() == "true"
    return output_format == "github"


def _emit(
    results: Report,
    *,
    junit: str | None,
    output: str | None,
    shown: str,
    annotate: bool,
    quiet: bool,
    sort: str | None = None,
    limit: int | None = None,
) -> None:
    """Write the results (JUnit, GitHub step summary and annotations, the table or data,
    notes, the verdict line); raise :class:`CheckFailedError` (exit 1) when an error
    rule failed.

    The verdict ends stdout after a table there; with data on stdout (``-f csv``...) or
    the results in a file it goes to stderr (unless ``quiet``), so that stdout stays
    data only. ``sort`` and ``limit`` order and cut the rules shown (JUnit, annotations
    and the verdict always cover every rule).
    """
    import os
    import sys

    from fairwatt.errors import CheckFailedError
    from fairwatt.io.outputs import is_stdout
    from fairwatt.io.writers import write_report
    from fairwatt.reporting import ci

    if junit is not None:
        ci.write_junit(results, junit)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        ci.append_step_summary(results, summary)
    if annotate:
        for line in ci.annotation_commands(results):
            print(line, file=sys.stderr)
    listed = sort_and_limit(results, sort, limit)
    write_report(ci.compact(listed) if shown == "table" else listed, output, shown)
    if not quiet:
        for n in results.notes:
            print(f"fairwatt: note: {n}", file=sys.stderr)
    if shown == "table" and is_stdout(output):
        print(ci.verdict_line(results), flush=True)
    elif not quiet:
        print(ci.verdict_line(results), file=sys.stderr)
    failed = results.tables["results"].query("status == 'fail'")["rule"].tolist()
    if failed:
        raise CheckFailedError(f"{len(failed)} error rule(s) failed: {', '.join(failed)}")


LogsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Energy logs to audit (as for fairwatt audit); omit with --report.",
        show_default=False,
    ),
]
PolicyOpt = Annotated[
    str | None,
    typer.Option(
        "--policy",
        help="Policy file: [tool.fairwatt.check] of a pyproject.toml, [check] of a "
        "fairwatt.toml, or rules at the top level of any TOML file. Default: the "
        "nearest fairwatt.toml / pyproject.toml with such a table, from the working "
        "directory up.",
        metavar="FILE",
    ),
]
RuleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--rule",
        "-r",
        help='Set or override one rule: KEY=LIMIT, KEY={limit=..., severity="warning", '
        'name="..."} (TOML), or KEY=false to switch a rule off. Repeatable.',
        metavar="KEY=VALUE",
    ),
]


def _audit_json(flag: str, help: str) -> Any:
    """An option naming a saved audit (``fairwatt audit ... -o audit.json``)."""
    return typer.Option(flag, help=help, metavar="AUDIT.json")


ReportOpt = Annotated[
    str | None,
    _audit_json(
        "--report",
        "Check a saved audit (fairwatt audit ... -o audit.json) instead of auditing LOGS.",
    ),
]
BaselineOpt = Annotated[
    str | None,
    _audit_json(
        "--baseline",
        "A previous audit JSON for the max_increase_pct_* rules (same fairwatt "
        "release series and --by).",
    ),
]
WarnOnlyOpt = Annotated[
    bool, typer.Option("--warn-only", help="Report failed rules as warnings; exit 0.")
]
JunitOpt = Annotated[
    str | None,
    typer.Option(
        "--junit",
        help="Also write JUnit XML, one test case per rule (failed warning rules pass "
        "with a 'warning:' system-out).",
        metavar="FILE",
    ),
]
OutputFormatOpt = Annotated[
    str,
    typer.Option(
        "--output-format",
        help="GitHub annotations (::error / ::warning on stderr) for failed rules: "
        "'github' always, 'none' never, 'auto' when GITHUB_ACTIONS=true.",
        metavar="auto|github|none",
    ),
]
ListRulesOpt = Annotated[
    bool, typer.Option("--list-rules", help="List every rule key with its unit, and exit.")
]


@handle_errors
@audit_options(
    by="site",
    footprints=None,
    footprints_help="Footprints to compute (carbon,water,health). Default: those the "
    "policy's rules need.",
    footprints_metavar="LIST",
)
def check(
    logs: LogsArg = None,
    policy: PolicyOpt = None,
    rule: RuleOpt = None,
    report: ReportOpt = None,
    baseline: BaselineOpt = None,
    warn_only: WarnOnlyOpt = False,
    junit: JunitOpt = None,
    output_format: OutputFormatOpt = "auto",
    list_rules: ListRulesOpt = False,
    audit: AuditArgs = AUDIT_OPTIONS,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Check footprint and equity budgets of energy logs (or of a saved audit) against
    the policy kept in the repository; exit 1 when an error rule fails.

    Example: fairwatt check sample_inputs/fleet/energy.csv --rule max_carbon_kg=5000

    Prints a table of the rules on stdout, even when piped (CSV, JSON... with -f or -o),
    and ends with a verdict line, "3 rules: 1 passed, 1 failed, 1 warning"; with data
    on stdout or -o the verdict goes to stderr (not with -q).

    In GitHub Actions (GITHUB_ACTIONS=true, or --output-format github) each failed rule
    is printed as an ::error / ::warning annotation on stderr; with GITHUB_STEP_SUMMARY
    set, a Markdown summary is appended to that file.

    Exit codes: 0 no error rule failed; 1 an error rule failed; 2 invalid policy, input
    or baseline, or a rule the audit cannot evaluate; 3 data unavailable.
    """
    from fairwatt.io.writers import check_output_path, resolve_format
    from fairwatt.services import check as svc
    from fairwatt.services.check_metrics import rule_catalog

    if list_rules:
        render(rule_catalog(spell=_flag), output, fmt, sort=sort, limit=limit)
        return
    check_output_path(output)
    # a table for people unless -f or -o ask for data, on a terminal or not
    shown = resolve_format(output, fmt, stdout_is_terminal=True)
    annotate = _annotate(output_format)
    if junit is not None:
        check_output_path(junit)
    audit_options = _audit_options_for(audit, report)
    options = svc.CheckOptions(
        policy_file=policy,
        overrides=[_rule_override(text) for text in rule or []],
        report_file=report,
        baseline_file=baseline,
        warn_only=warn_only,
        audit=audit_options,
        footprints_given=audit.footprints_given,
    )
    results = svc.run_check(
        logs or [],
        options,
        run=lambda paths, opts: run_audit_with_status(paths, opts, quiet=quiet),
        spell=_flag,
    )
    _emit(
        results,
        junit=junit,
        output=output,
        shown=shown,
        annotate=annotate,
        quiet=quiet,
        sort=sort,
        limit=limit,
    )
