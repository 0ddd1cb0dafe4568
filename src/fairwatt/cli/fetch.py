"""``fairwatt factors fetch``: hourly factors from a live provider, cached."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from fairwatt.cli._common import (
    FormatOpt,
    OutputOpt,
    QuietOpt,
    handle_errors,
    note,
    render,
    stderr_is_terminal,
)
from fairwatt.cli.cache import CacheDirOpt

if TYPE_CHECKING:
    import pandas as pd

ProviderArg = Annotated[
    str,
    typer.Argument(help="electricitymaps, watttime, ukcarbon, eia or entsoe.", metavar="PROVIDER"),
]
ZoneOpt = Annotated[
    list[str],
    typer.Option(
        "--zone",
        "-z",
        help="Zone in the provider's naming (repeat for several): electricitymaps DE or "
        "gcp:europe-west1; watttime CAISO_NORTH; ukcarbon GB, GB:13 or GB:RG10; "
        "eia ERCO; entsoe FR or an EIC code.",
        metavar="ZONE",
    ),
]
StartOpt = Annotated[
    str | None,
    typer.Option(
        "--start", help="Start, UTC unless an offset is given (ISO 8601).", metavar="TIME"
    ),
]
EndOpt = Annotated[
    str | None,
    typer.Option("--end", help="End (exclusive), UTC unless an offset is given.", metavar="TIME"),
]
SignalOpt = Annotated[
    str | None,
    typer.Option(
        "--signal",
        help="electricitymaps: carbon-intensity (default) or power-breakdown; watttime: "
        "co2_moer (default), co2_aoer or health_damage; ukcarbon: intensity (default) "
        "or generation; eia, entsoe: fuel-mix.",
        metavar="SIGNAL",
    ),
]
EmissionFactorTypeOpt = Annotated[
    str | None,
    typer.Option(
        "--emission-factor-type",
        help="lifecycle (default) or direct (Electricity Maps; per-fuel carbon factors "
        "of fuel-mix signals).",
        metavar="TYPE",
    ),
]
ForecastOpt = Annotated[
    bool,
    typer.Option("--forecast", help="Fetch the current forecast (electricitymaps, watttime)."),
]
FuelFactorsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fuel-factors",
        help="Fuel-mix signals: COLUMN=DATASET to use another bundled per-fuel set, "
        "e.g. ewif_l_per_kwh=fuel-ewif-macknick2012-excl-hydro (repeatable).",
        metavar="COLUMN=DATASET",
    ),
]
UnmatchedFuelsOpt = Annotated[
    str,
    typer.Option(
        "--unmatched-fuels",
        help="Fuel-mix signals: 'error' when a fuel that generated has no per-fuel "
        "factor, or 'exclude' to leave it out of the weighting (recorded in the "
        "provenance).",
        metavar="POLICY",
    ),
]
OfflineOpt = Annotated[
    bool,
    typer.Option("--offline", help="Answer from the cache only; a miss is an error (exit 3)."),
]

Results = list[tuple["pd.DataFrame", dict[str, Any]]]


@handle_errors
def fetch(
    provider: ProviderArg,
    zone: ZoneOpt,
    start: StartOpt = None,
    end: EndOpt = None,
    signal: SignalOpt = None,
    emission_factor_type: EmissionFactorTypeOpt = None,
    forecast: ForecastOpt = False,
    fuel_factors: FuelFactorsOpt = None,
    unmatched_fuels: UnmatchedFuelsOpt = "error",
    offline: OfflineOpt = False,
    cache_dir: CacheDirOpt = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Fetch hourly carbon, water or health factors from a live provider.

    Output: the canonical hourly table (timestamp = interval start, UTC;
    zone; carbon_g_per_kwh, ewif_l_per_kwh or health_usd_per_mwh; flags
    is_estimated, is_forecast, is_partial, is_missing) with provenance.
    Answers are cached; --offline reads the cache only (a miss: exit 3).
    Keys: ELECTRICITYMAPS_API_KEY, WATTTIME_USER + WATTTIME_PASSWORD,
    EIA_API_KEY, ENTSOE_API_KEY (ukcarbon needs none).

    Example: fairwatt factors fetch ukcarbon -z GB --start 2024-01-01
    --end 2024-01-08 -o gb.parquet
    """
    import pandas as pd

    from fairwatt.io.writers import check_output_path
    from fairwatt.providers.registry import count_chunks, spec
    from fairwatt.reporting.report import Report

    sp = spec(provider)
    overrides = _fuel_factor_overrides(fuel_factors or [])
    check_output_path(output)
    total = count_chunks(sp.name, zone, start, end, forecast=forecast)
    show_bar = not quiet and stderr_is_terminal() and total > 1
    request = {
        "zones": zone,
        "start": start,
        "end": end,
        "offline": offline,
        "cache_dir": cache_dir,
        "signal": signal,
        "emission_factor_type": emission_factor_type,
        "forecast": forecast,
        "fuel_factors": overrides or None,
        "unmatched_fuels": unmatched_fuels,
    }
    results = _fetch_all(sp.name, request, total=total if show_bar else None)
    table = pd.concat([df for df, _ in results], ignore_index=True)
    provenance = [meta for _, meta in results]
    notes = _notes(provenance)
    report = Report(
        title=f"Hourly factors from {sp.title}",
        tables={"factors": table},
        metadata={"provenance": provenance},
        notes=notes,
    )
    if output not in (None, "-"):
        for n in notes:
            note(n, quiet=quiet)
    render(report, output, fmt)


def _fuel_factor_overrides(items: list[str]) -> dict[str, str]:
    """``--fuel-factors COLUMN=DATASET`` values as ``{column: dataset}``."""
    overrides: dict[str, str] = {}
    for item in items:
        column, sep, dataset = item.partition("=")
        if not sep or not column.strip() or not dataset.strip():
            raise typer.BadParameter(
                f"--fuel-factors expects COLUMN=DATASET, got {item!r}", param_hint="--fuel-factors"
            )
        overrides[column.strip()] = dataset.strip()
    return overrides


def _fetch_all(provider: str, request: dict[str, Any], *, total: int | None) -> Results:
    """:func:`~fairwatt.providers.registry.fetch_factors`, with a progress bar of
    ``total`` chunks on stderr unless ``total`` is ``None``."""
    from fairwatt.providers.registry import fetch_factors

    if total is None:
        return fetch_factors(provider, **request)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(f"{provider}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("chunks", total=total)
        return fetch_factors(provider, on_chunk=lambda: bar.advance(task), **request)


def _notes(provenance: list[dict[str, Any]]) -> list[str]:
    """Per zone: fuels left out of a per-fuel weighting, and counts of flagged hours."""
    notes = []
    for meta in provenance:
        flagged = {k: v for k, v in meta.items() if k.endswith("_hours") and v}
        for column, fuels in (meta.get("excluded_fuels") or {}).items():
            left_out = ", ".join(f"{f} (up to {100 * v:.3g} %)" for f, v in fuels.items())
            notes.append(f"{meta.get('zone')}: left out of {column}: {left_out}")
        if flagged:
            notes.append(
                f"{meta.get('zone')}: "
                + ", ".join(f"{v} {k.removesuffix('_hours')}" for k, v in flagged.items())
                + " hour(s)"
            )
    return notes
