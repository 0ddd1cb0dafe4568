"""One HTTP session for every provider client: cache, retries, timeouts, redaction.

Every request fairwatt sends to a factor provider goes through :func:`make_session`:

* **cache** — ``requests-cache`` with an SQLite file ``http_cache.sqlite`` in the user
  cache directory (``platformdirs.user_cache_dir("fairwatt")``; ``FAIRWATT_CACHE_DIR`` or
  ``cache_dir=`` override it). Only successful answers (HTTP 200) are stored. How long an
  answer stays fresh is chosen per request by :func:`expiry_for` (settled history for a
  month, recent hours for an hour, "latest" and forecasts for five minutes). When a
  refresh fails, the stale answer is served (stale-if-error).
* **offline** — ``offline=True`` answers from the cache only (fresh or stale); a miss
  becomes :class:`~fairwatt.errors.DataUnavailableError`, and no socket is ever opened
  (the transport adapters are replaced by one that refuses to send).
* **retries** — urllib3 ``Retry`` on HTTP 429, 500, 502, 503 and 504 and on connection
  and read errors, with exponential backoff, honouring ``Retry-After`` (capped).
* **timeouts** — every request has explicit (connect, read) timeouts.
* **secrets** — API keys and tokens (URL parameters and headers listed in
  :data:`SECRET_PARAMETERS`) are left out of the cache key and redacted from the stored
  request; they are also masked in every log record of fairwatt, urllib3 and
  requests-cache and in every error message built by :func:`send`.

Environment variables (flags > environment > defaults): ``FAIRWATT_CACHE_DIR``,
``FAIRWATT_HTTP_TIMEOUT`` (``"connect,read"`` seconds, or one number for both),
``FAIRWATT_HTTP_RETRIES`` (retries after the first attempt), ``FAIRWATT_HTTP_BACKOFF``
(backoff factor [s]), ``FAIRWATT_HTTP_RETRY_AFTER_MAX`` (cap on ``Retry-After`` [s]) and
one base URL per provider, ``FAIRWATT_<PROVIDER>_URL`` (see :func:`base_url`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fairwatt._version import __version__
from fairwatt.errors import DataUnavailableError, InputError

if TYPE_CHECKING:
    import requests
    import requests_cache

log = logging.getLogger(__name__)

CACHE_FILE = "http_cache.sqlite"
USER_AGENT = f"fairwatt/{__version__}"

#: URL parameters and request headers that carry credentials. They never enter the cache
#: key, are replaced by ``REDACTED`` in stored requests and are masked in logs and errors.
SECRET_PARAMETERS: tuple[str, ...] = (
    "auth-token",
    "Authorization",
    "Proxy-Authorization",
    "X-Api-Key",
    "X-API-Key",
    "api_key",
    "apikey",
    "securityToken",
    "access_token",
    "token",
    "password",
)

DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 60.0)
DEFAULT_RETRIES = 4
DEFAULT_BACKOFF = 0.5
DEFAULT_BACKOFF_MAX = 30.0
DEFAULT_RETRY_AFTER_MAX = 120.0
RETRY_STATUSES: tuple[int, ...] = (429, 500, 502, 503, 504)

# Freshness of cached answers [s]
EXPIRE_LATEST = 300
EXPIRE_RECENT = 3_600
EXPIRE_SETTLED = 30 * 86_400
SETTLED_AFTER = timedelta(days=7)

REDACTED = "***"


# Secrets and redaction ----------------------------------------------------------------

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_QUERY_SECRET = re.compile(
    r"(?i)\b(" + "|".join(re.escape(p) for p in SECRET_PARAMETERS) + r")([=:]\s*)([^&\s'\"]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")


def register_secret(value: str | None) -> None:
    """Remember ``value`` (an API key, password or token) so it is masked everywhere."""
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)
        install_log_redaction()


def redact(text: str) -> str:
    """``text`` with every registered secret and every ``key=value`` credential masked."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _QUERY_SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the message and in formatted tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix
            return True
        clean = redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()
_LOGGER_PREFIXES = ("fairwatt", "urllib3", "requests", "requests_cache")


def install_log_redaction() -> None:
    """Attach :class:`RedactingFilter` to every logger of fairwatt, urllib3, requests and
    requests-cache (filters act on the logger a record is created on, so each one needs it)."""
    names = {"fairwatt", "urllib3", "requests", "requests_cache"}
    for name in list(logging.Logger.manager.loggerDict):
        if name.split(".", 1)[0] in _LOGGER_PREFIXES:
            names.add(name)
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


