"""One entry point over every provider: :func:`fetch_factors`.

It fetches one canonical hourly factor table per zone (see
:mod:`fairwatt.providers._common`) with its provenance, through one cached session.

Providers and their signals (the first is the default):

================  ==============================  =====================================
provider          signals                         zones
================  ==============================  =====================================
electricitymaps   carbon-intensity,               zone keys (``DE``) or ``cloud:region``
                  power-breakdown
watttime          co2_moer, co2_aoer,             WattTime regions (``CAISO_NORTH``)
                  health_damage
ukcarbon          intensity, generation           ``GB``, ``GB:<region id>``, ``GB:<outcode>``
eia               fuel-mix                        EIA respondents (``ERCO``, ``CISO``)
entsoe            fuel-mix                        ``FR``, ``DE_LU`` ... or EIC codes
================  ==============================  =====================================

Fuel-mix signals (``power-breakdown``, ``generation``, ``fuel-mix``) give
``carbon_g_per_kwh`` and ``ewif_l_per_kwh`` from bundled per-fuel factor sets
(:data:`FUEL_FACTOR_SETS`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fairwatt.errors import FactorMissingError, InputError
from fairwatt.providers import _common as c
from fairwatt.providers.session import open_session

if TYPE_CHECKING:
    import pandas as pd
    import requests


@dataclass(frozen=True)
class ProviderSpec:
    """What the CLI and the audit need to know about a provider."""

    name: str
    title: str
    signals: tuple[str, ...]
    credentials: tuple[str, ...]
    zones: str
    span_days: int
    forecast_signals: tuple[str, ...] = ()

    @property
    def default_signal(self) -> str:
        return self.signals[0]


PROVIDERS: dict[str, ProviderSpec] = {
    "electricitymaps": ProviderSpec(
        "electricitymaps",
        "Electricity Maps API v3",
        ("carbon-intensity", "power-breakdown"),
        ("ELECTRICITYMAPS_API_KEY",),
        "zone keys such as DE or US-CAL-CISO, or cloud regions such as gcp:europe-west1",
        10,
        ("carbon-intensity",),
    ),
    "watttime": ProviderSpec(
        "watttime",
        "WattTime API v3",
        ("co2_moer", "co2_aoer", "health_damage"),
        ("WATTTIME_USER", "WATTTIME_PASSWORD"),
        "WattTime regions such as CAISO_NORTH",
        30,
        ("co2_moer", "co2_aoer", "health_damage"),
    ),
    "ukcarbon": ProviderSpec(
        "ukcarbon",
        "GB Carbon Intensity API (NESO)",
        ("intensity", "generation"),
        (),
        "GB, GB:<region id 1-17> or GB:<postcode outcode>",
        14,
    ),
    "eia": ProviderSpec(
        "eia",
        "EIA API v2, hourly fuel mix (EIA-930)",
        ("fuel-mix",),
        ("EIA_API_KEY",),
        "EIA respondents (balancing authorities) such as ERCO, CISO, PJM",
        14,
    ),
    "entsoe": ProviderSpec(
        "entsoe",
        "ENTSO-E Transparency Platform, actual generation per type (A75)",
        ("fuel-mix",),
        ("ENTSOE_API_KEY",),
        "bidding zones such as FR, DE_LU, SE_3, or EIC codes",
        30,
    ),
}

#: Per-fuel factor sets (bundled dataset names) for fuel-mix signals:
#: provider -> canonical column -> emission-factor type ("lifecycle" / "direct") -> dataset.
#: EIA-930 mixes use the set of the "Making AI Less Thirsty" code (REFERENCE R3); the
#: others use IPCC AR5 medians for carbon and Macknick et al. (2012) medians, hydro
#: reservoir evaporation included, for EWIF (as the bundled country EWIF does).
_IPCC = {"lifecycle": "fuel-carbon-ipcc2014-lifecycle", "direct": "fuel-carbon-ipcc2014-direct"}
_MACKNICK = "fuel-ewif-macknick2012-incl-hydro"
FUEL_FACTOR_SETS: dict[str, dict[str, dict[str, str]]] = {
    "eia": {
        "carbon_g_per_kwh": {
            "lifecycle": "fuel-factors-thirsty-code",
            "direct": "fuel-carbon-ipcc2014-direct",
        },
        "ewif_l_per_kwh": {
            "lifecycle": "fuel-factors-thirsty-code",
            "direct": "fuel-factors-thirsty-code",
        },
    },
    "entsoe": {
        "carbon_g_per_kwh": _IPCC,
        "ewif_l_per_kwh": {"lifecycle": _MACKNICK, "direct": _MACKNICK},
    },
    "electricitymaps": {
        "carbon_g_per_kwh": _IPCC,
        "ewif_l_per_kwh": {"lifecycle": _MACKNICK, "direct": _MACKNICK},
    },
    "ukcarbon": {
        "carbon_g_per_kwh": _IPCC,
        "ewif_l_per_kwh": {"lifecycle": _MACKNICK, "direct": _MACKNICK},
    },
}


def spec(provider: str) -> ProviderSpec:
    """The :class:`ProviderSpec` of ``provider``; unknown names are an input error."""
    key = provider.strip().lower().replace("_", "").replace("-", "")
    aliases = {
        "electricitymaps": "electricitymaps",
        "em": "electricitymaps",
        "watttime": "watttime",
        "ukcarbon": "ukcarbon",
        "ukcarbonintensity": "ukcarbon",
        "carbonintensity": "ukcarbon",
        "neso": "ukcarbon",
        "eia": "eia",
        "entsoe": "entsoe",
    }
    if key not in aliases:
        raise InputError(
            f"unknown provider {provider!r}", hint=f"use one of: {', '.join(PROVIDERS)}"
        )
    return PROVIDERS[aliases[key]]


def fuel_factor_sets(
    provider: str,
    emission_factor_type: str = "lifecycle",
    overrides: Mapping[str, str] | None = None,
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, Any]]]:
    """Per-fuel factors ``{column: {fuel: factor}}`` for ``provider``'s fuel-mix signal
    (:data:`FUEL_FACTOR_SETS`, or the bundled datasets named in ``overrides``
    ``{column: dataset}``), and each set's provenance."""
    from fairwatt import datasets

    names = {col: by_ef[emission_factor_type] for col, by_ef in FUEL_FACTOR_SETS[provider].items()}
    for col, name in (overrides or {}).items():
        if col not in names:
            raise InputError(
                f"--fuel-factors: unknown column {col!r}", hint=f"use {' or '.join(names)}"
            )
        names[col] = name
    sets: dict[str, dict[str, float]] = {}
    prov: dict[str, dict[str, Any]] = {}
    for column, name in names.items():
        try:
            info = datasets.info(name)
        except InputError as exc:
            raise FactorMissingError(
                f"per-fuel factor set {name!r} is not bundled ({exc.hint or 'unknown name'})",
                hint="run `fairwatt factors list` to see the bundled sets",
            ) from None
        df = datasets.load(name)
        if "fuel" not in df.columns or column not in df.columns:
            raise FactorMissingError(
                f"dataset {name!r} is not a per-fuel set with a {column!r} column",
                hint="choose a per-fuel factor set (role fuel_factors)",
            )
        sets[column] = {str(f): float(v) for f, v in zip(df["fuel"], df[column], strict=True)}
        prov[column] = info.provenance()
    return sets, prov


