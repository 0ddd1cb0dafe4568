"""The Python API: audit energy logs, measure inequity, browse the bundled data.

Everything here is re-exported by :mod:`fairwatt`::

    import fairwatt

    result = fairwatt.audit("energy.csv", by="zone")
    result.totals["carbon_kg"]
    fairwatt.equity(result.table.set_index("zone")["water_l"])["gini"]

The functions take Python values (DataFrames, lists, durations) and raise
:class:`~fairwatt.errors.InputError` naming the offending *parameter* (``by: unknown
grouping 'x'``). Heavy libraries (pandas, DuckDB) are imported when a function runs,
so ``import fairwatt`` stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fairwatt.errors import InputError
from fairwatt.io import DEFAULT_MEMORY_LIMIT

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from fairwatt.reporting.results import AuditResult
    from fairwatt.services.audit import AuditOptions

__all__ = ["audit", "dataset", "datasets", "equity", "sites"]

PathLike = str | os.PathLike[str]


# --------------------------------------------------------------------------- audit


def audit(
    logs: pd.DataFrame | pa.Table | PathLike | Sequence[PathLike],
    *,
    sites: PathLike | pd.DataFrame | Sequence[PathLike | pd.DataFrame] | None = None,
    factors: PathLike | pd.DataFrame | Sequence[PathLike | pd.DataFrame] | None = None,
    footprints: str | Sequence[str] | None = None,
    by: str | Sequence[str] = "site",
    tz: str | None = None,
    energy_unit: str = "kWh",
    interval: str | timedelta | float | None = None,
    columns: Mapping[str, str] | None = None,
    duplicates: str = "error",
    fallback: str | None = None,
    water_model: str = "split",
    datasets: str | Sequence[str] = (),
    factors_from: str | None = None,
    provider_zones: Mapping[str, str] | None = None,
    offline: bool = False,
    equity: bool = True,
    provenance_column: bool = False,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    progress: Callable[[str, float | None], None] | None = None,
) -> AuditResult:
    """Carbon, water and health footprint of energy logs, region by region.

    The log is reduced to IT energy per (site, UTC hour), each site is resolved to its
    zone, PUE and on-site WUE, factors are joined per (zone, hour) and the footprints
    follow from the models of :mod:`fairwatt.footprint_models`:

    * facility energy ``E_fac = PUE x E_IT``;
    * carbon ``= E_fac x CI``;
    * water ``= E_IT x WUE_onsite + E_fac x EWIF_offsite`` (``water_model="split"``), or
      ``E_IT x water_total_l_per_kwh`` (``"total"``);
    * health ``= E_fac x health damage factor``.

    Across the regions of the grouping (``zone``, else ``site``) the inequity indices
    of every footprint are computed as by :func:`equity`.

    Parameters
    ----------
    logs : pandas.DataFrame, pyarrow.Table, path or list of paths
        The energy log: a table in memory (scanned in place), or CSV (``.csv``,
        ``.csv.gz``) and Parquet files, folders and globs of Parquet. Columns
        ``timestamp``, ``site`` and ``energy_kwh`` (IT energy in ``energy_unit``), or
        ``power_w`` with ``interval``; optional ``server`` and ``requests``.
    sites : path, DataFrame or list of them, optional
        Sites tables (CSV or TOML files, or DataFrames with ``site`` as a column or the
        index; columns ``zone``, ``pue`` [-], ``wue_l_per_kwh`` [L/kWh], ...) that extend
        or override the bundled cloud-region catalog (:func:`sites`), later ones winning.
    factors : path, DataFrame or list of them, optional
        Factor tables (CSV or Parquet files, or DataFrames of the same layout: ``zone``
        or ``site``, a time column by resolution and canonical factor columns such as
        ``carbon_g_per_kwh`` [gCO2e/kWh]; long or wide; hourly, monthly, annual or
        static); they win over bundled data.
    footprints : str or list of str, optional
        Footprints to compute, among ``"carbon"``, ``"water"`` and ``"health"``
        (``None``: all three). Health damage factors exist for US zones only.
    by : str or list of str, default "site"
        Grouping of the result table: ``site``, ``zone``, ``hour``, ``day`` or
        ``month``, as a list or a comma-separated string (``"zone,hour"``).
    tz : str, optional
        IANA time zone of naive timestamps (e.g. ``"UTC"``); ``None`` makes naive
        timestamps an error.
    energy_unit : str, default "kWh"
        Unit of the energy column: ``"Wh"``, ``"kWh"``, ``"MWh"``, ``"J"``, ...
    interval : str, datetime.timedelta or float, optional
        Length of each record: a pandas duration string (``"15min"``), a timedelta or a
        number of seconds. [s] Records that straddle hours are split in proportion to
        overlap; required for ``power_w`` records.
    columns : mapping of str to str, optional
        Your column names: field -> column, with field one of ``timestamp``, ``site``,
        ``energy``, ``power``, ``server``, ``requests``.
    duplicates : {"error", "sum"}, default "error"
        Records sharing timestamp, site and server: an error, or added up.
    fallback : {None, "annual"}, optional
        ``"annual"`` fills hours missing from hourly factors with annual values (such
        rows are marked in ``factor_fallback``); ``None`` makes a missing factor an error.
    water_model : {"split", "total"}, default "split"
        How water is computed (see above).
    datasets : str or list of str, default ()
        Bundled datasets to pin (``NAME`` or ``NAME@VERSION``); they win over the
        default datasets. See :func:`datasets`.
    factors_from : str, optional
        Fetch hourly factors for the log's sites from a live provider
        (``electricitymaps``, ``watttime``, ``ukcarbon``, ``eia``, ``entsoe``), cached;
        they win over bundled data.
    provider_zones : mapping of str to str, optional
        Zone or site -> the provider's zone name (e.g. ``{"US-TX": "ERCO"}``).
    offline : bool, default False
        Use cached provider answers only; never connect.
    equity : bool, default True
        Compute the inequity indices across regions.
    provenance_column : bool, default False
        Add a ``factor_sources`` column per row.
    memory_limit : str, default "768MB"
        Memory the log reduction may hold before it spills to a temporary folder.
    progress : callable, optional
        Called as ``progress(message, fraction_or_None)`` while the audit runs.

    Returns
    -------
    AuditResult
        ``table`` (footprint per group: ``energy_kwh`` [kWh, IT],
        ``facility_energy_kwh`` [kWh], ``carbon_kg`` [kgCO2e], ``water_onsite_l``,
        ``water_offsite_l``, ``water_l`` [L], ``health_usd`` [US$], ...), ``totals``,
        ``equity`` (one row per index, one column per footprint column), ``provenance``
        of every factor and ``notes``.

    Raises
    ------
    InputError
        An invalid parameter (the message names it), or an unreadable or invalid log,
        sites or factor file (file, row and column named).
    FactorMissingError
        A site-hour has no factor and no ``fallback`` was asked for.
    DataUnavailableError
        A provider or its cache cannot deliver.

    Examples
    --------
    >>> import pandas as pd
    >>> import fairwatt
    >>> log = pd.DataFrame({
    ...     "timestamp": pd.date_range("2024-06-03", periods=3, freq="h", tz="UTC"),
    ...     "site": ["aws:us-east-1", "aws:eu-west-1", "gcp:asia-northeast1"],
    ...     "energy_kwh": [120.0, 80.0, 60.0],
    ... })
    >>> result = fairwatt.audit(log, by="zone", footprints=["carbon", "water"])
    >>> float(result.totals["energy_kwh"])
    260.0
    >>> list(result.equity.index[:2])
    ['gini', 'max_to_mean']

    References
    ----------
    .. [1] Li, P., Yang, J., Islam, M. A., Ren, S. (2023). Making AI less "thirsty":
       uncovering and addressing the secret water footprint of AI models.
       arXiv:2304.03271
    .. [2] Han, Y., Wu, Z., Li, P., Wierman, A., Ren, S. (2024). The unpaid toll:
       quantifying the public health impact of AI. arXiv:2412.06288
    .. [3] Hajiesmaili, M., Ren, S., Sitaraman, R. K., Wierman, A. (2025). Towards
       environmentally equitable AI. Communications of the ACM. arXiv:2412.16539
    """
    from fairwatt.services.audit import run_audit

    source = _log_source(logs)
    options = _audit_options(
        sites=sites,
        factors=factors,
        footprints=footprints,
        by=by,
        tz=tz,
        energy_unit=energy_unit,
        interval=interval,
        columns=columns,
        duplicates=duplicates,
        fallback=fallback,
        water_model=water_model,
        datasets=datasets,
        factors_from=factors_from,
        provider_zones=provider_zones,
        offline=offline,
        equity=equity,
        provenance_column=provenance_column,
        memory_limit=memory_limit,
    )
    return run_audit(source, options, progress=progress)


def _is_table(obj: Any) -> bool:
    """A pandas DataFrame or a pyarrow Table (recognised without importing either)."""
    cls = type(obj)
    return (cls.__module__.startswith("pandas") and cls.__name__ == "DataFrame") or (
        cls.__module__.startswith("pyarrow") and cls.__name__ == "Table"
    )


def _log_source(logs: Any) -> Any:
    if _is_table(logs):
        return logs
    if isinstance(logs, str | os.PathLike):
        return [os.fspath(logs)]
    if isinstance(logs, Sequence) and all(isinstance(p, str | os.PathLike) for p in logs):
        if not logs:
            raise InputError("logs: no energy log given")
        return [os.fspath(p) for p in logs]
    raise InputError(
        f"logs: expected a pandas DataFrame, a pyarrow Table, a path or a list of paths, "
        f"got {type(logs).__name__}"
    )


def _tables(value: Any, name: str) -> list[Any]:
    """A path, a table in memory, or a list of them, as a list of paths (str) and pandas
    DataFrames (a pyarrow Table becomes a DataFrame); ``name`` for messages."""
    if value is None:
        return []
    items = [value] if isinstance(value, str | os.PathLike) or _is_table(value) else value
    if not isinstance(items, Sequence):
        raise InputError(
            f"{name}: expected a path, a DataFrame or a list of them, got {type(value).__name__}"
        )
    out: list[Any] = []
    for item in items:
        if isinstance(item, str | os.PathLike):
            out.append(os.fspath(item))
        elif _is_table(item):
            out.append(item if type(item).__name__ == "DataFrame" else item.to_pandas())
        else:
            raise InputError(
                f"{name}: expected a path, a DataFrame or a list of them, got {type(item).__name__}"
            )
    return out


def _names(value: Any, name: str) -> tuple[list[str], str | None]:
    """A comma-separated string or a list of strings as a list (and the string given)."""
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()], value
    if isinstance(value, Sequence) and all(isinstance(k, str) for k in value):
        return [k.strip() for k in value], None
    raise InputError(f"{name}: expected a string or a list of strings, got {value!r}")


def _choice(value: Any, name: str, choices: Sequence[str | None]) -> Any:
    value = getattr(value, "value", value)  # an Enum member stands for its value
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise InputError(f"{name}: {value!r} is not one of {shown}")
    return value


def _interval_seconds(value: Any) -> float | None:
    """``interval`` as seconds. [s]"""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"interval: {value!r} is not a duration")
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        import pandas as pd

        try:
            seconds = pd.Timedelta(value).total_seconds()
        except (ValueError, TypeError):
            raise InputError(
                f"interval: {value!r} is not a duration", hint="e.g. '15min', '1h', 300 (seconds)"
            ) from None
    else:
        raise InputError(f"interval: {value!r} is not a duration")
    if not seconds > 0 or seconds == float("inf"):
        raise InputError(f"interval: {value!r} must be a positive duration")
    return seconds


def _check_tz(tz: Any) -> str | None:
    if tz is None:
        return None
    import zoneinfo

    if not isinstance(tz, str):
        raise InputError(f"tz: expected an IANA time zone name, got {tz!r}")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"tz: unknown time zone {tz!r}", hint="use an IANA name such as Europe/Berlin or UTC"
        ) from None
    return tz


def _mapping(value: Any, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InputError(f"{name}: expected a mapping of strings to strings, got {value!r}")
    return dict(value)


def _audit_options(
    *,
    sites: Any,
    factors: Any,
    footprints: Any,
    by: Any,
    tz: Any,
    energy_unit: Any,
    interval: Any,
    columns: Any,
    duplicates: Any,
    fallback: Any,
    water_model: Any,
    datasets: Any,
    factors_from: Any,
    provider_zones: Any,
    offline: bool,
    equity: bool,
    provenance_column: bool,
    memory_limit: str,
) -> AuditOptions:
    """Validate the parameters of :func:`audit` (errors name them) into its options."""
    from fairwatt.io.logs import CANONICAL_FIELDS, LogOptions
    from fairwatt.services.audit import FOOTPRINTS, AuditOptions, check_by, check_footprints
    from fairwatt.units import ENERGY_TO_KWH

    keys, given = _names(by, "by")
    group = check_by(keys, name="by", given=given)
    if footprints is None:
        which = list(FOOTPRINTS)
    else:
        items, given = _names(footprints, "footprints")
        which = check_footprints(items, name="footprints", given=given)
    energy_unit = getattr(energy_unit, "value", energy_unit)
    if energy_unit not in ENERGY_TO_KWH:
        raise InputError(
            f"energy_unit: unknown unit {energy_unit!r}",
            hint=f"use one of {', '.join(ENERGY_TO_KWH)}",
        )
    column_map = _mapping(columns, "columns")
    unknown = sorted(set(column_map) - set(CANONICAL_FIELDS))
    if unknown:
        raise InputError(
            f"columns: unknown field(s) {', '.join(unknown)}",
            hint=f"fields are {', '.join(CANONICAL_FIELDS)}",
        )
    fallback = _choice(fallback, "fallback", (None, "none", "annual"))
    pinned, _ = _names([datasets] if isinstance(datasets, str) else datasets, "datasets")
    if factors_from is not None and not isinstance(factors_from, str):
        raise InputError(f"factors_from: expected a provider name, got {factors_from!r}")
    if not isinstance(memory_limit, str) or not memory_limit.strip():
        raise InputError(f"memory_limit: expected a size such as '768MB', got {memory_limit!r}")
    return AuditOptions(
        log=LogOptions(
            columns=column_map,
            energy_unit=energy_unit,
            tz=_check_tz(tz),
            interval_s=_interval_seconds(interval),
            duplicates=_choice(duplicates, "duplicates", ("error", "sum")),
            memory_limit=memory_limit,
        ),
        sites=_tables(sites, "sites"),
        factors=_tables(factors, "factors"),
        datasets=pinned,
        by=group,
        footprints=which,
        fallback=None if fallback in (None, "none") else fallback,
        provenance_column=bool(provenance_column),
        equity=bool(equity),
        water_model=_choice(water_model, "water_model", ("split", "total")),
        factors_from=factors_from,
        provider_zones=_mapping(provider_zones, "provider_zones"),
        offline=bool(offline),
    )


# --------------------------------------------------------------------------- equity


def equity(
    values: pd.Series | pd.DataFrame,
    *,
    weights: pd.Series | Sequence[float] | None = None,
    gini_form: str = "population",
    epsilons: Sequence[float] = (0.5, 1.0, 2.0),
    q: float = 2.0,
    k: int = 1,
) -> pd.Series | pd.DataFrame:
    """Inequity indices of a footprint across regions.

    Every index of :mod:`fairwatt.footprint_models.equity`, under the names the audit's
    equity table uses: ``gini`` (population form, ``sum_i sum_j |x_i - x_j| /
    (2 n^2 mean)``), ``max_to_mean`` (peak-to-average ratio), ``max_to_min``,
    ``theil_t``, ``theil_l``, ``atkinson(e)`` for each ``e`` of ``epsilons``,
    ``coefficient_of_variation``, ``jain_index``, ``hoover_index``, ``lq_norm(q)`` and
    ``top_k_share``. With ``weights`` each region stands for its weight (e.g. its
    population), in every index that has a weighted form.

    Parameters
    ----------
    values : pandas.Series or pandas.DataFrame
        Footprint borne by each region, indexed by region: a Series, or a DataFrame
        with one column per footprint. [any non-negative unit]
    weights : pandas.Series or sequence of float, optional
        Weight of each region: a Series indexed by region (every region covered), or
        one weight per row of ``values``. [any unit]
    gini_form : {"population", "sample"}, default "population"
        Gini form; with weights only ``"population"`` (the weighted form).
    epsilons : sequence of float, default (0.5, 1, 2)
        Atkinson inequality aversions. [dimensionless]
    q : float, default 2
        Order of the L_q norm. [dimensionless]
    k : int, default 1
        Number of most-burdened regions in the top-k share.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        For a Series, a Series indexed by index name; for a DataFrame, a DataFrame with
        one row per index and one column per input column. Undefined values (all
        values zero) are NaN; ``max_to_min`` and ``theil_l`` are ``inf`` when a region
        is at zero.

    Raises
    ------
    InputError
        Values that are not a Series or DataFrame, empty, NaN, infinite or negative;
        regions listed twice; weights that miss regions or are all zero; an invalid
        ``gini_form``, ``epsilons``, ``q`` or ``k``. The message names the parameter.

    Examples
    --------
    >>> import pandas as pd
    >>> import fairwatt
    >>> idx = fairwatt.equity(pd.Series({"A": 3.0, "B": 7.0, "C": 10.0}))
    >>> round(float(idx["gini"]), 4), float(idx["max_to_mean"])
    (0.2333, 1.5)

    References
    ----------
    .. [1] Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed. Oxford University
       Press. :doi:`10.1093/acprof:osobl/9780199594030.001.0001`
    .. [2] Li, P., Yang, J., Wierman, A., Ren, S. (2024). Towards environmentally
       equitable AI via geographical load balancing. e-Energy 2024. arXiv:2307.05494
    """
    from fairwatt.services.equity import equity_of

    return equity_of(values, weights=weights, gini_form=gini_form, epsilons=epsilons, q=q, k=k)


# --------------------------------------------------------------------------- bundled data


def sites() -> pd.DataFrame:
    """The bundled catalog of cloud regions (sites).

    Returns
    -------
    pandas.DataFrame
        Indexed by site id (e.g. ``aws:us-east-1``): ``zone`` (the grid zone whose
        factors apply), ``pue`` [-], ``wue_l_per_kwh`` [L/kWh of IT energy],
        ``capacity_kw`` [kW] (NaN when unknown), text columns (``label``, ``provider``,
        ``region``, ``location``, ``pue_source``, ``wue_source``) and ``origin`` (the
        bundled dataset each row comes from).

    Examples
    --------
    >>> import fairwatt
    >>> fairwatt.sites().loc["aws:us-east-1", "zone"]
    'US-VA'
    """
    from fairwatt.factors.sites import load_sites

    return load_sites()


#: columns of :func:`datasets`, in order
DATASET_COLUMNS = (
    "name",
    "version",
    "title",
    "role",
    "factors",
    "kind",
    "resolution",
    "year",
    "coverage",
    "licence",
    "source",
    "url",
    "file",
)


def datasets() -> pd.DataFrame:
    """The bundled datasets and their metadata.

    Returns
    -------
    pandas.DataFrame
        One row per dataset, in manifest order, with columns ``name``, ``version``
        (pin it with ``audit(..., datasets=["NAME@VERSION"])``), ``title``, ``role``
        (``zone_factors``, ``sites``, ...), ``factors`` (the canonical factor columns
        it holds, comma-separated), ``kind`` (average, marginal, consumption, ...),
        ``resolution`` (annual, monthly, hourly, static), ``year`` (data year or
        ``first-last``), ``coverage``, ``licence``, ``source`` (title(s)), ``url`` and
        ``file``.

    Examples
    --------
    >>> import fairwatt
    >>> "country-carbon-owid" in set(fairwatt.datasets()["name"])
    True
    """
    import pandas as pd

    from fairwatt.datasets.catalog import manifest

    rows = []
    for d in manifest():
        sources = d.source if isinstance(d.source, list) else [d.source]
        titles = [s.get("title", "") if isinstance(s, dict) else str(s) for s in sources]
        urls = [s.get("url", "") for s in sources if isinstance(s, dict)]
        year = d.year
        if isinstance(year, list | tuple):
            year = "-".join(str(y) for y in year)
        rows.append(
            {
                "name": d.name,
                "version": d.version,
                "title": d.title,
                "role": d.role,
                "factors": ", ".join(c for c in d.columns if _is_factor_column(c)),
                "kind": d.kind,
                "resolution": d.resolution,
                "year": "" if year is None else str(year),
                "coverage": d.coverage,
                "licence": d.licence,
                "source": "; ".join(t for t in titles if t),
                "url": " ".join(u for u in urls if u),
                "file": d.file,
            }
        )
    return pd.DataFrame(rows, columns=list(DATASET_COLUMNS))


def _is_factor_column(column: str) -> bool:
    return column.endswith(("_per_kwh", "_per_mwh"))


def dataset(name: str) -> pd.DataFrame:
    """The data of one bundled dataset, with its metadata in ``df.attrs``.

    Parameters
    ----------
    name : str
        Dataset name, as listed by :func:`datasets` (e.g. ``"country-carbon-owid"``).

    Returns
    -------
    pandas.DataFrame
        The table (a fresh copy; ``timestamp`` parsed as UTC). Its ``attrs`` hold the
        manifest entry: ``name``, ``version``, ``title``, ``source``, ``year``,
        ``licence``, ``attribution``, ``kind``, ``role``, ``resolution``, ``columns``
        (column -> unit or description), ``coverage``, ``caveats``, ``citation``,
        ``sha256``, ...

    Raises
    ------
    InputError
        An unknown name (near matches are suggested).

    Examples
    --------
    >>> import fairwatt
    >>> df = fairwatt.dataset("country-carbon-owid")
    >>> df.attrs["licence"]
    'CC-BY-4.0'
    """
    import dataclasses

    from fairwatt.datasets.catalog import info, load

    if not isinstance(name, str):
        raise InputError(f"name: expected a dataset name, got {name!r}")
    meta = info(name)
    df = load(name)
    attrs = dataclasses.asdict(meta)
    attrs.update(attrs.pop("extra"))
    df.attrs.update(attrs)
    return df
