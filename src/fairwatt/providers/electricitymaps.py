"""Electricity Maps API v3: hourly carbon intensity and power breakdown by zone.

``get_*`` fetch over HTTP and hand the body to ``read_*``, which parse a file, buffer or
bytes; both return ``(DataFrame, metadata)``.

* Auth: the API key from ``ELECTRICITYMAPS_API_KEY`` (or ``api_key=``) is sent as the
  ``auth-token`` header. Base URL ``https://api.electricitymaps.com/v3``, overridable with
  ``FAIRWATT_ELECTRICITYMAPS_URL``.
* Location: an Electricity Maps zone key (``DE``, ``US-CAL-CISO``) or a cloud region
  written ``provider:region`` (``gcp:europe-west1``), sent as ``dataCenterProvider`` and
  ``dataCenterRegion``.
* Carbon intensity is a consumption-based **average** intensity [gCO2e/kWh], lifecycle
  (default) or direct emission factors. Past ranges are requested in chunks of
  :data:`RANGE_SPAN`.
* Power breakdown (MW by production mode) is turned into carbon intensity and EWIF with
  per-fuel factors (see :mod:`fairwatt.providers.fuelmix`).

Fetched values are subject to Electricity Maps' API terms: fairwatt caches them locally
but never redistributes them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from fairwatt.errors import InputError
from fairwatt.providers import _common as c
from fairwatt.providers import _fetch as f
from fairwatt.providers import _parse as p
from fairwatt.providers.session import Auth, base_url, open_session

if TYPE_CHECKING:
    import requests

PROVIDER = "electricitymaps"
DEFAULT_URL = "https://api.electricitymaps.com/v3"
KEY_ENV = "ELECTRICITYMAPS_API_KEY"
AUTH = Auth(env=(KEY_ENV,), how="an Electricity Maps API key, sent as the auth-token header")
_REGISTER = "get a key at https://portal.electricitymaps.com"
_API = f.ProviderApi(PROVIDER, AUTH)
RANGE_SPAN = timedelta(days=10)
LICENCE = "Electricity Maps API terms (commercial; do not redistribute fetched values)"
EMISSION_FACTOR_TYPES = ("lifecycle", "direct")

_GRANULARITY_S = {"5_minutes": 300.0, "15_minutes": 900.0, "hourly": 3600.0}


def resolve_key(value: str | None = None) -> str:
    """The API key: ``value`` or ``ELECTRICITYMAPS_API_KEY``; missing is an error."""
    return f.require_key(value, KEY_ENV, PROVIDER, "API key", _REGISTER)


def location_params(zone: str) -> dict[str, str]:
    """Query parameters locating ``zone``: a zone key, or ``provider:region``."""
    zone = zone.strip()
    if not zone:
        raise InputError("empty zone", hint="give a zone key such as DE or gcp:europe-west1")
    if ":" in zone:
        cloud, region = (part.strip() for part in zone.split(":", 1))
        if not cloud or not region:
            raise InputError(f"zone {zone!r} is not provider:region", hint="e.g. gcp:europe-west1")
        return {"dataCenterProvider": cloud, "dataCenterRegion": region}
    return {"zone": zone}


def _error_in_body(doc: Any, path: str | None) -> None:
    if isinstance(doc, Mapping) and (doc.get("status") == "error" or "error" in doc):
        message = doc.get("message") or doc.get("error") or "error"
        raise c.bad_body(PROVIDER, f"the answer is an error: {message}", path)


def _records(doc: Any, path: str | None) -> tuple[list[Mapping[str, Any]], str]:
    """The list of per-time records in any carbon-intensity / power-breakdown answer and
    which endpoint shape it was (latest, history, past-range, forecast)."""
    _error_in_body(doc, path)
    if not isinstance(doc, Mapping):
        raise c.bad_body(PROVIDER, "expected a JSON object", path)
    for key, kind in (("history", "history"), ("data", "past-range"), ("forecast", "forecast")):
        if key in doc:
            recs = doc[key]
            if not isinstance(recs, list):
                raise c.bad_body(PROVIDER, f"field {key!r} is not a list", path)
            return recs, kind
    if "datetime" in doc:
        return [doc], "latest"
    raise c.bad_body(PROVIDER, "no 'history', 'data', 'forecast' or 'datetime' field", path)


def _period_s(doc: Mapping[str, Any], recs: list[Mapping[str, Any]], path: str | None) -> float:
    gran = doc.get("temporalGranularity") or next(
        (r.get("temporalGranularity") for r in recs if r.get("temporalGranularity")), "hourly"
    )
    if gran not in _GRANULARITY_S:
        raise c.bad_body(
            PROVIDER,
            f"temporal granularity {gran!r} is coarser than hourly",
            path,
            hint="request temporalGranularity=hourly",
        )
    return _GRANULARITY_S[gran]


def _zone_of(doc: Mapping[str, Any], recs: list[Mapping[str, Any]]) -> str:
    return str(doc.get("zone") or (recs[0].get("zone") if recs else "") or "")


def _dated(
    recs: list[Mapping[str, Any]], path: str | None
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """``(i, record)`` for each record, checked on the way to be an object with a
    ``datetime``."""
    for i, r in enumerate(recs):
        if not isinstance(r, Mapping) or "datetime" not in r:
            raise c.bad_body(PROVIDER, f"record {i} has no 'datetime'", path)
        yield i, r


def read_carbon_intensity(
    source: c.Source, *, zone: str | None = None, start: Any = None, end: Any = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse a carbon-intensity answer (latest, history, past-range or forecast).

    Parameters
    ----------
    source
        The JSON body of a ``/carbon-intensity/...`` endpoint (path, bytes or buffer).
    zone
        Zone name for the table (default: the body's ``zone``, else the first record's).
    start, end
        Optional ``[start, end)`` the table must cover; hours without a record are
        flagged missing.

    Returns
    -------
    (DataFrame, dict)
        Canonical hourly table with ``carbon_g_per_kwh`` [gCO2e/kWh] (a consumption-based
        average intensity), and provenance (emission-factor type, estimation methods).
    """
    doc = c.load_json(source, provider=PROVIDER)
    path = c.path_of(source)
    recs, kind = _records(doc, path)
    zone = zone or _zone_of(doc, recs)
    period = _period_s(doc, recs, path)
    rows = [
        p.observation(
            r["datetime"],
            "carbon_g_per_kwh",
            p.number(
                r.get("carbonIntensity"), provider=PROVIDER, zone=zone, at=r["datetime"], path=path
            ),
            estimated=bool(r.get("isEstimated") or False),
            forecast=kind == "forecast",
        )
        for _, r in _dated(recs, path)
    ]
    obs = p.observations(rows, "carbon_g_per_kwh", provider=PROVIDER, path=path, field="datetime")
    if (obs["carbon_g_per_kwh"] < 0).any():
        raise c.bad_body(PROVIDER, "negative carbon intensity in the answer", path)
    df = p.hourly(obs, "carbon_g_per_kwh", zone=zone, period_s=period, start=start, end=end)
    ef_types = sorted({str(r["emissionFactorType"]) for r in recs if r.get("emissionFactorType")})
    methods = sorted({str(r["estimationMethod"]) for r in recs if r.get("estimationMethod")})
    meta = c.provenance(
        provider=PROVIDER,
        zone=zone,
        signal="carbon-intensity",
        signal_kind="average",
        emission_factor_type=ef_types[0] if len(ef_types) == 1 else (ef_types or None),
        factor_cols=["carbon_g_per_kwh"],
        df=df,
        response_shape=kind,
        estimation_methods=methods or None,
        source_period_s=period,
        updated_at=doc.get("updatedAt"),
        licence=LICENCE,
    )
    return df, meta


