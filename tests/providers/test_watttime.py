"""WattTime: unit conversion, 5-minute to hourly, login and token refresh, errors."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pandas as pd
import pytest
from provider_bodies import DATA, recorded, wt_historical
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from fairwatt.errors import DataUnavailableError, InputError
from fairwatt.providers import watttime as wt

D = DATA / "watttime"
USER, PASSWORD = "alice", "pw-Watt-9931"
TOKENS = ["tok-first-AAAA1111", "tok-second-BBBB2222"]
LB = 0.45359237  # kg per lb (exact); lb/MWh x 0.45359237 = g/kWh


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATTTIME_USER", USER)
    monkeypatch.setenv("WATTTIME_PASSWORD", PASSWORD)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# Parsers on the recorded bodies -------------------------------------------------------


def test_read_historical_converts_lbs_to_grams() -> None:
    df, meta = wt.read_signal(D / "historical.json")
    # two 5-minute points, 870 and 860 lbs/MWh: hourly mean 865 lbs/MWh = 865 x 0.45359237 g/kWh
    assert df["carbon_g_per_kwh"].tolist() == pytest.approx([865 * LB])
    assert df["carbon_g_per_kwh"].iloc[0] == pytest.approx(392.357400, abs=1e-6)
    assert df["timestamp"].tolist() == [pd.Timestamp("2022-07-15T00:00Z")]
    assert df["is_partial"].tolist() == [True]  # 2 of the 12 five-minute points
    assert meta["signal_kind"] == "marginal"
    assert meta["source_units"] == "lbs_co2_per_mwh"
    assert meta["model"] == "2023-03-01"


def test_read_imputed_marker_sets_estimated() -> None:
    df, meta = wt.read_signal(D / "historical_with_imputed_marker.json")
    assert df["is_estimated"].tolist() == [True]
    assert meta["warnings"] == ["This is just an example"]


def test_read_forecast_and_historical_forecast() -> None:
    df, meta = wt.read_signal(D / "forecast.json")
    # 812.5, 809.0, 805.2 lbs/MWh in the 18:00 hour
    assert df["carbon_g_per_kwh"].tolist() == pytest.approx([(812.5 + 809.0 + 805.2) / 3 * LB])
    assert df["is_forecast"].all()
    assert meta["generated_at"] == "2024-06-18T18:40:00+00:00"
    hist, _ = wt.read_signal(D / "forecast_historical.json")
    assert hist["carbon_g_per_kwh"].tolist() == pytest.approx([870 * LB])
    assert hist["is_forecast"].all()


def test_signal_index_is_refused() -> None:
    with pytest.raises(InputError, match="percentile"):
        wt.read_signal(D / "signal-index.json")


def test_unknown_unit_is_refused() -> None:
    body = wt_historical("CAISO_NORTH", "2024-01-01", [1.0], units="furlongs_per_fortnight")
    with pytest.raises(DataUnavailableError, match="unknown unit 'furlongs_per_fortnight'"):
        wt.read_signal(body)


def test_health_damage_units() -> None:
    body = wt_historical(
        "CAISO_NORTH",
        "2024-01-01",
        [10.0] * 6 + [22.0] * 6,
        signal="health_damage",
        units="usd_per_mwh",
    )
    df, meta = wt.read_signal(body)
    assert df["health_usd_per_mwh"].tolist() == [16.0]  # mean of six 10s and six 22s
    assert not df["is_partial"].any()
    assert meta["signal"] == "health_damage"


def test_error_body_as_file() -> None:
    with pytest.raises(InputError, match="No coverage available"):
        wt.read_signal(D / "error_coordinates_not_found.json")


# HTTP: login, token refresh, chunks ---------------------------------------------------


def _serve_login(httpserver: HTTPServer, tokens: list[str]) -> list[str]:
    issued: list[str] = []

    def login(request: Request) -> Response:
        if request.headers.get("Authorization") != _basic(USER, PASSWORD):
            return Response(json.dumps({"error": "bad credentials"}), status=403)
        token = tokens[min(len(issued), len(tokens) - 1)]
        issued.append(token)
        return Response(json.dumps({"token": token}), content_type="application/json")

    httpserver.expect_request("/login").respond_with_handler(login)
    return issued


def test_expired_token_mid_run_logs_in_again_once(
    httpserver: HTTPServer, creds: None, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    issued = _serve_login(httpserver, TOKENS)
    seen: list[str] = []

    def historical(request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        seen.append(auth)
        if len(seen) == 2 and auth == f"Bearer {TOKENS[0]}":
            return Response(json.dumps({"error": "token expired"}), status=401)
        start = request.args["start"]
        return Response(
            wt_historical("CAISO_NORTH", start, [1000.0] * 12 * 24),
            content_type="application/json",
        )

    httpserver.expect_request("/v3/historical").respond_with_handler(historical)
    # 40 days = a 30-day chunk and a 10-day chunk
    df, meta = wt.get_historical("CAISO_NORTH", "2024-01-01", "2024-02-10")
    assert issued == TOKENS  # logged in twice: at the start and after the 401
    assert seen == [f"Bearer {TOKENS[0]}", f"Bearer {TOKENS[0]}", f"Bearer {TOKENS[1]}"]
    assert meta["logins"] == 2
    assert len(df) == 40 * 24
    # the answers only covered the first day of each chunk: the rest is flagged missing
    assert int(df["is_missing"].sum()) == 40 * 24 - 2 * 24
    assert df.loc[~df["is_missing"], "carbon_g_per_kwh"].tolist() == pytest.approx([1000 * LB] * 48)
    # neither the password nor a token is stored or logged
    blob = b"".join(p.read_bytes() for p in cache_dir.iterdir())
    logs = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
    for secret in (PASSWORD, *TOKENS):
        assert secret.encode() not in blob
        assert secret not in logs
        assert secret not in repr(meta)


def test_second_401_is_an_error(httpserver: HTTPServer, creds: None) -> None:
    _serve_login(httpserver, TOKENS)
    httpserver.expect_request("/v3/historical").respond_with_json(
        {"error": "token expired"}, status=401
    )
    with pytest.raises(DataUnavailableError, match="WATTTIME_USER and WATTTIME_PASSWORD"):
        wt.get_historical("CAISO_NORTH", "2024-01-01", "2024-01-02")
    logins = [r for r, _ in httpserver.log if r.path == "/login"]
    assert len(logins) == 2  # one refresh, not a loop


def test_bad_credentials(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATTTIME_USER", USER)
    monkeypatch.setenv("WATTTIME_PASSWORD", "wrong-password-1")
    _serve_login(httpserver, TOKENS)
    with pytest.raises(DataUnavailableError, match=r"access denied .*HTTP 403") as err:
        wt.get_historical("CAISO_NORTH", "2024-01-01", "2024-01-02")
    assert "wrong-password-1" not in str(err.value)
    assert "WATTTIME_PASSWORD" in str(err.value)


def test_no_credentials(httpserver: HTTPServer) -> None:
    with pytest.raises(DataUnavailableError, match="no credentials; set WATTTIME_USER"):
        wt.get_historical("CAISO_NORTH", "2024-01-01", "2024-01-02")
    assert httpserver.log == []


def test_plan_without_access(httpserver: HTTPServer, creds: None) -> None:
    _serve_login(httpserver, TOKENS)
    httpserver.expect_request("/v3/historical").respond_with_data(
        recorded("watttime", "error_invalid_scope.json"),
        status=403,
        content_type="application/json",
    )
    with pytest.raises(DataUnavailableError, match=r"plan does not cover .*PJM_DC, co2_moer"):
        wt.get_historical("PJM_DC", "2024-01-01", "2024-01-02")


def test_request_parameters_and_cache(httpserver: HTTPServer, creds: None) -> None:
    _serve_login(httpserver, TOKENS)
    httpserver.expect_request(
        "/v3/historical",
        query_string={
            "region": "CAISO_NORTH",
            "start": "2024-01-01T00:00:00Z",
            "end": "2024-01-01T02:00:00Z",
            "signal_type": "co2_aoer",
            "include_imputed_marker": "true",
        },
    ).respond_with_data(
        wt_historical("CAISO_NORTH", "2024-01-01", [500.0] * 24, signal="co2_aoer"),
        content_type="application/json",
    )
    df, meta = wt.get_historical(
        "CAISO_NORTH", "2024-01-01T00:00Z", "2024-01-01T02:00Z", signal="co2_aoer"
    )
    assert meta["signal_kind"] == "average"
    assert df["carbon_g_per_kwh"].tolist() == pytest.approx([500 * LB] * 2)
    n = len(httpserver.log)
    df2, meta2 = wt.get_historical(
        "CAISO_NORTH", "2024-01-01T00:00Z", "2024-01-01T02:00Z", signal="co2_aoer"
    )
    # served from the cache: no request at all, not even a login
    assert httpserver.log[n:] == []
    assert meta2["from_cache"] == 1 and meta2["logins"] == 0
    assert df2.equals(df)


def test_cached_answer_needs_no_login(
    httpserver: HTTPServer, creds: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve_login(httpserver, TOKENS)
    httpserver.expect_request("/v3/historical").respond_with_data(
        wt_historical("CAISO_NORTH", "2024-01-01", [500.0] * 24), content_type="application/json"
    )
    first, _ = wt.get_historical("CAISO_NORTH", "2024-01-01T00:00Z", "2024-01-01T02:00Z")
    # the login endpoint goes down and the credentials are unset: the cache still answers
    httpserver.clear()
    httpserver.expect_request("/login").respond_with_data("down", status=503)
    monkeypatch.delenv("WATTTIME_USER")
    monkeypatch.delenv("WATTTIME_PASSWORD")
    again, meta = wt.get_historical("CAISO_NORTH", "2024-01-01T00:00Z", "2024-01-01T02:00Z")
    assert again.equals(first)
    assert meta["logins"] == 0 and meta["from_cache"] == 1
    assert httpserver.log == []
    # a range not in the cache still needs the login, and says so
    with pytest.raises(DataUnavailableError, match="no credentials"):
        wt.get_historical("CAISO_NORTH", "2024-01-03T00:00Z", "2024-01-03T02:00Z")


def test_forecast(httpserver: HTTPServer, creds: None) -> None:
    _serve_login(httpserver, TOKENS)
    httpserver.expect_request("/v3/forecast").respond_with_data(
        recorded("watttime", "forecast.json"), content_type="application/json"
    )
    df, meta = wt.get_forecast("CAISO_NORTH", horizon_hours=1)
    assert df["is_forecast"].all()
    assert meta["endpoint"].endswith("/v3/forecast")
    with pytest.raises(InputError):
        wt.get_forecast("CAISO_NORTH", horizon_hours=100)


def test_unknown_signal() -> None:
    with pytest.raises(InputError, match="co2_moer, co2_aoer, health_damage"):
        wt.get_historical("CAISO_NORTH", "2024-01-01", "2024-01-02", signal="co2_xyz")
