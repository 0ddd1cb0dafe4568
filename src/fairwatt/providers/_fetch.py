"""Request-side steps the ``get_*`` functions of the provider clients share: API keys,
chunked time ranges, cache freshness, and joining the chunks' answers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from fairwatt.errors import DataUnavailableError, FairwattError
from fairwatt.providers import _common as c
from fairwatt.providers.session import (
    Auth,
    describe,
    expiry_for,
    register_secret,
    send,
    session_info,
)

if TYPE_CHECKING:
    import requests

Chunks = list[tuple[pd.Timestamp, pd.Timestamp]]
Parsed = tuple[pd.DataFrame, dict[str, Any]]

#: hint of an answer that was rejected (and so not cached)
REJECTED_HINT = "the answer was not cached, so the next run asks the provider again"


class NoDataError(DataUnavailableError):
    """A provider answered, but the answer holds no data for the request."""


def read_answer(
    session: requests.Session,
    response: requests.Response,
    read: Callable[[bytes], Parsed],
    *,
    provider: str,
    what: str,
) -> Parsed:
    """``read(body)`` of an answer that passed the provider's checks.

    An answer that does not parse, holds a malformed value, or holds no data at all
    (``what`` says for what, e.g. ``"zone GB, 2024-01-01 to 2024-01-08"``) is removed from
    the cache, so it is never replayed, and reported as what was wrong with it.
    """
    where = describe(str(response.url or ""))
    try:
        df, meta = read(response.content)
        if df.empty or ("is_missing" in df.columns and bool(df["is_missing"].all())):
            raise NoDataError(
                f"{provider}: the answer from {where} holds no data for {what}",
                hint="check the zone and the time range (the answer was not cached)",
            )
    except FairwattError as exc:
        forget(session, response)
        if isinstance(exc, DataUnavailableError) and not isinstance(exc, NoDataError):
            exc.message = f"{exc.message} (answer from {where})"
            exc.hint = exc.hint if "not cached" in (exc.hint or "") else REJECTED_HINT
        raise
    except Exception:
        forget(session, response)
        raise
    return df, meta


def forget(session: requests.Session, response: requests.Response) -> None:
    """Remove ``response`` from the session's cache (a rejected answer is never replayed)."""
    key = getattr(response, "cache_key", None)
    cache = getattr(session, "cache", None)
    if key and cache is not None:
        cache.delete(key)


def span(zone: str, a: pd.Timestamp | None = None, b: pd.Timestamp | None = None) -> str:
    """``"zone Z, A to B"`` for messages."""
    if a is None or b is None:
        return f"zone {zone}"
    return f"zone {zone}, {a.isoformat()} to {b.isoformat()}"


def require_key(value: str | None, env: str, provider: str, what: str, how: str) -> str:
    """The credential ``value`` or the environment variable ``env``, registered for
    masking; missing is a :class:`~fairwatt.errors.DataUnavailableError` ("<provider>: no
    <what>", hint "set <env> (<how>)")."""
    key = value or os.environ.get(env, "").strip()
    if not key:
        raise DataUnavailableError(f"{provider}: no {what}", hint=f"set {env} ({how})")
    register_secret(key)
    return key


def key_or_offline(
    session: requests.Session, value: str | None, env: str, resolve: Callable[[str | None], str]
) -> str:
    """The key to send: ``resolve(value)``, or a placeholder offline when no key is set."""
    if session_info(session).offline and not (value or os.environ.get(env)):
        return "offline"  # the cache key never includes the key; nothing is sent
    return resolve(value)


def chunked_range(
    start: Any, end: Any, span: timedelta
) -> tuple[pd.Timestamp, pd.Timestamp, Chunks]:
    """``[start, end)`` widened to whole UTC hours, and its pieces no longer than ``span``."""
    s, e = c.hour_range(start, end)
    return s, e, list(c.chunks(s, e, span))


def each_chunk(
    pieces: Chunks, progress: c.Progress | None
) -> Iterator[tuple[pd.Timestamp, pd.Timestamp]]:
    """The pieces, one by one; ``progress(done, total)`` is called after each is handled."""
    for i, (a, b) in enumerate(pieces, 1):
        yield a, b
        if progress:
            progress(i, len(pieces))


def expire(end: pd.Timestamp | None) -> int:
    """Cache freshness [s] of an answer covering data up to ``end`` (see
    :func:`~fairwatt.providers.http_cache.expiry_for`)."""
    return expiry_for(end.to_pydatetime() if end is not None else None)


@dataclass(frozen=True)
class ProviderApi:
    """One provider's name and credentials, for :func:`~fairwatt.providers.session.send`."""

    provider: str
    auth: Auth

    def get(
        self, session: requests.Session, url: str, end: pd.Timestamp | None, **kwargs: Any
    ) -> requests.Response:
        """:func:`~fairwatt.providers.session.send` for data up to ``end`` (which sets how
        long the answer stays fresh in the cache, see :func:`expire`)."""
        return send(
            session,
            url,
            provider=self.provider,
            auth_info=self.auth,
            expire_after=expire(end),
            **kwargs,
        )

    def fetch(
        self,
        session: requests.Session,
        url: str,
        end: pd.Timestamp | None,
        read: Callable[[bytes], Parsed],
        *,
        what: str,
        **kwargs: Any,
    ) -> tuple[pd.DataFrame, dict[str, Any], requests.Response]:
        """:meth:`get`, then :func:`read_answer` of the answer: the parsed table, its
        metadata and the answer."""
        resp = self.get(session, url, end, **kwargs)
        df, meta = read_answer(session, resp, read, provider=self.provider, what=what)
        return df, meta, resp


def within(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The rows of ``df`` whose ``timestamp`` lies in ``[start, end)``."""
    return df[(df["timestamp"] >= start) & (df["timestamp"] < end)]


def combine_long(frames: list[pd.DataFrame], keys: list[str], *, sort: bool = True) -> pd.DataFrame:
    """Concatenate long tables of chunks, later chunks winning on duplicate ``keys``."""
    df = pd.concat(frames, ignore_index=True)
    df = df.drop_duplicates(keys, keep="last")
    if sort:
        df = df.sort_values(keys)
    return df.reset_index(drop=True)


def add_request_meta(
    meta: dict[str, Any],
    responses: list[Any],
    endpoint: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> None:
    """Add the answers' endpoint, retrieval and cache use, then the range, to ``meta``."""
    c.merge_request_meta(meta, responses, endpoint)
    meta.update(start=start.isoformat(), end=end.isoformat())
