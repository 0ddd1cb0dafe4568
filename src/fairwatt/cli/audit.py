"""`fairwatt audit`: the footprint of a fleet's energy logs, region by region."""

from __future__ import annotations

from typing import Annotated

import typer

from fairwatt.cli._audit_options import (
    ByOpt,
    CacheDirOpt,
    ColumnOpt,
    DatasetOpt,
    DuplicatesOpt,
    EnergyUnitOpt,
    FactorsFromOpt,
    FactorsOpt,
    FallbackOpt,
    IntervalOpt,
    LogsArg,
    MemoryLimitOpt,
    OfflineOpt,
    ProviderZoneOpt,
    SignalOpt,
    SitesOpt,
    TzOpt,
    WaterModelOpt,
    build_audit_options,
    run_audit_with_status,
)
from fairwatt.cli._common import FormatOpt, OutputOpt, QuietOpt, handle_errors, note, render


@handle_errors
def audit(
    logs: LogsArg,
    sites: SitesOpt = None,
    factors: FactorsOpt = None,
    dataset: DatasetOpt = None,
    by: ByOpt = "site",
    footprints_: Annotated[
        str,
        typer.Option(
            "--footprints",
            metavar="LIST",
            help="Footprints to compute: carbon,water,health "
            "(health damage factors exist for US zones only).",
        ),
    ] = "carbon,water,health",
    energy_unit: EnergyUnitOpt = "kWh",
    column: ColumnOpt = None,
    tz: TzOpt = None,
    interval: IntervalOpt = None,
    duplicates: DuplicatesOpt = "error",
    fallback: FallbackOpt = "none",
    water_model: WaterModelOpt = "split",
    factors_from: FactorsFromOpt = None,
    provider_zone: ProviderZoneOpt = None,
    signal: SignalOpt = None,
    offline: OfflineOpt = False,
    cache_dir: CacheDirOpt = None,
    memory_limit: MemoryLimitOpt = "768MB",
    provenance_column: Annotated[
        bool, typer.Option("--provenance-column", help="Add a factor_sources column per row.")
    ] = False,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Carbon, water and health footprint of energy logs, per site, zone and/or hour.

    Example: fairwatt audit sample_inputs/fleet/energy.csv --by zone -o audit.json
    """
    import sys

    from fairwatt.io.writers import check_output_path, resolve_format
    from fairwatt.services.audit import parse_footprints

    check_output_path(output)
    options = build_audit_options(
        sites=sites,
        factors=factors,
        dataset=dataset,
        by=by,
        footprints=parse_footprints(footprints_),
        energy_unit=energy_unit,
        column=column,
        tz=tz,
        interval=interval,
        duplicates=duplicates,
        fallback=fallback,
        water_model=water_model,
        factors_from=factors_from,
        provider_zone=provider_zone,
        signal=signal,
        offline=offline,
        cache_dir=cache_dir,
        provenance_column=provenance_column,
        memory_limit=memory_limit,
    )
    result = run_audit_with_status(logs, options, quiet=quiet)
    if resolve_format(output, fmt, stdout_is_terminal=sys.stdout.isatty()) in ("csv", "parquet"):
        # these formats carry one table and no notes: say on stderr what else there is to know
        for line in result.notes:
            note(line, quiet=quiet)
    render(result.to_report(), output, fmt)
