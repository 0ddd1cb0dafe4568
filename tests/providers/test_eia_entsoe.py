"""EIA-930 fuel mix (period = interval end, pagination) and ENTSO-E A75 (XML, no-data
acknowledgements, resolutions, curve types)."""

from __future__ import annotations

import pandas as pd
import pytest
from provider_bodies import DATA, eia_page, entsoe_a75, recorded
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from fairwatt.errors import DataUnavailableError, InputError
from fairwatt.providers import eia, entsoe

ROUTE = "/v2/electricity/rto/fuel-type-data/data/"
FR = "10YFR-RTE------C"


@pytest.fixture
def eia_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIA_API_KEY", "eia-test-key-1234")


@pytest.fixture
def entsoe_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENTSOE_API_KEY", "entsoe-test-token-5678")


# EIA ---------------------------------------------------------------------------------


def test_read_recorded_fuel_mix_shifts_period_to_interval_start() -> None:
    df, meta = eia.read_fuel_mix(DATA / "eia" / "rto_fuel-type-data_hourly.json")
    first = df[df["timestamp"] == pd.Timestamp("2021-12-31T23:00Z")]  # period 2022-01-01T00
    assert dict(zip(first["fuel"], first["generation_mwh"], strict=True)) == {
        "COL": 12022.0,
        "NG": 8905.0,
        "NUC": 1158.0,
        "OIL": 61.0,
        "OTH": 1023.0,
    }
    last = df[df["timestamp"] == pd.Timestamp("2022-12-31T22:00Z")]  # period 2022-12-31T23
    assert sorted(last["fuel"]) == ["SUN", "WAT", "WND"]
    assert meta["total"] == 16 and meta["rows"] == 8  # "total" arrives as a string
    assert df["zone"].unique().tolist() == ["NW"]


def test_read_error_body() -> None:
    with pytest.raises(InputError, match="API_KEY_INVALID"):
        eia.read_fuel_mix(DATA / "eia" / "error_403_api_key_invalid.json")


def test_pagination_and_request(httpserver: HTTPServer, eia_key: None) -> None:
    # 2 hours x 3 fuels = 6 rows, served 4 + 2 (the server says total 6)
    rows = [
        (f"2024-01-01T{h:02d}", f, v)
        for h in (1, 2)
        for f, v in (("NG", 100.0), ("WND", 50.0), ("SUN", 0.0))
    ]
    pages = {"0": eia_page("ERCO", rows[:4], total=6), "4": eia_page("ERCO", rows[4:], total=6)}

    def handler(request: Request) -> Response:
        return Response(pages[request.args["offset"]], content_type="application/json")

    httpserver.expect_request(ROUTE).respond_with_handler(handler)
    df, meta = eia.get_fuel_mix("ERCO", "2024-01-01T00:00Z", "2024-01-01T02:00Z")
    args = [r.args for r, _ in httpserver.log]
    assert [a["offset"] for a in args] == ["0", "4"]
    # interval starts 00:00 and 01:00 are periods (ends) 01 and 02
    assert args[0]["start"] == "2024-01-01T01" and args[0]["end"] == "2024-01-01T02"
    assert args[0]["facets[respondent][]"] == "ERCO" and args[0]["frequency"] == "hourly"
    assert args[0]["length"] == "5000"
    assert df["timestamp"].unique().tolist() == [
        pd.Timestamp("2024-01-01T00:00Z"),
        pd.Timestamp("2024-01-01T01:00Z"),
    ]
    assert len(df) == 6
    assert meta["requests"] == 2


def test_missing_key(httpserver: HTTPServer) -> None:
    with pytest.raises(DataUnavailableError, match="set EIA_API_KEY"):
        eia.get_fuel_mix("ERCO", "2024-01-01", "2024-01-02")
    assert httpserver.log == []


# ENTSO-E --------------------------------------------------------------------------------


def test_read_recorded_a75() -> None:
    df, meta = entsoe.read_generation(DATA / "entsoe" / "A75_actual_generation_per_type.xml")
    nuclear = df[df["psr_type"] == "B14"]
    assert nuclear["generation_mwh"].tolist() == [41000.0, 40500.0]
    assert nuclear["fuel"].unique().tolist() == ["nuclear"]
    gas = df[df["psr_type"] == "B04"]
    assert gas["generation_mwh"].tolist() == [3200.0, 3100.0]
    assert df["timestamp"].unique().tolist() == [
        pd.Timestamp("2023-01-01T00:00Z"),
        pd.Timestamp("2023-01-01T01:00Z"),
    ]
    assert meta["domains"] == [FR]


