"""Faults on the local HTTP server: rejected answers never cached, malformed values,
credentials in a mirror URL, stale answers, the time budget and quiet retries."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from provider_bodies import (
    eia_page,
    em_past_range,
    entsoe_a75,
    uk_intensity,
    wt_historical,
)
from provider_bodies import expire_everything as _expire_everything
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from fairwatt.cli.app import app
from fairwatt.errors import DataUnavailableError
from fairwatt.providers import eia, electricitymaps, entsoe, ukcarbon, watttime
from fairwatt.providers.registry import fetch_factors
from fairwatt.providers.session import cache_summary

runner = CliRunner()
UK_PATH = "/intensity/2024-01-01T00:00Z/2024-01-01T02:00Z"
UK_BODY = uk_intensity("2024-01-01T00:00Z", [200, 210, 220, 230], [201, 211, 221, 231])
START, END = "2024-01-01T00:00Z", "2024-01-01T02:00Z"
UK_ARGS = ["factors", "fetch", "ukcarbon", "-z", "GB", "--start", START, "--end", END, "-q"]
EM_PATH = "/v3/carbon-intensity/past-range"


def _json(body: bytes, change: Callable[[Any], None]) -> bytes:
    doc = json.loads(body)
    change(doc)
    return json.dumps(doc).encode()


def _one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("fairwatt: error:")
    assert "Traceback" not in stderr
    return lines[0]


# 1. bad answers never stick in the cache ----------------------------------------------


def test_html_200_then_ok_gives_exit_3_then_data(httpserver: HTTPServer) -> None:
    html = "<html><body>Down for maintenance</body></html>"
    httpserver.expect_ordered_request(UK_PATH).respond_with_data(html, content_type="text/html")
    httpserver.expect_ordered_request(UK_PATH).respond_with_data(
        UK_BODY, content_type="application/json"
    )
    first = runner.invoke(app, UK_ARGS)
    assert first.exit_code == 3
    line = _one_line_error(first.stderr)
    assert "HTML/XML, not JSON" in line and "/intensity/" in line
    assert "not cached" in line and "try again later" not in line
    assert cache_summary()["responses"] == 0
    second = runner.invoke(app, UK_ARGS)
    assert second.exit_code == 0, second.stderr
    assert ",GB,205," in second.stdout
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (UK_BODY[:-9], "cut off"),
        (b'{"data": []}', "holds no data for zone GB"),
        (
            _json(UK_BODY, lambda d: d["data"][1]["intensity"].update(actual="n/a")),
            "'n/a' for zone GB at 2024-01-01T00:30Z is not a number",
        ),
    ],
    ids=["cut-off", "empty", "malformed-value"],
)
def test_rejected_answers_are_never_replayed(
    httpserver: HTTPServer, body: bytes, message: str
) -> None:
    httpserver.expect_ordered_request(UK_PATH).respond_with_data(
        body, content_type="application/json"
    )
    httpserver.expect_ordered_request(UK_PATH).respond_with_data(
        UK_BODY, content_type="application/json"
    )
    with pytest.raises(DataUnavailableError, match=message) as err:
        ukcarbon.get_intensity("GB", START, END)
    assert err.value.exit_code == 3
    df, meta = ukcarbon.get_intensity("GB", START, END)
    assert df["carbon_g_per_kwh"].tolist() == [205.0, 225.0]
    assert meta["from_cache"] == 0


# 2. one numeric parse ------------------------------------------------------------------


def _em(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", "em-test-key-0001")
    body = _json(
        em_past_range("DE", START, [100, 200]),
        lambda d: d["data"][1].update(carbonIntensity="12,5"),
    )
    httpserver.expect_request(EM_PATH).respond_with_data(body, content_type="application/json")
    return lambda: electricitymaps.get_carbon_intensity("DE", START, END)


def _wt(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WATTTIME_USER", "alice")
    monkeypatch.setenv("WATTTIME_PASSWORD", "pw-test-4242")
    httpserver.expect_request("/login").respond_with_json({"token": "tok-test-9999"})
    body = _json(
        wt_historical("CAISO_NORTH", START, [900.0] * 24),
        lambda d: d["data"][1].update(value="12,5"),
    )
    httpserver.expect_request("/v3/historical").respond_with_data(
        body, content_type="application/json"
    )
    return lambda: watttime.get_historical("CAISO_NORTH", START, END)


def _uk(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    body = _json(UK_BODY, lambda d: d["data"][1]["intensity"].update(actual="12,5"))
    httpserver.expect_request(UK_PATH).respond_with_data(body, content_type="application/json")
    return lambda: ukcarbon.get_intensity("GB", START, END)


def _entsoe(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ENTSOE_API_KEY", "entsoe-test-token-0001")
    body = entsoe_a75("10YFR-RTE------C", START, {"B14": [800, 801]})
    body = body.replace(b"<quantity>801</quantity>", b"<quantity>12,5</quantity>")
    httpserver.expect_request("/api").respond_with_data(body, content_type="text/xml")
    return lambda: entsoe.get_generation("FR", START, END)


@pytest.mark.parametrize(
    ("serve", "where"),
    [
        (_em, "electricitymaps: the value '12,5' for zone DE at 2024-01-01T01:00"),
        (_wt, "watttime: the value '12,5' for zone CAISO_NORTH at 2024-01-01T00:05"),
        (_uk, "ukcarbon: the value '12,5' for zone GB at 2024-01-01T00:30Z"),
        (_entsoe, "entsoe: the value '12,5' for zone 10YFR-RTE------C at 2024-01-01T01:00"),
    ],
    ids=["electricitymaps", "watttime", "ukcarbon", "entsoe"],
)
def test_non_numeric_value_is_a_clear_error(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, serve: Any, where: str
) -> None:
    fetch = serve(httpserver, monkeypatch)
    with pytest.raises(DataUnavailableError) as err:
        fetch()
    assert err.value.exit_code == 3
    assert str(err.value).startswith(where), str(err.value)
    assert "is not a number" in str(err.value)


def test_non_numeric_value_through_the_cli_and_the_audit(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _uk(httpserver, monkeypatch)
    res = runner.invoke(app, UK_ARGS)
    assert res.exit_code == 3
    assert "'12,5' for zone GB" in _one_line_error(res.stderr)
    _em(httpserver, monkeypatch)
    log = tmp_path / "log.csv"
    log.write_text("timestamp,site,energy_kwh\n2024-01-01T00:00:00Z,gcp:europe-west1,10\n")
    args = ["audit", str(log), "--footprints", "carbon", "--factors-from", "electricitymaps"]
    audit = runner.invoke(app, args)
    assert audit.exit_code == 3, audit.stderr
    assert "'12,5' for zone gcp:europe-west1" in _one_line_error(audit.stderr)


def test_eia_withheld_value_flags_the_hour_missing(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EIA_API_KEY", "eia-test-key-1234")
    rows: list[tuple[str, str, Any]] = [
        ("2024-01-01T01", "NG", 400.0),
        ("2024-01-01T01", "WND", 100.0),
        ("2024-01-01T02", "NG", "W"),  # withheld: the hour's mix is unknown
        ("2024-01-01T02", "WND", 100.0),
    ]
    httpserver.expect_request("/v2/electricity/rto/fuel-type-data/data/").respond_with_data(
        eia_page("ERCO", rows, total=len(rows)), content_type="application/json"
    )
    gen, _ = eia.get_fuel_mix("ERCO", START, END)
    assert gen["is_withheld"].tolist() == [False, False, True, False]
    [(df, meta)] = fetch_factors("eia", "ERCO", START, END)
    assert df["is_missing"].tolist() == [False, True]
    assert df["carbon_g_per_kwh"].iloc[1] != df["carbon_g_per_kwh"].iloc[1]  # NaN, never wind
    assert meta["missing_hours"] == 1


# 3. credentials in a mirror URL ---------------------------------------------------------


def test_userinfo_in_a_mirror_url_never_leaks(
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    cache_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "mirror-pw-5150"
    monkeypatch.setenv(
        "FAIRWATT_UKCARBON_URL", f"http://mirroruser:{secret}@127.0.0.1:{httpserver.port}"
    )
    seen: list[str] = []

    def answer(request: Request) -> Response:
        seen.append(request.headers.get("Authorization", ""))
        return Response(UK_BODY, content_type="application/json")

    httpserver.expect_request(UK_PATH).respond_with_handler(answer)
    res = runner.invoke(app, [*UK_ARGS, "-f", "json"])
    assert res.exit_code == 0, res.stderr
    assert seen and seen[0].startswith("Basic ")  # the mirror still gets its credentials
    endpoint = json.loads(res.stdout)["provenance"][0]["endpoint"]
    assert endpoint == f"http://127.0.0.1:{httpserver.port}/intensity"
    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0
    httpserver.clear()
    httpserver.expect_request("/intensity/2024-02-01T00:00Z/2024-02-01T01:00Z").respond_with_data(
        "down", status=500
    )
    err = runner.invoke(
        app, ["factors", "fetch", "ukcarbon", "-z", "GB", "--start", "2024-02-01T00:00Z",
              "--end", "2024-02-01T01:00Z"],
    )  # fmt: skip
    assert err.exit_code == 3
    blob = b"".join(p.read_bytes() for p in cache_dir.iterdir())
    logs = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for text in (res.stdout, res.stderr, info.stdout, err.stderr, logs):
        assert secret not in text and "mirroruser" not in text
    assert secret.encode() not in blob and b"mirroruser" not in blob


# 5. stale-if-error ----------------------------------------------------------------------


def test_stale_answer_is_one_quiet_note(
    httpserver: HTTPServer, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_ordered_request(UK_PATH).respond_with_data(
        UK_BODY, content_type="application/json"
    )
    ukcarbon.get_intensity("GB", START, END)
    _expire_everything(cache_dir)
    httpserver.expect_request(UK_PATH).respond_with_data("down", status=503)
    caplog.set_level(logging.WARNING)
    _, meta = ukcarbon.get_intensity("GB", START, END)
    assert meta["from_cache"] == 1
    notes = [r for r in caplog.records if r.name.startswith(("fairwatt", "requests_cache"))]
    assert len(notes) == 1 and notes[0].exc_info is None
    assert "refreshing the cached answer failed (HTTP 503)" in notes[0].getMessage()


@pytest.mark.parametrize("status", [401, 403])
def test_stale_answer_is_never_served_on_401_or_403(
    httpserver: HTTPServer, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", "em-test-key-0001")
    httpserver.expect_ordered_request(EM_PATH).respond_with_data(
        em_past_range("DE", START, [100, 200]), content_type="application/json"
    )
    electricitymaps.get_carbon_intensity("DE", START, END)
    _expire_everything(cache_dir)
    httpserver.expect_request(EM_PATH).respond_with_json({"error": "bad key"}, status=status)
    with pytest.raises(DataUnavailableError, match=rf"access denied .*HTTP {status}") as err:
        electricitymaps.get_carbon_intensity("DE", START, END)
    assert err.value.exit_code == 3


# 7. time budget and quiet retries -------------------------------------------------------


def test_hanging_provider_stops_at_the_time_budget(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIRWATT_HTTP_BUDGET", "0.6")
    monkeypatch.setenv("FAIRWATT_HTTP_TIMEOUT", "5,5")

    release = threading.Event()

    def hang(_: Request) -> Response:
        release.wait(3.0)
        return Response(UK_BODY, content_type="application/json")

    httpserver.expect_request(UK_PATH).respond_with_handler(hang)
    t0 = time.monotonic()
    res = runner.invoke(app, UK_ARGS)
    elapsed = time.monotonic() - t0
    release.set()
    while not httpserver.log and time.monotonic() - t0 < 5:  # let the server finish
        time.sleep(0.01)
    assert res.exit_code == 3
    line = _one_line_error(res.stderr)
    assert "ukcarbon: no usable answer from" in line and "time budget of 0.6 s" in line
    assert "FAIRWATT_HTTP_BUDGET" in line
    assert elapsed < 1.4  # not retries x read timeout


def test_retry_warnings_only_with_verbose(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("FAIRWATT_UKCARBON_URL", f"http://127.0.0.1:{port}")

    def retry_records() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.getMessage().startswith("Retrying")]

    caplog.set_level(logging.WARNING)
    with pytest.raises(DataUnavailableError, match="cannot reach"):
        ukcarbon.get_intensity("GB", START, END)
    assert retry_records() == []
    caplog.clear()
    caplog.set_level(logging.INFO)  # -v
    with pytest.raises(DataUnavailableError, match="cannot reach"):
        ukcarbon.get_intensity("GB", START, END)
    assert len(retry_records()) == 2
    assert all(r.levelno == logging.INFO for r in retry_records())
