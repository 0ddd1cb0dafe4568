"""ENTSO-E Transparency Platform: actual generation per production type (A75), XML.

* ``GET /api?documentType=A75&processType=A16&in_Domain=<EIC>&periodStart&periodEnd`` with
  ``securityToken`` from ``ENTSOE_API_KEY`` (a URL parameter: kept out of the cache key,
  redacted from the stored request, masked in logs and errors). Base URL
  ``https://web-api.tp.entsoe.eu``, overridable with ``FAIRWATT_ENTSOE_URL``.
* Zones: a short name from :data:`ZONES` (``FR``, ``DE_LU``, ``SE_3`` ...) or an EIC code.
* Values are average power [MW] per production type over PT15M, PT30M or PT60M intervals;
  the hourly mean power equals the hour's energy [MWh]. Positions left out of a
  ``curveType`` A03 series repeat the previous value; in A01 series they are gaps.
  Series with an ``outBiddingZone_Domain`` (consumption, e.g. pumping) are ignored.
* "No data" is an ``Acknowledgement_MarketDocument`` (HTTP 200 or 400) whose reason text
  becomes a :class:`~fairwatt.errors.DataUnavailableError`.
* Ranges are requested in chunks of :data:`RANGE_SPAN`.
* Data licence: ENTSO-E Transparency Platform terms (re-use allowed with attribution,
  "ENTSO-E Transparency Platform").
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from fairwatt.errors import DataUnavailableError, InputError
from fairwatt.providers import _common as c
from fairwatt.providers import _fetch as f
from fairwatt.providers import _parse as p
from fairwatt.providers.session import Auth, base_url, open_session, raise_for_status

if TYPE_CHECKING:
    import requests

PROVIDER = "entsoe"
DEFAULT_URL = "https://web-api.tp.entsoe.eu"
KEY_ENV = "ENTSOE_API_KEY"
AUTH = Auth(env=(KEY_ENV,), how="a Transparency Platform security token")
RANGE_SPAN = timedelta(days=30)
_REGISTER = "register on transparency.entsoe.eu and request API access"
_API = f.ProviderApi(PROVIDER, AUTH)
LICENCE = "ENTSO-E Transparency Platform terms of use (attribution: ENTSO-E Transparency Platform)"

#: Bidding-zone short names -> EIC codes (public identifiers).
ZONES: dict[str, str] = {
    "AT": "10YAT-APG------L",
    "BE": "10YBE----------2",
    "CH": "10YCH-SWISSGRIDZ",
    "CZ": "10YCZ-CEPS-----N",
    "DE_LU": "10Y1001A1001A82H",
    "DK_1": "10YDK-1--------W",
    "DK_2": "10YDK-2--------M",
    "ES": "10YES-REE------0",
    "FI": "10YFI-1--------U",
    "FR": "10YFR-RTE------C",
    "IE_SEM": "10Y1001A1001A59C",
    "IT_NORD": "10Y1001A1001A73I",
    "NL": "10YNL----------L",
    "NO_1": "10YNO-1--------2",
    "PL": "10YPL-AREA-----S",
    "PT": "10YPT-REN------W",
    "SE_3": "10Y1001A1001A46L",
}
_EIC = re.compile(r"^[0-9]{2}[A-Z][A-Z0-9\-]{12}[A-Z0-9\-]$")

#: psrType -> (description, fuel as used for per-fuel factors; None = storage, excluded)
PSR_TYPES: dict[str, tuple[str, str | None]] = {
    "B01": ("Biomass", "biomass"),
    "B02": ("Fossil Brown coal/Lignite", "coal"),
    "B03": ("Fossil Coal-derived gas", "coal"),
    "B04": ("Fossil Gas", "gas"),
    "B05": ("Fossil Hard coal", "coal"),
    "B06": ("Fossil Oil", "oil"),
    "B07": ("Fossil Oil shale", "oil"),
    "B08": ("Fossil Peat", "coal"),
    "B09": ("Geothermal", "geothermal"),
    "B10": ("Hydro Pumped Storage", None),
    "B11": ("Hydro Run-of-river and poundage", "hydro"),
    "B12": ("Hydro Water Reservoir", "hydro"),
    "B13": ("Marine", "other"),
    "B14": ("Nuclear", "nuclear"),
    "B15": ("Other renewable", "other"),
    "B16": ("Solar", "solar"),
    "B17": ("Waste", "biomass"),
    "B18": ("Wind Offshore", "wind"),
    "B19": ("Wind Onshore", "wind"),
    "B20": ("Other", "unknown"),
    "B25": ("Energy storage", None),
}
_RESOLUTION_S = {"PT15M": 900, "PT30M": 1800, "PT60M": 3600, "PT1H": 3600}


def resolve_key(value: str | None = None) -> str:
    """The security token: ``value`` or ``ENTSOE_API_KEY``; missing is an error."""
    return f.require_key(value, KEY_ENV, PROVIDER, "security token", _REGISTER)


def eic(zone: str) -> str:
    """The EIC code of ``zone`` (a short name from :data:`ZONES` or an EIC code)."""
    z = zone.strip()
    if z.upper() in ZONES:
        return ZONES[z.upper()]
    if _EIC.match(z):
        return z
    raise InputError(
        f"unknown ENTSO-E zone {zone!r}",
        hint=f"use an EIC code or one of: {', '.join(sorted(ZONES))}",
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    for ch in el:
        if _local(ch.tag) == name:
            return ch
    return None


def _text(el: ET.Element | None, *path: str) -> str | None:
    for name in path:
        if el is None:
            return None
        el = _child(el, name)
    return el.text.strip() if el is not None and el.text is not None else None


def acknowledgement_reason(root: ET.Element) -> str:
    """The reason text(s) of an ``Acknowledgement_MarketDocument``."""
    reasons = []
    for el in root.iter():
        if _local(el.tag) == "Reason":
            code = _text(el, "code")
            text = _text(el, "text")
            reasons.append(f"{text} (code {code})" if code else str(text))
    return "; ".join(reasons) or "no reason given"


def _parse_xml(raw: bytes, path: str | None) -> ET.Element:
    if not raw.strip():
        raise c.bad_body(PROVIDER, "the answer is empty", path)
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        head = raw.lstrip()[:1]
        what = "the XML answer is cut off or malformed" if head == b"<" else "the answer is not XML"
        raise c.bad_body(PROVIDER, f"{what} ({exc})", path) from None


def read_generation(
    source: c.Source, *, zone: str | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse an A75 ``GL_MarketDocument`` into an hourly long generation table.

    Sub-hourly points (``PT15M``, ``PT30M``) are averaged to the hour; an acknowledgement
    document raises with its reason text.

    Parameters
    ----------
    source
        The XML document as sent by the Transparency Platform: a path, bytes or a buffer.
    zone
        Label of the ``zone`` column; by default the first ``inBiddingZone_Domain`` EIC.

    Returns
    -------
    (DataFrame, dict)
        Columns ``timestamp`` (UTC hour start), ``zone``, ``psr_type`` (B01 ...), ``fuel``
        (see :data:`PSR_TYPES`; ``<NA>`` for storage), ``generation_mwh`` [MWh] (hourly
        mean of the MW values) and ``is_partial`` (fewer sub-hourly values than the hour
        should hold); metadata (resolutions, domain EIC).

    Raises
    ------
    DataUnavailableError
        The body is an acknowledgement ("no matching data"), with its reason text.
    """
    raw, path = c.read_source(source)
    root = _parse_xml(raw, path)
    _check_document(root, path)
    rows, domains, resolutions = _observations(root, path)
    out = _hourly(rows)
    label = zone or (sorted(domains)[0] if domains else "")
    out.insert(1, "zone", pd.Series([label] * len(out), dtype="string"))
    out["fuel"] = pd.Series(
        [PSR_TYPES.get(p, ("?", "other"))[1] for p in out["psr_type"]], dtype="string"
    )
    out["psr_type"] = out["psr_type"].astype("string")
    out = out[["timestamp", "zone", "psr_type", "fuel", "generation_mwh", "is_partial"]]
    meta = {
        "provider": PROVIDER,
        "zone": label,
        "signal": "fuel-mix",
        "document": "A75 actual generation per production type",
        "domains": sorted(domains),
        "resolutions": sorted(resolutions),
        "units": {"generation_mwh": "MWh"},
        "licence": LICENCE,
    }
    return out.reset_index(drop=True), meta