def test_read_acknowledgement_raises_with_reason() -> None:
    with pytest.raises(DataUnavailableError, match=r"No matching data found .*\(code 999\)"):
        entsoe.read_generation(DATA / "entsoe" / "acknowledgement_no_data.xml")


def test_quarter_hours_are_averaged() -> None:
    body = entsoe_a75(
        FR, "2023-01-01", {"B16": [100, 200, 300, 400, 10, 20, 30, None]}, resolution="PT15M"
    )
    df, meta = entsoe.read_generation(body, zone="FR")
    # mean MW over the hour = MWh: (100+200+300+400)/4 = 250; (10+20+30)/3 = 20 (partial)
    assert df["generation_mwh"].tolist() == [250.0, 20.0]
    assert df["is_partial"].tolist() == [False, True]
    assert meta["resolutions"] == ["PT15M"]


def test_curve_a03_repeats_previous_value() -> None:
    body = entsoe_a75(
        FR, "2023-01-01", {"B14": [100, None, None, 400]}, resolution="PT15M", curve="A03"
    )
    df, _ = entsoe.read_generation(body)
    assert df["generation_mwh"].tolist() == [(100 + 100 + 100 + 400) / 4]
    assert not df["is_partial"].any()


def test_consumption_series_are_ignored() -> None:
    body = entsoe_a75(FR, "2023-01-01", {"B10": [500]}, consumption={"B10": [900]})
    df, _ = entsoe.read_generation(body)
    assert df["generation_mwh"].tolist() == [500.0]
    assert df["fuel"].isna().all()  # pumped storage: no fuel (left out of mixes)


def test_not_xml() -> None:
    with pytest.raises(DataUnavailableError, match="not XML"):
        entsoe.read_generation(b'{"json": true}')
    with pytest.raises(DataUnavailableError, match="cut off or malformed"):
        entsoe.read_generation(entsoe_a75(FR, "2023-01-01", {"B14": [1]})[:300])


def test_zones() -> None:
    assert entsoe.eic("fr") == FR
    assert entsoe.eic("10Y1001A1001A82H") == "10Y1001A1001A82H"
    with pytest.raises(InputError, match="unknown ENTSO-E zone"):
        entsoe.eic("Atlantis")


def test_get_generation_request(httpserver: HTTPServer, entsoe_key: None) -> None:
    httpserver.expect_request(
        "/api",
        query_string={
            "securityToken": "entsoe-test-token-5678",
            "documentType": "A75",
            "processType": "A16",
            "in_Domain": FR,
            "periodStart": "202301010000",
            "periodEnd": "202301010200",
        },
    ).respond_with_data(
        recorded("entsoe", "A75_actual_generation_per_type.xml"), content_type="text/xml"
    )
    df, meta = entsoe.get_generation("FR", "2023-01-01T00:00Z", "2023-01-01T02:00Z")
    assert len(df) == 4
    assert meta["eic"] == FR
    assert "entsoe-test-token-5678" not in repr(meta)


@pytest.mark.parametrize("status", [200, 400])
def test_no_data_acknowledgement_over_http(
    httpserver: HTTPServer, entsoe_key: None, status: int
) -> None:
    httpserver.expect_request("/api").respond_with_data(
        recorded("entsoe", "acknowledgement_no_data.xml"),
        status=status,
        content_type="text/xml",
    )
    with pytest.raises(DataUnavailableError, match="No matching data found") as err:
        entsoe.get_generation("FR", "2023-01-01T00:00Z", "2023-01-01T02:00Z")
    assert err.value.exit_code == 3
    assert len(httpserver.log) == 1


def test_unauthorized_token(httpserver: HTTPServer, entsoe_key: None) -> None:
    httpserver.expect_request("/api").respond_with_data(
        "<html><body>Unauthorized</body></html>", status=401, content_type="text/html"
    )
    with pytest.raises(DataUnavailableError, match=r"HTTP 401.*ENTSOE_API_KEY") as err:
        entsoe.get_generation("FR", "2023-01-01", "2023-01-02")
    assert "entsoe-test-token-5678" not in str(err.value)
