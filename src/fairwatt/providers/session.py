"""One HTTP session for every provider client: cache, retries, timeouts, redaction.

Every request fairwatt sends to a factor provider goes through :func:`make_session`:

* **cache** — ``requests-cache`` with an SQLite file ``http_cache.sqlite`` in the user
  cache directory (``platformdirs.user_cache_dir("fairwatt")``; ``FAIRWATT_CACHE_DIR`` or
  ``cache_dir=`` override it). Only successful answers (HTTP 200) are stored. How long an
  answer stays fresh is chosen per request by :func:`expiry_for` (settled history for a
  month, recent hours for an hour, "latest" and forecasts for five minutes). When a
  refresh fails, the stale answer is served (stale-if-error). See
  :mod:`fairwatt.providers.http_cache`.
* **offline** — ``offline=True`` answers from the cache only (fresh or stale); a miss
  becomes :class:`~fairwatt.errors.DataUnavailableError`, and no socket is ever opened
  (the transport adapters are replaced by one that refuses to send).
* **retries** — urllib3 ``Retry`` on HTTP 429, 500, 502, 503 and 504 and on connection
  and read errors, with exponential backoff, honouring ``Retry-After`` (capped). See
  :mod:`fairwatt.providers.transport`.
* **timeouts** — every request has explicit (connect, read) timeouts.
* **secrets** — API keys and tokens (URL parameters and headers listed in
  :data:`SECRET_PARAMETERS`) are left out of the cache key and redacted from the stored
  request; they are also masked in every log record of fairwatt, urllib3 and
  requests-cache and in every error message built by :func:`send`. See
  :mod:`fairwatt.providers.redaction`.

Environment variables (flags > environment > defaults): ``FAIRWATT_CACHE_DIR``,
``FAIRWATT_HTTP_TIMEOUT`` (``"connect,read"`` seconds, or one number for both),
``FAIRWATT_HTTP_RETRIES`` (retries after the first attempt), ``FAIRWATT_HTTP_BACKOFF``
(backoff factor [s]), ``FAIRWATT_HTTP_RETRY_AFTER_MAX`` (cap on ``Retry-After`` [s]) and
one base URL per provider, ``FAIRWATT_<PROVIDER>_URL`` (see :func:`base_url`).

The names of :mod:`~fairwatt.providers.http_cache`, :mod:`~fairwatt.providers.transport`
and :mod:`~fairwatt.providers.redaction` that the clients use are importable from here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fairwatt._version import __version__
from fairwatt.errors import DataUnavailableError, InputError
from fairwatt.providers.http_cache import (
    CACHE_FILE,
    EXPIRE_LATEST,
    EXPIRE_RECENT,
    EXPIRE_SETTLED,
    SETTLED_AFTER,
    cache_file,
    cache_summary,
    cached_session,
    clear_cache,
    expiry_for,
    from_cache,
    resolve_cache_dir,
    retrieved_at,
)
from fairwatt.providers.redaction import (
    REDACTED,
    SECRET_PARAMETERS,
    RedactingFilter,
    install_log_redaction,
    public_url,
    redact,
    register_secret,
    split_userinfo,
)
from fairwatt.providers.transport import (
    DEFAULT_BACKOFF,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_BUDGET,
    DEFAULT_RETRIES,
    DEFAULT_RETRY_AFTER_MAX,
    DEFAULT_TIMEOUT,
    RETRY_STATUSES,
    Deadline,
    RetryPolicy,
    mount_adapters,
    timeout_from_env,
)

if TYPE_CHECKING:
    import requests
    import requests_cache

__all__ = [
    "CACHE_FILE",
    "DEFAULT_BACKOFF",
    "DEFAULT_BACKOFF_MAX",
    "DEFAULT_BUDGET",
    "DEFAULT_RETRIES",
    "DEFAULT_RETRY_AFTER_MAX",
    "DEFAULT_TIMEOUT",
    "EXPIRE_LATEST",
    "EXPIRE_RECENT",
    "EXPIRE_SETTLED",
    "REDACTED",
    "RETRY_STATUSES",
    "SECRET_PARAMETERS",
    "SETTLED_AFTER",
    "USER_AGENT",
    "Auth",
    "Deadline",
    "RedactingFilter",
    "RetryPolicy",
    "SessionInfo",
    "base_url",
    "cache_file",
    "cache_summary",
    "clear_cache",
    "describe",
    "expiry_for",
    "from_cache",
    "install_log_redaction",
    "make_session",
    "open_session",
    "public_url",
    "raise_for_status",
    "redact",
    "register_secret",
    "resolve_cache_dir",
    "retrieved_at",
    "send",
    "server_message",
    "session_info",
    "timeout_from_env",
]

log = logging.getLogger(__name__)

USER_AGENT = f"fairwatt/{__version__}"


# Configuration ------------------------------------------------------------------------


def base_url(provider: str, default: str) -> str:
    """The provider's base URL: ``FAIRWATT_<PROVIDER>_URL`` if set (for private mirrors
    and tests), else ``default``; without a trailing slash."""
    env = f"FAIRWATT_{provider.upper()}_URL"
    url = os.environ.get(env, "").strip() or default
    if urlsplit(url).scheme not in ("http", "https"):
        raise InputError(f"{env}={redact(url)!r} is not an http(s) URL", hint=f"fix or unset {env}")
    return url.rstrip("/")


# Session ------------------------------------------------------------------------------


@dataclass
class SessionInfo:
    """What the provider clients need to know about a session beyond requests' own state."""

    offline: bool
    cache_path: Path | None
    timeout: tuple[float, float]
    retry: RetryPolicy
    deadline: Deadline