def _check_document(root: ET.Element, path: str | None) -> None:
    """An acknowledgement ("no matching data") or any document but A75 is an error."""
    doc_type = _local(root.tag)
    if doc_type == "Acknowledgement_MarketDocument":
        raise DataUnavailableError(
            f"entsoe: {acknowledgement_reason(root)}",
            hint="check the zone and the time range (ENTSO-E has no data for them)",
        )
    if doc_type != "GL_MarketDocument":
        raise c.bad_body(PROVIDER, f"unexpected document {doc_type!r} (expected A75)", path)


def _observations(
    root: ET.Element, path: str | None
) -> tuple[list[dict[str, Any]], set[str], set[str]]:
    """Rows ``{start, psr_type, mw, period_s}`` of every generation series, the bidding
    zones (EIC) and the resolutions seen."""
    rows: list[dict[str, Any]] = []
    domains: set[str] = set()
    resolutions: set[str] = set()
    for ts_el in root:
        if _local(ts_el.tag) != "TimeSeries":
            continue
        unit = _text(ts_el, "quantity_Measure_Unit.name")
        if unit != "MAW":  # quantities must be MW (ENTSO-E unit code MAW)
            raise DataUnavailableError(
                f"entsoe: a time series is in {f'unit {unit!r}' if unit else 'no unit'}, "
                "not MAW (MW)" + (f" ({path})" if path else ""),
                hint="fairwatt reads A75 generation in MW only (quantity_Measure_Unit.name MAW)",
            )
        if _text(ts_el, "outBiddingZone_Domain.mRID"):
            continue  # consumption by the unit (pumping, charging)
        domain = _text(ts_el, "inBiddingZone_Domain.mRID")
        if domain:
            domains.add(domain)
        psr = _text(ts_el, "MktPSRType", "psrType") or "B20"
        curve = _text(ts_el, "curveType") or "A01"
        for period in ts_el:
            if _local(period.tag) != "Period":
                continue
            res, period_rows = _period_rows(period, psr, curve, path, domain)
            resolutions.add(res)
            rows.extend(period_rows)
    return rows, domains, resolutions


