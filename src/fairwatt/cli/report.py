"""``fairwatt report``: one self-contained HTML page with charts, and PNG/SVG figures."""

from __future__ import annotations

from typing import Annotated

import typer

from fairwatt.cli._audit_options import AuditArgs, audit_options, run_audit_with_status
from fairwatt.cli._common import QuietOpt, handle_errors, note

InputsArg = Annotated[
    list[str],
    typer.Argument(
        help="An audit or rebalancing result (the JSON that -o result.json writes, or an "
        "audit's Parquet file), or energy logs to audit first (CSV, Parquet, folders).",
        show_default=False,
        metavar="INPUT...",
    ),
]
ReportOutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="The HTML report ('-' for stdout); with --format png or svg, the folder "
        "for the figures.",
        metavar="PATH",
    ),
]
ReportFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="html (default): one self-contained page; png or svg: each chart as its "
        "own file in the -o (or --figures) folder.",
        metavar="FORMAT",
    ),
]
FiguresOpt = Annotated[
    str | None,
    typer.Option(
        "--figures",
        help="Also write every chart as DIR/NAME.png and DIR/NAME.svg (for papers).",
        metavar="DIR",
    ),
]
ObjectiveOpt = Annotated[
    str | None,
    typer.Option(
        "--objective",
        help="Rebalancing: the objective to focus on (hourly allocation, marked "
        "frontier point). Default: eglb, else the last one.",
        metavar="NAME",
    ),
]
AllocationOpt = Annotated[
    str | None,
    typer.Option(
        "--allocation",
        help="Rebalancing: the hourly allocation written by fairwatt rebalance "
        "--allocation FILE, for the stacked-area chart.",
        metavar="FILE",
    ),
]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Title of the page.", metavar="TEXT")]
_FORMATS = ("html", "png", "svg")


def _is_result(path: str) -> bool:
    """Whether ``path`` is a result file (JSON, or Parquet with fairwatt's metadata)."""
    from pathlib import Path

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        return True
    if suffix in (".parquet", ".pq") and p.is_file():
        import pyarrow.parquet as pq

        try:
            meta = pq.read_schema(p).metadata or {}
        except Exception:  # not Parquet: let the audit report it
            return False
        return b"fairwatt" in meta
    return False


@handle_errors
@audit_options(by="zone,hour")
def report(
    inputs: InputsArg,
    audit: AuditArgs,
    output: ReportOutputOpt = None,
    fmt: ReportFormatOpt = None,
    figures: FiguresOpt = None,
    objective: ObjectiveOpt = None,
    allocation: AllocationOpt = None,
    title: TitleOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """A report people look at: one self-contained HTML page with charts
    (no network, no script; prints well; light and dark), or each chart as
    its own PNG or SVG file.

    An audit gets per-region bars of each footprint, Lorenz curves, a region
    x time heatmap, provenance, caveats and the command that reproduces it.
    A rebalancing result gets before/after bars per site, max/mean and Gini
    per objective, the cost-equity frontier of --sweep, the hourly
    allocation and, with --deferrable, the time shift (arriving against
    served load per hour, deferred energy, delays). Given energy logs, it
    audits them first (audit options below).

    Example: fairwatt report audit.json -o report.html --figures figures/
    """
    import sys

    from fairwatt.api._report import report as make_report
    from fairwatt.errors import InputError
    from fairwatt.io.writers import check_output_path

    kind = (fmt or "html").lower()
    if kind not in _FORMATS:
        raise InputError(f"--format {fmt}: not a report format", hint="use html, png or svg")
    results = [p for p in inputs if _is_result(p)]
    if results and len(inputs) > 1:
        raise InputError(
            f"{results[0]}: give one result file, or energy logs only",
            hint="make one report per result",
        )
    if results and audit.given:
        raise InputError(
            f"{audit.given[0]} applies to energy logs, not to the result {results[0]}",
            hint="drop it, or pass the logs instead of the result",
        )
    folder = figures
    if kind != "html":
        folder = figures or output
        if folder is None:
            raise InputError(f"--format {kind} needs a folder", hint="give -o DIR or --figures DIR")
    elif output is None:
        raise InputError("no output: give -o report.html", hint="or -o - for stdout")
    elif output != "-":
        check_output_path(output)
    source = results[0] if results else run_audit_with_status(inputs, audit.options, quiet=quiet)
    html_path = output if kind == "html" and output != "-" else None
    text = make_report(
        source,
        html_path,
        figures=folder,
        figure_formats=("png", "svg") if kind == "html" else (kind,),
        objective=objective,
        allocation=allocation,
        title=title,
    )
    if kind == "html" and output == "-":
        sys.stdout.write(text)
    if html_path is not None:
        note(f"report written to {html_path} ({len(text.encode()) / 1e6:.2f} MB)", quiet=quiet)
    if folder is not None:
        note(f"figures written to {folder}", quiet=quiet)