def make_session(
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    offline: bool = False,
    use_cache: bool = True,
    timeout: tuple[float, float] | None = None,
    retry: RetryPolicy | None = None,
) -> requests_cache.CachedSession:
    """The one HTTP session factory of fairwatt's provider clients.

    Parameters
    ----------
    cache_dir
        Folder of the SQLite cache (created if missing). Default: ``FAIRWATT_CACHE_DIR``,
        else ``platformdirs.user_cache_dir("fairwatt")``.
    offline
        Answer from the cache only (stale answers included); never open a socket.
    use_cache
        ``False`` disables reading and writing the cache (offline then always misses).
    timeout
        (connect, read) timeouts. [s] Default: ``FAIRWATT_HTTP_TIMEOUT`` or (5, 60).
    retry
        Retry policy. Default: :meth:`RetryPolicy.from_env`.

    Returns
    -------
    requests_cache.CachedSession
        With a ``fairwatt`` attribute (:class:`SessionInfo`).
    """
    install_log_redaction()
    timeout = timeout or timeout_from_env()
    retry = retry or RetryPolicy.from_env()
    session, path = cached_session(cache_dir, offline=offline, use_cache=use_cache)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept-Encoding"] = "gzip, deflate"
    deadline = Deadline(retry.budget)
    mount_adapters(session, offline=offline, timeout=timeout, retry=retry, deadline=deadline)
    session.fairwatt = SessionInfo(  # type: ignore[attr-defined]
        offline=offline, cache_path=path, timeout=timeout, retry=retry, deadline=deadline
    )
    return session


def session_info(session: requests.Session) -> SessionInfo:
    info = getattr(session, "fairwatt", None)
    if isinstance(info, SessionInfo):
        return info
    retry = RetryPolicy.from_env()
    return SessionInfo(
        offline=False,
        cache_path=None,
        timeout=timeout_from_env(),
        retry=retry,
        deadline=Deadline(retry.budget),
    )


# Sending and error translation --------------------------------------------------------


@dataclass(frozen=True)
class Auth:
    """How a provider authenticates, for error messages: the env var(s) to name."""

    env: tuple[str, ...] = ()
    how: str = ""

    def hint(self) -> str:
        if not self.env:
            return "check the provider's status page"
        names = " and ".join(self.env)
        return f"check {names} ({self.how})" if self.how else f"check {names}"


