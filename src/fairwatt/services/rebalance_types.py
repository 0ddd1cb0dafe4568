"""The values the rebalancing service takes and returns.

:class:`LoadedScenario` (a scenario with its run settings), :class:`Sweep` and
:class:`RebalanceOptions` (what to solve), :class:`Outcome` (one solved objective) and
:class:`RebalanceResult` (tables, notes, metadata; JSON round trip with a schema
version). :func:`fairwatt.services.rebalance.rebalance` builds them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from fairwatt._version import __version__
from fairwatt.errors import InputError
from fairwatt.reporting.frames import frame_from_doc, frame_to_doc, plain
from fairwatt.services.rebalance_units import (
    DEFAULT_UNITS,
    UnitSystem,
    check_units,
    convert_frame,
)

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.balancing.allocation import Allocation
    from fairwatt.balancing.objectives import Objective
    from fairwatt.balancing.scenario import Scenario
    from fairwatt.balancing.solve import Method
    from fairwatt.reporting.report import Report

#: Version of the JSON document of :meth:`RebalanceResult.to_json`.
SCHEMA_VERSION = 1
_SCHEMA = "fairwatt.rebalance"
SweepKind = Literal["weight", "worst", "ratio", "gini"]


@dataclass
class LoadedScenario:
    """A scenario with what its source says about running it."""

    scenario: Scenario
    title: str
    path: str
    weights: dict[str, float] = field(default_factory=dict)
    objectives: list[str] = field(default_factory=list)
    mask: str = "full"
    notes: list[str] = field(default_factory=list)
    source: Any = None
    baseline: str = "min-cost"
    status_quo: bool = False
    """True when the nearest-site allocation is the observed one (a what-if on logs)."""
    rigid_gateways: tuple[str, ...] = ()
    """Gateways whose load never waits, whatever deferrable share is given (the fixed
    load of a what-if)."""
    priced: bool = True
    """False when the energy prices are unknown (all 0): cost is then left out of the
    weights and objectives minimising cost alone are noted as arbitrary."""


@dataclass(frozen=True)
class Sweep:
    """A frontier of cost against the worst site over one parameter.

    Parameters
    ----------
    footprint : str
        The footprint whose worst site the frontier follows: ``carbon``, ``water`` or
        ``health``.
    values : sequence of float
        Points of the sweep, each >= 0: eglb weights of ``footprint`` [US$ per t, m³ or
        US$] (``kind="weight"``), worst-site caps [t, m³ or US$] (``worst``), max-to-mean
        ratios (``ratio``) or Gini bounds (``gini``) [dimensionless].
    kind : {"weight", "worst", "ratio", "gini"}, default "weight"
        ``weight``: eglb with this footprint's weight set to each value (the other
        weights as given); otherwise minimum cost subject to the limit.
    """

    footprint: str
    values: Sequence[float]
    kind: SweepKind = "weight"

    def __post_init__(self) -> None:
        from fairwatt.schema import FOOTPRINTS

        if self.kind not in get_args(SweepKind):
            raise InputError(
                f"unknown sweep kind {self.kind!r}", hint="use weight, worst, ratio or gini"
            )
        if self.footprint not in FOOTPRINTS:
            raise InputError(
                f"unknown sweep footprint {self.footprint!r}",
                hint=f"use one of: {', '.join(FOOTPRINTS)}",
            )
        values = tuple(float(v) for v in self.values)
        if not values or not all(math.isfinite(v) and v >= 0 for v in values):
            raise InputError("sweep values must be finite numbers >= 0 (at least one)")
        object.__setattr__(self, "values", values)


@dataclass(frozen=True)
class RebalanceOptions:
    """The options of :func:`rebalance` (see there), as one value."""

    mask: str | None = None
    objectives: Sequence[str | Objective] | None = None
    weights: Mapping[str, float] | None = None
    baseline: str | Objective | None = None
    sweep: Sweep | None = None
    online: bool = False
    step: float | None = None
    target_cap: Mapping[str, float] | None = None
    method: Method = "auto"
    tolerance: float = 1e-4
    deferrable: float | None = None
    max_delay: int | None = None
    units: UnitSystem = DEFAULT_UNITS

    def __post_init__(self) -> None:
        check_units(self.units)
        if self.method not in ("auto", "lp", "decomposition"):
            raise InputError(
                f"unknown method {self.method!r}", hint="use auto, lp or decomposition"
            )
        if not (math.isfinite(self.tolerance) and self.tolerance > 0):
            raise InputError(f"tolerance {self.tolerance:g}: give a finite number > 0")

    def record(self) -> dict[str, Any]:
        """The options as JSON-ready values (objectives by name)."""
        from fairwatt.balancing.objectives import Objective

        def name(o: str | Objective | None) -> str | None:
            return o.name if isinstance(o, Objective) else o

        sweep = self.sweep
        return {
            "mask": self.mask,
            "objectives": None if self.objectives is None else [name(o) for o in self.objectives],
            "weights": None if self.weights is None else dict(self.weights),
            "baseline": name(self.baseline),
            "sweep": None
            if sweep is None
            else {"kind": sweep.kind, "footprint": sweep.footprint, "values": list(sweep.values)},
            "online": self.online,
            "step": self.step,
            "target_cap": None if self.target_cap is None else dict(self.target_cap),
            "method": self.method,
            "tolerance": self.tolerance,
            "deferrable": self.deferrable,
            "max_delay": self.max_delay,
            "units": self.units,
        }


@dataclass
class Outcome:
    """One solved objective (or the status quo) with its label."""

    name: str
    allocation: Allocation
    description: str
    gap: float = 0.0


# --------------------------------------------------------------------------- allocation


def _outcome_allocation(o: Outcome, max_rows: int) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    a = o.allocation
    net, sc = a.network, a.scenario
    if net.group_share is not None:
        from fairwatt.services.rebalance_deferral import arrival_allocation

        return arrival_allocation(o, max_rows)
    hours = (
        pd.DatetimeIndex(sc.hours).tz_localize("UTC")
        if sc.hours is not None and np.issubdtype(np.asarray(sc.hours).dtype, np.datetime64)
        else pd.RangeIndex(sc.n_hours)
    )
    split = sc.n_hours * net.n_routes * max((len(g) for g in net.groups), default=1) <= max_rows
    parts = []
    for k, members in enumerate(net.groups):
        routes = np.flatnonzero(net.route_group == k)
        flow = a.flow[:, routes]  # (T, Rk)
        if split:
            total = net.group_demand[k]
            share = np.divide(
                sc.demand[members], total, out=np.zeros((len(members), sc.n_hours)), where=total > 0
            )
            vals = flow[:, :, None] * share.T[:, None, :]  # (T, Rk, m)
            t_i, r_i, g_i = np.nonzero(vals > 1e-12)
            gw = np.array(sc.gateways, dtype=object)[members[g_i]]
            energy = vals[t_i, r_i, g_i]
        else:
            t_i, r_i = np.nonzero(flow > 1e-12)
            gw = np.full(t_i.size, net.group_label(k), dtype=object)
            energy = flow[t_i, r_i]
        site = np.array(sc.sites, dtype=object)[net.route_site[routes][r_i]]
        parts.append(
            pd.DataFrame(
                {
                    "objective": o.name,
                    "hour": hours[t_i],
                    "site": site,
                    "gateway": gw,
                    "energy_mwh": energy,
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def allocation_frame(outcomes: Sequence[Outcome], *, max_rows: int = 20_000_000) -> pd.DataFrame:
    """Hourly allocation of every outcome: objective, hour (UTC), site, gateway,
    energy_mwh [MWh]; rows with a positive flow only. Gateway groups are split by demand
    share unless that would exceed ``max_rows`` (then the group's label is used).

    With deferrable load, ``hour`` is the serving hour and a column ``arrival_hour``
    (after ``hour``) gives the hour the energy's demand arrived."""
    import pandas as pd

    deferral = any(o.allocation.scenario.flexibility is not None for o in outcomes)
    columns = ["objective", "hour", *(["arrival_hour"] if deferral else []), "site"]
    columns += ["gateway", "energy_mwh"]
    parts = [df for df in (_outcome_allocation(o, max_rows) for o in outcomes) if len(df)]
    if not parts:
        return pd.DataFrame(columns=columns)
    df = pd.concat(parts, ignore_index=True)
    if deferral:  # outcomes solved without deferral (a what-if's status quo)
        df["arrival_hour"] = (
            df["arrival_hour"].fillna(df["hour"]) if "arrival_hour" in df else df["hour"]
        )
    df = df[columns]
    order = {o.name: i for i, o in enumerate(outcomes)}
    df["_order"] = df["objective"].map(order)
    keys = ["_order", "hour", *(["arrival_hour"] if deferral else []), "site", "gateway"]
    df = df.sort_values(keys, kind="stable", ignore_index=True)
    return df.drop(columns="_order")


# --------------------------------------------------------------------------- result


def units_of(metadata: Mapping[str, Any]) -> UnitSystem:
    """The unit system of a result from its metadata (``paper`` for results written
    before there was a choice, whose ``units`` name MWh)."""
    units = metadata.get("units")
    system = units.get("system") if isinstance(units, Mapping) else None
    if system in ("audit", "paper"):
        return system
    energy = units.get("energy") if isinstance(units, Mapping) else None
    return "audit" if energy == "kWh" else "paper"


@dataclass(repr=False)
class RebalanceResult:
    """What :func:`rebalance` found, as tables with units in the column names.

    Quantities are in ``units``: ``"audit"`` (the default of :func:`rebalance`: kWh, kg,
    L, US$ — column names ``*_kwh``, ``carbon_kg``, ``water_l``) or ``"paper"`` (MWh, t,
    m³, US$ — ``*_mwh``, ``carbon_t``, ``water_m3``); below, the audit name comes first.

    Attributes
    ----------
    title : str
        The scenario's title.
    summary : DataFrame
        One row per objective (the baseline first): mask, method, ``objective_value``,
        ``gap_to_optimum_pct``, ``cost_usd`` [US$], ``cost_change_pct`` against the
        baseline and ``<footprint>_max_to_mean`` of each footprint.
    inequity : DataFrame
        Per objective and footprint: ``unit`` (kg, L, USD; t, m3, USD), total, mean and
        worst site in that unit, max/mean and Gini, and both indices before (the
        baseline).
    sites : DataFrame
        Per objective and site: ``energy_kwh``, ``cost_usd``, ``carbon_kg``, ``water_l``,
        ``health_usd`` and ``energy_change_kwh`` against the baseline (``energy_mwh``,
        ``carbon_t``, ``water_m3``, ``energy_change_mwh`` in paper units).
    frontier : DataFrame or None
        One row per point of a sweep (``status``, cost, worst site as
        ``<footprint>_worst_<unit>``, indices).
    notes, metadata, options
        Notes for readers; what the report's JSON carries (scenario, units, weights,
        solver details); the options the call was made with.
    fairwatt_version, generated_at, schema_version
        Who wrote the result, when (ISO 8601, UTC), and the version of its JSON form.
    outcomes : list of Outcome
        The solved allocations (empty for a result read from JSON).
    allocation : DataFrame
        Hourly allocation [kWh or MWh], computed from ``outcomes`` on first access; with
        deferrable load ``hour`` is the serving hour and ``arrival_hour`` the hour the
        demand arrived.
    deferral : DataFrame or None
        With deferrable load (a scenario ``[flexibility]`` table, or ``deferrable`` /
        ``max_delay`` given), one row per objective: ``deferrable_kwh`` (the share of
        demand allowed to wait), ``deferred_kwh`` (energy served after the hour it
        arrived), ``deferred_pct`` (of all demand), ``mean_delay_h`` (mean delay of the
        deferred energy, NaN when none waited) and ``max_delay_h`` (longest delay
        used) [kWh or MWh, %, h]. None without deferrable load.
    time_shift : DataFrame or None
        With deferrable load, per objective and hour (UTC start): ``arriving_kwh`` (the
        demand arriving), ``served_kwh`` (energy served at all sites) and
        ``backlog_kwh`` (deferrable energy still waiting at the end of the hour)
        [kWh, or ``*_mwh`` in MWh] — the arrival-versus-serving profile of each
        objective. None without deferrable load.
    units : {"audit", "paper"}
        The unit system of the tables (see above).
    """

    title: str
    summary: pd.DataFrame
    inequity: pd.DataFrame
    sites: pd.DataFrame
    frontier: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    fairwatt_version: str = __version__
    generated_at: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds")
    )
    schema_version: int = SCHEMA_VERSION
    outcomes: list[Outcome] = field(default_factory=list, repr=False)
    deferral: pd.DataFrame | None = None
    time_shift: pd.DataFrame | None = field(default=None, repr=False)
    units: UnitSystem = "paper"
    _allocation: pd.DataFrame | None = field(default=None, init=False, repr=False)

    def __repr__(self) -> str:
        names = ", ".join(map(str, self.summary.get("objective", [])))
        sweep = "" if self.frontier is None else f", frontier={len(self.frontier)} points"
        mask = self.metadata.get("mask")
        return f"RebalanceResult({self.title!r}, mask={mask!r}, objectives=[{names}]{sweep})"

    @property
    def allocation(self) -> pd.DataFrame:
        """Hourly allocation: objective, hour (UTC), site, gateway, energy_kwh [kWh]
        (energy_mwh [MWh] with ``units="paper"``)."""
        if self._allocation is None:
            if not self.outcomes:
                raise InputError(
                    "this result has no hourly allocation (read from JSON written without it)",
                    hint="write it with to_json(allocation=True)",
                )
            self._allocation = convert_frame(allocation_frame(self.outcomes), self.units)
        return self._allocation

    def to_report(self) -> Report:
        """The report the command-line writers render (table, CSV, JSON, ...)."""
        from fairwatt.reporting.report import Report

        tables = {"summary": self.summary, "inequity": self.inequity, "sites": self.sites}
        if self.frontier is not None:
            tables = {"frontier": self.frontier, **tables}
        if self.deferral is not None:
            tables["deferral"] = self.deferral
        if self.time_shift is not None:
            tables["time_shift"] = self.time_shift
        title = f"Rebalancing — {self.title}"
        return Report(title=title, tables=tables, metadata=self.metadata, notes=self.notes)

    def allocation_report(self) -> Report:
        """The hourly allocation as a report of its own."""
        from fairwatt.reporting.report import Report

        return Report(
            title=f"Rebalancing — {self.title} — hourly allocation",
            tables={"allocation": self.allocation},
            metadata={"scenario": self.metadata.get("scenario")},
        )

    def to_json(self, path: str | Path | None = None, *, allocation: bool = False) -> str:
        """The result as a JSON document (schema :data:`SCHEMA_VERSION`), also written to
        ``path`` when given; ``allocation=True`` adds the hourly allocation."""
        tables = {"summary": self.summary, "inequity": self.inequity, "sites": self.sites}
        if self.frontier is not None:
            tables["frontier"] = self.frontier
        for name, extra in (("deferral", self.deferral), ("time_shift", self.time_shift)):
            if extra is not None:
                tables[name] = extra
        if allocation:
            tables["allocation"] = self.allocation
        doc = {
            "schema": _SCHEMA,
            "schema_version": self.schema_version,
            "fairwatt_version": self.fairwatt_version,
            "generated_at": self.generated_at,
            "title": self.title,
            "options": plain(self.options),
            "metadata": plain(self.metadata),
            "notes": list(self.notes),
            "tables": {name: frame_to_doc(df) for name, df in tables.items()},
        }
        text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
        if path is not None:
            from fairwatt.io.writers import atomic_path

            with atomic_path(path) as tmp:
                tmp.write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, source: str | Path) -> RebalanceResult:
        """Read a result written by :meth:`to_json` (a JSON text or a file path).

        Raises
        ------
        InputError
            When the document is not a rebalancing result of this schema version.
        """
        text = source if isinstance(source, str) and source.lstrip().startswith("{") else None
        where = None if text is not None else str(source)
        if text is None:
            try:
                text = Path(source).read_text(encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot read the result: {exc}", file=where) from None
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not a JSON document: {exc}", file=where) from None
        if not isinstance(doc, dict) or doc.get("schema") != _SCHEMA:
            raise InputError("not a fairwatt rebalancing result", file=where)
        if doc.get("schema_version") != SCHEMA_VERSION:
            raise InputError(
                f"rebalancing result of schema version {doc.get('schema_version')!r}; "
                f"fairwatt {__version__} reads version {SCHEMA_VERSION}",
                file=where,
                hint="solve the scenario again with this fairwatt",
            )
        tables = {name: frame_from_doc(t) for name, t in doc["tables"].items()}
        result = cls(
            title=doc["title"],
            summary=tables["summary"],
            inequity=tables["inequity"],
            sites=tables["sites"],
            frontier=tables.get("frontier"),
            notes=list(doc["notes"]),
            metadata=doc["metadata"],
            options=doc["options"],
            fairwatt_version=doc["fairwatt_version"],
            generated_at=doc["generated_at"],
            deferral=tables.get("deferral"),
            time_shift=tables.get("time_shift"),
            units=units_of(doc["metadata"]),
        )
        result._allocation = tables.get("allocation")
        return result
