"""Background jobs inside `serve`: retention, follow-ups.

Each job is idempotent or claims its work with a conditional update before
acting, so running the same job in several workers at once does no harm.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

from bot.channels.base import Channel
from bot.storage import Storage
from bot.storage.retention import purge_raw_text
from handlers import followup
from knowledge.service import KnowledgeService

log = logging.getLogger(__name__)
RETENTION_EVERY_S = 6 * 3600
FOLLOWUPS_EVERY_S = 60


async def run_retention(storage: Storage, days: int) -> int:
    removed = await purge_raw_text(storage.sessions, days)
    if removed:
        log.info("retention: removed raw text of %d events older than %d days", removed, days)
    return removed


async def send_due_followups(storage: Storage, channels: Mapping[str, Channel],
                             knowledge: KnowledgeService) -> int:
    """Claim each due follow-up (mark it sent) before pushing, so it goes out once."""
    await storage.followups.expire()
    sent = 0
    for item in await storage.followups.due():
        channel = channels.get(item.channel)
        topic = knowledge.current.kb.topic(item.topic_id)
        if channel is None or topic is None:
            continue
        if not await storage.followups.mark_sent(item.id):
            continue
        try:
            await channel.push(item.chat_ref, followup.question(topic.id, topic.title))
            sent += 1
        except Exception:
            log.exception("follow-up %s could not be delivered on %s", item.id, item.channel)
    return sent


def every(seconds: float, job: Callable[[], Awaitable[object]], name: str) -> asyncio.Task[None]:
    """Run ``job`` now and then every ``seconds``; a failure is logged, not fatal."""

    async def loop() -> None:
        while True:
            try:
                await job()
            except Exception:
                log.exception("job %s failed; retrying later", name)
            await asyncio.sleep(seconds)

    return asyncio.create_task(loop(), name=name)


async def cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
