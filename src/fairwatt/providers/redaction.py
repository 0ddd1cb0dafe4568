"""Secrets kept out of logs, errors and the HTTP cache.

API keys and tokens (URL parameters and headers listed in :data:`SECRET_PARAMETERS`, and
every value passed to :func:`register_secret`) are masked in every log record of
fairwatt, urllib3, requests and requests-cache and in every error message built by
:func:`fairwatt.providers.session.send`.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import unquote, urlsplit, urlunsplit

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

REDACTED = "***"

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_QUERY_SECRET = re.compile(
    r"(?i)\b(" + "|".join(re.escape(p) for p in SECRET_PARAMETERS) + r")([=:]\s*)([^&\s'\"]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
# user[:password]@ in a URL (a private mirror's address may carry credentials)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#@\s'\"]+@")


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
    text = _USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    return _QUERY_SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """``url`` without ``user:password@`` and the (user, password) it carried, if any; the
    password is registered for masking."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    register_secret(unquote(password))
    register_secret(userinfo)
    return urlunsplit(parts._replace(netloc=hostport)), (unquote(user), unquote(password))


def public_url(url: str) -> str:
    """``url`` as it may be shown or stored: without ``user:password@``."""
    return split_userinfo(url)[0]


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
    names = set(_LOGGER_PREFIXES)
    for name in list(logging.Logger.manager.loggerDict):
        if name.split(".", 1)[0] in _LOGGER_PREFIXES:
            names.add(name)
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
