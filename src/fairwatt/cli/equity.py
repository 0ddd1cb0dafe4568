"""``fairwatt equity``: inequity indices over any per-region table."""

from __future__ import annotations

from typing import Annotated

import typer

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

TableArg = Annotated[
    str,
    typer.Argument(help="CSV or Parquet table ('-' reads CSV from stdin).", metavar="FILE"),
]
GroupOpt = Annotated[
    str, typer.Option("--by", help="Group column: one region per value.", metavar="COLUMN")
]
ValueOpt = Annotated[
    str | None,
    typer.Option(
        "--value",
        help="Comma-separated value columns. Default: every *_kg, *_l and *_usd "
        "column. Their *_low_* / *_high_* columns are added when present.",
        metavar="COLUMNS",
    ),
]
NormalizeOpt = Annotated[
    str,
    typer.Option(
        "--normalize",
        help="raw (total per region), per_kwh (÷ energy_kwh), per_request "
        "(÷ requests) or per_weight (÷ weight from --weights-file, e.g. per capita).",
        metavar="HOW",
    ),
]
WeightsOpt = Annotated[
    str | None,
    typer.Option(
        "--weights-file",
        help="CSV/Parquet with columns zone,weight (e.g. population); must cover every region.",
        metavar="FILE",
    ),
]
#: the former spelling of --weights-file (a file here, NAME=W in rebalance): still read
OldWeightsOpt = Annotated[str | None, typer.Option("--weights", hidden=True, metavar="FILE")]
WeightedOpt = Annotated[
    bool,
    typer.Option(
        "--weighted",
        help="Weight the indices by --weights-file (population-weighted Gini, Theil, ...).",
    ),
]
GiniFormOpt = Annotated[
    str,
    typer.Option(
        "--gini-form",
        help="population (Σ|xi−xj|/(2n²μ), default) or sample (× n/(n−1)).",
        metavar="FORM",
    ),
]
EpsilonOpt = Annotated[
    str,
    typer.Option("--epsilon", help="Atkinson inequality aversions.", metavar="E[,E...]"),
]
TopKOpt = Annotated[
    int,
    typer.Option("--top-k", help="Share of the total borne by the worst K regions.", metavar="K"),
]
QOpt = Annotated[float, typer.Option("--q", help="Order of the L_q norm (>= 1).", metavar="Q")]
LorenzOpt = Annotated[
    bool,
    typer.Option(
        "--lorenz",
        help="Add Lorenz curve points; they become the main table (the one CSV and Parquet carry).",
    ),
]


def _floats(text: str, what: str) -> list[float]:
    try:
        out = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise typer.BadParameter(f"{what} must be comma-separated numbers, got {text!r}") from None
    if not out:
        raise typer.BadParameter(f"{what} is empty")
    return out


@handle_errors
def equity(
    file: TableArg,
    by: GroupOpt = "zone",
    value: ValueOpt = None,
    normalize: NormalizeOpt = "raw",
    weights_file: WeightsOpt = None,
    weighted: WeightedOpt = False,
    gini_form: GiniFormOpt = "population",
    epsilon: EpsilonOpt = "0.5,1,2",
    q: QOpt = 2.0,
    top_k: TopKOpt = 1,
    lorenz: LorenzOpt = False,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
    weights: OldWeightsOpt = None,
) -> None:
    """Inequity indices across regions: Gini, max/mean (PAR), max/min, Theil T and L,
    Atkinson, CV, Jain, Hoover, L_q norm, top-k share.

    Values are summed per --by group first. All-zero footprints give undefined
    indices (empty, with a note); a zero among positives gives max/min = inf.

    Example: fairwatt equity audit.csv --by zone --value water_l,carbon_kg --normalize per_kwh
    """
    import sys

    from fairwatt.io.writers import check_output_path, resolve_format
    from fairwatt.services.equity_report import EquityOptions, equity_report

    if weights is not None:
        if weights_file is not None:
            raise typer.BadParameter("give --weights-file only (--weights is its old name)")
        note("--weights FILE is now spelled --weights-file FILE", quiet=quiet)
        weights_file = weights
    shown = resolve_format(output, fmt, stdout_is_terminal=sys.stdout.isatty())
    check_output_path(output)  # before the work: a bad -o is exit 2 at once
    options = EquityOptions(
        by=by,
        values=[value] if value is not None else None,
        normalize=normalize,
        weights_file=weights_file,
        weighted=weighted,
        gini_form=gini_form,
        epsilons=_floats(epsilon, "--epsilon"),
        q=q,
        k=top_k,
        lorenz=lorenz,
    )
    report = equity_report(file, options).to_report()
    if shown in ("csv", "tsv", "parquet"):
        # these formats carry one table and no notes: say on stderr what the numbers mean
        for line in report.notes:
            note(line, quiet=quiet)
    render(report, output, fmt, sort=sort, limit=limit)
