"""Electricity Maps: parsers on the recorded bodies, requests against the local server."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest
from provider_bodies import DATA, em_past_range, recorded
from pytest_httpserver import HTTPServer

from fairwatt.errors import DataUnavailableError, InputError
from fairwatt.providers import electricitymaps as em

D = DATA / "electricitymaps"
KEY = "em-test-key-0042"


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", KEY)
    return KEY


# Parsers on the recorded bodies -------------------------------------------------------


def test_read_latest() -> None:
    df, meta = em.read_carbon_intensity(D / "carbon-intensity_latest.json")
    assert df["timestamp"].tolist() == [pd.Timestamp("2019-05-21T00:00Z")]
    assert df["zone"].tolist() == ["DE"]
    assert df["carbon_g_per_kwh"].tolist() == [302.0]
    assert meta["emission_factor_type"] == "lifecycle"
    assert meta["signal_kind"] == "average"
    assert meta["response_shape"] == "latest"


def test_read_history_flags_estimates() -> None:
    df, meta = em.read_carbon_intensity(D / "carbon-intensity_history.json")
    assert df["carbon_g_per_kwh"].tolist() == [310.0, 305.0, 302.0]
    assert df["is_estimated"].tolist() == [False, True, False]
    assert meta["estimation_methods"] == ["TIME_SLICER_AVERAGE"]
    assert meta["estimated_hours"] == 1


def test_read_past_range() -> None:
    df, meta = em.read_carbon_intensity(D / "carbon-intensity_past-range.json")
    assert df["timestamp"].tolist() == [
        pd.Timestamp("2024-01-01T00:00Z"),
        pd.Timestamp("2024-01-01T01:00Z"),
    ]
    assert df["carbon_g_per_kwh"].tolist() == [410.0, 402.0]
    assert meta["response_shape"] == "past-range"


def test_read_forecast_is_flagged() -> None:
    df, _ = em.read_carbon_intensity(D / "carbon-intensity_forecast.json")
    assert df["carbon_g_per_kwh"].tolist() == [298.0, 285.0, 279.0]
    assert df["is_forecast"].all()


def test_read_range_marks_missing_hours() -> None:
    df, meta = em.read_carbon_intensity(
        D / "carbon-intensity_past-range.json", start="2024-01-01T00:00Z", end="2024-01-01T04:00Z"
    )
    assert len(df) == 4
    assert df["is_missing"].tolist() == [False, False, True, True]
    assert df["carbon_g_per_kwh"].isna().tolist() == [False, False, True, True]
    assert meta["missing_hours"] == 2


def test_read_power_breakdown() -> None:
    df, meta = em.read_power_breakdown(D / "power-breakdown_latest.json")
    mix = dict(zip(df["fuel"], df["power_mw"], strict=True))
    assert mix["solar"] == 38000.0 and mix["coal"] == 6100.0 and mix["battery discharge"] == 100.0
    assert len(df) == 12
    assert meta["breakdown"] == "consumption"
    prod, _ = em.read_power_breakdown(D / "power-breakdown_latest.json", breakdown="production")
    assert dict(zip(prod["fuel"], prod["power_mw"], strict=True))["solar"] == 41000.0


def test_error_bodies_read_as_files_are_input_errors() -> None:
    with pytest.raises(InputError, match="No recent data"):
        em.read_carbon_intensity(D / "error_404_no_data.json")
    with pytest.raises(InputError, match="Unauthorized"):
        em.read_carbon_intensity(D / "error_401_unauthorized.json")


def test_location_params() -> None:
    assert em.location_params("DE") == {"zone": "DE"}
    assert em.location_params("gcp:europe-west1") == {
        "dataCenterProvider": "gcp",
        "dataCenterRegion": "europe-west1",
    }
    with pytest.raises(InputError):
        em.location_params("gcp:")


# HTTP ---------------------------------------------------------------------------------


def test_past_range_is_chunked_and_sent_with_the_key(httpserver: HTTPServer, key: str) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)

    def body_for(a: str, hours: int, first: float) -> bytes:
        return em_past_range("DE", a, [first + h for h in range(hours)])

    # 25 days = 10 + 10 + 5 days
    spans = [
        ("2024-01-01T00:00:00Z", "2024-01-11T00:00:00Z", 240, 100.0),
        ("2024-01-11T00:00:00Z", "2024-01-21T00:00:00Z", 240, 400.0),
        ("2024-01-21T00:00:00Z", "2024-01-26T00:00:00Z", 120, 700.0),
    ]
    for a, b, hours, first in spans:
        httpserver.expect_request(
            "/v3/carbon-intensity/past-range",
            query_string={
                "zone": "DE",
                "start": a,
                "end": b,
                "temporalGranularity": "hourly",
                "emissionFactorType": "direct",
            },
            headers={"auth-token": key},
        ).respond_with_data(body_for(a, hours, first), content_type="application/json")
    calls: list[tuple[int, int]] = []
    df, meta = em.get_carbon_intensity(
        "DE",
        start,
        "2024-01-26",
        emission_factor_type="direct",
        progress=lambda i, n: calls.append((i, n)),
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert len(df) == 25 * 24
    assert df["timestamp"].is_monotonic_increasing
    assert df.loc[0, "carbon_g_per_kwh"] == 100.0
    assert df.loc[240, "carbon_g_per_kwh"] == 400.0  # first hour of the second chunk
    assert not df["is_missing"].any()
    assert meta["emission_factor_type"] == "direct"
    assert meta["requests"] == 3
    assert meta["endpoint"].endswith("/v3/carbon-intensity/past-range")


def test_cloud_region_zone(httpserver: HTTPServer, key: str) -> None:
    httpserver.expect_request(
        "/v3/carbon-intensity/past-range",
        query_string={
            "dataCenterProvider": "gcp",
            "dataCenterRegion": "europe-west1",
            "start": "2024-01-01T00:00:00Z",
            "end": "2024-01-01T02:00:00Z",
            "temporalGranularity": "hourly",
            "emissionFactorType": "lifecycle",
        },
    ).respond_with_data(
        em_past_range("BE", "2024-01-01", [150, 160]), content_type="application/json"
    )
    df, _ = em.get_carbon_intensity("gcp:europe-west1", "2024-01-01T00:00Z", "2024-01-01T02:00Z")
    assert df["zone"].unique().tolist() == ["gcp:europe-west1"]
    assert df["carbon_g_per_kwh"].tolist() == [150.0, 160.0]


def test_latest_history_forecast(httpserver: HTTPServer, key: str) -> None:
    for path, name in (
        ("latest", "carbon-intensity_latest.json"),
        ("history", "carbon-intensity_history.json"),
        ("forecast", "carbon-intensity_forecast.json"),
    ):
        httpserver.expect_request(f"/v3/carbon-intensity/{path}").respond_with_data(
            recorded("electricitymaps", name), content_type="application/json"
        )
    assert len(em.get_carbon_intensity_latest("DE")[0]) == 1
    assert len(em.get_carbon_intensity_history("DE")[0]) == 3
    fc, _ = em.get_carbon_intensity_forecast("DE", horizon_hours=3)
    assert fc["is_forecast"].all()
    assert httpserver.log[-1][0].args["horizonHours"] == "3"


@pytest.mark.parametrize(
    ("status", "name", "pattern"),
    [
        (401, "error_401_unauthorized.json", r"access denied .*HTTP 401 .*ELECTRICITYMAPS_API_KEY"),
        (404, "error_404_no_data.json", r"no data .*HTTP 404 .*No recent data for zone"),
        (400, "error_400_input.json", r"HTTP 400 .*start must be before end"),
    ],
)
def test_error_answers(
    httpserver: HTTPServer, key: str, status: int, name: str, pattern: str
) -> None:
    httpserver.expect_request("/v3/carbon-intensity/past-range").respond_with_data(
        recorded("electricitymaps", name), status=status, content_type="application/json"
    )
    with pytest.raises(DataUnavailableError, match=pattern) as err:
        em.get_carbon_intensity("XX", "2024-01-01", "2024-01-02")
    assert len(httpserver.log) == 1  # not retried
    assert "\n" not in str(err.value)


def test_missing_key(httpserver: HTTPServer) -> None:
    with pytest.raises(DataUnavailableError, match="no API key; set ELECTRICITYMAPS_API_KEY"):
        em.get_carbon_intensity("DE", "2024-01-01", "2024-01-02")
    assert httpserver.log == []


def test_empty_range_answer_is_an_error_and_not_cached(httpserver: HTTPServer, key: str) -> None:
    empty = {"zone": "DE", "data": [], "temporalGranularity": "hourly"}
    # parsed offline, an empty answer is a table of missing hours ...
    df, _ = em.read_carbon_intensity(
        json.dumps(empty).encode(), start="2024-01-01T00:00Z", end="2024-01-01T03:00Z"
    )
    assert df["is_missing"].tolist() == [True, True, True]
    # ... fetched, it is rejected (exit 3) and never replayed from the cache
    httpserver.expect_ordered_request("/v3/carbon-intensity/past-range").respond_with_json(empty)
    with pytest.raises(DataUnavailableError, match=r"holds no data for zone DE") as err:
        em.get_carbon_intensity("DE", "2024-01-01T00:00Z", "2024-01-01T03:00Z")
    assert err.value.exit_code == 3


def test_bad_emission_factor_type() -> None:
    with pytest.raises(InputError, match="lifecycle or direct"):
        em.get_carbon_intensity("DE", "2024-01-01", "2024-01-02", emission_factor_type="scope3")
