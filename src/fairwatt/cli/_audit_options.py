"""The audit's options, shared by every command that runs an audit (audit, check).

Each option is an ``Annotated`` alias so that a command declares it in one line;
:func:`build_audit_options` turns the parsed values into
:class:`~fairwatt.services.audit.AuditOptions` with the same validation everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from fairwatt.reporting.results import AuditResult
    from fairwatt.services.audit import AuditOptions

LogsArg = Annotated[
    list[str],
    typer.Argument(
        help="Energy logs: CSV (.csv, .csv.gz), Parquet files, folders or globs of Parquet "
        "(hive partitions allowed), or '-' for CSV on stdin.",
        show_default=False,
        metavar="LOGS...",
    ),
]
SitesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--sites",
        metavar="FILE",
        help="Sites table (CSV or TOML): site, zone, pue, wue_l_per_kwh. "
        "Extends/overrides the bundled cloud-region catalog. Repeatable.",
    ),
]
FactorsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--factors",
        metavar="FILE",
        help="Factor file (CSV or Parquet; long or wide; hourly, "
        "monthly, annual or static). Wins over bundled data. Repeatable.",
    ),
]
DatasetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--dataset",
        help="Pin a bundled dataset (NAME or NAME@VERSION); it wins "
        "over the default datasets. Repeatable.",
        metavar="NAME[@VERSION]",
    ),
]
ByOpt = Annotated[
    str,
    typer.Option(
        "--by",
        metavar="KEYS",
        help="Group rows by site, zone, hour, day or month, or a comma list such as site,hour.",
    ),
]
EnergyUnitOpt = Annotated[
    str,
    typer.Option(
        "--energy-unit", metavar="UNIT", help="Unit of the energy column: Wh, kWh, MWh or J."
    ),
]
ColumnOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--column",
        metavar="FIELD=NAME",
        help="Map a field to your column name: FIELD=NAME, with FIELD "
        "one of timestamp, site, energy, power, server, requests. Repeatable.",
    ),
]
TzOpt = Annotated[
    str | None,
    typer.Option("--tz", metavar="TZ", help="IANA time zone of naive timestamps (e.g. UTC)."),
]
IntervalOpt = Annotated[
    str | None,
    typer.Option(
        "--interval",
        metavar="DURATION",
        help="Length of each record (e.g. 15min, 1h): "
        "splits records across hours; required for power_w records.",
    ),
]
DuplicatesOpt = Annotated[
    str,
    typer.Option(
        "--duplicates",
        metavar="error|sum",
        help="Records sharing timestamp, site and server: 'error' or 'sum'.",
    ),
]
FallbackOpt = Annotated[
    str,
    typer.Option(
        "--fallback",
        metavar="none|annual",
        help="'none', or 'annual' to fill hours missing from "
        "hourly factors with annual values (such rows are marked).",
    ),
]
WaterModelOpt = Annotated[
    str,
    typer.Option(
        "--water-model",
        metavar="split|total",
        help="'split': on-site E_IT x WUE plus off-site E_IT x PUE x EWIF; 'total': E_IT x "
        "a combined water_total_l_per_kwh factor (e.g. the eGLB data).",
    ),
]

FactorsFromOpt = Annotated[
    str | None,
    typer.Option(
        "--factors-from",
        help="Fetch hourly factors for the log's sites from a live provider "
        "(electricitymaps, watttime, ukcarbon, eia, entsoe), cached; they win over "
        "bundled data.",
        metavar="PROVIDER",
    ),
]
ProviderZoneOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--provider-zone",
        metavar="ZONE=PROVIDER_ZONE",
        help="Map a zone or site to the provider's zone name: ZONE=PROVIDER_ZONE "
        "(e.g. US-TX=ERCO). Repeatable.",
    ),
]
SignalOpt = Annotated[
    str | None,
    typer.Option("--signal", metavar="SIGNAL", help="Provider signal (default: its first)."),
]
OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Use cached provider answers only; never connect.")
]
MemoryLimitOpt = Annotated[
    str,
    typer.Option(
        "--memory-limit",
        metavar="SIZE",
        help="Memory the log reduction may hold before it spills to a temporary folder "
        "(e.g. 768MB, 4GB).",
    ),
]
CacheDirOpt = Annotated[
    str | None, typer.Option("--cache-dir", metavar="DIR", help="Provider cache folder.")
]


def parse_pairs(values: Sequence[str], option: str, form: str) -> dict[str, str]:
    """``LEFT=RIGHT`` values of a repeatable option as a mapping."""
    from fairwatt.errors import InputError

    out = {}
    for v in values:
        left, sep, right = v.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise InputError(f"{option} {v!r}: expected {form}")
        out[left.strip()] = right.strip()
    return out


def parse_interval(value: str | None) -> float | None:
    """``--interval`` as seconds. [s]"""
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


def build_audit_options(
    *,
    sites: Sequence[str] | None,
    factors: Sequence[str] | None,
    dataset: Sequence[str] | None,
    by: str,
    footprints: Sequence[str],
    energy_unit: str,
    column: Sequence[str] | None,
    tz: str | None,
    interval: str | None,
    duplicates: str,
    fallback: str,
    water_model: str,
    factors_from: str | None = None,
    provider_zone: Sequence[str] | None = None,
    signal: str | None = None,
    offline: bool = False,
    cache_dir: str | None = None,
    provenance_column: bool = False,
    memory_limit: str = "768MB",
) -> AuditOptions:
    """Validate the audit's command-line values and build its options."""
    from fairwatt.errors import InputError
    from fairwatt.io.logs import LogOptions
    from fairwatt.services.audit import AuditOptions, parse_by

    if duplicates not in ("error", "sum"):
        raise InputError(f"--duplicates {duplicates!r}: use 'error' or 'sum'")
    if fallback not in ("none", "annual"):
        raise InputError(f"--fallback {fallback!r}: use 'none' or 'annual'")
    if water_model not in ("split", "total"):
        raise InputError(f"--water-model {water_model!r}: use 'split' or 'total'")
    return AuditOptions(
        log=LogOptions(
            columns=parse_pairs(column or [], "--column", "FIELD=NAME, e.g. --column site=region"),
            energy_unit=energy_unit,
            tz=tz,
            interval_s=parse_interval(interval),
            duplicates=duplicates,  # type: ignore[arg-type]
            memory_limit=memory_limit,
        ),
        sites=list(sites or []),
        factors=list(factors or []),
        datasets=list(dataset or []),
        by=parse_by(by),
        footprints=list(footprints),
        fallback=None if fallback == "none" else fallback,
        provenance_column=provenance_column,
        water_model=water_model,
        factors_from=factors_from,
        provider_zones=parse_pairs(provider_zone or [], "--provider-zone", "ZONE=PROVIDER_ZONE"),
        provider_signal=signal,
        offline=offline,
        cache_dir=cache_dir,
    )


def run_audit_with_status(
    logs: Sequence[str], options: AuditOptions, *, quiet: bool
) -> AuditResult:
    """Run the audit, with a progress bar on stderr when it is a terminal and not quiet."""
    from fairwatt.cli._common import progress_bar
    from fairwatt.services.audit import run_audit

    with progress_bar(quiet) as update:
        return run_audit(logs, options, progress=update)