def _check_ef(emission_factor_type: str) -> str:
    if emission_factor_type not in EMISSION_FACTOR_TYPES:
        raise InputError(
            f"unknown emission-factor type {emission_factor_type!r}",
            hint="use lifecycle or direct",
        )
    return emission_factor_type


def _get(
    session: requests.Session,
    path: str,
    params: dict[str, Any],
    key: str,
    end: pd.Timestamp | None,
) -> requests.Response:
    url = f"{base_url(PROVIDER, DEFAULT_URL)}/{path}"
    return _API.get(session, url, end, params=params, headers={"auth-token": key})


def _key_for(session: requests.Session, value: str | None) -> str:
    return f.key_or_offline(session, value, KEY_ENV, resolve_key)


def get_carbon_intensity(
    zone: str,
    start: Any,
    end: Any,
    *,
    emission_factor_type: str = "lifecycle",
    disable_estimations: bool = False,
    api_key: str | None = None,
    session: requests.Session | None = None,
    progress: c.Progress | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Hourly carbon intensity of ``zone`` over ``[start, end)`` (``/carbon-intensity/past-range``,
    in chunks of :data:`RANGE_SPAN`).

    Parameters
    ----------
    zone
        Zone key (``DE``) or cloud region ``provider:region``.
    start, end
        UTC range (values without an offset are UTC), widened to whole hours.
    emission_factor_type
        ``lifecycle`` (default) or ``direct``.
    disable_estimations
        Ask the provider not to return estimated values.
    api_key
        Default: ``ELECTRICITYMAPS_API_KEY``.
    session
        A session from :func:`fairwatt.providers.session.make_session` (default: a new one).
    progress
        Called with (chunks done, chunks total) after each chunk.

    Returns
    -------
    (DataFrame, dict)
        Canonical hourly table covering exactly ``[start, end)`` and its provenance.
    """
    s, e, pieces = f.chunked_range(start, end, RANGE_SPAN)
    ef = _check_ef(emission_factor_type)
    loc = location_params(zone)
    tables, responses, metas = [], [], []
    with open_session(session) as sess:
        key = _key_for(sess, api_key)
        for a, b in f.each_chunk(pieces, progress):
            params = {**loc, **_range_params(a, b), "emissionFactorType": ef}
            if disable_estimations:
                params["disableEstimations"] = "true"
            read = partial(read_carbon_intensity, zone=zone, start=a, end=b)
            resp = _get(sess, "carbon-intensity/past-range", params, key, b)
            df, meta = f.read_answer(sess, resp, read, provider=PROVIDER, what=f.span(zone, a, b))
            tables.append(df)
            responses.append(resp)
            metas.append(meta)
    df = c.concat_tables(tables, ["carbon_g_per_kwh"])
    meta = _combine(metas, df, zone=zone, requested_ef=ef)
    endpoint = f"{base_url(PROVIDER, DEFAULT_URL)}/carbon-intensity/past-range"
    f.add_request_meta(meta, responses, endpoint, s, e)
    return df, meta


def _range_params(a: pd.Timestamp, b: pd.Timestamp) -> dict[str, str]:
    return {"start": c.iso_z(a), "end": c.iso_z(b), "temporalGranularity": "hourly"}


def _combine(
    metas: list[dict[str, Any]], df: pd.DataFrame, *, zone: str, requested_ef: str
) -> dict[str, Any]:
    methods = sorted({m for meta in metas for m in (meta.get("estimation_methods") or [])})
    meta = c.provenance(
        provider=PROVIDER,
        zone=zone,
        signal="carbon-intensity",
        signal_kind="average",
        emission_factor_type=requested_ef,
        factor_cols=["carbon_g_per_kwh"],
        df=df,
        estimation_methods=methods or None,
        licence=LICENCE,
    )
    answered = {m.get("emission_factor_type") for m in metas} - {None}
    if answered and answered != {requested_ef}:
        meta["emission_factor_type_answered"] = sorted(str(a) for a in answered)
    return meta


def _get_single(
    path: str,
    zone: str,
    params: dict[str, Any],
    *,
    api_key: str | None,
    session: requests.Session | None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    with open_session(session) as sess:
        key = _key_for(sess, api_key)
        resp = _get(sess, path, {**location_params(zone), **params}, key, None)
        read = partial(read_carbon_intensity, zone=zone)
        df, meta = f.read_answer(sess, resp, read, provider=PROVIDER, what=f.span(zone))
    if meta.get("emission_factor_type") is None:  # forecasts do not repeat it per record
        meta["emission_factor_type"] = params.get("emissionFactorType")
    c.merge_request_meta(meta, [resp], f"{base_url(PROVIDER, DEFAULT_URL)}/{path}")
    return df, meta


def get_carbon_intensity_latest(
    zone: str,
    *,
    emission_factor_type: str = "lifecycle",
    api_key: str | None = None,
    session: requests.Session | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The latest hourly carbon intensity of ``zone`` (``/carbon-intensity/latest``)."""
    params = {"emissionFactorType": _check_ef(emission_factor_type)}
    return _get_single("carbon-intensity/latest", zone, params, api_key=api_key, session=session)


def get_carbon_intensity_history(
    zone: str,
    *,
    emission_factor_type: str = "lifecycle",
    api_key: str | None = None,
    session: requests.Session | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The last 24 hours of carbon intensity of ``zone`` (``/carbon-intensity/history``)."""
    params = {"emissionFactorType": _check_ef(emission_factor_type)}
    return _get_single("carbon-intensity/history", zone, params, api_key=api_key, session=session)


def get_carbon_intensity_forecast(
    zone: str,
    *,
    horizon_hours: int = 24,
    emission_factor_type: str = "lifecycle",
    api_key: str | None = None,
    session: requests.Session | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Forecast carbon intensity of ``zone`` (``/carbon-intensity/forecast``), flagged
    ``is_forecast``."""
    params = {
        "emissionFactorType": _check_ef(emission_factor_type),
        "horizonHours": int(horizon_hours),
    }
    return _get_single("carbon-intensity/forecast", zone, params, api_key=api_key, session=session)


# Power breakdown ----------------------------------------------------------------------

BREAKDOWNS = {"consumption": "powerConsumptionBreakdown", "production": "powerProductionBreakdown"}


def read_power_breakdown(
    source: c.Source, *, zone: str | None = None, breakdown: str = "consumption"
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse a power-breakdown answer (latest, history or past-range) into a long table.

    Parameters
    ----------
    source
        Path, bytes or buffer holding the JSON body.
    zone
        Zone name for the table (default: the body's ``zone``).
    breakdown
        ``consumption`` (default; flow-traced, includes imports, consistent with the
        provider's carbon intensity) or ``production`` (generation inside the zone).

    Returns
    -------
    (DataFrame, dict)
        Columns ``timestamp`` (UTC interval start), ``zone``, ``fuel`` (the provider's
        mode: coal, gas, oil, nuclear, hydro, wind, solar, biomass, geothermal, unknown,
        "hydro discharge", "battery discharge"), ``power_mw`` [MW] and ``is_estimated``;
        and metadata (breakdown kind, response shape, source period).
    """
    if breakdown not in BREAKDOWNS:
        raise InputError(f"unknown breakdown {breakdown!r}", hint="use consumption or production")
    doc = c.load_json(source, provider=PROVIDER)
    path = c.path_of(source)
    recs, kind = _records(doc, path)
    zone = zone or _zone_of(doc, recs)
    period = _period_s(doc, recs, path)
    field = BREAKDOWNS[breakdown]
    rows: list[dict[str, Any]] = []
    for i, r in _dated(recs, path):
        modes = r.get(field)
        if not isinstance(modes, Mapping):
            raise c.bad_body(PROVIDER, f"record {i} has no {field!r}", path)
        rows.extend(
            {
                "timestamp": r["datetime"],
                "fuel": str(fuel),
                "power_mw": p.number(mw, provider=PROVIDER, zone=zone, at=r["datetime"], path=path),
                "is_estimated": bool(r.get("isEstimated") or False),
            }
            for fuel, mw in modes.items()
        )
    columns = ["timestamp", "fuel", "power_mw", "is_estimated"]
    df = p.long_table(rows, columns, zone=zone, provider=PROVIDER, path=path, field="datetime")
    meta = {
        "provider": PROVIDER,
        "zone": zone,
        "signal": "power-breakdown",
        "breakdown": breakdown,
        "response_shape": kind,
        "source_period_s": period,
        "units": {"power_mw": "MW"},
        "licence": LICENCE,
    }
    return df, meta


def get_power_breakdown(
    zone: str,
    start: Any,
    end: Any,
    *,
    breakdown: str = "consumption",
    api_key: str | None = None,
    session: requests.Session | None = None,
    progress: c.Progress | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Hourly power breakdown of ``zone`` over ``[start, end)``
    (``/power-breakdown/past-range``), as the long table of :func:`read_power_breakdown`."""
    s, e, pieces = f.chunked_range(start, end, RANGE_SPAN)
    loc = location_params(zone)
    frames, responses = [], []
    meta: dict[str, Any] = {}
    with open_session(session) as sess:
        key = _key_for(sess, api_key)
        for a, b in f.each_chunk(pieces, progress):
            resp = _get(sess, "power-breakdown/past-range", {**loc, **_range_params(a, b)}, key, b)
            read = partial(read_power_breakdown, zone=zone, breakdown=breakdown)
            df, meta = f.read_answer(sess, resp, read, provider=PROVIDER, what=f.span(zone, a, b))
            frames.append(f.within(df, a, b))
            responses.append(resp)
    df = f.combine_long(frames, ["timestamp", "fuel"], sort=False) if frames else frames_empty()
    endpoint = f"{base_url(PROVIDER, DEFAULT_URL)}/power-breakdown/past-range"
    f.add_request_meta(meta, responses, endpoint, s, e)
    return df, meta


def frames_empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "timestamp": pd.Series([], dtype="datetime64[us, UTC]"),
            "zone": pd.Series([], dtype="string"),
            "fuel": pd.Series([], dtype="string"),
            "power_mw": pd.Series([], dtype="float64"),
            "is_estimated": pd.Series([], dtype="bool"),
        }
    )
