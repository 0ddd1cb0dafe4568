"""How requests travel: timeouts, the retry policy and the transport adapters.

* **retries** — urllib3 ``Retry`` on HTTP 429, 500, 502, 503 and 504 and on connection
  and read errors, with exponential backoff, honouring ``Retry-After`` (capped).
* **timeouts** — every request has explicit (connect, read) timeouts.
* **offline** — the adapter mounted offline refuses to send: no socket is ever opened.

Environment variables: ``FAIRWATT_HTTP_TIMEOUT`` (``"connect,read"`` seconds, or one
number for both), ``FAIRWATT_HTTP_RETRIES`` (retries after the first attempt),
``FAIRWATT_HTTP_BACKOFF`` (backoff factor [s]) and ``FAIRWATT_HTTP_RETRY_AFTER_MAX`` (cap on
``Retry-After`` [s]).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fairwatt.errors import DataUnavailableError, InputError
from fairwatt.providers.redaction import redact

if TYPE_CHECKING:
    import requests

DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)
DEFAULT_RETRIES = 4
DEFAULT_BACKOFF = 0.5
DEFAULT_BACKOFF_MAX = 30.0
DEFAULT_RETRY_AFTER_MAX = 120.0
RETRY_STATUSES: tuple[int, ...] = (429, 500, 502, 503, 504)


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError(
            f"{name}={raw!r} is not a number", hint=f"unset {name} or fix it"
        ) from None
    if value < 0:
        raise InputError(f"{name}={raw!r} must not be negative", hint=f"unset {name} or fix it")
    return value


def timeout_from_env(default: tuple[float, float] = DEFAULT_TIMEOUT) -> tuple[float, float]:
    """(connect, read) timeouts [s] from ``FAIRWATT_HTTP_TIMEOUT`` ("5,60" or "30")."""
    raw = os.environ.get("FAIRWATT_HTTP_TIMEOUT")
    if not raw:
        return default
    parts = [p.strip() for p in raw.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or any(v <= 0 for v in values):
        raise InputError(
            f"FAIRWATT_HTTP_TIMEOUT={raw!r} is not 'seconds' or 'connect,read' seconds",
            hint="for example FAIRWATT_HTTP_TIMEOUT=5,60",
        )
    return (values[0], values[-1])


@dataclass(frozen=True)
class RetryPolicy:
    """How failed requests are retried.

    Parameters
    ----------
    retries
        Retries after the first attempt (for 429/5xx answers, connection and read errors).
    backoff_factor
        Exponential backoff: the n-th retry waits ``backoff_factor * 2**(n-1)``. [s]
    backoff_max
        Upper bound of one backoff wait. [s]
    retry_after_max
        Upper bound on a server's ``Retry-After`` wait. [s]
    statuses
        HTTP statuses that are retried.
    """

    retries: int = DEFAULT_RETRIES
    backoff_factor: float = DEFAULT_BACKOFF
    backoff_max: float = DEFAULT_BACKOFF_MAX
    retry_after_max: float = DEFAULT_RETRY_AFTER_MAX
    statuses: tuple[int, ...] = RETRY_STATUSES

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Defaults, overridden by ``FAIRWATT_HTTP_RETRIES``, ``FAIRWATT_HTTP_BACKOFF`` and
        ``FAIRWATT_HTTP_RETRY_AFTER_MAX``."""
        return cls(
            retries=int(_env_float("FAIRWATT_HTTP_RETRIES", DEFAULT_RETRIES)),
            backoff_factor=_env_float("FAIRWATT_HTTP_BACKOFF", DEFAULT_BACKOFF),
            retry_after_max=_env_float("FAIRWATT_HTTP_RETRY_AFTER_MAX", DEFAULT_RETRY_AFTER_MAX),
        )


def _retry_class() -> type[Any]:
    from urllib3.util.retry import Retry

    class CappedRetry(Retry):
        """``Retry`` whose ``Retry-After`` wait is capped (urllib3 < 2.6 has no cap)."""

        max_retry_after: float = DEFAULT_RETRY_AFTER_MAX

        def parse_retry_after(self, retry_after: str) -> float:
            return min(float(super().parse_retry_after(retry_after)), self.max_retry_after)

    return CappedRetry


def _adapter_classes() -> tuple[type[Any], type[Any]]:
    from requests.adapters import HTTPAdapter

    class TimeoutAdapter(HTTPAdapter):
        """An ``HTTPAdapter`` that applies a default (connect, read) timeout."""

        def __init__(self, *args: Any, timeout: tuple[float, float], **kwargs: Any) -> None:
            self.default_timeout = timeout
            super().__init__(*args, **kwargs)

        def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = self.default_timeout
            return super().send(request, **kwargs)

    class OfflineAdapter(HTTPAdapter):
        """Refuses to send anything: offline mode must never open a socket."""

        def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            raise DataUnavailableError(
                f"offline: not in the cache: {redact(str(request.url))}",
                hint="run the same command once without --offline",
            )

    return TimeoutAdapter, OfflineAdapter


def make_retry(retry: RetryPolicy) -> Any:
    """The urllib3 ``Retry`` of ``retry``: GET only, no redirects, ``Retry-After`` capped."""
    retry_cls = _retry_class()
    retry_cls.max_retry_after = retry.retry_after_max
    return retry_cls(
        total=retry.retries,
        connect=retry.retries,
        read=retry.retries,
        status=retry.retries,
        other=0,
        redirect=0,
        status_forcelist=retry.statuses,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=retry.backoff_factor,
        backoff_max=retry.backoff_max,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def mount_adapters(
    session: requests.Session,
    *,
    offline: bool,
    timeout: tuple[float, float],
    retry: RetryPolicy,
) -> None:
    """Mount the one adapter for http and https: offline, or with timeouts and retries."""
    timeout_adapter, offline_adapter = _adapter_classes()
    if offline:
        adapter: Any = offline_adapter()
    else:
        adapter = timeout_adapter(timeout=timeout, max_retries=make_retry(retry))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
