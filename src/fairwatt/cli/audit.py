"""`fairwatt audit`: the footprint of a fleet's energy logs, region by region."""

from __future__ import annotations

from typing import Annotated

import typer

from fairwatt.cli._common import (
    FormatOpt,
    OutputOpt,
    QuietOpt,
    handle_errors,
    progress_bar,
    render,
)


def _pairs(values: list[str], option: str, form: str) -> dict[str, str]:
    from fairwatt.errors import InputError

    out = {}
    for v in values:
        left, sep, right = v.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise InputError(f"{option} {v!r}: expected {form}")
        out[left.strip()] = right.strip()
    return out


def _interval(value: str | None) -> float | None:
    if value is None:
        return None
    import pandas as pd

    from fairwatt.errors import InputError

    try:
        seconds = pd.Timedelta(value).total_seconds()
    except (ValueError, TypeError):
        raise InputError(
            f"--interval {value!r}: not a duration", hint="e.g. 15min, 1h, 300s"
        ) from None
    if seconds <= 0:
        raise InputError(f"--interval {value!r}: must be positive")
    return seconds


@handle_errors
def audit(
    logs: Annotated[
        list[str],
        typer.Argument(
            help="Energy logs: CSV (.csv, .csv.gz), Parquet files, folders or globs of Parquet "
            "(hive partitions allowed), or '-' for CSV on stdin.",
            show_default=False,
        ),
    ],
    sites: Annotated[
        list[str] | None,
        typer.Option(
            "--sites",
            help="Sites table (CSV or TOML): site, zone, pue, wue_l_per_kwh. "
            "Extends/overrides the bundled cloud-region catalog. Repeatable.",
        ),
    ] = None,
    factors: Annotated[
        list[str] | None,
        typer.Option(
            "--factors",
            help="Factor file (CSV or Parquet; long or wide; hourly, "
            "monthly, annual or static). Wins over bundled data. Repeatable.",
        ),
    ] = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option(
            "--dataset",
            help="Pin a bundled dataset (NAME or NAME@VERSION); it wins "
            "over the default datasets. Repeatable.",
            metavar="NAME[@VERSION]",
        ),
    ] = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Group rows by site, zone, hour, day or month, or a comma list such as site,hour.",
        ),
    ] = "site",
    footprints_: Annotated[
        str,
        typer.Option(
            "--footprints",
            help="Footprints to compute: carbon,water,health "
            "(health damage factors exist for US zones only).",
        ),
    ] = "carbon,water,health",
    energy_unit: Annotated[
        str, typer.Option("--energy-unit", help="Unit of the energy column: Wh, kWh, MWh or J.")
    ] = "kWh",
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column",
            help="Map a field to your column name: FIELD=NAME, with FIELD "
            "one of timestamp, site, energy, power, server, requests. Repeatable.",
        ),
    ] = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="IANA time zone of naive timestamps (e.g. UTC).")
    ] = None,
    interval: Annotated[
        str | None,
        typer.Option(
            "--interval",
            help="Length of each record (e.g. 15min, 1h): "
            "splits records across hours; required for power_w records.",
        ),
    ] = None,
    duplicates: Annotated[
        str,
        typer.Option(
            "--duplicates", help="Records sharing timestamp, site and server: 'error' or 'sum'."
        ),
    ] = "error",
    fallback: Annotated[
        str,
        typer.Option(
            "--fallback",
            help="'none', or 'annual' to fill hours missing from "
            "hourly factors with annual values (such rows are marked).",
        ),
    ] = "none",
    water_model: Annotated[
        str,
        typer.Option(
            "--water-model",
            help="'split': on-site E_IT x WUE plus off-site E_IT x PUE x EWIF; 'total': E_IT x "
            "a combined water_total_l_per_kwh factor (e.g. the eGLB data).",
        ),
    ] = "split",
    factors_from: Annotated[
        str | None,
        typer.Option(
            "--factors-from",
            help="Fetch hourly factors for the log's sites from a live provider "
            "(electricitymaps, watttime, ukcarbon, eia, entsoe), cached; they win over "
            "bundled data.",
            metavar="PROVIDER",
        ),
    ] = None,
    provider_zone: Annotated[
        list[str] | None,
        typer.Option(
            "--provider-zone",
            help="Map a zone or site to the provider's zone name: ZONE=PROVIDER_ZONE "
            "(e.g. US-TX=ERCO). Repeatable.",
        ),
    ] = None,
    signal: Annotated[
        str | None, typer.Option("--signal", help="Provider signal (default: its first).")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use cached provider answers only; never connect.")
    ] = False,
    cache_dir: Annotated[
        str | None, typer.Option("--cache-dir", help="Provider cache folder.")
    ] = None,
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

    from fairwatt.errors import InputError
    from fairwatt.io.logs import LogOptions
    from fairwatt.io.writers import check_output_path
    from fairwatt.services.audit import AuditOptions, parse_by, parse_footprints, run_audit

    if duplicates not in ("error", "sum"):
        raise InputError(f"--duplicates {duplicates!r}: use 'error' or 'sum'")
    if fallback not in ("none", "annual"):
        raise InputError(f"--fallback {fallback!r}: use 'none' or 'annual'")
    if water_model not in ("split", "total"):
        raise InputError(f"--water-model {water_model!r}: use 'split' or 'total'")
    check_output_path(output)
    options = AuditOptions(
        log=LogOptions(
            columns=_pairs(column or [], "--column", "FIELD=NAME, e.g. --column site=region"),
            energy_unit=energy_unit,
            tz=tz,
            interval_s=_interval(interval),
            duplicates=duplicates,  # type: ignore[arg-type]
        ),
        sites=sites or [],
        factors=factors or [],
        datasets=dataset or [],
        by=parse_by(by),
        footprints=parse_footprints(footprints_),
        fallback=None if fallback == "none" else fallback,
        provenance_column=provenance_column,
        water_model=water_model,
        factors_from=factors_from,
        provider_zones=_pairs(provider_zone or [], "--provider-zone", "ZONE=PROVIDER_ZONE"),
        provider_signal=signal,
        offline=offline,
        cache_dir=cache_dir,
    )
    with progress_bar(quiet) as update:
        report = run_audit(logs, options, progress=update)
    if not quiet:
        for n in report.notes:
            print(f"fairwatt: note: {n}", file=sys.stderr)
    render(report, output, fmt)
