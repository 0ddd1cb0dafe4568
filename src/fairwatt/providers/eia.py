"""EIA API v2: hourly net generation by fuel per US balancing authority (Form EIA-930).

* ``GET /v2/electricity/rto/fuel-type-data/data/`` with ``api_key`` from ``EIA_API_KEY``
  (the key must be a URL parameter; fairwatt keeps it out of the cache key, redacts it from
  the stored request and masks it in logs and errors). Base URL ``https://api.eia.gov``,
  overridable with ``FAIRWATT_EIA_URL``.
* Zones are EIA respondent codes: balancing authorities (``CISO``, ``ERCO``, ``PJM``,
  ``MISO``, ``BPAT``, ``TVA`` ...) or regions (``CAL``, ``NW``, ``TEX`` ...).
* Hours are UTC and ``period`` labels the **end** of the hour: fairwatt shifts it back by
  one hour so every row is labelled by its interval start.
* Answers hold at most 5,000 rows: each chunk of :data:`RANGE_SPAN` is paginated with
  ``offset``/``length`` until ``response.total`` rows are read.
* Licence: US government work, public domain; cite "U.S. Energy Information
  Administration, Hourly Electric Grid Monitor (Form EIA-930)".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from fairwatt.providers import _common as c
from fairwatt.providers import _fetch as f
from fairwatt.providers import _parse as p
from fairwatt.providers.session import Auth, base_url, open_session

if TYPE_CHECKING:
    import requests

PROVIDER = "eia"
DEFAULT_URL = "https://api.eia.gov"
KEY_ENV = "EIA_API_KEY"
ROUTE = "v2/electricity/rto/fuel-type-data/data/"
RANGE_SPAN = timedelta(days=14)
PAGE_ROWS = 5000
AUTH = Auth(env=(KEY_ENV,), how="a free key from https://www.eia.gov/opendata/register.php")
LICENCE = "public domain (U.S. Energy Information Administration, Form EIA-930)"
_REGISTER = "free key at https://www.eia.gov/opendata/register.php"
_API = f.ProviderApi(PROVIDER, AUTH)
_UNITS = {"megawatthours": 1.0, "mwh": 1.0}
#: EIA-930's marker of a value withheld to protect a respondent's data
WITHHELD = ("W",)


def resolve_key(value: str | None = None) -> str:
    """The API key: ``value`` or ``EIA_API_KEY``; missing is an error."""
    return f.require_key(value, KEY_ENV, PROVIDER, "API key", _REGISTER)


def read_fuel_mix(
    source: c.Source, *, zone: str | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse an EIA-930 ``fuel-type-data`` answer into a long generation table.

    A withheld value (EIA's marker ``W``) is kept as NaN and flagged, never read as zero.

    Parameters
    ----------
    source
        One page of the ``fuel-type-data`` JSON answer (a path, bytes or a buffer).
    zone
        Respondent code written in every row; by default each record's ``respondent``.

    Returns
    -------
    (DataFrame, dict)
        Columns ``timestamp`` (UTC interval **start** = ``period`` − 1 h), ``zone``
        (respondent), ``fuel`` (EIA fuel code, e.g. ``COL``, ``NG``, ``SUN``),
        ``generation_mwh`` [MWh; NaN when null or withheld], ``is_withheld`` (the value was
        EIA's withheld marker ``W``: the hour's mix is unknown and it is flagged missing,
        never counted as zero); metadata holds ``total`` (rows on the server for the
        query), ``rows`` (rows in this page) and the description.
    """
    doc = c.load_json(source, provider=PROVIDER)
    path = c.path_of(source)
    if isinstance(doc, Mapping) and "error" in doc and "response" not in doc:
        err = doc["error"]
        msg = (
            ": ".join(str(err.get(k)) for k in ("code", "message") if err.get(k))
            if isinstance(err, Mapping)
            else str(err)
        )
        raise c.bad_body(PROVIDER, f"the answer is an error: {msg}", path)
    resp = doc.get("response") if isinstance(doc, Mapping) else None
    if not isinstance(resp, Mapping) or not isinstance(resp.get("data"), list):
        raise c.bad_body(PROVIDER, "no 'response.data' list", path)
    rows = _rows(resp["data"], zone, path)
    columns = ["period", "zone", "fuel", "generation_mwh", "is_withheld"]
    df = pd.DataFrame(rows, columns=columns)
    df["is_withheld"] = df["is_withheld"].astype(bool)
    end = c.parse_times(df["period"], provider=PROVIDER, path=path, field="period")
    df.insert(0, "timestamp", (end - c.ONE_HOUR).astype("datetime64[us, UTC]"))
    df = df.drop(columns="period")
    if zone is not None:
        df["zone"] = zone
    df["zone"] = df["zone"].astype("string")
    df["fuel"] = df["fuel"].astype("string")
    df = df.sort_values(["timestamp", "fuel"]).reset_index(drop=True)
    try:
        total = int(resp.get("total", len(rows)))
    except (TypeError, ValueError):
        raise c.bad_body(PROVIDER, f"unreadable 'total': {resp.get('total')!r}", path) from None
    meta = {
        "provider": PROVIDER,
        "zone": zone or (df["zone"].iloc[0] if len(df) else None),
        "signal": "fuel-mix",
        "total": total,
        "rows": len(rows),
        "period_label": "interval end (shifted to start)",
        "units": {"generation_mwh": "MWh"},
        "description": " ".join(str(resp.get("description", "")).split()) or None,
        "licence": LICENCE,
    }
    return df, meta


