"""Background jobs inside `serve`: retention, follow-ups.

Each job is idempotent or claims its work with a conditional update before
acting, so running the same job in several workers at once does no harm.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping

from bot.ports import Channel
from bot.storage import Storage
from bot.storage.retention import purge_old_text
from handlers import followup
from knowledge.service import KnowledgeService

log = logging.getLogger(__name__)
RETENTION_EVERY_S = 6 * 3600
FOLLOWUPS_EVERY_S = 60
HOUSEKEEPING_EVERY_S = 600
CAMPAIGNS_EVERY_S = 5  # due campaigns are started and sent by every worker
STOP_GRACE_S = 2.0  # how long shutdown waits for a job's run in progress
# Telegram retries a webhook for up to a day; a week of claims covers any redelivery.
KEEP_UPDATE_KEYS = dt.timedelta(days=7)


async def run_retention(storage: Storage, days: int) -> int:
    """Null the raw question text of events and handoff cases older than ``days``;
    how many rows lost their text."""
    purged = await purge_old_text(storage.sessions, days)
    if purged.total:
        log.info("retention: removed raw text of %d events and %d handoff cases older than "
                 "%d days", purged.events, purged.handoff_cases, days)
    return purged.total


async def housekeeping(storage: Storage) -> int:
    """Drop bookkeeping rows that can no longer matter: claims of updates no platform
    will redeliver, flood counters of senders quiet for an hour."""
    removed = await storage.dedup.purge(KEEP_UPDATE_KEYS)
    removed += await storage.counters.purge()
    if removed:
        log.info("housekeeping: removed %d old update claims and counters", removed)
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
    """Run ``job`` now and then every ``seconds``; a failure is logged, not fatal.

    Cancelling the task (shutdown) lets a run in progress finish for up to
    :data:`STOP_GRACE_S` first: a database call cancelled midway makes SQLAlchemy drop its
    connection, and on SQLite that connection keeps the write lock until it is garbage
    collected, so the next start on the same file waited out the busy timeout.
    """

    async def loop() -> None:
        while True:
            run = asyncio.ensure_future(job())
            try:
                await asyncio.shield(run)
            except asyncio.CancelledError:
                await _finish(run, name)
                raise
            except Exception:
                log.exception("job %s failed; retrying later", name)
            await asyncio.sleep(seconds)

    return asyncio.create_task(loop(), name=name)


async def _finish(run: asyncio.Future[object], name: str) -> None:
    """Wait for a cancelled job's run in progress, then cancel what is left of it."""
    try:
        await asyncio.wait_for(run, STOP_GRACE_S)
    except TimeoutError:
        log.warning("job %s still running at shutdown; cancelled", name)
    except asyncio.CancelledError:
        pass
    except Exception:
        log.exception("job %s failed while stopping", name)


async def cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
