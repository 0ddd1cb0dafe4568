"""Answer bodies in each provider's recorded shape (see tests/data/<provider>/), built for
arbitrary ranges so that chunking, pagination and gaps can be exercised."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data"


def recorded(provider: str, name: str) -> bytes:
    """A recorded answer body from ``tests/data/<provider>/``."""
    return (DATA / provider / name).read_bytes()


def _ts(t: Any) -> pd.Timestamp:
    ts = pd.Timestamp(t)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def em_past_range(
    zone: str,
    start: Any,
    values: Sequence[float | None],
    *,
    estimated: Sequence[bool] | None = None,
    ef: str = "lifecycle",
) -> bytes:
    """Electricity Maps ``/carbon-intensity/past-range``: one record per hour."""
    t0 = _ts(start)
    recs = []
    for i, v in enumerate(values):
        t = t0 + timedelta(hours=i)
        est = bool(estimated[i]) if estimated is not None else False
        recs.append(
            {
                "zone": zone,
                "carbonIntensity": v,
                "datetime": t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "updatedAt": "2024-02-01T00:00:00.000Z",
                "createdAt": "2024-01-01T00:00:00.000Z",
                "emissionFactorType": ef,
                "isEstimated": est,
                "estimationMethod": "TIME_SLICER_AVERAGE" if est else None,
                "temporalGranularity": "hourly",
            }
        )
    return json.dumps({"zone": zone, "data": recs, "temporalGranularity": "hourly"}).encode()


def em_power_breakdown_range(zone: str, start: Any, mixes: Sequence[Mapping[str, float]]) -> bytes:
    """Electricity Maps ``/power-breakdown/past-range``: one record per hour."""
    t0 = _ts(start)
    recs = []
    for i, mix in enumerate(mixes):
        t = t0 + timedelta(hours=i)
        recs.append(
            {
                "zone": zone,
                "datetime": t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "powerConsumptionBreakdown": dict(mix),
                "powerProductionBreakdown": dict(mix),
                "isEstimated": False,
                "estimationMethod": None,
            }
        )
    return json.dumps({"zone": zone, "data": recs, "temporalGranularity": "hourly"}).encode()


def wt_historical(
    region: str,
    start: Any,
    values_lbs: Sequence[float],
    *,
    period_s: int = 300,
    imputed: Sequence[bool] | None = None,
    signal: str = "co2_moer",
    units: str = "lbs_co2_per_mwh",
) -> bytes:
    """WattTime ``/v3/historical``: one point every ``period_s`` seconds."""
    t0 = _ts(start)
    data = []
    for i, v in enumerate(values_lbs):
        p: dict[str, Any] = {
            "point_time": (t0 + timedelta(seconds=period_s * i)).isoformat(),
            "value": v,
        }
        if imputed is not None:
            p["imputed_data_used"] = bool(imputed[i])
        data.append(p)
    meta = {
        "data_point_period_seconds": period_s,
        "region": region,
        "warnings": [],
        "signal_type": signal,
        "model": {"type": "binned_regression", "date": "2023-03-01"},
        "units": units,
    }
    return json.dumps({"data": data, "meta": meta}).encode()


def uk_intensity(start: Any, actual: Sequence[float | None], forecast: Sequence[float]) -> bytes:
    """GB ``/intensity/{from}/{to}``: half-hour periods."""
    t0 = _ts(start)
    data = []
    for i, (a, f) in enumerate(zip(actual, forecast, strict=True)):
        t = t0 + timedelta(minutes=30 * i)
        data.append(
            {
                "from": t.strftime("%Y-%m-%dT%H:%MZ"),
                "to": (t + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%MZ"),
                "intensity": {"forecast": f, "actual": a, "index": "moderate"},
            }
        )
    return json.dumps({"data": data}).encode()


def uk_generation(start: Any, mixes: Sequence[Mapping[str, float]]) -> bytes:
    """GB ``/generation/{from}/{to}``: half-hour periods with percentages."""
    t0 = _ts(start)
    data = []
    for i, mix in enumerate(mixes):
        t = t0 + timedelta(minutes=30 * i)
        data.append(
            {
                "from": t.strftime("%Y-%m-%dT%H:%MZ"),
                "to": (t + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%MZ"),
                "generationmix": [{"fuel": k, "perc": v} for k, v in mix.items()],
            }
        )
    return json.dumps({"data": data}).encode()


def eia_page(respondent: str, rows: Sequence[tuple[str, str, float]], total: int) -> bytes:
    """EIA ``fuel-type-data``: rows of (period, fueltype, value MWh)."""
    names = {
        "COL": "Coal",
        "NG": "Natural gas",
        "NUC": "Nuclear",
        "OIL": "Petroleum",
        "OTH": "Other",
        "SUN": "Solar",
        "WAT": "Hydro",
        "WND": "Wind",
        "BAT": "Battery",
    }
    data = [
        {
            "period": period,
            "respondent": respondent,
            "respondent-name": respondent,
            "fueltype": fuel,
            "type-name": names.get(fuel, fuel),
            "value": value,
            "value-units": "megawatthours",
        }
        for period, fuel, value in rows
    ]
    doc = {
        "response": {
            "total": str(total),
            "dateFormat": 'YYYY-MM-DD"T"HH24',
            "frequency": "hourly",
            "data": data,
            "description": "Hourly net generation by balancing authority and energy source.",
        },
        "request": {"command": "/v2/electricity/rto/fuel-type-data/data/", "params": {}},
        "apiVersion": "2.1.8",
    }
    return json.dumps(doc).encode()


def entsoe_a75(
    eic: str,
    start: Any,
    series: Mapping[str, Sequence[float | None]],
    *,
    resolution: str = "PT60M",
    curve: str = "A01",
    consumption: Mapping[str, Sequence[float]] | None = None,
) -> bytes:
    """ENTSO-E A75 ``GL_MarketDocument``; ``None`` values are left out (gaps)."""
    step = {"PT15M": 15, "PT30M": 30, "PT60M": 60}[resolution]
    t0 = _ts(start)

    def fmt(t: datetime) -> str:
        return t.strftime("%Y-%m-%dT%H:%MZ")

    parts = []
    n_max = max(len(v) for v in series.values())
    t1 = t0 + timedelta(minutes=step * n_max)
    all_series = [(psr, vals, "in") for psr, vals in series.items()]
    all_series += [(psr, vals, "out") for psr, vals in (consumption or {}).items()]
    for k, (psr, vals, side) in enumerate(all_series, 1):
        end = t0 + timedelta(minutes=step * len(vals))
        points = "".join(
            f"<Point><position>{i}</position><quantity>{v}</quantity></Point>"
            for i, v in enumerate(vals, 1)
            if v is not None
        )
        parts.append(
            f"<TimeSeries><mRID>{k}</mRID><businessType>A01</businessType>"
            f"<objectAggregation>A08</objectAggregation>"
            f'<{side}BiddingZone_Domain.mRID codingScheme="A01">{eic}'
            f"</{side}BiddingZone_Domain.mRID>"
            f"<quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>"
            f"<curveType>{curve}</curveType><MktPSRType><psrType>{psr}</psrType></MktPSRType>"
            f"<Period><timeInterval><start>{fmt(t0)}</start><end>{fmt(end)}</end></timeInterval>"
            f"<resolution>{resolution}</resolution>{points}</Period></TimeSeries>"
        )
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<GL_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0">'
        "<mRID>x</mRID><revisionNumber>1</revisionNumber><type>A75</type>"
        "<process.processType>A16</process.processType>"
        f"<time_Period.timeInterval><start>{fmt(t0)}</start><end>{fmt(t1)}</end>"
        "</time_Period.timeInterval>" + "".join(parts) + "</GL_MarketDocument>"
    )
    return doc.encode()


def expire_everything(cache_dir: Path) -> None:
    """Mark every answer in the HTTP cache of ``cache_dir`` as expired a day ago."""
    from requests_cache.backends.sqlite import SQLiteCache

    from fairwatt.providers.session import CACHE_FILE

    cache = SQLiteCache(str(cache_dir / CACHE_FILE))
    for key in list(cache.responses.keys()):
        resp = cache.responses[key]
        resp.expires = datetime.now(UTC) - timedelta(days=1)
        cache.responses[key] = resp
    cache.close()
