"""GB Carbon Intensity API: national and regional intensity, generation mix."""

from __future__ import annotations

import pandas as pd
import pytest
from provider_bodies import DATA, recorded, uk_generation, uk_intensity
from pytest_httpserver import HTTPServer

from fairwatt.errors import DataUnavailableError, InputError
from fairwatt.providers import ukcarbon as uk

D = DATA / "ukcarbon"


def test_read_national_prefers_actual() -> None:
    df, meta = uk.read_intensity(D / "intensity.json")
    # one half-hour, actual 263 (forecast 266): the actual is used
    assert df["carbon_g_per_kwh"].tolist() == [263.0]
    assert df["is_forecast"].tolist() == [False]
    assert df["is_partial"].tolist() == [True]  # 1 of the hour's 2 half-hours
    assert meta["emission_factor_type"] == "operational"
    assert meta["signal_kind"] == "average"


def test_read_regional_is_forecast() -> None:
    df, meta = uk.read_intensity(D / "regional_regionid_3.json")
    assert df["zone"].tolist() == ["GB:3"]
    assert df["carbon_g_per_kwh"].tolist() == [266.0]
    assert df["is_forecast"].all()
    assert meta["region"]["shortname"] == "North West England"
    pc, meta = uk.read_intensity(D / "regional_postcode_RG10.json", zone="GB:RG10")
    assert pc["zone"].tolist() == ["GB:RG10"]
    assert meta["region"]["postcode"] == "RG10"


def test_read_all_regions_is_refused() -> None:
    with pytest.raises(InputError, match="all-regions answer"):
        uk.read_intensity(D / "regional.json")


def test_read_error_body() -> None:
    with pytest.raises(InputError, match="valid date in ISO8601"):
        uk.read_intensity(D / "error_400.json")


def test_read_generation() -> None:
    df, _ = uk.read_generation(D / "generation.json")
    mix = dict(zip(df["fuel"], df["share_pct"], strict=True))
    assert mix == {
        "biomass": 4.8,
        "coal": 0.7,
        "gas": 43.6,
        "hydro": 1.2,
        "imports": 7.0,
        "nuclear": 18.9,
        "other": 0.3,
        "solar": 1.5,
        "wind": 22.0,
    }
    assert sum(mix.values()) == pytest.approx(100.0)
    reg, _ = uk.read_generation(D / "regional_regionid_3.json")
    assert set(reg["fuel"]) == {"gas", "coal"}


def test_half_hours_to_hours_mixing_actual_and_forecast() -> None:
    body = uk_intensity("2024-01-01T00:00Z", [100, None, 300, 320], [110, 150, 310, 330])
    df, meta = uk.read_intensity(body)
    # hour 0: actual 100 and forecast 150 (no actual) -> 125, flagged forecast
    # hour 1: actuals 300 and 320 -> 310
    assert df["carbon_g_per_kwh"].tolist() == [125.0, 310.0]
    assert df["is_forecast"].tolist() == [True, False]
    assert not df["is_partial"].any()
    assert meta["forecast_hours"] == 1


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("GB", ("national", None)),
        ("gb:13", ("regionid", "13")),
        ("GB-RG10", ("postcode", "RG10")),
    ],
)
def test_zones(zone: str, expected: tuple[str, str | None]) -> None:
    assert uk.parse_zone(zone) == expected


@pytest.mark.parametrize("zone", ["FR", "GB:99", "GB:not a postcode"])
def test_bad_zones(zone: str) -> None:
    with pytest.raises(InputError, match="unknown GB zone"):
        uk.parse_zone(zone)


def test_get_regional_and_chunks(httpserver: HTTPServer) -> None:
    # 20 days = 14 + 6 days, regional answers carry the one region's periods
    for a, b in (
        ("2024-01-01T00:00Z", "2024-01-15T00:00Z"),
        ("2024-01-15T00:00Z", "2024-01-21T00:00Z"),
    ):
        half_hours = int((pd.Timestamp(b) - pd.Timestamp(a)) / pd.Timedelta(minutes=30))
        periods = []
        for i in range(half_hours):
            t = pd.Timestamp(a) + pd.Timedelta(minutes=30 * i)
            periods.append(
                {
                    "from": t.strftime("%Y-%m-%dT%H:%MZ"),
                    "to": (t + pd.Timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%MZ"),
                    "intensity": {"forecast": 100 + (i % 2) * 10, "index": "low"},
                    "generationmix": [{"fuel": "wind", "perc": 100.0}],
                }
            )
        body = {
            "data": {
                "regionid": 13,
                "dnoregion": "UKPN London",
                "shortname": "London",
                "data": periods,
            }
        }
        httpserver.expect_request(f"/regional/intensity/{a}/{b}/regionid/13").respond_with_json(
            body
        )
    df, meta = uk.get_intensity("GB:13", "2024-01-01", "2024-01-21")
    assert len(df) == 20 * 24
    assert df["carbon_g_per_kwh"].unique().tolist() == [105.0]  # mean of 100 and 110
    assert df["is_forecast"].all()
    assert meta["requests"] == 2
    assert meta["endpoint"].endswith("/regional/intensity/regionid")


def test_get_generation_national(httpserver: HTTPServer) -> None:
    mixes = [{"gas": 50.0, "wind": 50.0}, {"gas": 30.0, "wind": 70.0}]
    httpserver.expect_request("/generation/2024-01-01T00:00Z/2024-01-01T01:00Z").respond_with_data(
        uk_generation("2024-01-01T00:00Z", mixes), content_type="application/json"
    )
    df, meta = uk.get_generation("GB", "2024-01-01T00:00Z", "2024-01-01T01:00Z")
    assert len(df) == 4
    assert meta["endpoint"].endswith("/generation")


def test_http_400_with_message(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/intensity/2024-01-01T00:00Z/2024-01-02T00:00Z").respond_with_data(
        recorded("ukcarbon", "error_400.json"), status=400, content_type="application/json"
    )
    with pytest.raises(DataUnavailableError, match=r"HTTP 400 .*400 Bad Request: Please enter"):
        uk.get_intensity("GB", "2024-01-01", "2024-01-02")


def test_no_data_answer_is_an_error_and_not_cached(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/intensity/2024-01-01T00:00Z/2024-01-01T03:00Z").respond_with_json(
        {"data": []}
    )
    for _ in range(2):  # asked again: the empty answer was not cached
        with pytest.raises(DataUnavailableError, match="holds no data for zone GB") as err:
            uk.get_intensity("GB", "2024-01-01T00:00Z", "2024-01-01T03:00Z")
        assert err.value.exit_code == 3
    assert len(httpserver.log) == 2
