"""WattTime API v3: marginal and average CO2 emission rates and health damage by region.

* Auth: ``GET /login`` with HTTP basic auth (``WATTTIME_USER`` / ``WATTTIME_PASSWORD``)
  returns a bearer token valid about 30 minutes. The token is never cached, and when a
  data request answers 401 (token expired mid-run) fairwatt logs in again once and
  repeats the request. Base URL ``https://api.watttime.org``, overridable with
  ``FAIRWATT_WATTTIME_URL``.
* Signals: ``co2_moer`` (marginal operating emission rate), ``co2_aoer`` (average) and
  ``health_damage``. Values arrive every 5 minutes; CO2 rates in lbs/MWh are converted to
  gCO2/kWh with :data:`fairwatt.units.LB_PER_MWH_TO_G_PER_KWH` (1 lb/MWh = 0.45359237
  g/kWh) and averaged to hours (see :mod:`fairwatt.providers._common`). The unit is read
  from each answer's ``meta.units``; an unknown unit is an error, never a guess.
* Historical data is requested in chunks of :data:`RANGE_SPAN` (the API accepts at most
  32 days per call).

Data obtained from WattTime is subject to WattTime's terms of use (not open data).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from fairwatt import units
from fairwatt.errors import DataUnavailableError, InputError
from fairwatt.providers import _common as c
from fairwatt.providers import _fetch as f
from fairwatt.providers import _parse as p
from fairwatt.providers.session import (
    Auth,
    base_url,
    from_cache,
    open_session,
    raise_for_status,
    register_secret,
    send,
    session_info,
)

if TYPE_CHECKING:
    import requests

PROVIDER = "watttime"
DEFAULT_URL = "https://api.watttime.org"
USER_ENV = "WATTTIME_USER"
PASSWORD_ENV = "WATTTIME_PASSWORD"
AUTH = Auth(env=(USER_ENV, PASSWORD_ENV), how="your WattTime account")
RANGE_SPAN = timedelta(days=30)
LICENCE = "WattTime data terms of use (not open data; do not redistribute fetched values)"

#: signal type -> (canonical column, signal kind)
SIGNALS: dict[str, tuple[str, str]] = {
    "co2_moer": ("carbon_g_per_kwh", "marginal"),
    "co2_aoer": ("carbon_g_per_kwh", "average"),
    "health_damage": ("health_usd_per_mwh", "marginal"),
}

#: ``meta.units`` -> (canonical column, multiplier to the canonical unit)
UNITS: dict[str, tuple[str, float]] = {
    "lbs_co2_per_mwh": ("carbon_g_per_kwh", units.LB_PER_MWH_TO_G_PER_KWH),
    "lbs_co2e_per_mwh": ("carbon_g_per_kwh", units.LB_PER_MWH_TO_G_PER_KWH),
    "kg_co2_per_mwh": ("carbon_g_per_kwh", 1.0),  # kg/MWh == g/kWh
    "g_co2_per_kwh": ("carbon_g_per_kwh", 1.0),
    "usd_per_mwh": ("health_usd_per_mwh", 1.0),
    "$_per_mwh": ("health_usd_per_mwh", 1.0),
    "dollars_per_mwh": ("health_usd_per_mwh", 1.0),
}


def _check_signal(signal: str) -> str:
    if signal not in SIGNALS:
        raise InputError(
            f"unknown WattTime signal {signal!r}", hint=f"use one of: {', '.join(SIGNALS)}"
        )
    return signal


def _points(doc: Mapping[str, Any], path: str | None) -> tuple[list[dict[str, Any]], bool]:
    """Data points ``{point_time, value, imputed}`` and whether they are forecasts.

    ``/forecast`` answers carry ``meta.generated_at``; ``/forecast/historical`` answers hold
    several forecasts (``data[].generated_at`` + ``data[].forecast``): for each point time
    the forecast generated last wins (the freshest forecast).
    """
    data = doc.get("data")
    if not isinstance(data, list):
        raise c.bad_body(PROVIDER, "field 'data' is missing or not a list", path)
    meta = c.as_mapping(doc.get("meta"))
    if data and isinstance(data[0], Mapping) and "forecast" in data[0]:
        runs = sorted(data, key=lambda run: str(run.get("generated_at", "")))
        latest: dict[str, dict[str, Any]] = {}
        for run in runs:
            for point in run.get("forecast") or []:
                latest[str(point.get("point_time"))] = dict(point)
        return list(latest.values()), True
    is_forecast = bool(meta.get("generated_at"))
    return [dict(point) for point in data if isinstance(point, Mapping)], is_forecast


def read_signal(
    source: c.Source, *, zone: str | None = None, start: Any = None, end: Any = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse a ``/v3/historical``, ``/v3/forecast`` or ``/v3/forecast/historical`` answer.

    CO2 rates in lbs/MWh are converted to g/kWh; of several forecasts of one point time,
    the one generated last is kept.

    Parameters
    ----------
    source
        Path, bytes or buffer holding a WattTime v3 JSON body (``data`` and ``meta``).
    zone
        Zone name for the table (default: the balancing area in ``meta.region``).
    start, end
        Optional UTC range ``[start, end)`` the hourly table must cover (hours without
        a data point are flagged missing).

    Returns
    -------
    (DataFrame, dict)
        Canonical hourly table (``carbon_g_per_kwh`` [gCO2/kWh] for CO2 signals,
        ``health_usd_per_mwh`` [US$/MWh] for health damage; ``is_estimated`` where WattTime
        marks imputed data) and provenance (signal kind, model, source units, warnings).
    """
    doc = c.load_json(source, provider=PROVIDER)
    path = c.path_of(source)
    _check_answer(doc, path)
    meta_in = c.as_mapping(doc.get("meta"))
    signal = str(meta_in.get("signal_type") or "")
    unit = _unit(meta_in, path)
    column, factor = UNITS[unit]
    kind = SIGNALS.get(signal, (column, "marginal" if "moer" in signal else "average"))[1]
    points, is_forecast = _points(doc, path)
    zone = zone or str(meta_in.get("region") or "")
    rows = []
    for i, pt in enumerate(points):
        if "point_time" not in pt:
            raise c.bad_body(PROVIDER, f"data point {i} has no 'point_time'", path)
        value = p.number(
            pt.get("value"), factor, provider=PROVIDER, zone=zone, at=pt["point_time"], path=path
        )
        estimated = bool(pt.get("imputed_data_used") or False)
        rows.append(
            p.observation(
                pt["point_time"], column, value, estimated=estimated, forecast=is_forecast
            )
        )
    obs = p.observations(rows, column, provider=PROVIDER, path=path, field="point_time")
    period = p.number(
        meta_in.get("data_point_period_seconds") or 300, provider=PROVIDER, zone=zone, path=path
    )
    df = p.hourly(obs, column, zone=zone, period_s=period, start=start, end=end)
    model = c.as_mapping(meta_in.get("model"))
    meta = c.provenance(
        provider=PROVIDER,
        zone=zone,
        signal=signal or None,
        signal_kind=kind,
        emission_factor_type=_ef_type(column),
        factor_cols=[column],
        df=df,
        source_units=unit,
        conversion_factor=factor,
        source_period_s=period,
        model=model.get("date"),
        model_type=model.get("type"),
        generated_at=meta_in.get("generated_at"),
        warnings=_warnings(meta_in) or None,
        licence=LICENCE,
    )
    return df, meta


