"""fairwatt.audit and fairwatt.equity: footprints of energy logs and their inequity."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fairwatt.api._params import audit_options, log_source
from fairwatt.io import DEFAULT_MEMORY_LIMIT

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from distributed import Client

    from fairwatt.io.logs import LogOptions
    from fairwatt.reporting.results import AuditResult

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
    carbon_basis: str = "lifecycle",
    datasets: str | Sequence[str] = (),
    factors_from: str | None = None,
    provider_zones: Mapping[str, str] | None = None,
    offline: bool = False,
    equity: bool = True,
    provenance_column: bool = False,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    engine: str = "duckdb",
    scheduler: str | Client | None = None,
    retries: int = 0,
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
        ``.csv.gz``) and Parquet files, folders and globs of Parquet, also in object
        storage (``s3://``, ``gs://``, ``abfs://`` URLs, read through fsspec). Columns
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
        Footprints to compute, among ``"carbon"``, ``"water"`` and ``"health"``.
        ``None`` (auto): every footprint whose factors cover all zones of the log, with
        a note naming those left out and why (bundled health damage factors cover US
        zones only). A footprint named here whose factors are missing is an error.
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
        ``"annual"`` fills hours missing from hourly factors with annual values (the
        column ``factor_fallback_hours`` counts them per row); ``None`` makes a missing
        factor an error.
    water_model : {"split", "total"}, default "split"
        How water is computed (see above).
    carbon_basis : {"lifecycle", "direct", "any"}, default "lifecycle"
        Carbon basis of the bundled defaults, the same for every zone: ``"lifecycle"``
        (upstream emissions included) or ``"direct"`` (combustion only); a zone whose
        bundled carbon data are of the other basis only is a ``FactorMissingError``
        naming it. ``"any"`` uses both and notes ``carbon basis mixed: ...``.
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
    memory_limit : str, default "256MB"
        Memory the log reduction may hold before it spills to a temporary folder.
    engine : {"duckdb", "dask"}, default "duckdb"
        Engine of the log reduction: the embedded one, on this machine, or Dask, each
        file a task on a cluster (the same table and errors; needs ``fairwatt[dask]``;
        logs must be files or object-store URLs the workers can read).
    scheduler : str or distributed.Client, optional
        With ``engine="dask"``: the scheduler's address (``"tcp://HOST:PORT"``) or a
        client of it; default ``DASK_SCHEDULER_ADDRESS``, else a local cluster of
        worker processes.
    retries : int, default 0
        With ``engine="dask"``: how often a failed task is run again.
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
        A provider or its cache cannot deliver; with ``engine="dask"``, the scheduler
        cannot be reached, a worker died or a task kept failing.

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

    source = log_source(logs)
    options = audit_options(
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
        carbon_basis=carbon_basis,
        datasets=datasets,
        factors_from=factors_from,
        provider_zones=provider_zones,
        offline=offline,
        equity=equity,
        provenance_column=provenance_column,
        memory_limit=memory_limit,
    )
    options.log = log_engine(options.log, engine, scheduler, retries)
    return run_audit(source, options, progress=progress)


def log_engine(log: LogOptions, engine: Any, scheduler: Any, retries: Any) -> LogOptions:
    """``log`` with the engine of the reduction, its parameters checked (errors name them)."""
    import dataclasses

    from fairwatt.errors import InputError
    from fairwatt.io.engines import ENGINES

    engine = getattr(engine, "value", engine)
    if engine not in ENGINES:
        raise InputError(f"engine: {engine!r} is not an engine", hint=f"use one of {ENGINES}")
    if scheduler is not None and engine != "dask":
        raise InputError("scheduler: needs engine='dask'")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise InputError(f"retries: expected a whole number >= 0, got {retries!r}")
    return dataclasses.replace(log, engine=engine, scheduler=scheduler, retries=retries)


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
    from fairwatt.services.equity import IndexOptions, equity_of

    options = IndexOptions(weights=weights, gini_form=gini_form, epsilons=epsilons, q=q, k=k)
    return equity_of(values, options)
