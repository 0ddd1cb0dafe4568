"""The audit's options: one declaration shared by every command that audits logs.

A command that audits energy logs declares one parameter of type :class:`AuditArgs`
where the audit's options belong in its ``--help`` and decorates itself with
:func:`audit_options`::

    @handle_errors
    @audit_options(by="site")
    def audit(logs: LogsArg, audit: AuditArgs, output: OutputOpt = None) -> None:
        result = run_audit_with_status(logs, audit.options, quiet=False)

The decorator puts the shared options (``--sites``, ``--factors``, ``--dataset``,
``--by``, ``--footprints``, ``--energy-unit``, ``--column``, ``--tz``, ``--interval``,
``--duplicates``, ``--fallback``, ``--water-model``, ``--carbon-basis``, ``--factors-from``,
``--provider-zone``, ``--signal``, ``--offline``, ``--cache-dir``, ``--memory-limit``,
``--engine``, ``--scheduler``, ``--retries``)
in the place of that parameter, and hands the command an :class:`AuditArgs`: the
validated :class:`~fairwatt.services.audit.AuditOptions` and which options were given
on the command line (from the context's parameter sources). Defaults are defined
once: in the library (:data:`fairwatt.io.DEFAULT_MEMORY_LIMIT`, the
:class:`~fairwatt.io.logs.LogOptions` and
:class:`~fairwatt.services.audit.AuditOptions` defaults) and in the choices below.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from fairwatt.io import DEFAULT_MEMORY_LIMIT
from fairwatt.units import ENERGY_TO_KWH

if TYPE_CHECKING:
    from fairwatt.reporting.results import AuditResult
    from fairwatt.services.audit import AuditOptions

F = TypeVar("F", bound=Callable[..., Any])

#: the default of ``--footprints``: every footprint whose factors cover all zones of the log
AUTO_FOOTPRINTS = "auto"


class Duplicates(enum.StrEnum):
    """``--duplicates``: records sharing timestamp, site and server."""

    ERROR = "error"
    SUM = "sum"


class Engine(enum.StrEnum):
    """``--engine``: what reduces the log to energy per site and hour."""

    DUCKDB = "duckdb"
    DASK = "dask"


class Fallback(enum.StrEnum):
    """``--fallback``: what fills hours missing from hourly factors."""

    NONE = "none"
    ANNUAL = "annual"


class CarbonBasis(enum.StrEnum):
    """``--carbon-basis``: the carbon accounting basis of the bundled defaults."""

    LIFECYCLE = "lifecycle"
    DIRECT = "direct"
    ANY = "any"


class WaterModel(enum.StrEnum):
    """``--water-model``: how water is computed."""

    SPLIT = "split"
    TOTAL = "total"


#: ``--energy-unit``: every unit the library converts (Wh, kWh, MWh, J, ...)
EnergyUnit = enum.StrEnum("EnergyUnit", {u.upper(): u for u in ENERGY_TO_KWH})  # type: ignore[misc]

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
EnergyUnitChoice = Annotated[
    EnergyUnit,
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
DuplicatesChoice = Annotated[
    Duplicates,
    typer.Option(
        "--duplicates",
        metavar="error|sum",
        help="Records sharing timestamp, site and server: 'error' or 'sum'.",
    ),
]
FallbackChoice = Annotated[
    Fallback,
    typer.Option(
        "--fallback",
        metavar="none|annual",
        help="'none', or 'annual' to fill hours missing from "
        "hourly factors with annual values (such rows are marked).",
    ),
]
WaterModelChoice = Annotated[
    WaterModel,
    typer.Option(
        "--water-model",
        metavar="split|total",
        help="'split': on-site E_IT x WUE plus off-site E_IT x PUE x EWIF; 'total': E_IT x "
        "a combined water_total_l_per_kwh factor (e.g. the eGLB data).",
    ),
]
CarbonBasisChoice = Annotated[
    CarbonBasis,
    typer.Option(
        "--carbon-basis",
        metavar="lifecycle|direct|any",
        help="Carbon basis of the bundled defaults, the same for every zone: 'lifecycle' "
        "or 'direct' (a zone without data in it is an error), or 'any' (mixed, with a "
        "note).",
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
        "(e.g. 512MB, 4GB).",
    ),
]
EngineChoice = Annotated[
    Engine,
    typer.Option(
        "--engine",
        metavar="duckdb|dask",
        help="Engine of the log reduction: 'duckdb' (embedded, this machine) or 'dask' "
        "(each file a task on a Dask cluster; needs fairwatt[dask]).",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help="With --engine dask: the scheduler, tcp://HOST:PORT (default: "
        "DASK_SCHEDULER_ADDRESS, else a local cluster of worker processes).",
    ),
]
RetriesOpt = Annotated[
    int,
    typer.Option(
        "--retries",
        metavar="N",
        min=0,
        help="With --engine dask: how often a failed task is run again.",
    ),
]
CacheDirOpt = Annotated[
    str | None, typer.Option("--cache-dir", metavar="DIR", help="Provider cache folder.")
]
ProvenanceColumnOpt = Annotated[
    bool, typer.Option("--provenance-column", help="Add a factor_sources column per row.")
]


def _shared(
    by: str | None,
    footprints: str | None,
    footprints_help: str,
    footprints_metavar: str | None,
    provenance_column: bool,
) -> list[tuple[str, Any, Any]]:
    """(parameter name, annotation, default) of each shared option, in --help order."""
    footprints_opt: Any = Annotated[
        str | None if footprints is None else str,
        typer.Option("--footprints", metavar=footprints_metavar, help=footprints_help),
    ]
    params: list[tuple[str, Any, Any]] = [
        ("sites", SitesOpt, None),
        ("factors", FactorsOpt, None),
        ("dataset", DatasetOpt, None),
    ]
    if by is not None:
        params.append(("by", ByOpt, by))
    params += [
        ("footprints_", footprints_opt, footprints),
        ("energy_unit", EnergyUnitChoice, EnergyUnit("kWh")),
        ("column", ColumnOpt, None),
        ("tz", TzOpt, None),
        ("interval", IntervalOpt, None),
        ("duplicates", DuplicatesChoice, Duplicates.ERROR),
        ("fallback", FallbackChoice, Fallback.NONE),
        ("water_model", WaterModelChoice, WaterModel.SPLIT),
        ("carbon_basis", CarbonBasisChoice, CarbonBasis.LIFECYCLE),
        ("factors_from", FactorsFromOpt, None),
        ("provider_zone", ProviderZoneOpt, None),
        ("signal", SignalOpt, None),
        ("offline", OfflineOpt, False),
        ("cache_dir", CacheDirOpt, None),
        ("memory_limit", MemoryLimitOpt, DEFAULT_MEMORY_LIMIT),
        ("engine", EngineChoice, Engine.DUCKDB),
        ("scheduler", SchedulerOpt, None),
        ("retries", RetriesOpt, 0),
    ]
    if provenance_column:
        params.append(("provenance_column", ProvenanceColumnOpt, False))
    return params


#: the flag of each shared option's parameter
FLAGS = {
    "sites": "--sites",
    "factors": "--factors",
    "dataset": "--dataset",
    "by": "--by",
    "footprints_": "--footprints",
    "energy_unit": "--energy-unit",
    "column": "--column",
    "tz": "--tz",
    "interval": "--interval",
    "duplicates": "--duplicates",
    "fallback": "--fallback",
    "water_model": "--water-model",
    "carbon_basis": "--carbon-basis",
    "factors_from": "--factors-from",
    "provider_zone": "--provider-zone",
    "signal": "--signal",
    "offline": "--offline",
    "cache_dir": "--cache-dir",
    "memory_limit": "--memory-limit",
    "engine": "--engine",
    "scheduler": "--scheduler",
    "retries": "--retries",
    "provenance_column": "--provenance-column",
}


@dataclass
class AuditArgs:
    """The shared audit options of one command line, as the command receives them.

    ``given`` lists the flags given on the command line (in ``--help`` order);
    :attr:`options` validates the values and builds the audit's options on first use
    (a command that does not audit, such as ``check --report``, never builds them).
    """

    values: dict[str, Any]
    given: list[str] = field(default_factory=list)
    #: grouping used when the command has no --by option
    default_by: str = "site"

    @property
    def footprints_given(self) -> bool:
        return "--footprints" in self.given

    @functools.cached_property
    def options(self) -> AuditOptions:
        return build_audit_options(self.values, default_by=self.default_by)


#: default of a command's :class:`AuditArgs` parameter, for commands whose parameters all
#: have defaults; :func:`audit_options` replaces it by the real value
AUDIT_OPTIONS = AuditArgs(values={})


def audit_options(
    *,
    by: str | None = "site",
    footprints: str | None = AUTO_FOOTPRINTS,
    footprints_help: str = "Footprints to compute: a comma list of carbon, water, health, "
    "or 'auto': every footprint whose factors cover all zones of the log (bundled "
    "health damage factors cover US zones only; a note names what is left out).",
    footprints_metavar: str | None = "LIST",
    provenance_column: bool = False,
) -> Callable[[F], F]:
    """Give a command the shared audit options, in place of its :class:`AuditArgs`
    parameter.

    Parameters
    ----------
    by
        Default of ``--by``; ``None``: the command has no ``--by`` and audits per site.
    footprints
        Default of ``--footprints``; ``None``: the command decides what an absent
        ``--footprints`` means (``AuditArgs.footprints_given``).
    footprints_help, footprints_metavar
        How ``--footprints`` is described in the command's ``--help``.
    provenance_column
        Also offer ``--provenance-column``.
    """
    shared = _shared(by, footprints, footprints_help, footprints_metavar, provenance_column)

    def decorate(fn: F) -> F:
        sig = inspect.signature(fn, eval_str=True)
        slot = [p.name for p in sig.parameters.values() if p.annotation is AuditArgs]
        if len(slot) != 1:
            raise TypeError(f"{fn.__name__} needs exactly one parameter of type AuditArgs")
        target = slot[0]
        ctx_names = [p.name for p in sig.parameters.values() if p.annotation is typer.Context]
        clash = {name for name, _, _ in shared} & set(sig.parameters)
        if clash:
            raise TypeError(f"{fn.__name__}: parameters {sorted(clash)} clash with audit options")
        params: list[inspect.Parameter] = []
        if not ctx_names:
            params.append(
                inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
            )
        for p in sig.parameters.values():
            if p.name != target:
                params.append(p.replace(kind=inspect.Parameter.KEYWORD_ONLY))
                continue
            for name, annotation, default in shared:
                params.append(
                    inspect.Parameter(
                        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
                    )
                )
        ctx_name = ctx_names[0] if ctx_names else "ctx"
        names = [name for name, _, _ in shared]

        @functools.wraps(fn)
        def wrapper(**kwargs: Any) -> Any:
            ctx = kwargs[ctx_name] if ctx_names else kwargs.pop("ctx")
            values = {name: kwargs.pop(name) for name in names}
            given = [FLAGS[name] for name in names if _given(ctx, name)]
            kwargs[target] = AuditArgs(values=values, given=given, default_by=by or "site")
            return fn(**kwargs)

        # Typer reads the command's options from this signature
        wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper  # type: ignore[return-value]

    return decorate


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the option ``name`` was given on the command line (a default from the
    environment or a configuration file is not)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP", "ENVIRONMENT")


# --------------------------------------------------------------------------- parsing


def parse_by(value: str) -> list[str]:
    """``--by site,hour`` as a list of grouping keys."""
    from fairwatt.services.audit import check_by

    keys = [k.strip() for k in value.split(",") if k.strip()]
    return check_by(keys, name="--by", given=value)


def parse_footprints(value: str) -> list[str] | None:
    """``--footprints carbon,water`` as a list of footprints; ``auto`` as ``None``."""
    from fairwatt.services.audit import check_footprints

    if value.strip().lower() == AUTO_FOOTPRINTS:
        return None
    items = [k.strip() for k in value.split(",") if k.strip()]
    return check_footprints(items, name="--footprints", given=value)


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
    from fairwatt.api._params import parse_duration
    from fairwatt.errors import InputError

    seconds = parse_duration(
        value, error=f"--interval {value!r}: not a duration", hint="e.g. 15min, 1h, 300s"
    )
    if seconds <= 0:
        raise InputError(f"--interval {value!r}: must be positive")
    return seconds


def build_audit_options(values: dict[str, Any], *, default_by: str = "site") -> AuditOptions:
    """Validate the audit's command-line values (by parameter name) into its options."""
    from fairwatt.io.logs import LogOptions
    from fairwatt.services.audit import AuditOptions

    footprints = values["footprints_"]
    fallback = _choice(Fallback, values["fallback"], "--fallback")
    engine = _choice(Engine, values.get("engine", Engine.DUCKDB), "--engine")
    if values.get("scheduler") and engine != Engine.DASK:
        from fairwatt.errors import InputError

        raise InputError("--scheduler needs --engine dask")
    return AuditOptions(
        log=LogOptions(
            columns=parse_pairs(
                values["column"] or [], "--column", "FIELD=NAME, e.g. --column site=region"
            ),
            energy_unit=str(values["energy_unit"]),  # checked by the log reader
            tz=values["tz"],
            interval_s=parse_interval(values["interval"]),
            duplicates=_choice(Duplicates, values["duplicates"], "--duplicates"),
            memory_limit=values["memory_limit"],
            engine=engine,
            scheduler=values.get("scheduler"),
            retries=values.get("retries", 0),
        ),
        sites=list(values["sites"] or []),
        factors=list(values["factors"] or []),
        datasets=list(values["dataset"] or []),
        by=parse_by(values.get("by", default_by)),
        footprints=() if footprints is None else parse_footprints(footprints),
        fallback=None if fallback == Fallback.NONE else fallback,
        provenance_column=values.get("provenance_column", False),
        water_model=_choice(WaterModel, values["water_model"], "--water-model"),
        carbon_basis=_choice(
            CarbonBasis, values.get("carbon_basis", CarbonBasis.LIFECYCLE), "--carbon-basis"
        ),
        factors_from=values["factors_from"],
        provider_zones=parse_pairs(
            values["provider_zone"] or [], "--provider-zone", "ZONE=PROVIDER_ZONE"
        ),
        provider_signal=values["signal"],
        offline=values["offline"],
        cache_dir=values["cache_dir"],
    )


def _choice(choices: type[enum.StrEnum], value: Any, flag: str) -> Any:
    """The value of a choice option (an enum member or its string) as a plain string."""
    from fairwatt.errors import InputError

    allowed = [c.value for c in choices]
    if str(value) not in allowed:
        raise InputError(f"{flag} {value!r}: use {' or '.join(repr(a) for a in allowed)}")
    return str(value)


def run_audit_with_status(
    logs: Sequence[str], options: AuditOptions, *, quiet: bool
) -> AuditResult:
    """Run the audit, with a progress bar on stderr when it is a terminal and not quiet.
    A file named like a glob (``logs[prod].csv``) that exists is read as named."""
    from fairwatt.cli._common import literal_first, progress_bar
    from fairwatt.services.audit import run_audit

    with progress_bar(quiet) as update:
        return run_audit(literal_first(logs), options, progress=update)
