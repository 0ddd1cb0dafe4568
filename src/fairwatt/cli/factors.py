"""``fairwatt factors``: the bundled factor datasets (list, show, cite) and derive."""

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
    note,
    render,
)

#: rows ``factors show`` prints on a terminal unless --limit says otherwise
TERMINAL_ROWS = 20

factors_app = typer.Typer(
    help="Bundled factor datasets: list them, show one, cite it, or derive factors from a "
    "fuel mix.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@factors_app.command("list")
@handle_errors
def list_datasets(
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="Only this role: zone_factors, fuel_factors, pue_wue, sites or reference.",
            metavar="ROLE",
        ),
    ] = None,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide",
            help="A table with coverage, kind, licence and version too (other formats "
            "always have them).",
        ),
    ] = False,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """List the bundled datasets: name, role, resolution, years, basis, default_for.

    'basis' is the carbon basis of a dataset with carbon values: lifecycle,
    direct or mixed (--wide adds its scope). 'default_for' names the factors a
    dataset supplies when none is pinned (carbon: the lifecycle defaults).
    A table leaves out coverage, kind, licence and version unless --wide
    (CSV, JSON and `fairwatt factors show NAME` have them).
    Example: fairwatt factors list --role zone_factors
    """
    import pandas as pd

    from fairwatt.datasets import catalog
    from fairwatt.errors import InputError
    from fairwatt.reporting.report import Report

    roles = sorted({d.role for d in catalog.manifest()})
    if role is not None and role not in roles:
        raise InputError(f"unknown role {role!r}", hint=f"use one of: {', '.join(roles)}")
    defaults = catalog.defaults()
    narrow = narrow_view(output, fmt, wide)
    rows = []
    for d in catalog.manifest():
        if role is not None and d.role != role:
            continue
        years = d.year if not isinstance(d.year, list) else f"{d.year[0]}-{d.year[-1]}"
        row = {
            "name": d.name,
            "role": d.role,
            "resolution": d.resolution,
            "years": str(years),
            "basis": d.carbon_basis,
            "default_for": ", ".join(f for f, names in defaults.items() if d.name in names),
        }
        if not narrow:
            row.update(carbon_scope=d.carbon_scope)
            row.update(coverage=d.coverage, kind=d.kind, licence=d.licence, version=d.version)
        rows.append(row)
    report = Report(
        title="Bundled datasets",
        tables={"datasets": pd.DataFrame(rows)},
        metadata={
            "defaults": defaults,
            "carbon_defaults": {b: catalog.carbon_defaults(b) for b in catalog.CARBON_BASES},
        },
    )
    render(report, output, fmt, sort=sort, limit=limit)


