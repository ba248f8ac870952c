"""Zalo Bot Platform channel (https://bot.zaloplatforms.com/docs).

``client`` talks HTTP, ``updates`` normalises what arrives, ``render`` turns a reply
into numbered plain text under 2,000 characters, ``channel`` ties them to the
assistant. :func:`build_channel` is what ``bot.server`` calls when
``ZALO_BOT_TOKEN`` is set; it refuses an unsafe webhook configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.channels.zalo.channel import WEBHOOK_PATH, ZaloChannel
from bot.channels.zalo.client import ZaloApiError, ZaloClient

if TYPE_CHECKING:
    from bot.assistant import Assistant
    from bot.config import Settings

__all__ = ["WEBHOOK_PATH", "ZaloApiError", "ZaloChannel", "ZaloClient", "build_channel",
           "check_settings", "zalo_enabled"]

MIN_SECRET_CHARS = 16  # Zalo accepts 8; a webhook guard deserves more
MAX_SECRET_CHARS = 256
MIN_DISTINCT_CHARS = 8


def zalo_enabled(settings: Settings) -> bool:
    token = settings.zalo_bot_token
    return token is not None and bool(token.get_secret_value().strip())


def check_settings(settings: Settings) -> list[str]:
    """Everything wrong with the Zalo configuration, as sentences for the operator."""
    problems: list[str] = []
    if not zalo_enabled(settings):
        return problems
    if ":" not in settings.zalo_bot_token.get_secret_value():  # type: ignore[union-attr]
        problems.append("ZALO_BOT_TOKEN does not look like a Zalo bot token (<id>:<secret>)")
    if not settings.zalo_api_base_url.startswith(("https://", "http://")):
        problems.append("ZALO_API_BASE_URL must be an http(s) URL")
    if settings.zalo_mode != "webhook":
        return problems
    secret = settings.zalo_webhook_secret.get_secret_value() if \
        settings.zalo_webhook_secret else ""
    if not secret:
        problems.append("ZALO_MODE=webhook needs ZALO_WEBHOOK_SECRET (16–256 random "
                        "characters, e.g. `python -c 'import secrets; "
                        "print(secrets.token_urlsafe(32))'`)")
    elif not MIN_SECRET_CHARS <= len(secret) <= MAX_SECRET_CHARS or \
            len(set(secret)) < MIN_DISTINCT_CHARS or "change_me" in secret.lower():
        problems.append("ZALO_WEBHOOK_SECRET is weak: use 16–256 random characters")
    if not settings.webhook_base_url.startswith("https://"):
        problems.append("ZALO_MODE=webhook needs WEBHOOK_BASE_URL, the public https:// "
                        "address of this server (Zalo only calls HTTPS webhooks)")
    return problems


def build_channel(settings: Settings, assistant: Assistant, *,
                  handoff: Callable[[], Any] | None = None) -> ZaloChannel:
    """``handoff`` returns the runtime's :class:`bot.handoff.HandoffService` (or None)."""
    # Raises ValueError listing every configuration problem.
    problems = check_settings(settings)
    if not zalo_enabled(settings):
        problems.insert(0, "ZALO_BOT_TOKEN is not set")
    if problems:
        raise ValueError("Zalo channel not started: " + "; ".join(problems))
    token = settings.zalo_bot_token.get_secret_value().strip()  # type: ignore[union-attr]
    client = ZaloClient(token, base_url=settings.zalo_api_base_url)
    secret = settings.zalo_webhook_secret
    url = settings.webhook_base_url.rstrip("/") + WEBHOOK_PATH if \
        settings.zalo_mode == "webhook" else None
    return ZaloChannel(assistant, client, salt=settings.salt(), mode=settings.zalo_mode,
                       webhook_url=url,
                       webhook_secret=secret.get_secret_value() if secret else None,
                       rate_limit_per_minute=settings.rate_limit_per_minute,
                       handoff=handoff)
