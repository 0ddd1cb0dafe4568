"""The footprint audit: energy logs -> energy per (site, hour) -> factors -> footprints.

Pipeline: :func:`fairwatt.io.logs.reduce_log` streams the log into IT energy per
(site, UTC hour); sites resolve to zone, PUE and on-site WUE; factors resolve per
(site, hour) (:mod:`fairwatt.factors.resolve`); the models of
:mod:`fairwatt.footprint_models` turn energy into carbon, water and health cost; rows
are grouped as asked and returned as an :class:`~fairwatt.reporting.results.AuditResult` with
totals, provenance of every factor and, across regions, the inequity indices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from fairwatt._version import __version__
from fairwatt.errors import FactorMissingError, InputError
from fairwatt.footprint_models.carbon import carbon_mass
from fairwatt.footprint_models.energy import facility_energy
from fairwatt.footprint_models.health import health_cost
from fairwatt.footprint_models.water import (
    offsite_water,
    onsite_water,
    water_from_total_intensity,
)
from fairwatt.io.logs import LogOptions, ReducedLog, reduce_log
from fairwatt.reporting.results import AuditResult
from fairwatt.schema import FOOTPRINTS, OPTIONAL_FACTORS, OUTPUTS, REQUIRED_FACTOR, unit_of
from fairwatt.services.carbon_basis import (
    CARBON,
    carbon_basis_notes,
    check_carbon_basis,
    with_carbon_basis,
)

if TYPE_CHECKING:
    import pandas as pd

    from fairwatt.factors.resolve import Resolved
    from fairwatt.factors.table import FactorLayer
    from fairwatt.io.logs import LogSource

GROUP_KEYS = ("site", "zone", "hour", "day", "month")
#: what the provenance records of each site's PUE and WUE
SITE_PROVENANCE_COLUMNS = (
    "site",
    "zone",
    "pue",
    "wue_l_per_kwh",
    "pue_source",
    "wue_source",
    "origin",
)
#: unit of each output column (family), as the result documents them
#: columns summed per group and in the totals: the schema's outputs, with the log's
#: request count after the energy columns
SUM_COLUMNS = (
    "energy_kwh",
    "facility_energy_kwh",
    "requests",
    *(name for name in OUTPUTS if name not in ("energy_kwh", "facility_energy_kwh")),
)


@dataclass
class AuditOptions:
    """Everything an audit needs besides the log paths."""

    log: LogOptions = field(default_factory=LogOptions)
    #: sites files or DataFrames (see :func:`fairwatt.factors.sites.load_sites`)
    sites: Sequence[str | pd.DataFrame] = ()
    #: factor files or DataFrames (see :func:`fairwatt.factors.table.read_factor_file`)
    factors: Sequence[str | pd.DataFrame] = ()
    datasets: Sequence[str] = ()
    by: Sequence[str] = ("site",)
    #: footprints to compute; ``None`` (auto): every footprint whose factors cover all
    #: zones of the log, and a note naming what was left out and why
    footprints: Sequence[str] | None = None
    fallback: str | None = None
    provenance_column: bool = False
    equity: bool = True
    water_model: str = "split"
    #: carbon basis of the bundled defaults: ``lifecycle`` or ``direct`` (one basis for
    #: every zone; a zone without data in it is an error), or ``any`` (mixed, noted)
    carbon_basis: str = "lifecycle"
    factors_from: str | None = None
    provider_zones: dict[str, str] = field(default_factory=dict)
    provider_signal: str | None = None
    offline: bool = False
    cache_dir: str | None = None
    #: more factors to resolve where the data has them (e.g. price for rebalancing)
    extra_factors: tuple[str, ...] = ()

    def candidate_footprints(self) -> list[str]:
        """The footprints asked for, or with ``footprints=None`` (auto) every footprint."""
        return list(FOOTPRINTS if self.footprints is None else self.footprints)

    def required_factor(self, footprint: str) -> str:
        """The factor column ``footprint`` needs (under this water model)."""
        if footprint == "water" and self.water_model == "total":
            return "water_total_l_per_kwh"
        return REQUIRED_FACTOR[footprint]

    def required_factors(self) -> list[str]:
        """The factor column each requested (or, in auto, each possible) footprint needs."""
        return [self.required_factor(f) for f in self.candidate_footprints()]

    def optional_factors(self) -> list[str]:
        skip = {"ewif_withdrawal_l_per_kwh"} if self.water_model == "total" else set()
        optional = [
            o
            for f in self.candidate_footprints()
            for o in OPTIONAL_FACTORS.get(f, ())
            if o not in skip
        ]
        return optional + [f for f in self.extra_factors if f not in optional]


def check_by(keys: Sequence[str], *, name: str = "by", given: str | None = None) -> list[str]:
    """Validate grouping keys (``site``, ``zone``, ``hour``, ``day``, ``month``).

    ``name`` is how the caller calls the parameter in messages (``by``, ``--by``);
    ``given`` the value as the user wrote it, when that was one string.
    """
    keys = list(keys)
    shown = given if given is not None else ",".join(str(k) for k in keys)
    bad = [k for k in keys if k not in GROUP_KEYS]
    if not keys or bad:
        raise InputError(
            f"{name}: unknown grouping {shown!r}",
            hint=f"use a comma-separated list of {', '.join(GROUP_KEYS)} (e.g. site,hour)",
        )
    if len({k for k in keys if k in ("hour", "day", "month")}) > 1:
        raise InputError(f"{name}: use only one of hour, day and month")
    return keys


def check_footprints(
    items: Sequence[str], *, name: str = "footprints", given: str | None = None
) -> list[str]:
    """Validate footprint names (``carbon``, ``water``, ``health``); see :func:`check_by`."""
    items = list(items)
    shown = given if given is not None else ",".join(str(k) for k in items)
    bad = [str(k) for k in items if k not in FOOTPRINTS]
    if not items or bad:
        raise InputError(
            f"{name}: unknown footprint(s) {', '.join(bad) or repr(shown)}",
            hint=f"choose from {', '.join(FOOTPRINTS)}",
        )
    return items


def table_labels(items: Sequence[str | pd.DataFrame]) -> list[str]:
    """How messages and the result name each input: a path as it is, a DataFrame as
    ``<DataFrame>`` (numbered when there are several)."""
    frames = sum(1 for i in items if not isinstance(i, str))
    out, k = [], 0
    for item in items:
        if isinstance(item, str):
            out.append(item)
        else:
            k += 1
            out.append("<DataFrame>" if frames == 1 else f"<DataFrame {k}>")
    return out


def _layers(options: AuditOptions) -> list[FactorLayer]:
    from fairwatt import datasets
    from fairwatt.factors.table import bundled_layer, read_factor_file

    layers = [
        read_factor_file(f, tz=options.log.tz, name=label)
        for f, label in zip(options.factors, table_labels(options.factors), strict=True)
    ]
    pinned = []
    for spec in options.datasets:
        name, _, version = spec.partition("@")
        layer = bundled_layer(name)
        meta = datasets.info(name)
        if version and version != meta.version:
            raise InputError(
                f"dataset {spec}: bundled version is {meta.version}",
                hint="install the fairwatt release that ships that version, or drop @VERSION",
            )
        layer.origin = "pinned"
        pinned.append(layer)
    layers += pinned
    seen = {layer.name for layer in layers}
    needed = options.required_factors() + options.optional_factors()
    for factor in needed:
        names = (
            datasets.carbon_defaults(options.carbon_basis)
            if factor == CARBON
            else datasets.default_datasets(factor)
        )
        for name in names:
            if name not in seen:
                layers.append(bundled_layer(name))
                seen.add(name)
    return layers


class SiteHours(NamedTuple):
    """Energy and factors per (site, hour): what :func:`site_hour_table` returns."""

    #: ``site``, ``zone``, ``hour``, ``energy_kwh``, ``records``, ``pue``,
    #: ``wue_l_per_kwh`` and one column per resolved factor
    rows: pd.DataFrame
    resolved: Resolved
    reduced: ReducedLog
    site_info: pd.DataFrame
    #: the footprints the factors allow (all those asked for, or in auto those covered)
    footprints: list[str]
    #: what auto left out and why (empty when footprints were named)
    notes: list[str]


def site_hour_table(
    paths: LogSource,
    options: AuditOptions,
    progress: Callable[[str, float | None], None] | None = None,
) -> SiteHours:
    """Energy and factors per (site, hour), before any footprint is computed (see
    :class:`SiteHours`); with ``options.footprints=None`` the footprints are chosen by
    :func:`fairwatt.services.coverage.choose_footprints`."""
    import dataclasses

    import pandas as pd

    from fairwatt.factors.resolve import resolve, site_groups
    from fairwatt.factors.sites import load_sites, resolve_sites
    from fairwatt.services.coverage import choose_footprints

    sites_table = load_sites(list(options.sites))
    reduced = reduce_log(
        paths,
        options.log,
        progress=(lambda done: progress("reading the energy log", done)) if progress else None,
    )
    rows = reduced.data
    site_info = resolve_sites(sorted(rows["site"].unique()), sites_table)
    site_info = site_info.reset_index() if "site" not in site_info.columns else site_info
    # each site's zone, PUE and WUE on its rows, taken by position (0.05 s where a merge
    # took 0.09 s at 438,000 rows); every site was resolved above, and one that were not
    # would get missing values (position -1), never another site's
    at = pd.Index(site_info["site"]).get_indexer(rows["site"])
    rows = rows.assign(
        **{
            c: site_info[c].array.take(at, allow_fill=True)
            for c in ("zone", "pue", "wue_l_per_kwh")
        }
    )
    if progress:
        progress("joining factors", None)
    layers = _layers(options)
    if options.factors_from:
        if progress:
            progress(f"fetching factors from {options.factors_from}", None)
        layers = _provider_layers(rows, options) + layers
    groups = site_groups(rows)
    check_carbon_basis(rows, options, layers, groups)
    which, notes = choose_footprints(rows, options, layers, groups)
    options = dataclasses.replace(options, footprints=which)
    try:
        resolved = resolve(
            rows,
            options.required_factors(),
            layers,
            fallback=options.fallback,
            optional=options.optional_factors(),
            groups=groups,
        )
    except FactorMissingError as exc:
        need = dict(zip(which, options.required_factors(), strict=True))
        lacking = [f for f in which if need[f] in exc.factors]
        keep = [f for f in which if f not in lacking]
        if lacking and keep:  # say how to audit what the data does cover
            exc.hint = (
                f"{exc.hint}; or leave {' and '.join(lacking)} out: --footprints {','.join(keep)}"
            )
        raise
    for col in resolved.values.columns:
        rows[col] = resolved.values[col].to_numpy()
    notes += carbon_basis_notes(resolved, groups, options.carbon_basis)
    return SiteHours(rows, resolved, reduced, site_info, which, notes)


def _provider_layers(rows: pd.DataFrame, options: AuditOptions) -> list[FactorLayer]:
    """Hourly factors fetched (or read from the cache) for the sites of the log.

    Each site is looked up by ``provider_zones`` (its site id, else its zone), else by its
    cloud site id where the provider takes those (Electricity Maps), else by its zone. A
    site the provider has no data for at all is an error, unless ``--fallback annual``
    (then noted on stderr, and its hours are flagged as using a fallback factor).
    """
    import pandas as pd

    from fairwatt.factors.table import FactorLayer
    from fairwatt.schema import FACTORS

    provider = options.factors_from
    assert provider is not None
    keys_for: dict[str, list[str]] = {}
    for site, zone in rows[["site", "zone"]].drop_duplicates().itertuples(index=False):
        if site in options.provider_zones:
            key, pz = site, options.provider_zones[site]
        elif zone in options.provider_zones:
            key, pz = zone, options.provider_zones[zone]
        elif provider == "electricitymaps" and site.split(":", 1)[0] in ("aws", "gcp", "azure"):
            key, pz = site, site
        else:
            key, pz = zone, zone
        keys_for.setdefault(pz, [])
        if key not in keys_for[pz]:
            keys_for[pz].append(key)
    start = rows["hour"].min()
    end = rows["hour"].max() + pd.Timedelta(hours=1)
    layers = []
    for pz, keys in keys_for.items():
        table, meta = _provider_table(provider, pz, keys, (start, end), options)
        cols = [c for c in table.columns if c in FACTORS]
        if "is_missing" in table.columns:
            table = table[~table["is_missing"].astype(bool)]
        if table.empty:  # no data: a row of gaps, so the key never silently falls back
            table = pd.DataFrame({"timestamp": [start], **{c: [float("nan")] for c in cols}})
        for key in keys:
            layers.append(
                FactorLayer(
                    name=f"{provider}:{pz}",
                    origin="provider",
                    resolution="hourly",
                    table=table[["timestamp", *cols]].assign(key=key)[["key", "timestamp", *cols]],
                    provenance={"dataset": f"{provider}:{pz}", **meta},
                )
            )
    return layers


def _provider_table(
    provider: str,
    pz: str,
    keys: list[str],
    span: tuple[pd.Timestamp, pd.Timestamp],
    options: AuditOptions,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The provider's hourly table for zone ``pz`` (the sites ``keys``); no data at all is
    an error naming them, or with ``--fallback annual`` an empty table and a note."""
    import logging

    import pandas as pd

    from fairwatt.errors import DataUnavailableError
    from fairwatt.providers import FACTOR_COLUMNS, NoDataError, fetch_factors

    start, end = span
    try:
        [(table, meta)] = fetch_factors(
            provider,
            [pz],
            start,
            end,
            offline=options.offline,
            cache_dir=options.cache_dir,
            signal=options.provider_signal,
            # the provider's carbon follows the audit's basis (``any``: its default)
            emission_factor_type=None if options.carbon_basis == "any" else options.carbon_basis,
        )
        reason = "every hour is missing"
    except NoDataError as exc:
        cols = [c for c in options.required_factors() if c in FACTOR_COLUMNS]
        table = pd.DataFrame({"timestamp": pd.Series([], dtype="datetime64[us, UTC]")})
        table = table.assign(**{c: pd.Series([], dtype="float64") for c in cols})
        meta, reason = {"provider": provider, "zone": pz}, exc.message
    if "is_missing" in table.columns and not table["is_missing"].all():
        return table, meta
    sites = ", ".join(keys)
    what = f"{provider} has no data for {sites} (zone {pz}), {start} to {end}: {reason}"
    if options.fallback != "annual":
        raise DataUnavailableError(
            what, hint="check the zone, or pass --fallback annual to use annual factors instead"
        )
    logging.getLogger(__name__).warning("%s; using annual factors (--fallback annual)", what)
    return table, {**meta, "fallback": "annual", "note": f"{what}; annual factors used"}