def _check_answer(doc: Any, path: str | None) -> None:
    """A body that is not an object, or is an error answer, is a typed error."""
    if not isinstance(doc, Mapping):
        raise c.bad_body(PROVIDER, "expected a JSON object", path)
    if "error" in doc and "data" not in doc:
        message = ": ".join(str(doc[k]) for k in ("error", "message") if doc.get(k))
        raise c.bad_body(PROVIDER, f"the answer is an error: {message}", path)


def _unit(meta_in: Mapping[str, Any], path: str | None) -> str:
    """The answer's ``meta.units``; a signal index or an unknown unit is an error."""
    unit = str(meta_in.get("units") or "")
    if unit == "percentile":
        raise c.bad_body(
            PROVIDER,
            "this is a signal-index answer (percentile 0-100), not an emission rate",
            path,
            hint="use the historical or forecast endpoint",
        )
    if unit not in UNITS:
        raise c.bad_body(
            PROVIDER,
            f"unknown unit {unit!r} in meta.units",
            path,
            hint=f"known units: {', '.join(UNITS)}",
        )
    return unit


def _warnings(meta_in: Mapping[str, Any]) -> list[str]:
    return [
        str(w.get("message") or w.get("type"))
        for w in meta_in.get("warnings") or []
        if isinstance(w, Mapping)
    ]


