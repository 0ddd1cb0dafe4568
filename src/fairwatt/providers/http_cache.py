"""The HTTP cache of the provider clients: where it lives, how long answers stay fresh,
and its maintenance (summary, clearing).

``requests-cache`` with an SQLite file ``http_cache.sqlite`` in the user cache directory
(``platformdirs.user_cache_dir("fairwatt")``; ``FAIRWATT_CACHE_DIR`` or ``cache_dir=``
override it). Only successful answers (HTTP 200) are stored. How long an answer stays
fresh is chosen per request by :func:`expiry_for` (settled history for a month, recent
hours for an hour, "latest" and forecasts for five minutes). When a refresh fails
(timeout, connection error, 429 or 5xx), the stale answer is served with one note line on
the log (stale-if-error; the details at INFO); a 401 or 403 is never answered from the
cache. Credentials never enter the cache key.
"""

from __future__ import annotations

import functools
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fairwatt.errors import InputError
from fairwatt.providers.redaction import SECRET_PARAMETERS

if TYPE_CHECKING:
    import requests_cache

log = logging.getLogger(__name__)

CACHE_FILE = "http_cache.sqlite"

# Freshness of cached answers [s]
EXPIRE_LATEST = 300
EXPIRE_RECENT = 3_600
EXPIRE_SETTLED = 30 * 86_400
SETTLED_AFTER = timedelta(days=7)
#: statuses never answered from a stale cache entry: the credentials are wrong
NEVER_STALE = (401, 403)


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


def cached_session(
    cache_dir: str | os.PathLike[str] | None, *, offline: bool, use_cache: bool
) -> tuple[requests_cache.CachedSession, Path | None]:
    """A ``CachedSession`` on the SQLite cache (created if missing) and the cache file's
    path; with ``use_cache=False`` an in-memory session with caching disabled and ``None``."""

    session_class = _session_class()
    if not use_cache:
        session = session_class(backend="memory", only_if_cached=offline)
        session.settings.disabled = True
        return session, None
    folder = resolve_cache_dir(cache_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the cache folder {folder}: {exc.strerror}",
            hint="pass --cache-dir or set FAIRWATT_CACHE_DIR to a writable folder",
        ) from None
    path = folder / CACHE_FILE
    session = session_class(
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
    return session, path


@functools.cache
def _session_class() -> type[requests_cache.CachedSession]:
    """``CachedSession`` with fairwatt's stale-if-error: a failed refresh (exception, 429,
    5xx) serves the stale answer with one note line; 401 and 403 are returned as they are."""
    import requests_cache

    class Session(requests_cache.CachedSession):
        def _resend(self, request: Any, actions: Any, cached_response: Any, **kwargs: Any) -> Any:
            try:
                response = self._send_and_cache(request, actions, cached_response, **kwargs)
            except Exception as exc:
                if not actions.is_usable(cached_response, error=True):
                    raise
                return _stale(cached_response, type(exc).__name__, exc)
            status = response.status_code
            if status < 400 or status in NEVER_STALE:
                return response
            if not actions.is_usable(cached_response, error=True):
                return response  # reported as an error by the caller
            return _stale(cached_response, f"HTTP {status}", None)

    return Session


def _stale(cached: Any, reason: str, exc: BaseException | None) -> Any:
    """Note (one line) that the stale ``cached`` answer is used; details at INFO."""
    from fairwatt.providers.redaction import public_url

    parts = urlsplit(public_url(str(cached.url)))
    log.warning(
        "%s%s: refreshing the cached answer failed (%s); using the one retrieved %s",
        parts.netloc,
        parts.path,
        reason,
        retrieved_at(cached).isoformat(timespec="seconds"),
    )
    if exc is not None:
        log.info("the refresh failed with:", exc_info=exc)
    return cached


def retrieved_at(response: Any) -> datetime:
    """When the answer was fetched from the provider (for a cached answer, its first fetch)."""
    created = getattr(response, "created_at", None)
    if isinstance(created, datetime):
        return created if created.tzinfo else created.replace(tzinfo=UTC)
    return datetime.now(UTC)


def from_cache(response: Any) -> bool:
    return bool(getattr(response, "from_cache", False))


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
            host = urlsplit(str(resp.url)).netloc.rpartition("@")[2] or "?"
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