def footprints(
    rows: pd.DataFrame, which: Sequence[str], water_model: str = "split"
) -> pd.DataFrame:
    """Add footprint columns to per-(site, hour) rows (pure arithmetic via the models).

    ``water_model="split"``: on-site ``E_IT x WUE`` plus off-site ``E_IT x PUE x EWIF``;
    ``"total"``: ``E_IT x water_total_l_per_kwh``, a combined intensity per IT kWh
    (as in the eGLB data), with no on-site/off-site split.
    """
    # new columns only: a shallow copy leaves ``rows`` as it is (a deep one took 1.0 s of
    # 1.4 s at 4.4 M rows, most of it touching fresh memory)
    out = rows.copy(deep=False)
    e_it = out["energy_kwh"].to_numpy()
    e_fac = facility_energy(e_it, out["pue"].to_numpy())
    out["facility_energy_kwh"] = e_fac
    if "carbon" in which:
        out["carbon_kg"] = carbon_mass(e_fac, out["carbon_g_per_kwh"].to_numpy())
    if "water" in which and water_model == "total":
        out["water_l"] = water_from_total_intensity(e_it, out["water_total_l_per_kwh"].to_numpy())
    elif "water" in which:
        out["water_onsite_l"] = onsite_water(e_it, out["wue_l_per_kwh"].to_numpy())
        out["water_offsite_l"] = offsite_water(
            e_it, out["pue"].to_numpy(), out["ewif_l_per_kwh"].to_numpy()
        )
        out["water_l"] = out["water_onsite_l"] + out["water_offsite_l"]
        if "ewif_withdrawal_l_per_kwh" in out and out["ewif_withdrawal_l_per_kwh"].notna().all():
            out["water_withdrawal_offsite_l"] = offsite_water(
                e_it, out["pue"].to_numpy(), out["ewif_withdrawal_l_per_kwh"].to_numpy()
            )
    if "health" in which:
        out["health_usd"] = health_cost(e_fac, out["health_usd_per_mwh"].to_numpy())
        for bound in ("low", "high"):
            col = f"health_{bound}_usd_per_mwh"
            if col in out and out[col].notna().all():
                out[f"health_{bound}_usd"] = health_cost(e_fac, out[col].to_numpy())
    return out


