"""Sending campaigns: a background job in every worker, each recipient at most once.

Every few seconds each worker: marks claims left by a dead worker as unknown, starts
approved campaigns whose time has come (one worker wins the conditional update and
fixes the recipient list), then claims small batches of pending recipients and pushes
the announcement through the channel — claim before send, record after send (a
batch's deliveries in one transaction, failures at once), as the follow-ups do. A
worker killed between the two leaves its batch claimed; after
``STALE_CLAIM`` it becomes "unknown" and is never resent (a repeated announcement
costs trust, a missing one only reach; the campaign page shows the unknown count).

Throttling is per platform and per worker (the configured rate divided by the number
of workers): ``aiolimiter`` spaces the pushes; a platform "slow down" the channel could
not absorb (:class:`~bot.ports.SendLater`) puts the unsent rest of the batch back and
pauses that platform for ``retry_after``. A chat the platform calls unreachable
(:class:`~bot.ports.RecipientGone`, e.g. Telegram's "bot was blocked") is recorded as
failed and its subscription ends. Pause and cancel take effect at the next batch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from aiolimiter import AsyncLimiter

from bot.ports import Channel, RecipientGone, SendLater
from bot.storage import Storage
from bot.storage.outreach import STALE_CLAIM, CampaignInfo, CampaignStatus, Claimed
from bot.storage.outreach import RecipientState as R
from handlers import subscription
from handlers.messages import Reply
from knowledge.service import KnowledgeService

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
BATCH = 50
CONCURRENCY = 8
NO_CHANNEL = "channel not enabled"


def announcement_for(info: CampaignInfo, knowledge: KnowledgeService) -> Reply:
    """The campaign as citizens receive it (also what the staff preview renders)."""
    topic = knowledge.current.kb.topic(info.topic_id) if info.topic_id else None
    return subscription.announcement(info.body, info.id, topic.id if topic else None,
                                     topic.title if topic else None)


class CampaignSender:
    def __init__(self, storage: Storage, channels: Mapping[str, Channel],
                 knowledge: KnowledgeService, *, rates: Mapping[str, float] | None = None,
                 batch: int = BATCH, concurrency: int = CONCURRENCY,
                 stale_after: dt.timedelta = STALE_CLAIM) -> None:
        self.storage = storage
        self.channels = channels
        self.knowledge = knowledge
        self.batch = batch
        self.concurrency = concurrency
        self.stale_after = stale_after
        # One message per 1/rate seconds, no bursts (and rates under 1/s work).
        self._limiters = {name: AsyncLimiter(1, 1 / rate) for name, rate in (rates or {}).items()
                          if rate > 0}
        self._paused_until: dict[str, float] = {}

    @classmethod
    def for_runtime(cls, runtime: Runtime, storage: Storage) -> CampaignSender:
        settings = runtime.settings
        share = max(1, settings.workers)
        rates = {"telegram": settings.outreach_telegram_rate / share,
                 "zalo": settings.outreach_zalo_rate / share}
        return cls(storage, runtime.channels, runtime.knowledge, rates=rates)

    async def run_once(self) -> int:
        """One round: recover, start what is due, send what is pending; how many
        recipients this worker handled."""
        campaigns = self.storage.campaigns
        lost = await campaigns.expire_claims(older_than=self.stale_after)
        if lost:
            log.warning("outreach: %d claims of a stopped worker marked unknown (not resent)",
                        lost)
        handled = 0
        for campaign_id in await campaigns.due():
            info = await campaigns.get(campaign_id)
            if info is None:
                continue
            if info.status is CampaignStatus.APPROVED:
                count = await campaigns.start(campaign_id)
                if count is not None:
                    log.info("outreach: campaign %d started, %d in the audience",
                             campaign_id, count)
            handled += await self.send(campaign_id)
        return handled

    async def send(self, campaign_id: int) -> int:
        campaigns = self.storage.campaigns
        info = await campaigns.get(campaign_id)
        if info is None or info.status is not CampaignStatus.SENDING:
            return 0
        reply = announcement_for(info, self.knowledge)
        handled = 0
        for name in await campaigns.pending_channels(campaign_id):
            while True:
                await self._wait_if_paused(name)
                token, batch = await campaigns.claim(campaign_id, name, self.batch)
                if not batch:
                    break
                handled += await self._send_batch(name, token, batch, reply)
        await campaigns.finish_if_complete(campaign_id)
        return handled

    async def _send_batch(self, name: str, token: str, batch: list[Claimed],
                          reply: Reply) -> int:
        channel = self.channels.get(name)
        campaigns = self.storage.campaigns
        if channel is None:  # every worker runs the same channels: none can send these
            for item in batch:
                await campaigns.record(token, item.id, R.FAILED, error=NO_CHANNEL)
            return len(batch)
        deadline = time.monotonic() + self.stale_after.total_seconds() / 2
        gate = asyncio.Semaphore(self.concurrency)
        unsent: list[int] = []
        delivered: list[int] = []

        async def one(item: Claimed) -> None:
            async with gate:
                if self._paused(name) or time.monotonic() > deadline:
                    unsent.append(item.id)  # certainly not sent: give it back
                    return
                if await self._push(name, channel, token, item, reply, unsent):
                    delivered.append(item.id)

        try:
            await asyncio.gather(*(one(item) for item in batch))
        finally:  # recorded even when the worker is being stopped
            await asyncio.shield(self._settle(token, delivered, unsent))
        return len(batch) - len(unsent)

    async def _settle(self, token: str, delivered: list[int], unsent: list[int]) -> None:
        await self.storage.campaigns.record_delivered(token, delivered)
        await self.storage.campaigns.release(token, unsent)

    async def _push(self, name: str, channel: Channel, token: str, item: Claimed,
                    reply: Reply, unsent: list[int]) -> bool:
        """True when delivered; failures are recorded here, at once."""
        campaigns = self.storage.campaigns
        limiter = self._limiters.get(name)
        if limiter is not None:
            await limiter.acquire()
        try:
            await channel.push(item.chat_ref, reply)
        except SendLater as exc:
            log.warning("outreach: %s asks to wait %.1f s", name, exc.retry_after)
            self._paused_until[name] = max(self._paused_until.get(name, 0.0),
                                           time.monotonic() + exc.retry_after)
            unsent.append(item.id)
            return False
        except RecipientGone as exc:
            await campaigns.record(token, item.id, R.FAILED, error=f"unreachable: {exc}")
            await self.storage.subscriptions.stop_chat(name, item.chat_ref, "blocked")
            return False
        except Exception as exc:
            log.info("outreach: one %s recipient failed (%s)", name, type(exc).__name__)
            await campaigns.record(token, item.id, R.FAILED, error=type(exc).__name__)
            return False
        return True

    def _paused(self, name: str) -> bool:
        return self._paused_until.get(name, 0.0) > time.monotonic()

    async def _wait_if_paused(self, name: str, clock: Callable[[], float] = time.monotonic
                              ) -> None:
        remaining = self._paused_until.get(name, 0.0) - clock()
        if remaining > 0:
            await asyncio.sleep(remaining)
