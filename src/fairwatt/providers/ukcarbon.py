"""Carbon Intensity API of Great Britain's system operator (NESO): no key needed.

* Base URL ``https://api.carbonintensity.org.uk`` (``FAIRWATT_UKCARBON_URL`` overrides).
  Data licence CC BY 4.0 (cite "National Energy System Operator, Carbon Intensity API").
* Zones: ``GB`` (national, ``/intensity/{from}/{to}``); ``GB:<region id 1-17>`` such as
  ``GB:13`` for London (``/regional/intensity/{from}/{to}/regionid/{id}``); ``GB:<outcode>``
  such as ``GB:RG10`` (``/regional/intensity/{from}/{to}/postcode/{outcode}``).
* Values are half-hourly **average** intensities [gCO2/kWh] computed with **operational**
  (direct, combustion-only) emission factors — not comparable with lifecycle factors.
  National answers carry an ``actual`` (metered estimate) and a ``forecast``: the actual
  is used when present, else the forecast (flagged ``is_forecast``). Regional answers only
  carry forecasts (flagged ``is_forecast``). Two half-hours make an hour (mean).
* Generation mix (``/generation/{from}/{to}``, per-fuel percentages) is parsed by
  :func:`read_generation`.
* Ranges are requested in chunks of :data:`RANGE_SPAN` (the API serves at most 14 days).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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

PROVIDER = "ukcarbon"
DEFAULT_URL = "https://api.carbonintensity.org.uk"
AUTH = Auth()
RANGE_SPAN = timedelta(days=14)
PERIOD_S = 1800.0
_API = f.ProviderApi(PROVIDER, AUTH)
_JSON = {"Accept": "application/json"}
LICENCE = "CC BY 4.0 (National Energy System Operator, Carbon Intensity API)"
REGIONS = {
    1: "North Scotland",
    2: "South Scotland",
    3: "North West England",
    4: "North East England",
    5: "Yorkshire",
    6: "North Wales & Merseyside",
    7: "South Wales",
    8: "West Midlands",
    9: "East Midlands",
    10: "East England",
    11: "South West England",
    12: "South England",
    13: "London",
    14: "South East England",
    15: "England",
    16: "Scotland",
    17: "Wales",
}
_OUTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def parse_zone(zone: str) -> tuple[str, str | None]:
    """``("national", None)``, ``("regionid", "13")`` or ``("postcode", "RG10")``."""
    z = zone.strip().upper()
    if z in ("GB", "UK"):
        return "national", None
    if z.startswith(("GB:", "GB-")):
        rest = z[3:].strip()
        if rest.isdigit() and int(rest) in REGIONS:
            return "regionid", str(int(rest))
        if _OUTCODE.match(rest):
            return "postcode", rest
    raise InputError(
        f"unknown GB zone {zone!r}",
        hint="use GB (national), GB:<region id 1-17> (e.g. GB:13 London) "
        "or GB:<postcode outcode> (e.g. GB:RG10)",
    )


def _intensity_rows(
    periods: list[Any], path: str | None, *, regional: bool, zone: str | None
) -> list[dict[str, Any]]:
    rows = []
    for i, period in enumerate(periods):
        if not isinstance(period, Mapping) or "from" not in period:
            raise c.bad_body(PROVIDER, f"period {i} has no 'from'", path)
        inten = c.as_mapping(period.get("intensity"))
        actual = None if regional else inten.get("actual")
        value = actual if actual is not None else inten.get("forecast")
        forecast = actual is None and value is not None
        rows.append(
            p.observation(
                period["from"],
                "carbon_g_per_kwh",
                p.number(value, provider=PROVIDER, zone=zone, at=period["from"], path=path),
                estimated=False,
                forecast=forecast,
            )
        )
    return rows


def _zone_of(region: Mapping[str, Any]) -> str:
    return f"GB:{region['regionid']}" if region.get("regionid") else "GB"


def _regional_periods(doc: Mapping[str, Any], path: str | None) -> tuple[list[Any], dict[str, Any]]:
    """Periods and region info of a regionid/postcode answer (``data`` may be an object
    or a one-element list)."""
    data = doc.get("data")
    if isinstance(data, list):
        if len(data) != 1 or not isinstance(data[0], Mapping):
            raise c.bad_body(PROVIDER, "expected one region in 'data'", path)
        data = data[0]
    if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
        raise c.bad_body(PROVIDER, "no region periods in 'data'", path)
    info = {
        k: data.get(k) for k in ("regionid", "dnoregion", "shortname", "postcode") if data.get(k)
    }
    return data["data"], info


def read_intensity(
    source: c.Source, *, zone: str | None = None, start: Any = None, end: Any = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse a national (``/intensity...``) or single-region (``/regional/...regionid|postcode``)
    intensity answer into the canonical hourly table.

    Parameters
    ----------
    source
        The JSON body (path, bytes or buffer); an all-regions answer is refused.
    zone
        Label of the table; by default ``GB``, or ``GB:<region id>`` for a region.
    start, end
        Optional UTC range, widened to whole hours, the table must cover; an hour
        without a half-hour period is flagged missing.

    Returns
    -------
    (DataFrame, dict)
        ``carbon_g_per_kwh`` [gCO2/kWh] (average, operational factors), hourly means of
        the half-hours, forecasts flagged; provenance.
    """
    doc = c.load_json(source, provider=PROVIDER)
    path = c.path_of(source)
    if not isinstance(doc, Mapping) or "data" not in doc:
        if isinstance(doc, Mapping) and "error" in doc:
            err = doc["error"]
            msg = err.get("message") if isinstance(err, Mapping) else err
            raise c.bad_body(PROVIDER, f"the answer is an error: {msg}", path)
        raise c.bad_body(PROVIDER, "no 'data' field", path)
    data = doc["data"]
    regional = isinstance(data, Mapping) or (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], Mapping)
        and "regionid" in data[0]
    )
    region: dict[str, Any] = {}
    if regional:
        periods, region = _regional_periods(doc, path)
    elif isinstance(data, list) and data and isinstance(data[0], Mapping) and "regions" in data[0]:
        raise c.bad_body(
            PROVIDER,
            "this is an all-regions answer; fetch one region with GB:<region id>",
            path,
        )
    else:
        periods = data if isinstance(data, list) else []
    rows = _intensity_rows(periods, path, regional=regional, zone=zone or _zone_of(region))
    obs = p.observations(rows, "carbon_g_per_kwh", provider=PROVIDER, path=path, field="from")
    if zone is None:
        zone = _zone_of(region)
    df = p.hourly(obs, "carbon_g_per_kwh", zone=zone, period_s=PERIOD_S, start=start, end=end)
    meta = _provenance(zone, df, source_period_s=PERIOD_S, region=region or None, licence=LICENCE)
    return df, meta


