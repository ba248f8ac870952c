"""Every channel's configuration checked the same way, before anything starts.

Each check returns the problems as sentences for the operator (never the secret values);
``serve`` refuses to start with all of them listed at once, so an operator fixes the
configuration in one go instead of one error per restart. Pure: no platform library is
imported here.
"""

from __future__ import annotations

import re

from bot.config import Settings

TELEGRAM_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
TELEGRAM_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{32,256}$")
ZALO_MIN_SECRET_CHARS = 16  # Zalo accepts 8; a webhook guard deserves more
ZALO_MAX_SECRET_CHARS = 256
ZALO_MIN_DISTINCT_CHARS = 8


class ConfigError(ValueError):
    """The settings cannot work; ``serve`` refuses to start."""


def _secret(value: object) -> str:
    getter = getattr(value, "get_secret_value", None)
    return getter() if callable(getter) else ""


def shared_problems(settings: Settings) -> list[str]:
    problems: list[str] = []
    for name in ("staff_targets", "admin_ids"):
        try:
            getattr(settings, name)
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def telegram_problems(settings: Settings) -> list[str]:
    if settings.telegram_bot_token is None:
        return []
    problems: list[str] = []
    if not TELEGRAM_TOKEN_RE.match(_secret(settings.telegram_bot_token)):
        problems.append("TELEGRAM_BOT_TOKEN does not look like a BotFather token")
    if not re.match(r"^https?://", settings.telegram_api_base_url):
        problems.append("TELEGRAM_API_BASE_URL must be an http(s) address")
    if settings.telegram_mode == "webhook":
        if not TELEGRAM_SECRET_RE.match(_secret(settings.telegram_webhook_secret)):
            problems.append("TELEGRAM_WEBHOOK_SECRET must be 32-256 characters of "
                            "A-Z a-z 0-9 _ - in webhook mode (e.g. `openssl rand -hex 32`)")
        if not settings.webhook_base_url.startswith("https://"):
            problems.append("WEBHOOK_BASE_URL must be the public https:// address in "
                            "webhook mode")
    return problems


def zalo_enabled(settings: Settings) -> bool:
    return bool(_secret(settings.zalo_bot_token).strip())


def zalo_problems(settings: Settings) -> list[str]:
    if not zalo_enabled(settings):
        return []
    problems: list[str] = []
    if ":" not in _secret(settings.zalo_bot_token):
        problems.append("ZALO_BOT_TOKEN does not look like a Zalo bot token (<id>:<secret>)")
    if not settings.zalo_api_base_url.startswith(("https://", "http://")):
        problems.append("ZALO_API_BASE_URL must be an http(s) URL")
    if settings.zalo_mode != "webhook":
        return problems
    secret = _secret(settings.zalo_webhook_secret)
    if not secret:
        problems.append("ZALO_MODE=webhook needs ZALO_WEBHOOK_SECRET (16–256 random "
                        "characters, e.g. `python -c 'import secrets; "
                        "print(secrets.token_urlsafe(32))'`)")
    elif not ZALO_MIN_SECRET_CHARS <= len(secret) <= ZALO_MAX_SECRET_CHARS or \
            len(set(secret)) < ZALO_MIN_DISTINCT_CHARS or "change_me" in secret.lower():
        problems.append("ZALO_WEBHOOK_SECRET is weak: use 16–256 random characters")
    if not settings.webhook_base_url.startswith("https://"):
        problems.append("ZALO_MODE=webhook needs WEBHOOK_BASE_URL, the public https:// "
                        "address of this server (Zalo only calls HTTPS webhooks)")
    return problems


def channel_problems(settings: Settings) -> list[str]:
    """Everything wrong with the enabled channels' configuration."""
    channels_on = settings.telegram_bot_token is not None or zalo_enabled(settings)
    return [*(shared_problems(settings) if channels_on else []),
            *telegram_problems(settings), *zalo_problems(settings)]