def _period_rows(
    period: ET.Element, psr: str, curve: str, path: str | None, domain: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """The resolution of one ``Period`` and its rows, one per position."""
    start_s = _text(period, "timeInterval", "start")
    end_s = _text(period, "timeInterval", "end")
    res = _text(period, "resolution") or ""
    if res not in _RESOLUTION_S or start_s is None or end_s is None:
        raise c.bad_body(PROVIDER, f"unsupported period (resolution {res!r})", path)
    step = pd.Timedelta(seconds=_RESOLUTION_S[res])
    p0 = pd.Timestamp(start_s).tz_convert("UTC")
    p1 = pd.Timestamp(end_s).tz_convert("UTC")
    n = int((p1 - p0) / step)
    values = _points(period, path, where=(domain, p0, step))
    if curve == "A03":  # positions left out repeat the previous value
        last = None
        for k in range(1, n + 1):
            if k in values:
                last = values[k]
            elif last is not None:
                values[k] = last
    rows = [
        {"start": p0 + (k - 1) * step, "psr_type": psr, "mw": mw, "period_s": _RESOLUTION_S[res]}
        for k, mw in values.items()
        if 1 <= k <= n
    ]
    return res, rows


def _points(
    period: ET.Element, path: str | None, *, where: tuple[str | None, pd.Timestamp, pd.Timedelta]
) -> dict[int, float]:
    """Position -> quantity of the ``Point`` elements of a ``Period`` (``where``: its
    bidding zone, start and resolution, for messages)."""
    domain, p0, step = where
    values: dict[int, float] = {}
    for pt in period:
        if _local(pt.tag) != "Point":
            continue
        pos = _text(pt, "position")
        qty = _text(pt, "quantity")
        if pos is None or qty is None:
            raise c.bad_body(PROVIDER, "a Point without position or quantity", path)
        k = int(p.number(pos, provider=PROVIDER, zone=domain, path=path))
        at = (p0 + (k - 1) * step).isoformat()
        values[k] = p.number(qty, provider=PROVIDER, zone=domain, at=at, path=path)
    return values


def _hourly(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Hourly mean power [MW] = energy [MWh] per hour and production type, flagged
    ``is_partial`` when the hour holds fewer values than its resolution asks for."""
    obs = pd.DataFrame(rows, columns=["start", "psr_type", "mw", "period_s"])
    obs["hour"] = pd.to_datetime(obs["start"], utc=True).dt.floor("h")
    g = obs.groupby(["hour", "psr_type"], sort=True)
    out = g["mw"].mean().rename("generation_mwh").reset_index()
    counts = g["mw"].count().to_numpy()
    expected = (3600 / g["period_s"].max()).round().to_numpy()
    out["is_partial"] = counts < expected
    out = out.rename(columns={"hour": "timestamp"})
    out["timestamp"] = out["timestamp"].astype("datetime64[us, UTC]")
    return out


def get_generation(
    zone: str,
    start: Any,
    end: Any,
    *,
    api_key: str | None = None,
    session: requests.Session | None = None,
    progress: c.Progress | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Hourly generation per production type of ``zone`` over ``[start, end)``.

    Parameters
    ----------
    zone
        Short name (:data:`ZONES`) or EIC code.
    start, end
        UTC range, widened to whole hours.
    api_key
        Default: ``ENTSOE_API_KEY``.
    """
    code = eic(zone)
    s, e, pieces = f.chunked_range(start, end, RANGE_SPAN)
    base = base_url(PROVIDER, DEFAULT_URL)
    frames, responses = [], []
    meta: dict[str, Any] = {}
    with open_session(session) as sess:
        key = f.key_or_offline(sess, api_key, KEY_ENV, resolve_key)
        for a, b in f.each_chunk(pieces, progress):
            resp = _get_chunk(sess, f"{base}/api", key, code, zone, a, b)
            read = partial(read_generation, zone=zone)
            df, meta = f.read_answer(sess, resp, read, provider=PROVIDER, what=f.span(zone, a, b))
            frames.append(f.within(df, a, b))
            responses.append(resp)
    df = f.combine_long(frames, ["timestamp", "psr_type"])
    meta.update(start=s.isoformat(), end=e.isoformat(), eic=code)
    c.merge_request_meta(meta, responses, f"{base}/api?documentType=A75")
    return df, meta


def _get_chunk(
    session: requests.Session,
    url: str,
    key: str,
    code: str,
    zone: str,
    a: pd.Timestamp,
    b: pd.Timestamp,
) -> requests.Response:
    """The A75 answer for ``[a, b)``; an acknowledgement sent with HTTP 400 raises with
    its reason text."""
    params = {
        "securityToken": key,
        "documentType": "A75",
        "processType": "A16",
        "in_Domain": code,
        "periodStart": a.strftime("%Y%m%d%H%M"),
        "periodEnd": b.strftime("%Y%m%d%H%M"),
    }
    resp = _API.get(session, url, b, params=params, ok_statuses=(200, 400))
    if resp.status_code == 400:
        if b"Acknowledgement_MarketDocument" in resp.content:
            read_generation(resp.content, zone=zone)  # raises with the reason text
        raise_for_status(resp, provider=PROVIDER, auth_info=AUTH, session=session)
    return resp
