"""``fairwatt sites``: the sites catalog (cloud regions and user sites)."""

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
    narrow_view,
    one_record,
    render,
)

#: the columns of ``sites list`` as a table without --wide
LIST_COLUMNS = ("site", "zone", "pue", "wue_l_per_kwh", "capacity_kw", "location")

sites_app = typer.Typer(
    help="The sites catalog: cloud regions and your own sites, with zone, PUE and WUE.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

SitesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--sites",
        help="User sites file (CSV or TOML) that extends or overrides the catalog; repeatable.",
        metavar="FILE",
    ),
]


@sites_app.command("list")
@handle_errors
def list_sites(
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider", help="Only aws, gcp, azure (or user file sites).", metavar="PROVIDER"
        ),
    ] = None,
    sites: SitesOpt = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide",
            help="A table with every column: also label, region, sources of PUE and WUE, "
            "origin (other formats always have them).",
        ),
    ] = False,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """List the sites: id, zone, PUE, WUE, capacity and location.

    Where each number comes from: --wide, CSV or JSON, `fairwatt sites show SITE`.
    Example: fairwatt sites list --provider gcp
    """
    from fairwatt.errors import InputError
    from fairwatt.factors.sites import load_sites
    from fairwatt.reporting.report import Report

    df = load_sites(sites or ())
    if provider is not None:
        providers = sorted({p for p in df["provider"] if p})
        if provider not in providers:
            raise InputError(
                f"unknown provider {provider!r}", hint=f"use one of: {', '.join(providers)}"
            )
        df = df[df["provider"] == provider]
    table = df.reset_index()
    if narrow_view(output, fmt, wide):  # the list columns that have a value somewhere
        table = table[[c for c in LIST_COLUMNS if c in table and table[c].notna().any()]]
    render(Report(title="Sites", tables={"sites": table}), output, fmt, sort=sort, limit=limit)


@sites_app.command("show")
@handle_errors
def show_site(
    site: Annotated[str, typer.Argument(help="Site id, e.g. aws:us-east-1.")],
    sites: SitesOpt = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Show one site with its zone, PUE, WUE and their sources.

    Example: fairwatt sites show gcp:europe-west1
    """
    from fairwatt.factors.sites import load_sites, resolve_sites
    from fairwatt.reporting.frames import plain
    from fairwatt.reporting.report import Report

    row = resolve_sites([site], load_sites(sites or ())).reset_index().iloc[0]
    table = one_record({str(k): plain(v) for k, v in row.items()}, output, fmt)
    render(Report(title=f"Site {site}", tables={"site": table}), output, fmt)