@factors_app.command("show")
@handle_errors
def show(
    name: Annotated[str, typer.Argument(help="Dataset name (see `fairwatt factors list`).")],
    zone: Annotated[
        str | None,
        typer.Option("--zone", "-z", help="Only rows of this zone (or site id).", metavar="ZONE"),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            min=0,
            metavar="N",
            help="At most this many rows (0: all). Default: all, or the first "
            f"{TERMINAL_ROWS} on a terminal.",
            show_default=False,
        ),
    ] = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Show one dataset's rows, units and provenance.

    Example: fairwatt factors show us-state-carbon-egrid2023 --zone US-VA
    """
    import difflib

    from fairwatt.datasets import catalog
    from fairwatt.errors import InputError
    from fairwatt.reporting.report import Report

    d = catalog.info(name)
    df = catalog.load(name)
    if zone is not None:
        if "zone" not in df.columns:
            raise InputError(f"dataset {name!r} has no zones", hint="drop --zone")
        zones = sorted(map(str, df["zone"].unique()))
        if zone not in zones:
            close = difflib.get_close_matches(zone, zones, n=3, cutoff=0.4)
            hint = (
                f"did you mean {', '.join(close)}?"
                if close
                else (f"its zones: {', '.join(zones[:12])}{' ...' if len(zones) > 12 else ''}")
            )
            raise InputError(f"zone {zone!r} is not in dataset {name!r}", hint=hint)
        df = df[df["zone"] == zone].reset_index(drop=True)
    if limit:
        df = df.head(limit)
    report = Report(
        title=f"{d.name} ({d.version}): {d.title}",
        tables={d.name: df},
        metadata={
            "provenance": [d.provenance()],
            "columns": d.columns,
            "caveats": d.caveats,
            "attribution": d.attribution,
        },
        notes=[
            f"units: {', '.join(f'{k} [{v}]' for k, v in d.columns.items())}",
            f"kind: {d.kind}; coverage: {d.coverage}; licence: {d.licence}",
        ],
    )
    if d.caveats:
        note(f"caveats: {d.caveats}", quiet=quiet)
    shorten = TERMINAL_ROWS if limit is None else None
    render(report, output, fmt, max_rows=shorten, more_hint="use -o FILE or --limit 0 for all")


@factors_app.command("cite")
@handle_errors
def cite(
    name: Annotated[str, typer.Argument(help="Dataset name (see `fairwatt factors list`).")],
) -> None:
    """Print how to cite a dataset: citation text, licence and BibTeX.

    Example: fairwatt factors cite country-carbon-owid
    """
    from fairwatt.datasets import catalog

    d = catalog.info(name)
    typer.echo(f"{d.name} (version {d.version}): {d.title}")
    typer.echo("")
    typer.echo(d.citation)
    typer.echo("")
    typer.echo(f"Licence: {d.licence}")
    typer.echo(f"Attribution: {d.attribution}")
    typer.echo("")
    typer.echo(d.bibtex)


@factors_app.command("derive")
@handle_errors
def derive(
    fuel_mix: Annotated[
        str,
        typer.Option(
            "--fuel-mix",
            help="CSV or Parquet: a time column (timestamp or year), an optional zone column, "
            "and generation per fuel (one column per fuel, or long format: fuel + value).",
            metavar="FILE",
        ),
    ],
    factor_set: Annotated[
        list[str] | None,
        typer.Option(
            "--factor-set",
            help="Per-fuel factor set (repeatable; the first one providing a factor wins). "
            "Default: for each factor, the first of fuel-factors-thirsty-code, "
            "fuel-carbon-ipcc2014-lifecycle, fuel-ewif-macknick2012-incl-hydro that covers "
            "every fuel of the file.",
            metavar="NAME",
        ),
    ] = None,
    zone: Annotated[
        str | None,
        typer.Option(
            "--zone", "-z", help="Zone id for a file without a zone column.", metavar="ZONE"
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="Time zone of naive timestamps, e.g. UTC.", metavar="TZ"),
    ] = None,
    negative: Annotated[
        str,
        typer.Option(
            "--negative",
            help="Negative generation: clip (count as 0), raise or keep.",
            metavar="clip|raise|keep",
        ),
    ] = "clip",
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Carbon intensity and EWIF series from a fuel mix (generation-weighted per-fuel factors).

    The result is a zone factor table usable as a --factors file. Example:
    fairwatt factors derive --fuel-mix mix.csv --zone US-BA-CISO -o factors.csv
    """
    from fairwatt.errors import InputError
    from fairwatt.factors.derive import derive_intensities
    from fairwatt.io.writers import check_output_path
    from fairwatt.reporting.report import Report

    if negative not in ("clip", "raise", "keep"):
        raise InputError(f"unknown --negative {negative!r}", hint="use clip, raise or keep")
    check_output_path(output)
    sets = list(factor_set) if factor_set else None
    table, meta = derive_intensities(fuel_mix, sets, zone=zone, tz=tz, negative=negative)
    note(
        "factor sets: " + ", ".join(f"{c} <- {n}" for c, n in meta["factor_sets"].items()),
        quiet=quiet,
    )
    notes = [
        f"{col}: {', '.join(a['fuels'])} ({a['share_of_generation']:.1%} of generation) took "
        "the known fuels' generation-weighted mean factor (fairwatt's assumption)"
        for col, a in meta.get("averaged_fuels", {}).items()
    ]
    render(
        Report(
            title="Intensities from fuel mix",
            tables={"factors": table},
            metadata=meta,
            notes=notes,
        ),
        output,
        fmt,
    )
