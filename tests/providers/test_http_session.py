"""The shared HTTP session: retries, Retry-After, timeouts, bad bodies, cache, offline,
and secrets kept out of errors, logs and the cache file."""

from __future__ import annotations

import logging
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from provider_bodies import eia_page, em_past_range, uk_intensity
from provider_bodies import expire_everything as _expire_everything
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from fairwatt.errors import EXIT_DATA_UNAVAILABLE, DataUnavailableError, InputError
from fairwatt.providers import eia, electricitymaps, ukcarbon
from fairwatt.providers.session import (
    CACHE_FILE,
    EXPIRE_LATEST,
    EXPIRE_RECENT,
    EXPIRE_SETTLED,
    USER_AGENT,
    base_url,
    cache_summary,
    clear_cache,
    expiry_for,
    make_session,
    redact,
    register_secret,
    timeout_from_env,
)

UK_PATH = "/intensity/2024-01-01T00:00Z/2024-01-01T02:00Z"
START, END = "2024-01-01T00:00Z", "2024-01-01T02:00Z"
UK_BODY = uk_intensity(START, [200, 210, 220, 230], [201, 211, 221, 231])


def _client_logs(caplog: pytest.LogCaptureFixture) -> str:
    """Log text of fairwatt and its HTTP stack (the local test server's own access log,
    which prints what it received, is not fairwatt's)."""
    return "\n".join(
        r.getMessage() + (r.exc_text or "") for r in caplog.records if r.name != "werkzeug"
    )


def _fetch_uk(**kwargs: Any) -> Any:
    return ukcarbon.get_intensity("GB", START, END, **kwargs)


# Retries --------------------------------------------------------------------------------