def _provenance(zone: str, df: pd.DataFrame, **extra: Any) -> dict[str, Any]:
    """Provenance of an intensity table: average intensity, operational factors."""
    return c.provenance(
        provider=PROVIDER,
        zone=zone,
        signal="intensity",
        signal_kind="average",
        emission_factor_type="operational",
        factor_cols=["carbon_g_per_kwh"],
        df=df,
        **extra,
    )


def read_generation(
    source: c.Source, *, zone: str | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse a generation-mix answer (``/generation...`` or a single-region answer).

    Parameters
    ----------
    source
        The JSON body of ``/generation`` or of a regional intensity answer (path, bytes
        or buffer).
    zone
        Label of the table; by default ``GB``, or ``GB:<region id>`` for a region.

    Returns
    -------
    (DataFrame, dict)
        Long table ``timestamp`` (UTC half-hour start), ``zone``, ``fuel`` (biomass, coal,
        imports, gas, nuclear, other, hydro, solar, wind), ``share_pct`` [%].
    """
    doc = c.load_json(source, provider=PROVIDER)
    path = c.path_of(source)
    if not isinstance(doc, Mapping) or "data" not in doc:
        raise c.bad_body(PROVIDER, "no 'data' field", path)
    data = doc["data"]
    region: dict[str, Any] = {}
    if isinstance(data, Mapping) and "generationmix" in data:
        periods: list[Any] = [data]  # the current half-hour: a single object
    elif isinstance(data, Mapping) or (
        isinstance(data, list) and data and isinstance(data[0], Mapping) and "regionid" in data[0]
    ):
        periods, region = _regional_periods(doc, path)
    else:
        periods = data if isinstance(data, list) else []
    if zone is None:
        zone = _zone_of(region)
    rows: list[dict[str, Any]] = []
    for i, period in enumerate(periods):
        mix = period.get("generationmix") if isinstance(period, Mapping) else None
        if not isinstance(mix, list) or "from" not in period:
            raise c.bad_body(PROVIDER, f"period {i} has no 'from' or 'generationmix'", path)
        at = period["from"]
        rows.extend(
            {
                "timestamp": at,
                "fuel": str(item.get("fuel")),
                "share_pct": p.number(
                    item.get("perc"), provider=PROVIDER, zone=zone, at=at, path=path
                ),
            }
            for item in mix
        )
    df = p.long_table(
        rows,
        ["timestamp", "fuel", "share_pct"],
        zone=zone,
        provider=PROVIDER,
        path=path,
        field="from",
    )
    meta = {
        "provider": PROVIDER,
        "zone": zone,
        "signal": "generation",
        "source_period_s": PERIOD_S,
        "units": {"share_pct": "%"},
        "region": region or None,
        "licence": LICENCE,
    }
    return df, meta


def _fmt(ts: pd.Timestamp) -> str:
    return c.iso_z(ts, seconds=False)


def intensity_path(zone: str, a: pd.Timestamp, b: pd.Timestamp) -> str:
    kind, value = parse_zone(zone)
    if kind == "national":
        return f"intensity/{_fmt(a)}/{_fmt(b)}"
    return f"regional/intensity/{_fmt(a)}/{_fmt(b)}/{kind}/{value}"


def get_intensity(
    zone: str,
    start: Any,
    end: Any,
    *,
    session: requests.Session | None = None,
    progress: c.Progress | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Hourly carbon intensity of a GB zone over ``[start, end)`` (chunks of 14 days).

    The two half-hours of each hour are averaged: nationally the actual value where
    there is one, else the forecast; regionally the forecast (forecasts are flagged).

    Parameters
    ----------
    zone
        ``GB``, ``GB:<region id>`` or ``GB:<postcode outcode>``.
    start, end
        UTC range, widened to whole hours.
    """
    parse_zone(zone)
    s, e, pieces = f.chunked_range(start, end, RANGE_SPAN)
    base = base_url(PROVIDER, DEFAULT_URL)
    tables, responses, metas = [], [], []
    with open_session(session) as sess:
        for a, b in f.each_chunk(pieces, progress):
            read = partial(read_intensity, zone=zone, start=a, end=b)
            url = f"{base}/{intensity_path(zone, a, b)}"
            df, meta, resp = _API.fetch(sess, url, b, read, what=f.span(zone, a, b), headers=_JSON)
            tables.append(df)
            responses.append(resp)
            metas.append(meta)
    df = c.concat_tables(tables, ["carbon_g_per_kwh"])
    meta = dict(metas[-1])
    meta.update(_provenance(zone, df))
    kind = parse_zone(zone)[0]
    endpoint = f"{base}/intensity" if kind == "national" else f"{base}/regional/intensity/{kind}"
    f.add_request_meta(meta, responses, endpoint, s, e)
    return df, meta


def get_generation(
    zone: str,
    start: Any,
    end: Any,
    *,
    session: requests.Session | None = None,
    progress: c.Progress | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Half-hourly generation mix [%] of a GB zone over ``[start, end)`` (national:
    ``/generation``; regions: the regional intensity answer, which carries the mix)."""
    kind, _ = parse_zone(zone)
    s, e, pieces = f.chunked_range(start, end, RANGE_SPAN)
    base = base_url(PROVIDER, DEFAULT_URL)
    frames, responses = [], []
    meta: dict[str, Any] = {}
    with open_session(session) as sess:
        for a, b in f.each_chunk(pieces, progress):
            path = (
                f"generation/{_fmt(a)}/{_fmt(b)}"
                if kind == "national"
                else intensity_path(zone, a, b)
            )
            read = partial(read_generation, zone=zone)
            what = f.span(zone, a, b)
            df, meta, resp = _API.fetch(sess, f"{base}/{path}", b, read, what=what, headers=_JSON)
            frames.append(f.within(df, a, b))
            responses.append(resp)
    df = f.combine_long(frames, ["timestamp", "fuel"], sort=False)
    endpoint = f"{base}/generation" if kind == "national" else f"{base}/regional/intensity"
    f.add_request_meta(meta, responses, endpoint, s, e)
    return df, meta