def _rows(data: list[Any], zone: str | None, path: str | None) -> list[dict[str, Any]]:
    """One row per record of ``response.data``: period, respondent, fuel, generation [MWh]
    (NaN when null or withheld) and whether it was withheld."""
    rows = []
    for i, r in enumerate(data):
        if not isinstance(r, Mapping) or "period" not in r or "fueltype" not in r:
            raise c.bad_body(PROVIDER, f"row {i} has no 'period' or 'fueltype'", path)
        unit = str(r.get("value-units") or "megawatthours").lower()
        if unit not in _UNITS:
            raise c.bad_body(PROVIDER, f"row {i}: unknown unit {unit!r}", path)
        raw: Any = r.get("value")  # a number, a numeric string, null or "W" (withheld)
        respondent = str(r.get("respondent") or zone or "")
        value = p.number(
            raw,
            _UNITS[unit],
            provider=PROVIDER,
            zone=respondent,
            at=r["period"],
            path=path,
            withheld=WITHHELD,
        )
        rows.append(
            {
                "period": r["period"],
                "zone": respondent,
                "fuel": str(r["fueltype"]),
                "generation_mwh": value,
                "is_withheld": p.withheld(raw, WITHHELD),
            }
        )
    return rows


def _period(ts: pd.Timestamp) -> str:
    return c.iso_z(ts, minutes=False, seconds=False)


def get_fuel_mix(
    respondent: str,
    start: Any,
    end: Any,
    *,
    api_key: str | None = None,
    session: requests.Session | None = None,
    progress: c.Progress | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Hourly generation by fuel of ``respondent`` over ``[start, end)`` (interval starts).

    Parameters
    ----------
    respondent
        EIA respondent code (balancing authority or region), e.g. ``ERCO``.
    start, end
        UTC range, widened to whole hours.
    api_key
        Default: ``EIA_API_KEY``.
    session
        A session from :func:`fairwatt.providers.session.make_session`.
    progress
        Called with (chunks done, chunks total) after each chunk.
    """
    s, e, pieces = f.chunked_range(start, end, RANGE_SPAN)
    url = f"{base_url(PROVIDER, DEFAULT_URL)}/{ROUTE}"
    frames, responses = [], []
    with open_session(session) as sess:
        key = f.key_or_offline(sess, api_key, KEY_ENV, resolve_key)
        for a, b in f.each_chunk(pieces, progress):
            for df, resp in _pages(sess, url, key, respondent, a, b):
                frames.append(df)
                responses.append(resp)
    df = f.combine_long([f.within(df, s, e) for df in frames], ["timestamp", "fuel"])
    meta = {
        "provider": PROVIDER,
        "zone": respondent,
        "signal": "fuel-mix",
        "period_label": "interval end (shifted to start)",
        "units": {"generation_mwh": "MWh"},
        "licence": LICENCE,
        "start": s.isoformat(),
        "end": e.isoformat(),
    }
    c.merge_request_meta(meta, responses, url)
    return df, meta


def _pages(
    session: requests.Session,
    url: str,
    key: str,
    respondent: str,
    a: pd.Timestamp,
    b: pd.Timestamp,
) -> Iterator[tuple[pd.DataFrame, requests.Response]]:
    """Each page of one chunk (interval starts ``[a, b)``) and its answer, until the
    server's ``response.total`` rows are read."""
    # interval starts [a, b) are the periods (a + 1 h) ... b, both ends inclusive
    offset = 0
    while True:
        params = [
            ("api_key", key),
            ("frequency", "hourly"),
            ("data[0]", "value"),
            ("facets[respondent][]", respondent),
            ("start", _period(a + c.ONE_HOUR)),
            ("end", _period(b)),
            ("sort[0][column]", "period"),
            ("sort[0][direction]", "asc"),
            ("offset", str(offset)),
            ("length", str(PAGE_ROWS)),
        ]
        read = partial(read_fuel_mix, zone=respondent)
        what = f.span(respondent, a, b)
        df, meta, resp = _API.fetch(session, url, b, read, what=what, params=params)
        yield df, resp
        offset += meta["rows"]
        if meta["rows"] == 0 or offset >= meta["total"]:
            return