def test_500_then_success_is_retried(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_ordered_request(UK_PATH).respond_with_data("oops", status=500)
    httpserver.expect_ordered_request(UK_PATH).respond_with_data(
        UK_BODY, content_type="application/json"
    )
    df, meta = _fetch_uk()
    assert len(httpserver.log) == 2
    # hour 0 = mean of the two half-hours' actual values: (200 + 210) / 2
    assert df["carbon_g_per_kwh"].tolist() == [205.0, 225.0]
    assert meta["requests"] == 1


def test_429_honours_retry_after(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_ordered_request(UK_PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3"}
    )
    httpserver.expect_ordered_request(UK_PATH).respond_with_data(
        UK_BODY, content_type="application/json"
    )
    df, _ = _fetch_uk()
    assert len(df) == 2
    assert sleeps == [3.0]  # the server's Retry-After, not the (zero) backoff


def test_retry_after_is_capped(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_ordered_request(UK_PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3600"}
    )
    httpserver.expect_ordered_request(UK_PATH).respond_with_data(
        UK_BODY, content_type="application/json"
    )
    _fetch_uk()
    assert sleeps == [5.0]  # FAIRWATT_HTTP_RETRY_AFTER_MAX=5 in the test environment


def test_429_that_persists_is_one_line_error(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_request(UK_PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    with pytest.raises(DataUnavailableError) as err:
        _fetch_uk()
    assert len(httpserver.log) == 3  # the first attempt + FAIRWATT_HTTP_RETRIES=2
    assert sleeps == [1.0, 1.0]
    assert err.value.exit_code == EXIT_DATA_UNAVAILABLE
    assert "rate limit" in str(err.value)
    assert "\n" not in str(err.value)


def test_500_that_persists(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_request(UK_PATH).respond_with_data("boom", status=503)
    with pytest.raises(DataUnavailableError, match=r"server error HTTP 503 .* after 2 retries"):
        _fetch_uk()
    assert len(httpserver.log) == 3


def test_backoff_grows_exponentially(
    httpserver: HTTPServer, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIRWATT_HTTP_BACKOFF", "0.5")
    monkeypatch.setenv("FAIRWATT_HTTP_RETRIES", "3")
    httpserver.expect_request(UK_PATH).respond_with_data("boom", status=502)
    with pytest.raises(DataUnavailableError):
        _fetch_uk()
    # urllib3: backoff_factor * 2 ** (n - 1) from the second retry on (0 before the first)
    assert sleeps == [0.5 * 2**1, 0.5 * 2**2]


def test_404_is_not_retried(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_request(UK_PATH).respond_with_json(
        {"error": {"code": "404", "message": "nothing here"}}, status=404
    )
    with pytest.raises(DataUnavailableError, match=r"no data .*HTTP 404 .*nothing here"):
        _fetch_uk()
    assert len(httpserver.log) == 1
    assert sleeps == []


# Timeouts and broken bodies --------------------------------------------------------------


def test_slow_answer_times_out(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAIRWATT_HTTP_TIMEOUT", "1,0.3")
    monkeypatch.setenv("FAIRWATT_HTTP_RETRIES", "0")

    def slow(_: Request) -> Response:
        time.sleep(1.0)
        return Response(UK_BODY, content_type="application/json")

    httpserver.expect_request(UK_PATH).respond_with_handler(slow)
    t0 = time.monotonic()
    with pytest.raises(DataUnavailableError, match=r"no answer .* within the timeout"):
        _fetch_uk()
    assert time.monotonic() - t0 < 0.9  # gave up at the 0.3 s read timeout


def test_truncated_body_is_one_line_error(httpserver: HTTPServer) -> None:
    def cut(_: Request) -> Response:
        body = UK_BODY[: len(UK_BODY) // 2]
        resp = Response(body, content_type="application/json")
        resp.headers["Content-Length"] = str(len(UK_BODY))  # promises more than it sends
        return resp

    httpserver.expect_request(UK_PATH).respond_with_handler(cut)
    with pytest.raises(DataUnavailableError, match="cut off"):
        _fetch_uk()


def test_cut_json_is_one_line_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(UK_PATH).respond_with_data(
        UK_BODY[:-7], content_type="application/json"
    )
    with pytest.raises(DataUnavailableError, match=r"cut off \(truncated body\)"):
        _fetch_uk()


def test_html_instead_of_json(httpserver: HTTPServer) -> None:
    httpserver.expect_request(UK_PATH).respond_with_data(
        "<html><body>Down for maintenance</body></html>", content_type="text/html"
    )
    with pytest.raises(DataUnavailableError, match="HTML/XML, not JSON"):
        _fetch_uk()


def test_empty_answer(httpserver: HTTPServer) -> None:
    httpserver.expect_request(UK_PATH).respond_with_data("", content_type="application/json")
    with pytest.raises(DataUnavailableError, match="empty"):
        _fetch_uk()


def test_bad_answers_are_not_cached(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_ordered_request(UK_PATH).respond_with_data("boom", status=500)
    httpserver.expect_ordered_request(UK_PATH).respond_with_data("boom", status=500)
    httpserver.expect_ordered_request(UK_PATH).respond_with_data("boom", status=500)
    with pytest.raises(DataUnavailableError):
        _fetch_uk()
    httpserver.expect_request(UK_PATH).respond_with_data(UK_BODY, content_type="application/json")
    df, _ = _fetch_uk()
    assert len(df) == 2


def test_connection_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("FAIRWATT_UKCARBON_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("FAIRWATT_HTTP_RETRIES", "0")
    with pytest.raises(DataUnavailableError, match=r"cannot reach 127\.0\.0\.1"):
        _fetch_uk()


# Cache and offline -----------------------------------------------------------------------


def test_second_identical_call_is_served_from_cache(
    httpserver: HTTPServer, cache_dir: Path
) -> None:
    httpserver.expect_request(UK_PATH).respond_with_data(UK_BODY, content_type="application/json")
    df1, meta1 = _fetch_uk()
    df2, meta2 = _fetch_uk()
    assert len(httpserver.log) == 1
    assert meta1["from_cache"] == 0 and meta2["from_cache"] == 1
    assert df1.equals(df2)
    # the retrieval time of the cached answer is the original one, not the time of reuse
    first = datetime.fromisoformat(meta1["retrieved_at"])
    assert abs(datetime.fromisoformat(meta2["retrieved_at"]) - first) < timedelta(seconds=1)
    assert (cache_dir / CACHE_FILE).exists()


def test_offline_serves_the_cache_without_any_socket(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request(UK_PATH).respond_with_data(UK_BODY, content_type="application/json")
    online, _ = _fetch_uk()
    connects: list[Any] = []

    def no_connect(self: socket.socket, address: Any) -> None:
        connects.append(address)
        raise OSError("offline mode opened a socket")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", no_connect)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: no_connect(None, a))  # type: ignore[arg-type]
    session = make_session(offline=True)
    offline, meta = ukcarbon.get_intensity("GB", START, END, session=session)
    assert offline.equals(online)
    assert meta["from_cache"] == 1
    # a miss is a one-line error, still without a socket
    with pytest.raises(DataUnavailableError, match="offline and not in the cache") as err:
        ukcarbon.get_intensity("GB", "2024-02-01", "2024-02-02", session=session)
    assert err.value.exit_code == EXIT_DATA_UNAVAILABLE
    assert connects == []
    assert len(httpserver.log) == 1


def test_offline_serves_expired_answers(httpserver: HTTPServer, cache_dir: Path) -> None:
    httpserver.expect_request(UK_PATH).respond_with_data(UK_BODY, content_type="application/json")
    _fetch_uk()
    _expire_everything(cache_dir)
    df, _ = ukcarbon.get_intensity("GB", START, END, session=make_session(offline=True))
    assert len(df) == 2
    assert len(httpserver.log) == 1


def test_stale_answer_is_served_when_the_refresh_fails(
    httpserver: HTTPServer, cache_dir: Path, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request(UK_PATH).respond_with_data(
        UK_BODY, content_type="application/json"
    )
    first, _ = _fetch_uk()
    _expire_everything(cache_dir)
    httpserver.expect_request(UK_PATH).respond_with_data("down", status=503)
    again, meta = _fetch_uk()
    assert again.equals(first)
    assert meta["from_cache"] == 1
    assert len(httpserver.log) == 1 + 3  # one fill, then a refresh tried 1 + 2 times


def test_cache_info_and_clear(httpserver: HTTPServer, cache_dir: Path) -> None:
    assert cache_summary()["exists"] is False
    httpserver.expect_request(UK_PATH).respond_with_data(UK_BODY, content_type="application/json")
    _fetch_uk()
    info = cache_summary()
    assert info["responses"] == 1 and info["expired"] == 0
    assert info["hosts"] == {f"127.0.0.1:{httpserver.port}": 1}
    assert info["size_bytes"] > 0
    assert clear_cache(expired_only=True) == 0
    _expire_everything(cache_dir)
    assert cache_summary()["expired"] == 1
    assert clear_cache(expired_only=True) == 1
    _fetch_uk()
    assert clear_cache() == 1
    assert cache_summary()["responses"] == 0


def test_user_agent_and_timeout_defaults(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request(UK_PATH).respond_with_data(UK_BODY, content_type="application/json")
    _fetch_uk()
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("fairwatt/")
    monkeypatch.delenv("FAIRWATT_HTTP_TIMEOUT")
    assert timeout_from_env() == (5.0, 60.0)
    monkeypatch.setenv("FAIRWATT_HTTP_TIMEOUT", "7")
    assert timeout_from_env() == (7.0, 7.0)
    monkeypatch.setenv("FAIRWATT_HTTP_TIMEOUT", "soon")
    with pytest.raises(InputError, match="FAIRWATT_HTTP_TIMEOUT"):
        timeout_from_env()


def test_expiry_rules() -> None:
    now = datetime(2024, 6, 1, tzinfo=UTC)
    assert expiry_for(None, now=now) == EXPIRE_LATEST == 300
    assert expiry_for(now - timedelta(days=1), now=now) == EXPIRE_RECENT == 3600
    assert expiry_for(now - timedelta(days=8), now=now) == EXPIRE_SETTLED == 30 * 86400


def test_base_url_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAIRWATT_EIA_URL")
    assert base_url("eia", "https://api.eia.gov") == "https://api.eia.gov"
    monkeypatch.setenv("FAIRWATT_EIA_URL", "http://mirror.example/eia/")
    assert base_url("eia", "https://api.eia.gov") == "http://mirror.example/eia"
    monkeypatch.setenv("FAIRWATT_EIA_URL", "ftp://mirror.example")
    with pytest.raises(InputError, match="FAIRWATT_EIA_URL"):
        base_url("eia", "https://api.eia.gov")


# Secrets ------------------------------------------------------------------------------------

EIA_KEY = "eiaKEY-7f3a9c0d1e2b"
EM_KEY = "emKEY-55aa66bb77cc"


def test_redact() -> None:
    register_secret("s3cr3t-value-42")
    assert redact("GET /x?api_key=abc123&frequency=hourly") == "GET /x?api_key=***&frequency=hourly"
    assert redact("securityToken=zzz999 and s3cr3t-value-42") == "securityToken=*** and ***"
    assert redact("Authorization: Bearer eyJ.abc.def") == "Authorization: *** ***"
    assert redact("nothing to hide") == "nothing to hide"


def test_key_in_url_never_leaks(
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    cache_dir: Path,
    sleeps: list[float],
) -> None:
    monkeypatch.setenv("EIA_API_KEY", EIA_KEY)
    caplog.set_level(logging.DEBUG)
    route = "/v2/electricity/rto/fuel-type-data/data/"
    rows = [(f"2024-01-01T{h:02d}", "NG", 100.0) for h in (1, 2)]
    httpserver.expect_ordered_request(route).respond_with_data("boom", status=500)
    httpserver.expect_ordered_request(route).respond_with_data(
        eia_page("ERCO", rows, total=2), content_type="application/json"
    )
    df, meta = eia.get_fuel_mix("ERCO", START, END)
    assert len(df) == 2
    request, _ = httpserver.log[0]
    assert request.args["api_key"] == EIA_KEY  # the provider did receive it
    # ... but it is nowhere else: not in the logs (urllib3 logs the URL at DEBUG) ...
    logs = _client_logs(caplog)
    assert "api_key=***" in logs
    assert EIA_KEY not in logs
    # ... not in the provenance, not in the cache file
    assert EIA_KEY not in repr(meta)
    blob = b"".join(p.read_bytes() for p in cache_dir.iterdir())
    assert EIA_KEY.encode() not in blob
    assert b"REDACTED" in blob
    # an error answer does not echo it either
    httpserver.clear()
    httpserver.expect_request(route).respond_with_data(
        (Path(__file__).parents[1] / "data/eia/error_403_api_key_invalid.json").read_bytes(),
        status=403,
        content_type="application/json",
    )
    with pytest.raises(DataUnavailableError) as err:
        eia.get_fuel_mix("ERCO", "2024-03-01", "2024-03-02")
    assert EIA_KEY not in str(err.value)
    assert "EIA_API_KEY" in str(err.value)
    assert "API_KEY_INVALID" in str(err.value)


def test_key_in_header_never_leaks(
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    cache_dir: Path,
) -> None:
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", EM_KEY)
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/v3/carbon-intensity/past-range").respond_with_data(
        em_past_range("DE", START, [300, 310]), content_type="application/json"
    )
    electricitymaps.get_carbon_intensity("DE", START, END)
    request, _ = httpserver.log[0]
    assert request.headers["auth-token"] == EM_KEY
    assert EM_KEY not in _client_logs(caplog)
    blob = b"".join(p.read_bytes() for p in cache_dir.iterdir())
    assert EM_KEY.encode() not in blob
    # a different key still hits the same cache entry (keys are not part of the cache key)
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", "emKEY-other-000111")
    _, meta = electricitymaps.get_carbon_intensity("DE", START, END)
    assert meta["from_cache"] == 1
    assert len(httpserver.log) == 1


def test_redirects_are_not_followed(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", EM_KEY)
    httpserver.expect_request("/v3/carbon-intensity/past-range").respond_with_data(
        "", status=302, headers={"Location": "http://elsewhere.example/steal"}
    )
    with pytest.raises(DataUnavailableError, match=r"redirects to elsewhere\.example/steal") as err:
        electricitymaps.get_carbon_intensity("DE", START, END)
    assert "FAIRWATT_ELECTRICITYMAPS_URL" in str(err.value)
    assert len(httpserver.log) == 1
