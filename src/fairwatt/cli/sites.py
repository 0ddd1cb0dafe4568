"""``fairwatt sites``: the sites catalog (cloud regions and user sites)."""

from __future__ import annotations

from typing import Annotated

import typer

from fairwatt.cli._common import FormatOpt, OutputOpt, QuietOpt, handle_errors, render

sites_app = typer.Typer(
    help="The sites catalog: cloud regions and your own sites, with zone, PUE and WUE.",
    no_args_is_help=True,
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
        str | None, typer.Option("--provider", help="Only aws, gcp, azure (or user file sites).")
    ] = None,
    sites: SitesOpt = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """List the sites: id, zone, PUE, WUE and where each number comes from.

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
    render(Report(title="Sites", tables={"sites": table}), output, fmt)


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
    import pandas as pd

    from fairwatt.factors.sites import load_sites, resolve_sites
    from fairwatt.reporting.report import Report

    row = resolve_sites([site], load_sites(sites or ())).reset_index().iloc[0]
    table = pd.DataFrame(
        {
            "field": [str(k) for k in row.index],
            "value": ["" if pd.isna(v) else str(v) for v in row.to_numpy()],
        }
    )
    render(Report(title=f"Site {site}", tables={"site": table}), output, fmt)
