"""How requests travel: timeouts, the retry policy and the transport adapters.

* **retries** — urllib3 ``Retry`` on HTTP 429, 500, 502, 503 and 504 and on connection
  and read errors, with exponential backoff, honouring ``Retry-After`` (capped).
* **timeouts** — every request has explicit (connect, read) timeouts.
* **time budget** — one request, its retries and their waits included, gets at most
  ``FAIRWATT_HTTP_BUDGET`` seconds (default 30); then it fails with a one-line error.
* **offline** — the adapter mounted offline refuses to send: no socket is ever opened.
* **quiet retries** — urllib3's "Retrying (...)" warnings are shown only with ``-v``.

Environment variables: ``FAIRWATT_HTTP_TIMEOUT`` (``"connect,read"`` seconds, or one
number for both), ``FAIRWATT_HTTP_RETRIES`` (retries after the first attempt),
``FAIRWATT_HTTP_BACKOFF`` (backoff factor [s]) and ``FAIRWATT_HTTP_RETRY_AFTER_MAX`` (cap on
``Retry-After`` [s]) and ``FAIRWATT_HTTP_BUDGET`` (time budget of one request [s]).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
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
DEFAULT_BUDGET = 30.0
BUDGET_ENV = "FAIRWATT_HTTP_BUDGET"


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
    budget: float = DEFAULT_BUDGET

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Defaults, overridden by ``FAIRWATT_HTTP_RETRIES``, ``FAIRWATT_HTTP_BACKOFF``,
        ``FAIRWATT_HTTP_RETRY_AFTER_MAX`` and ``FAIRWATT_HTTP_BUDGET``."""
        budget = _env_float(BUDGET_ENV, DEFAULT_BUDGET)
        if budget <= 0:
            raise InputError(
                f"{BUDGET_ENV}={budget:g} must be positive", hint=f"unset {BUDGET_ENV}"
            )
        return cls(
            retries=int(_env_float("FAIRWATT_HTTP_RETRIES", DEFAULT_RETRIES)),
            backoff_factor=_env_float("FAIRWATT_HTTP_BACKOFF", DEFAULT_BACKOFF),
            retry_after_max=_env_float("FAIRWATT_HTTP_RETRY_AFTER_MAX", DEFAULT_RETRY_AFTER_MAX),
            budget=budget,
        )


class BudgetExceeded(DataUnavailableError):
    """A request (its retries and waits included) ran out of its time budget."""


@dataclass
class Deadline:
    """The time budget of the request being sent: started by ``send``, read by the
    adapter (timeouts) and the retry policy (waits, further attempts)."""

    budget: float = DEFAULT_BUDGET
    provider: str = ""
    where: str = ""
    until: float | None = field(default=None)

    def start(self, provider: str, where: str) -> None:
        self.provider, self.where = provider, where
        self.until = time.monotonic() + self.budget

    def remaining(self) -> float | None:
        return None if self.until is None else self.until - time.monotonic()

    def check(self) -> None:
        """Raise :class:`BudgetExceeded` when the budget is spent."""
        left = self.remaining()
        if left is not None and left <= 0:
            raise BudgetExceeded(
                f"{self.provider}: no usable answer from {self.where} within the time budget "
                f"of {self.budget:g} s",
                hint=f"try again later, raise {BUDGET_ENV}, or use --offline to read the cache",
            )

    def clamp(self, seconds: float, *, floor: float = 0.0) -> float:
        """``seconds``, but no longer than what is left of the budget (at least ``floor``)."""
        left = self.remaining()
        return seconds if left is None else min(seconds, max(left, floor))


class QuietRetries(logging.Filter):
    """urllib3's "Retrying (...)" warnings, shown only when fairwatt logs at INFO (``-v``),
    and then as INFO records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING or not str(record.msg).startswith("Retrying"):
            return True
        record.levelno, record.levelname = logging.INFO, "INFO"
        return logging.getLogger("fairwatt").isEnabledFor(logging.INFO)


_QUIET = QuietRetries()


def quiet_retry_warnings() -> None:
    """Install :class:`QuietRetries` on urllib3's connection-pool logger (once)."""
    logger = logging.getLogger("urllib3.connectionpool")
    if _QUIET not in logger.filters:
        logger.addFilter(_QUIET)


def _retry_class(deadline: Deadline) -> type[Any]:
    from urllib3.util.retry import Retry

    class CappedRetry(Retry):
        """``Retry`` whose ``Retry-After`` wait is capped (urllib3 < 2.6 has no cap) and
        whose waits and further attempts stay within the request's time budget."""

        max_retry_after: float = DEFAULT_RETRY_AFTER_MAX

        def parse_retry_after(self, retry_after: str) -> float:
            wait = min(float(super().parse_retry_after(retry_after)), self.max_retry_after)
            return deadline.clamp(wait)

        def get_backoff_time(self) -> float:
            return deadline.clamp(float(super().get_backoff_time()))

        def increment(self, *args: Any, **kwargs: Any) -> Any:
            new = super().increment(*args, **kwargs)
            deadline.check()
            return new

        def sleep(self, response: Any = None) -> None:
            super().sleep(response)
            deadline.check()

    return CappedRetry


def _adapter_classes() -> tuple[type[Any], type[Any]]:
    from requests.adapters import HTTPAdapter

    class TimeoutAdapter(HTTPAdapter):
        """An ``HTTPAdapter`` that applies a default (connect, read) timeout, shortened to
        what is left of the request's time budget."""

        def __init__(
            self, *args: Any, timeout: tuple[float, float], deadline: Deadline, **kwargs: Any
        ) -> None:
            self.default_timeout = timeout
            self.deadline = deadline
            super().__init__(*args, **kwargs)

        def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            timeout = kwargs.get("timeout")
            connect, read = self.default_timeout if timeout is None else (timeout, timeout)
            if isinstance(connect, tuple):
                connect, read = connect
            self.deadline.check()
            kwargs["timeout"] = tuple(self.deadline.clamp(t, floor=0.001) for t in (connect, read))
            return super().send(request, **kwargs)

    class OfflineAdapter(HTTPAdapter):
        """Refuses to send anything: offline mode must never open a socket."""

        def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            raise DataUnavailableError(
                f"offline: not in the cache: {redact(str(request.url))}",
                hint="run the same command once without --offline",
            )

    return TimeoutAdapter, OfflineAdapter


def make_retry(retry: RetryPolicy, deadline: Deadline | None = None) -> Any:
    """The urllib3 ``Retry`` of ``retry``: GET only, no redirects, ``Retry-After`` capped,
    waits and attempts within ``deadline``."""
    retry_cls = _retry_class(deadline or Deadline(retry.budget))
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
    deadline: Deadline,
) -> None:
    """Mount the one adapter for http and https: offline, or with timeouts, retries and
    the time budget."""
    quiet_retry_warnings()
    timeout_adapter, offline_adapter = _adapter_classes()
    if offline:
        adapter: Any = offline_adapter()
    else:
        adapter = timeout_adapter(
            timeout=timeout, deadline=deadline, max_retries=make_retry(retry, deadline)
        )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