@dataclass(frozen=True)
class _MixSource:
    """Where a provider's fuel mix comes from and how to read it."""

    get: Callable[..., tuple[pd.DataFrame, dict[str, Any]]]
    value_col: str
    fuel_table: dict[str, str] | None
    period_s: float


def _mix_source(provider: str) -> _MixSource:
    """The fuel-mix client function of ``provider`` and the shape of its table."""
    from fairwatt.providers import eia, electricitymaps, entsoe, mix, ukcarbon

    sources = {
        "electricitymaps": _MixSource(
            electricitymaps.get_power_breakdown, "power_mw", mix.ELECTRICITYMAPS_FUELS, 3600.0
        ),
        "ukcarbon": _MixSource(
            ukcarbon.get_generation, "share_pct", mix.UK_FUELS, ukcarbon.PERIOD_S
        ),
        "eia": _MixSource(eia.get_fuel_mix, "generation_mwh", mix.EIA_FUELS, 3600.0),
        "entsoe": _MixSource(entsoe.get_generation, "generation_mwh", None, 3600.0),
    }
    return sources[provider]


def _derive(
    provider: str,
    source: _MixSource,
    gen: pd.DataFrame,
    meta: dict[str, Any],
    *,
    zone: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    emission_factor_type: str,
    signal: str,
    fuel_factors: Mapping[str, str] | None,
    unmatched_fuels: str,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    from fairwatt.providers import mix

    sets, set_prov = fuel_factor_sets(provider, emission_factor_type, fuel_factors)
    df, info = mix.derive(
        gen,
        value_col=source.value_col,
        zone=zone,
        factor_sets=sets,
        fuel_table=source.fuel_table,
        period_s=source.period_s,
        start=start,
        end=end,
        set_names={col: p.get("dataset", col) for col, p in set_prov.items()},
        unmatched=unmatched_fuels,
    )
    out = c.provenance(
        provider=provider,
        zone=zone,
        signal=signal,
        signal_kind="average",
        emission_factor_type=emission_factor_type,
        factor_cols=list(sets),
        df=df,
        derived_from="generation-weighted per-fuel factors (fuel mix)",
        fuel_factor_sets=set_prov,
        excluded_fuels=info["excluded_fuels"] or None,
        fuel_assumption=info.get("fuel_assumption"),
        averaged_fuels=info.get("averaged_fuels"),
        averaged_fuel_hours=info.get("averaged_fuel_hours"),
        left_out_of_mix="storage (batteries, pumped hydro) and GB imports",
    )
    out.update({key: meta[key] for key in _COPIED_META if key in meta})
    return df, out


#: Request provenance of the fetched fuel mix that the derived table carries over.
_COPIED_META = (
    "endpoint",
    "retrieved_at",
    "requests",
    "from_cache",
    "licence",
    "start",
    "end",
    "breakdown",
    "eic",
    "region",
)


def _check_options(
    sp: ProviderSpec, signal: str | None, emission_factor_type: str | None, unmatched_fuels: str
) -> tuple[str, str]:
    """The signal and emission-factor type to use; unknown values are input errors."""
    sig = signal or sp.default_signal
    if sig not in sp.signals:
        raise InputError(
            f"{sp.name} has no signal {sig!r}", hint=f"use one of: {', '.join(sp.signals)}"
        )
    ef = emission_factor_type or "lifecycle"
    if ef not in ("lifecycle", "direct"):
        raise InputError(f"unknown emission-factor type {ef!r}", hint="use lifecycle or direct")
    if unmatched_fuels not in ("error", "exclude"):
        raise InputError(
            f"unknown --unmatched-fuels {unmatched_fuels!r}", hint="use error or exclude"
        )
    return sig, ef


def _get_forecast(
    sp: ProviderSpec, zone: str, sig: str, ef: str, session: requests.Session
) -> tuple[pd.DataFrame, dict[str, Any]]:
    from fairwatt.providers import electricitymaps, watttime

    if sig not in sp.forecast_signals:
        raise InputError(f"{sp.name} has no forecast for {sig!r}")
    if sp.name == "watttime":
        return watttime.get_forecast(zone, signal=sig, session=session)
    return electricitymaps.get_carbon_intensity_forecast(
        zone, emission_factor_type=ef, session=session
    )


def _get_factors(
    sp: ProviderSpec,
    zone: str,
    s: pd.Timestamp,
    e: pd.Timestamp,
    *,
    sig: str,
    ef: str,
    session: requests.Session,
    progress: c.Progress | None,
) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """The factor table of a signal the provider gives as factors; ``None`` for fuel-mix
    signals."""
    from fairwatt.providers import electricitymaps, ukcarbon, watttime

    if sp.name == "electricitymaps" and sig == "carbon-intensity":
        return electricitymaps.get_carbon_intensity(
            zone, s, e, emission_factor_type=ef, session=session, progress=progress
        )
    if sp.name == "watttime":
        return watttime.get_historical(zone, s, e, signal=sig, session=session, progress=progress)
    if sp.name == "ukcarbon" and sig == "intensity":
        return ukcarbon.get_intensity(zone, s, e, session=session, progress=progress)
    return None


def fetch_zone(
    provider: str,
    zone: str,
    start: Any,
    end: Any,
    *,
    session: requests.Session,
    signal: str | None = None,
    emission_factor_type: str | None = None,
    forecast: bool = False,
    fuel_factors: Mapping[str, str] | None = None,
    unmatched_fuels: str = "error",
    progress: c.Progress | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One zone's canonical hourly factor table and provenance (see :func:`fetch_factors`)."""
    sp = spec(provider)
    sig, ef = _check_options(sp, signal, emission_factor_type, unmatched_fuels)
    if forecast:
        return _get_forecast(sp, zone, sig, ef, session)
    if start is None or end is None:
        raise InputError("--start and --end are required (unless --forecast)")
    s, e = c.hour_range(start, end)
    factors = _get_factors(sp, zone, s, e, sig=sig, ef=ef, session=session, progress=progress)
    if factors is not None:
        return factors
    source = _mix_source(sp.name)
    gen, meta = source.get(zone, s, e, session=session, progress=progress)
    return _derive(
        sp.name,
        source,
        gen,
        meta,
        zone=zone,
        start=s,
        end=e,
        emission_factor_type=ef,
        signal=sig,
        fuel_factors=fuel_factors,
        unmatched_fuels=unmatched_fuels,
    )


def count_chunks(
    provider: str, zones: Sequence[str], start: Any, end: Any, *, forecast: bool = False
) -> int:
    """How many chunk requests :func:`fetch_factors` will make (for a progress bar)."""
    from datetime import timedelta

    if forecast or start is None or end is None:
        return len(zones)
    s, e = c.hour_range(start, end)
    return len(zones) * c.n_chunks(s, e, timedelta(days=spec(provider).span_days))


def fetch_factors(
    provider: str,
    zones: Sequence[str] | str,
    start: Any,
    end: Any,
    *,
    offline: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
    signal: str | None = None,
    emission_factor_type: str | None = None,
    forecast: bool = False,
    fuel_factors: Mapping[str, str] | None = None,
    unmatched_fuels: str = "error",
    session: requests.Session | None = None,
    on_chunk: Callable[[], None] | None = None,
) -> list[tuple[pd.DataFrame, dict[str, Any]]]:
    """Fetch hourly factors for each zone from a live provider, through the cache.

    Parameters
    ----------
    provider
        ``electricitymaps``, ``watttime``, ``ukcarbon``, ``eia`` or ``entsoe``.
    zones
        One zone or several, in the provider's naming (see the module docstring).
    start, end
        UTC range ``[start, end)``; values without an offset are UTC; widened to whole
        hours. Ignored with ``forecast=True``.
    offline
        Serve from the cache only; a miss raises
        :class:`~fairwatt.errors.DataUnavailableError` and no socket is opened.
    cache_dir
        Cache folder (default: the user cache directory, or ``FAIRWATT_CACHE_DIR``).
    signal
        Provider signal (default: the provider's first, see :data:`PROVIDERS`).
    emission_factor_type
        ``lifecycle`` (default) or ``direct`` (Electricity Maps, and the per-fuel carbon
        factors of fuel-mix signals).
    forecast
        Fetch the provider's current forecast instead of a past range.
    fuel_factors
        Fuel-mix signals: ``{column: bundled per-fuel dataset}`` replacing the defaults of
        :data:`FUEL_FACTOR_SETS`.
    unmatched_fuels
        Fuel-mix signals: ``"error"`` (default) when a fuel that generated has no factor,
        or ``"exclude"`` to leave such fuels out of the weighting (recorded in the
        provenance as ``excluded_fuels``).
    session
        An existing session (its own cache and offline settings then apply).
    on_chunk
        Called once per completed chunk request (see :func:`count_chunks`).

    Returns
    -------
    list of (DataFrame, dict)
        One canonical hourly table and its provenance per zone, in the order given.
    """
    zone_list = _zone_list(zones)
    sp = spec(provider)
    options: dict[str, Any] = {
        "signal": signal,
        "emission_factor_type": emission_factor_type,
        "forecast": forecast,
        "fuel_factors": fuel_factors,
        "unmatched_fuels": unmatched_fuels,
    }
    results = []
    with open_session(session, cache_dir=cache_dir, offline=offline) as sess:
        for zone in zone_list:
            progress = _chunk_counter(on_chunk)
            df, meta = fetch_zone(
                sp.name, zone, start, end, session=sess, progress=progress, **options
            )
            if forecast and on_chunk is not None:
                on_chunk()
            meta.setdefault("provider", sp.name)
            meta["offline"] = offline
            results.append((df, meta))
    return results


def _zone_list(zones: Sequence[str] | str) -> list[str]:
    zone_list = [zones] if isinstance(zones, str) else list(zones)
    if not zone_list:
        raise InputError("no zone given", hint="pass --zone (several times for several zones)")
    return zone_list


def _chunk_counter(on_chunk: Callable[[], None] | None) -> c.Progress:
    """A ``progress(done, total)`` callback that calls ``on_chunk`` once per chunk done."""
    done = 0

    def progress(i: int, _n: int) -> None:
        nonlocal done
        while done < i:
            done += 1
            if on_chunk is not None:
                on_chunk()

    return progress