#: how many of a row's site-hours used a fallback factor (``--fallback annual``)
FALLBACK_COLUMN = "factor_fallback_hours"


def _group(rows: pd.DataFrame, by: Sequence[str], extra: Sequence[str]) -> pd.DataFrame:
    frame = rows
    keys = list(by)
    if "day" in keys:
        frame = frame.assign(day=frame["hour"].dt.floor("D"))
    if "month" in keys:
        frame = frame.assign(
            month=frame["hour"]
            .dt.tz_localize(None)
            .dt.to_period("M")
            .dt.start_time.dt.tz_localize("UTC")
        )
    sums = [c for c in SUM_COLUMNS if c in frame.columns]
    agg = frame.groupby(keys, sort=True, observed=True)[sums].sum(min_count=1).reset_index()
    if keys == ["site"]:
        zones = frame.drop_duplicates("site").set_index("site")["zone"]
        agg.insert(1, "zone", agg["site"].map(zones))
    grouped = frame.groupby(keys, sort=True, observed=True)
    for name in extra:
        if name == FALLBACK_COLUMN:  # site-hours that used a fallback factor
            agg[name] = grouped[name].sum().astype("int64").to_numpy()
        else:  # "; "-joined labels: the union over the group
            agg[name] = grouped[name].agg(_union_labels).to_numpy()
    return agg