def server_message(response: Any, *, limit: int = 200) -> str:
    """The provider's own error text from a JSON or XML body, else the HTTP reason."""
    body = b""
    try:
        body = response.content or b""
    except Exception:
        body = b""
    text = ""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        doc = None
    if isinstance(doc, Mapping):
        parts: list[str] = []
        for key in ("error", "message", "detail", "code"):
            val = doc.get(key)
            if isinstance(val, Mapping):
                inner = [str(val[k]) for k in ("code", "message") if val.get(k)]
                parts.extend(inner)
            elif isinstance(val, str | int) and str(val) not in parts:
                parts.append(str(val))
        text = ": ".join(parts)
    elif body.lstrip().startswith(b"<"):
        m = re.search(rb"<text>(.*?)</text>", body, re.S)
        if m:
            text = m.group(1).decode("utf-8", "replace")
    if not text:
        text = str(getattr(response, "reason", "") or "")
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return redact(text)


def describe(url: str) -> str:
    """``host/path`` of ``url`` without its query (which may carry keys) and without
    ``user:password@``."""
    parts = urlsplit(url)
    return f"{parts.netloc.rpartition('@')[2]}{parts.path}"


def _get(
    session: requests.Session, url: str, kwargs: dict[str, Any], *, cache: bool
) -> requests.Response:
    """``session.get``; an exhausted read timeout is raised as requests' ``Timeout``."""
    import requests

    # cache=False (logins: the answer is a token) neither reads nor writes the cache
    no_cache = getattr(session, "cache_disabled", None)
    guard = no_cache() if not cache and no_cache is not None else contextlib.nullcontext()
    try:
        with guard:
            return session.get(url, **kwargs)
    except requests.exceptions.ConnectionError as exc:
        # with retries, urllib3 reports an exhausted read timeout as a MaxRetryError,
        # which requests turns into a ConnectionError
        from urllib3.exceptions import NewConnectionError, TimeoutError

        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        # NewConnectionError subclasses ConnectTimeoutError in urllib3: test it first
        if isinstance(reason, TimeoutError) and not isinstance(reason, NewConnectionError):
            raise requests.exceptions.Timeout() from None
        raise


