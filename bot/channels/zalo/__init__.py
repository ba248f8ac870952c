"""Zalo Bot Platform channel (https://bot.zaloplatforms.com/docs).

``client`` talks HTTP, ``updates`` normalises what arrives, ``render`` turns a reply
into numbered plain text under 2,000 characters, ``channel`` ties them to the turn
pipeline. :func:`build_channel` is what ``bot.server`` calls when ``ZALO_BOT_TOKEN`` is
set; it refuses an unsafe configuration (checks in :mod:`bot.channels.settings`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.settings import ConfigError, zalo_enabled, zalo_problems
from bot.channels.zalo.channel import WEBHOOK_PATH, ZaloChannel
from bot.channels.zalo.client import ZaloApiError, ZaloClient

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.turns.pipeline import TurnPipeline

__all__ = ["WEBHOOK_PATH", "ZaloApiError", "ZaloChannel", "ZaloClient", "build_channel"]


def build_channel(settings: Settings, pipeline: TurnPipeline) -> ZaloChannel:
    """The Zalo channel; :class:`ConfigError` lists every configuration problem."""
    problems = zalo_problems(settings)
    if not zalo_enabled(settings):
        problems.insert(0, "ZALO_BOT_TOKEN is not set")
    if problems:
        raise ConfigError("Zalo channel not started: " + "; ".join(problems))
    assert settings.zalo_bot_token is not None
    token = settings.zalo_bot_token.get_secret_value().strip()
    client = ZaloClient(token, base_url=settings.zalo_api_base_url)
    secret = settings.zalo_webhook_secret
    url = settings.webhook_base_url.rstrip("/") + WEBHOOK_PATH if \
        settings.zalo_mode == "webhook" else None
    return ZaloChannel(pipeline, client, salt=settings.salt(), mode=settings.zalo_mode,
                       webhook_url=url,
                       webhook_secret=secret.get_secret_value() if secret else None)
