"""Configured secrets never reach a log line, whichever logger writes it.

httpx logs every request URL at INFO, and a Telegram or Zalo Bot API URL carries the
bot token; an exception text or a third-party DEBUG line may carry it too. Rather
than one filter per logger (which misses loggers nobody thought of, and handlers
added later), :func:`scrub_secrets` wraps the log-record factory: every record, of
every logger and level, has its message (with the arguments merged in), exception
text and stack text cleaned when it is created — before any handler, formatter or
test capture sees it. Records are only created for enabled levels, so disabled
DEBUG lines cost nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from bot.config import Settings

MASK = "***"
MIN_SECRET = 8  # shorter values would mask ordinary words; real secrets are far longer
SETTINGS_SECRETS = ("telegram_bot_token", "telegram_webhook_secret", "zalo_bot_token",
                    "zalo_webhook_secret", "staff_session_secret", "pseudonym_salt")

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()
_installed = False


def secrets_of(settings: Settings) -> list[str]:
    """The configured secret values (bot tokens, webhook secrets, keys)."""
    values = []
    for name in SETTINGS_SECRETS:
        secret = getattr(settings, name, None)
        if secret is not None:
            values.append(secret.get_secret_value())
    return values


def scrub(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def scrub_secrets(values: Iterable[str]) -> None:
    """Mask ``values`` (and their URL-encoded forms) in every log record from now on."""
    global _secrets, _installed
    with _lock:
        found = set(_secrets)
        for value in values:
            if value and len(value) >= MIN_SECRET:
                found |= {value, quote(value, safe=""), quote(value)}
        _secrets = tuple(sorted(found, key=len, reverse=True))  # longest first
        if not _installed:
            logging.setLogRecordFactory(_scrubbing(logging.getLogRecordFactory()))
            _installed = True


def _scrubbing(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if _secrets:
            _clean(record)
        return record

    return factory


def _clean(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: logging reports it later; mask what we can
        message = f"{record.msg} {record.args}"
    record.msg, record.args = scrub(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = scrub(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
