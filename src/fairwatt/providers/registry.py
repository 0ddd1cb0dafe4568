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


def _derive(
    provider: str,
    gen: pd.DataFrame,
    meta: dict[str, Any],
    *,
    zone: str,
    value_col: str,
    fuel_table: dict[str, str] | None,
    period_s: float,
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
        value_col=value_col,
        zone=zone,
        factor_sets=sets,
        fuel_table=fuel_table,
        period_s=period_s,
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
        left_out_of_mix="storage (batteries, pumped hydro) and GB imports",
    )
    for key in (
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
    ):
        if key in meta:
            out[key] = meta[key]
    return df, out


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
    from fairwatt.providers import eia, electricitymaps, entsoe, mix, ukcarbon, watttime

    sp = spec(provider)
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
    mix_opts: dict[str, Any] = {
        "emission_factor_type": ef,
        "signal": sig,
        "fuel_factors": fuel_factors,
        "unmatched_fuels": unmatched_fuels,
    }
    if forecast:
        if sig not in sp.forecast_signals:
            raise InputError(f"{sp.name} has no forecast for {sig!r}")
        if sp.name == "watttime":
            return watttime.get_forecast(zone, signal=sig, session=session)
        return electricitymaps.get_carbon_intensity_forecast(
            zone, emission_factor_type=ef, session=session
        )
    if start is None or end is None:
        raise InputError("--start and --end are required (unless --forecast)")
    s, e = c.hour_range(start, end)

    if sp.name == "electricitymaps":
        if sig == "carbon-intensity":
            return electricitymaps.get_carbon_intensity(
                zone, s, e, emission_factor_type=ef, session=session, progress=progress
            )
        gen, meta = electricitymaps.get_power_breakdown(
            zone, s, e, session=session, progress=progress
        )
        return _derive(
            "electricitymaps",
            gen,
            meta,
            zone=zone,
            value_col="power_mw",
            fuel_table=mix.ELECTRICITYMAPS_FUELS,
            period_s=3600.0,
            start=s,
            end=e,
            **mix_opts,
        )
    if sp.name == "watttime":
        return watttime.get_historical(zone, s, e, signal=sig, session=session, progress=progress)
    if sp.name == "ukcarbon":
        if sig == "intensity":
            return ukcarbon.get_intensity(zone, s, e, session=session, progress=progress)
        gen, meta = ukcarbon.get_generation(zone, s, e, session=session, progress=progress)
        return _derive(
            "ukcarbon",
            gen,
            meta,
            zone=zone,
            value_col="share_pct",
            fuel_table=mix.UK_FUELS,
            period_s=ukcarbon.PERIOD_S,
            start=s,
            end=e,
            **mix_opts,
        )
    if sp.name == "eia":
        gen, meta = eia.get_fuel_mix(zone, s, e, session=session, progress=progress)
        return _derive(
            "eia",
            gen,
            meta,
            zone=zone,
            value_col="generation_mwh",
            fuel_table=mix.EIA_FUELS,
            period_s=3600.0,
            start=s,
            end=e,
            **mix_opts,
        )
    gen, meta = entsoe.get_generation(zone, s, e, session=session, progress=progress)
    return _derive(
        "entsoe",
        gen,
        meta,
        zone=zone,
        value_col="generation_mwh",
        fuel_table=None,
        period_s=3600.0,
        start=s,
        end=e,
        **mix_opts,
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
    from fairwatt.providers.session import open_session

    zone_list = [zones] if isinstance(zones, str) else list(zones)
    if not zone_list:
        raise InputError("no zone given", hint="pass --zone (several times for several zones)")
    sp = spec(provider)
    results = []
    with open_session(session, cache_dir=cache_dir, offline=offline) as sess:
        for zone in zone_list:
            done = [0]

            def progress(i: int, _n: int, done: list[int] = done) -> None:
                while done[0] < i:
                    done[0] += 1
                    if on_chunk is not None:
                        on_chunk()

            df, meta = fetch_zone(
                sp.name,
                zone,
                start,
                end,
                session=sess,
                signal=signal,
                emission_factor_type=emission_factor_type,
                forecast=forecast,
                fuel_factors=fuel_factors,
                unmatched_fuels=unmatched_fuels,
                progress=progress,
            )
            if forecast and on_chunk is not None:
                on_chunk()
            meta.setdefault("provider", sp.name)
            meta["offline"] = offline
            results.append((df, meta))
    return results