def _union_labels(labels: pd.Series) -> str:
    return "; ".join(sorted({part for text in labels for part in text.split("; ") if part}))


def _provenance(resolved: Resolved, site_info: pd.DataFrame) -> list[dict[str, Any]]:
    import pandas as pd

    counts = {f: resolved.source_ids[f].value_counts() for f in resolved.source_ids.columns}
    out: list[dict[str, Any]] = []
    for i, s in enumerate(resolved.sources):
        rows = int(counts[s.factor].get(i, 0)) if s.factor in counts else 0
        entry = {
            "factor": s.factor,
            "dataset": s.layer,
            "key": s.key,
            "resolution": s.resolution,
            "year": s.year,
            "fallback": s.fallback,
            "site_hours": rows,
        }
        entry.update({k: v for k, v in s.provenance.items() if k not in entry})
        out.append(with_carbon_basis(entry, s.provenance))
    cols = [c for c in SITE_PROVENANCE_COLUMNS if c in site_info.columns]
    sites = [
        {k: (None if pd.isna(v) else v) for k, v in r.items()}
        for r in site_info[cols].to_dict(orient="records")
    ]
    out.append({"factor": "pue, wue_l_per_kwh", "sites": sites})
    return out


def run_audit(
    paths: LogSource,
    options: AuditOptions,
    progress: Callable[[str, float | None], None] | None = None,
) -> AuditResult:
    """Audit the energy logs at ``paths`` (or a log in memory: a pandas DataFrame or a
    pyarrow Table): grouped rows, totals, equity indices across regions and provenance,
    as an :class:`~fairwatt.reporting.results.AuditResult`."""
    import pandas as pd

    rows, resolved, reduced, site_info, which, notes = site_hour_table(paths, options, progress)
    rows = footprints(rows, which, options.water_model)
    extra: list[str] = []  # per-row columns carried into the grouped table
    if options.provenance_column:
        labels = {f: [s.label() for s in resolved.sources] for f in resolved.source_ids.columns}
        parts = [
            pd.Series(resolved.source_ids[f].to_numpy()).map(
                lambda i, f=f: labels[f][i] if i >= 0 else ""
            )
            for f in resolved.source_ids.columns
        ]
        rows["factor_sources"] = ["; ".join(p for p in t if p) for t in zip(*parts, strict=True)]
        extra.append("factor_sources")
    if resolved.fallback.any():
        rows[FALLBACK_COLUMN] = resolved.fallback
        extra.append(FALLBACK_COLUMN)
        notes.append(
            f"{int(resolved.fallback.sum())} site-hour(s) used a fallback factor "
            f"(column {FALLBACK_COLUMN}: their count per row)"
        )
    table = _group(rows, options.by, extra)
    sums = [c for c in SUM_COLUMNS if c in table.columns]
    totals = pd.Series({c: float(rows[c].sum()) for c in sums}, dtype="float64")

    region_key = next((k for k in ("zone", "site") if k in options.by), None)
    equity_table: pd.DataFrame | None = None
    equity_info: dict[str, Any] = {}
    if options.equity and region_key is not None:
        equity_table, equity_info = _equity(rows, region_key)
        notes += equity_info.pop("notes", [])

    return AuditResult(
        table=table,
        totals=totals,
        equity=equity_table,
        provenance=_provenance(resolved, site_info),
        notes=notes,
        by=list(options.by),
        footprints=which,
        options={
            "energy_unit": options.log.energy_unit,
            "tz": options.log.tz,
            "interval_s": options.log.interval_s,
            "duplicates": options.log.duplicates,
            "fallback": options.fallback,
            "water_model": options.water_model,
            "carbon_basis": options.carbon_basis,
            "datasets": list(options.datasets),
            "factors_from": options.factors_from,
            "factor_files": table_labels(options.factors),
            "site_files": table_labels(options.sites),
        },
        inputs=list(reduced.sources),
        records=reduced.records,
        period_start=rows["hour"].min(),
        period_end=rows["hour"].max() + pd.Timedelta(hours=1),
        units={c: OUTPUTS[c].unit for c in table.columns if c in OUTPUTS},
        equity_info=equity_info if equity_table is not None else {},
        fairwatt_version=__version__,
        generated_at=pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds"),
    )