# Configuration ------------------------------------------------------------------------


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


def base_url(provider: str, default: str) -> str:
    """The provider's base URL: ``FAIRWATT_<PROVIDER>_URL`` if set (for private mirrors
    and tests), else ``default``; without a trailing slash."""
    env = f"FAIRWATT_{provider.upper()}_URL"
    url = os.environ.get(env, "").strip() or default
    if urlsplit(url).scheme not in ("http", "https"):
        raise InputError(f"{env}={url!r} is not an http(s) URL", hint=f"fix or unset {env}")
    return url.rstrip("/")


def resolve_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the HTTP cache lives: ``cache_dir``, else ``FAIRWATT_CACHE_DIR``, else the
    user cache directory of the platform."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("FAIRWATT_CACHE_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("fairwatt"))


def cache_file(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Path of the SQLite cache file."""
    return resolve_cache_dir(cache_dir) / CACHE_FILE


def expiry_for(end: datetime | None, *, now: datetime | None = None) -> int:
    """How long [s] an answer covering data up to ``end`` stays fresh in the cache.

    ``None`` (latest values, forecasts) → 5 minutes; a range ending within the last
    7 days → 1 hour (providers still revise recent hours); older ranges → 30 days.
    """
    if end is None:
        return EXPIRE_LATEST
    now = now or datetime.now(UTC)
    return EXPIRE_SETTLED if end < now - SETTLED_AFTER else EXPIRE_RECENT


# Session ------------------------------------------------------------------------------


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


@dataclass
class SessionInfo:
    """What the provider clients need to know about a session beyond requests' own state."""

    offline: bool
    cache_path: Path | None
    timeout: tuple[float, float]
    retry: RetryPolicy


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
    import requests_cache

    install_log_redaction()
    timeout = timeout or timeout_from_env()
    retry = retry or RetryPolicy.from_env()
    path: Path | None = None
    if use_cache:
        folder = resolve_cache_dir(cache_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot create the cache folder {folder}: {exc.strerror}",
                hint="pass --cache-dir or set FAIRWATT_CACHE_DIR to a writable folder",
            ) from None
        path = folder / CACHE_FILE
        session = requests_cache.CachedSession(
            str(path),
            backend="sqlite",
            expire_after=EXPIRE_RECENT,
            allowable_codes=(200,),
            allowable_methods=("GET",),
            ignored_parameters=SECRET_PARAMETERS,
            stale_if_error=True,
            cache_control=False,
            only_if_cached=offline,
        )
    else:
        session = requests_cache.CachedSession(backend="memory", only_if_cached=offline)
        session.settings.disabled = True

    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept-Encoding"] = "gzip, deflate"
    timeout_adapter, offline_adapter = _adapter_classes()
    if offline:
        adapter: Any = offline_adapter()
    else:
        retry_cls = _retry_class()
        retry_cls.max_retry_after = retry.retry_after_max
        max_retries = retry_cls(
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
        adapter = timeout_adapter(timeout=timeout, max_retries=max_retries)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.fairwatt = SessionInfo(  # type: ignore[attr-defined]
        offline=offline, cache_path=path, timeout=timeout, retry=retry
    )
    return session


def session_info(session: requests.Session) -> SessionInfo:
    info = getattr(session, "fairwatt", None)
    if isinstance(info, SessionInfo):
        return info
    return SessionInfo(
        offline=False, cache_path=None, timeout=timeout_from_env(), retry=RetryPolicy.from_env()
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
    """``host/path`` of ``url`` without its query (which may carry keys)."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


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
    ok_statuses: Iterable[int] = (200,),
) -> requests.Response:
    """GET ``url`` through ``session`` and turn every failure into one clear line.

    Raises
    ------
    DataUnavailableError
        Offline cache miss; timeout; connection failure; truncated body; 401/403 (naming
        the credential's environment variable); 404 and other 4xx (with the server's
        message); 429 or 5xx still failing after the retries.
    """
    import requests

    info = session_info(session)
    where = describe(url)
    # no redirects: a key in a header or the URL must never be forwarded to another host
    kwargs: dict[str, Any] = {
        "params": params,
        "headers": dict(headers or {}),
        "auth": auth,
        "allow_redirects": False,
    }
    if cache and expire_after is not None:
        kwargs["expire_after"] = expire_after
    # cache=False (logins: the answer is a token) neither reads nor writes the cache
    no_cache = getattr(session, "cache_disabled", None)
    guard = no_cache() if not cache and no_cache is not None else contextlib.nullcontext()
    try:
        try:
            with guard:
                response = session.get(url, **kwargs)
        except requests.exceptions.ConnectionError as exc:
            # with retries, urllib3 reports an exhausted read timeout as a MaxRetryError,
            # which requests turns into a ConnectionError
            from urllib3.exceptions import NewConnectionError, TimeoutError

            reason = getattr(exc.args[0], "reason", None) if exc.args else None
            # NewConnectionError subclasses ConnectTimeoutError in urllib3: test it first
            if isinstance(reason, TimeoutError) and not isinstance(reason, NewConnectionError):
                raise requests.exceptions.Timeout() from None
            raise
    except DataUnavailableError:
        raise
    except requests.exceptions.Timeout:
        connect, read = info.timeout
        raise DataUnavailableError(
            f"{provider}: no answer from {where} within the timeout "
            f"(connect {connect:g} s, read {read:g} s) after {info.retry.retries} retries",
            hint="try again later, raise FAIRWATT_HTTP_TIMEOUT, or use --offline to read the cache",
        ) from None
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
        raise DataUnavailableError(
            f"{provider}: the answer from {where} was cut off (truncated body)",
            hint="try again later",
        ) from None
    except requests.exceptions.RetryError:
        raise DataUnavailableError(
            f"{provider}: {where} kept failing after {info.retry.retries} retries",
            hint="try again later or use --offline to read the cache",
        ) from None
    except requests.exceptions.ConnectionError as exc:
        reason = "connection refused" if "refused" in str(exc).lower() else "connection failed"
        raise DataUnavailableError(
            f"{provider}: cannot reach {where} ({reason})",
            hint="check the network (or the FAIRWATT_*_URL override), or use --offline",
        ) from None
    except requests.exceptions.RequestException as exc:
        raise DataUnavailableError(
            f"{provider}: request to {where} failed: {redact(type(exc).__name__)}",
            hint="try again later",
        ) from None

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


def retrieved_at(response: Any) -> datetime:
    """When the answer was fetched from the provider (for a cached answer, its first fetch)."""
    created = getattr(response, "created_at", None)
    if isinstance(created, datetime):
        return created if created.tzinfo else created.replace(tzinfo=UTC)
    return datetime.now(UTC)


def from_cache(response: Any) -> bool:
    return bool(getattr(response, "from_cache", False))


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


# Cache maintenance --------------------------------------------------------------------


def cache_summary(cache_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """What the HTTP cache holds: path, size [bytes], responses (fresh/expired) per host,
    oldest and newest retrieval times. Does not create the cache."""
    path = cache_file(cache_dir)
    out: dict[str, Any] = {
        "path": str(path),
        "exists": path.exists(),
        "size_bytes": 0,
        "responses": 0,
        "expired": 0,
        "hosts": {},
    }
    if not path.exists():
        return out
    from requests_cache.backends.sqlite import SQLiteCache

    cache = SQLiteCache(str(path))
    try:
        hosts: dict[str, int] = {}
        times: list[datetime] = []
        expired = 0
        total = 0
        for resp in cache.responses.values():
            total += 1
            host = urlsplit(str(resp.url)).netloc or "?"
            hosts[host] = hosts.get(host, 0) + 1
            times.append(retrieved_at(resp))
            expired += int(bool(resp.is_expired))
        out.update(responses=total, expired=expired, hosts=dict(sorted(hosts.items())))
        if times:
            out["oldest"] = min(times).isoformat()
            out["newest"] = max(times).isoformat()
    finally:
        cache.close()
    out["size_bytes"] = sum(p.stat().st_size for p in path.parent.glob(CACHE_FILE + "*"))
    return out


def clear_cache(
    cache_dir: str | os.PathLike[str] | None = None, *, expired_only: bool = False
) -> int:
    """Delete cached answers (all, or only the expired ones); returns how many were removed."""
    path = cache_file(cache_dir)
    if not path.exists():
        return 0
    from requests_cache.backends.sqlite import SQLiteCache

    cache = SQLiteCache(str(path))
    try:
        before = cache.responses.count(expired=True)
        if expired_only:
            cache.delete(expired=True)
        else:
            cache.clear()
            cache.responses.vacuum()
        after = cache.responses.count(expired=True)
    finally:
        cache.close()
    return int(before - after)
