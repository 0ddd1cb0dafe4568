"""`fairwatt audit`: the footprint of a fleet's energy logs, region by region."""

from __future__ import annotations

from fairwatt.cli._audit_options import AuditArgs, LogsArg, audit_options, run_audit_with_status
from fairwatt.cli._common import (
    FormatOpt,
    LimitOpt,
    OutputOpt,
    QuietOpt,
    SortOpt,
    handle_errors,
    note,
    render,
)


@handle_errors
@audit_options(by="site", provenance_column=True)
def audit(
    logs: LogsArg,
    audit: AuditArgs,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Carbon, water and health footprint of energy logs, per site, zone and/or hour.

    Example: fairwatt audit sample_inputs/fleet/energy.csv --by zone -o audit.json

    --sort and --limit apply to the footprint table (the totals and indices stay those
    of the whole audit).
    """
    import sys

    from fairwatt.io.writers import check_output_path, resolve_format

    check_output_path(output)
    result = run_audit_with_status(logs, audit.options, quiet=quiet)
    if resolve_format(output, fmt, stdout_is_terminal=sys.stdout.isatty()) in (
        "csv",
        "tsv",
        "parquet",
    ):
        # these formats carry one table and no notes: say on stderr what else there is to know
        for line in result.notes:
            note(line, quiet=quiet)
    render(result.to_report(), output, fmt, sort=sort, limit=limit)