def _equity(rows: pd.DataFrame, region_key: str) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    """Inequity indices of each footprint across the regions of ``region_key``: a table
    indexed by index name (one column per footprint column) and how it was computed."""
    from fairwatt.services.equity import indices_for_groups

    cols = [
        c
        for c in ("carbon_kg", "water_l", "health_usd", "health_low_usd", "health_high_usd")
        if c in rows.columns
    ]
    per_region = rows.groupby(region_key, observed=True)[cols].sum()
    if len(per_region) < 2:
        return None, {"notes": [f"inequity indices need at least two {region_key}s"]}
    long = indices_for_groups(per_region, cols)
    # one row per index, one column per footprint (and its low/high bounds)
    table = long.pivot(index="index", columns="value", values="result")
    table = table.reindex(index=long["index"].unique(), columns=cols)
    table.columns.name = None
    notes = []
    for col in ("carbon_kg", "water_l", "health_usd"):
        if col in per_region:
            worst = per_region[col].idxmax()
            total = per_region[col].sum()
            share = per_region[col].max() / total if total > 0 else float("nan")
            amount = f"{per_region[col].max():,.1f} {unit_of(col)}"
            notes.append(
                f"worst {region_key} for {col}: {worst} ({amount}, {share:.0%} of the total)"
            )
    undefined = long[long["note"].str.contains("undefined", na=False)]
    notes += [f"{r.value} {r.index}: {r.note}" for r in undefined.itertuples(index=False)]
    meta = {
        "across": region_key,
        "regions": len(per_region),
        "gini_form": "population",
        "notes": notes,
    }
    return table, meta
