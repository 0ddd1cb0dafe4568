"""Fixtures for provider tests: a local HTTP server on 127.0.0.1 replays provider answers.

Every test here runs with:

* no credentials in the environment (tests set the ones they need),
* a fresh cache folder (``FAIRWATT_CACHE_DIR``),
* tiny retry backoffs and short timeouts,
* every provider's base URL pointed at the local server,
* a socket guard that refuses any connection that is not to the loopback address.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

CREDENTIAL_VARS = (
    "ELECTRICITYMAPS_API_KEY",
    "WATTTIME_USER",
    "WATTTIME_PASSWORD",
    "EIA_API_KEY",
    "ENTSOE_API_KEY",
)
URL_VARS = {
    "electricitymaps": "/v3",
    "watttime": "",
    "ukcarbon": "",
    "eia": "",
    "entsoe": "",
}


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


def _is_live(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("live") is not None


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """No test may reach the internet: only connections to 127.0.0.1 are allowed (tests
    marked ``live`` excepted)."""
    if _is_live(request):
        return
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            raise OSError(f"test tried to reach {host!r}: only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture(autouse=True)
def _provider_env(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, cache_dir: Path
) -> Iterator[None]:
    monkeypatch.setenv("FAIRWATT_CACHE_DIR", str(cache_dir))
    if _is_live(request):  # real providers, real credentials
        for provider in URL_VARS:
            monkeypatch.delenv(f"FAIRWATT_{provider.upper()}_URL", raising=False)
        yield
        return
    httpserver: HTTPServer = request.getfixturevalue("httpserver")
    for var in CREDENTIAL_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FAIRWATT_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("FAIRWATT_HTTP_RETRIES", "2")
    monkeypatch.setenv("FAIRWATT_HTTP_BACKOFF", "0")
    monkeypatch.setenv("FAIRWATT_HTTP_RETRY_AFTER_MAX", "5")
    monkeypatch.setenv("FAIRWATT_HTTP_TIMEOUT", "2,2")
    for provider, prefix in URL_VARS.items():
        monkeypatch.setenv(f"FAIRWATT_{provider.upper()}_URL", httpserver.url_for(prefix or "/"))
    yield


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record urllib3's retry waits instead of sleeping."""
    import urllib3.util.retry as retry_mod

    calls: list[float] = []

    class _Time:
        def __getattr__(self, name: str) -> Any:
            import time

            return getattr(time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            calls.append(float(seconds))

    monkeypatch.setattr(retry_mod, "time", _Time())
    return calls