def _ef_type(column: str) -> str | None:
    """WattTime's CO2 rates are direct (combustion) emissions."""
    return "direct" if column == "carbon_g_per_kwh" else None


class Client:
    """A logged-in WattTime client on one session: logs in lazily, re-logs in once on 401."""

    def __init__(
        self,
        session: requests.Session,
        *,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.session = session
        self.username = username or os.environ.get(USER_ENV, "").strip() or None
        self.password = password or os.environ.get(PASSWORD_ENV, "") or None
        register_secret(self.password)
        self.token: str | None = None
        self.logins = 0
        self.base = base_url(PROVIDER, DEFAULT_URL)
        self.offline = session_info(session).offline

    def login(self) -> str:
        """``GET /login`` with basic auth; the token is not cached and is masked in logs."""
        from requests.auth import HTTPBasicAuth

        if not self.username or not self.password:
            raise DataUnavailableError(
                "watttime: no credentials",
                hint=f"set {USER_ENV} and {PASSWORD_ENV} (register at https://watttime.org)",
            )
        resp = send(
            self.session,
            f"{self.base}/login",
            provider=PROVIDER,
            auth=HTTPBasicAuth(self.username, self.password),
            auth_info=AUTH,
            cache=False,
        )
        doc = c.load_json(resp.content, provider=PROVIDER)
        token = doc.get("token") if isinstance(doc, Mapping) else None
        if not token:
            raise DataUnavailableError("watttime: login answered without a token", hint=AUTH.hint())
        register_secret(str(token))
        self.token = str(token)
        self.logins += 1
        return self.token

    def _fresh_from_cache(self, url: str, params: Mapping[str, Any]) -> requests.Response | None:
        """The cached answer to ``url`` if it is still fresh (the token is not part of the
        cache key), else ``None``."""
        if getattr(self.session, "cache", None) is None:
            return None
        resp = send(
            self.session,
            url,
            provider=PROVIDER,
            params=params,
            auth_info=AUTH,
            cache_only=True,
            ok_statuses=(200, 504),
        )
        if resp.status_code == 200 and from_cache(resp) and not getattr(resp, "is_expired", True):
            return resp
        return None

    def get(
        self, path: str, params: Mapping[str, Any], *, end: pd.Timestamp | None
    ) -> requests.Response:
        """GET ``path`` with the bearer token; on 401 log in again once and repeat."""
        url = f"{self.base}/{path.lstrip('/')}"
        expire = f.expire(end)
        if self.offline:
            return send(self.session, url, provider=PROVIDER, params=params, auth_info=AUTH)
        if self.token is None:
            cached = self._fresh_from_cache(url, params)
            if cached is not None:  # no login needed for an answer already at hand
                return cached
            self.login()
        for attempt in (1, 2):
            resp = send(
                self.session,
                url,
                provider=PROVIDER,
                params=params,
                headers={"Authorization": f"Bearer {self.token}"},
                auth_info=AUTH,
                expire_after=expire,
                ok_statuses=(200, 401, 403),
            )
            if resp.status_code == 401 and attempt == 1:
                self.login()  # the token expired mid-run
                continue
            if resp.status_code == 403 and "scope" in resp.text.lower():
                raise DataUnavailableError(
                    f"watttime: your plan does not cover this region or signal "
                    f"({params.get('region')}, {params.get('signal_type')})",
                    hint="free accounts cover CAISO_NORTH; see https://watttime.org/plans",
                )
            if resp.status_code != 200:
                raise_for_status(resp, provider=PROVIDER, auth_info=AUTH, session=self.session)
            return resp
        raise AssertionError("unreachable")  # pragma: no cover


def get_historical(
    region: str,
    start: Any,
    end: Any,
    *,
    signal: str = "co2_moer",
    model: str | None = None,
    username: str | None = None,
    password: str | None = None,
    session: requests.Session | None = None,
    progress: c.Progress | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Hourly ``signal`` of WattTime ``region`` over ``[start, end)`` (``/v3/historical``,
    chunks of :data:`RANGE_SPAN`, imputed points flagged ``is_estimated``).

    Parameters
    ----------
    region
        WattTime region code, e.g. ``CAISO_NORTH``.
    start, end
        UTC range (values without an offset are UTC), widened to whole hours.
    signal
        ``co2_moer`` (default), ``co2_aoer`` or ``health_damage``.
    model
        Model version date (default: the provider's current model).
    username, password
        Default: ``WATTTIME_USER`` / ``WATTTIME_PASSWORD``.
    session
        A session from :func:`fairwatt.providers.session.make_session`.
    progress
        Called with (chunks done, chunks total) after each chunk.
    """
    _check_signal(signal)
    s, e, pieces = f.chunked_range(start, end, RANGE_SPAN)
    column = SIGNALS[signal][0]
    tables, responses, metas = [], [], []
    with open_session(session) as sess:
        client = Client(sess, username=username, password=password)
        for a, b in f.each_chunk(pieces, progress):
            params = {**_range_params(region, a, b, signal), **_model_param(model)}
            resp = client.get("v3/historical", params, end=b)
            read = partial(read_signal, zone=region, start=a, end=b)
            df, meta = f.read_answer(sess, resp, read, provider=PROVIDER, what=f.span(region, a, b))
            if column not in df.columns:
                raise DataUnavailableError(
                    f"watttime: asked for {signal} but the answer holds {meta.get('source_units')}"
                )
            tables.append(df)
            responses.append(resp)
            metas.append(meta)
    df = c.concat_tables(tables, [column])
    meta = _combine(metas, df, region=region, signal=signal)
    meta["logins"] = client.logins
    f.add_request_meta(meta, responses, f"{client.base}/v3/historical", s, e)
    return df, meta


def _range_params(region: str, a: pd.Timestamp, b: pd.Timestamp, signal: str) -> dict[str, Any]:
    return {
        "region": region,
        "start": c.iso_z(a),
        "end": c.iso_z(b),
        "signal_type": signal,
        "include_imputed_marker": "true",
    }


def _model_param(model: str | None) -> dict[str, Any]:
    return {"model": model} if model else {}


def _combine(
    metas: list[dict[str, Any]], df: pd.DataFrame, *, region: str, signal: str
) -> dict[str, Any]:
    """The provenance of the whole range: the last chunk's, with the table's flags and
    every chunk's warnings."""
    column, kind = SIGNALS[signal]
    meta = dict(metas[-1]) if metas else {}
    meta.update(
        c.provenance(
            provider=PROVIDER,
            zone=region,
            signal=signal,
            signal_kind=kind,
            emission_factor_type=_ef_type(column),
            factor_cols=[column],
            df=df,
            licence=LICENCE,
        )
    )
    warnings = sorted({w for m in metas for w in (m.get("warnings") or [])})
    if warnings:
        meta["warnings"] = warnings
    return meta


def get_forecast(
    region: str,
    *,
    signal: str = "co2_moer",
    horizon_hours: int = 24,
    model: str | None = None,
    username: str | None = None,
    password: str | None = None,
    session: requests.Session | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The current forecast of ``signal`` for ``region`` (``/v3/forecast``), hourly,
    flagged ``is_forecast``."""
    _check_signal(signal)
    if not 0 <= int(horizon_hours) <= 72:
        raise InputError(f"horizon {horizon_hours} h is outside 0-72 h", hint="use 0 to 72")
    with open_session(session) as sess:
        client = Client(sess, username=username, password=password)
        params: dict[str, Any] = {
            "region": region,
            "signal_type": signal,
            "horizon_hours": int(horizon_hours),
            **_model_param(model),
        }
        resp = client.get("v3/forecast", params, end=None)
        read = partial(read_signal, zone=region)
        df, meta = f.read_answer(sess, resp, read, provider=PROVIDER, what=f.span(region))
    meta["logins"] = client.logins
    c.merge_request_meta(meta, [resp], f"{client.base}/v3/forecast")
    return df, meta