def _request_failure(
    exc: requests.exceptions.RequestException, *, provider: str, where: str, info: SessionInfo
) -> DataUnavailableError:
    """The one-line error for a request that got no usable answer."""
    import requests

    if isinstance(exc, requests.exceptions.Timeout):
        connect, read = info.timeout
        return DataUnavailableError(
            f"{provider}: no answer from {where} within the timeout "
            f"(connect {connect:g} s, read {read:g} s) after {info.retry.retries} retries",
            hint="try again later, raise FAIRWATT_HTTP_TIMEOUT, or use --offline to read the cache",
        )
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return DataUnavailableError(
            f"{provider}: the answer from {where} was cut off (truncated body)",
            hint="try again later",
        )
    if isinstance(exc, requests.exceptions.RetryError):
        return DataUnavailableError(
            f"{provider}: {where} kept failing after {info.retry.retries} retries",
            hint="try again later or use --offline to read the cache",
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = "connection refused" if "refused" in str(exc).lower() else "connection failed"
        return DataUnavailableError(
            f"{provider}: cannot reach {where} ({reason})",
            hint="check the network (or the FAIRWATT_*_URL override), or use --offline",
        )
    return DataUnavailableError(
        f"{provider}: request to {where} failed: {redact(type(exc).__name__)}",
        hint="try again later",
    )


def send(
    session: requests.Session,
    url: str,
    *,
    provider: str,
    params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: Any = None,
    auth_info: Auth | None = None,
    expire_after: int | None = None,
    cache: bool = True,
    cache_only: bool = False,
    ok_statuses: Iterable[int] = (200,),
) -> requests.Response:
    """GET ``url`` through ``session`` and turn every failure into one clear line.

    ``user:password@`` in ``url`` is sent as basic auth (unless ``auth`` is given) and
    never enters the cache, a message or a log. ``cache_only`` answers from the cache
    only (a miss is an HTTP 504 "Not Cached" answer). The request, its retries and waits
    included, must finish within the session's time budget (``FAIRWATT_HTTP_BUDGET``).

    Raises
    ------
    DataUnavailableError
        Offline cache miss; timeout; connection failure; truncated body; 401/403 (naming
        the credential's environment variable); 404 and other 4xx (with the server's
        message); 429 or 5xx still failing after the retries.
    """
    import requests

    info = session_info(session)
    url, userinfo = split_userinfo(url)
    where = describe(url)
    # no redirects: a key in a header or the URL must never be forwarded to another host
    kwargs: dict[str, Any] = {
        "params": params,
        "headers": dict(headers or {}),
        "auth": auth if auth is not None else userinfo,
        "allow_redirects": False,
    }
    if cache and expire_after is not None:
        kwargs["expire_after"] = expire_after
    if cache_only:
        kwargs["only_if_cached"] = True
    info.deadline.start(provider, where)
    try:
        response = _get(session, url, kwargs, cache=cache)
    except DataUnavailableError:
        raise
    except requests.exceptions.RequestException as exc:
        raise _request_failure(exc, provider=provider, where=where, info=info) from None

    if response.status_code in set(ok_statuses):
        return response
    raise_for_status(response, provider=provider, auth_info=auth_info, session=session)
    return response


def raise_for_status(
    response: requests.Response,
    *,
    provider: str,
    auth_info: Auth | None = None,
    session: requests.Session | None = None,
) -> None:
    """Raise the one-line :class:`DataUnavailableError` that fits a failed answer."""
    info = session_info(session) if session is not None else None
    retries = info.retry.retries if info is not None else 0
    status = response.status_code
    where = describe(str(response.url or ""))
    if 300 <= status < 400:
        target = describe(str(response.headers.get("Location", "") or "?"))
        raise DataUnavailableError(
            f"{provider}: {where} redirects to {target} (HTTP {status}); fairwatt does not "
            "follow redirects, so credentials never reach another address",
            hint=f"if the provider moved, set FAIRWATT_{provider.upper()}_URL",
        )
    if status < 400:
        return
    if info is not None and info.offline and status == 504 and response.reason == "Not Cached":
        raise DataUnavailableError(
            f"{provider}: offline and not in the cache: {where}",
            hint="run the same command once without --offline to fill the cache",
        )
    message = server_message(response)
    detail = f" ({message})" if message else ""
    if status in (401, 403):
        hint = (auth_info or Auth()).hint()
        raise DataUnavailableError(
            f"{provider}: access denied by {where}, HTTP {status}{detail}", hint=hint
        )
    if status == 404:
        raise DataUnavailableError(
            f"{provider}: no data at {where}, HTTP 404{detail}",
            hint="check the zone and the time range",
        )
    if status == 429:
        raise DataUnavailableError(
            f"{provider}: rate limit still exceeded after {retries} retries{detail}",
            hint="wait a few minutes, fetch a shorter range, or use --offline to read the cache",
        )
    if status >= 500:
        raise DataUnavailableError(
            f"{provider}: server error HTTP {status} from {where} after {retries} retries{detail}",
            hint="try again later or use --offline to read the cache",
        )
    raise DataUnavailableError(
        f"{provider}: {where} refused the request, HTTP {status}{detail}",
        hint="check the zone, signal and time range",
    )


@contextlib.contextmanager
def open_session(
    session: requests.Session | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    offline: bool = False,
) -> Iterator[requests.Session]:
    """Use ``session`` if given, else a new :func:`make_session` closed on exit."""
    if session is not None:
        yield session
        return
    own = make_session(cache_dir=cache_dir, offline=offline)
    try:
        yield own
    finally:
        own.close()
