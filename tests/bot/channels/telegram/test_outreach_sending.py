"""Campaigns sent through the real Telegram client to the fake Bot API.

Two workers (two storages and two Telegram channels on one database) send one
campaign; one is killed mid-send (its task cancelled abruptly, as a crash leaves it).
The fake records every sendMessage: nobody gets the announcement twice, nobody held
back gets it, and the dead worker's claimed rows end as "unknown", never resent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.channels.telegram.bot import TelegramChannel
from bot.outreach.sender import CampaignSender
from bot.runtime import Runtime
from bot.storage import Storage
from bot.storage.models import CampaignRecipient, Subscription, utcnow
from bot.storage.outreach import Audience, CampaignDraft, CampaignStatus, SubStatus
from tests.bot.channels.telegram.conftest import tg_settings
from tests.bot.channels.telegram.fake_api import FakeBotAPI

AUDIENCE = 2000
FIRST_CHAT = 300_000


class DiesAfterSending:
    """Worker A's channel: the 200th push reaches Telegram, then the worker hangs until it
    is killed — the worst moment, sent but not yet recorded."""

    name = "telegram"

    def __init__(self, channel: TelegramChannel, after: int = 200) -> None:
        self.channel, self.after, self.pushes = channel, after, 0

    async def push(self, chat_ref: str, reply: Any) -> None:
        self.pushes += 1
        await self.channel.push(chat_ref, reply)
        if self.pushes >= self.after:
            await asyncio.Event().wait()


class Worker:
    def __init__(self, storage: Storage, channel: TelegramChannel, runtime: Runtime) -> None:
        self.storage, self.channel, self.runtime = storage, channel, runtime

    def sender(self, **kw: Any) -> CampaignSender:
        return CampaignSender(self.storage, {"telegram": self.channel}, self.runtime.knowledge,
                              **kw)


@pytest.fixture
async def workers(tmp_path: Path, fake: FakeBotAPI, kb_copy: Path
                  ) -> AsyncIterator[list[Worker]]:
    settings = tg_settings(tmp_path / "data", kb_copy, fake.base_url, telegram_send_rate=0)
    made: list[Worker] = []
    for _ in range(2):
        runtime = Runtime.build(settings)
        storage = await Storage.open(settings)
        channel = TelegramChannel.from_runtime(runtime)
        await channel.application.initialize()
        made.append(Worker(storage, channel, runtime))
    yield made
    for worker in made:
        await worker.channel.application.shutdown()
        await worker.storage.close()


async def subscribe(storage: Storage, count: int) -> None:
    now = utcnow()
    rows = [{"channel": "telegram", "user_key": f"k{i}", "chat_ref": str(FIRST_CHAT + i),
             "status": SubStatus.ACTIVE.value, "created_at": now, "updated_at": now}
            for i in range(count)]
    async with storage.sessions() as session, session.begin():
        await session.execute(insert(Subscription), rows)


async def approved_campaign(storage: Storage, *, holdback: int = 10,
                            topic: str | None = "khai-sinh") -> int:
    draft = CampaignDraft("Khai sinh trực tuyến", "Từ tuần này xã nhận hồ sơ khai sinh "
                          "trực tuyến.", topic, Audience.ALL, holdback_pct=holdback)
    info = await storage.campaigns.create(draft, "editor")
    assert await storage.campaigns.move(info.id, "submit")
    assert await storage.campaigns.move(info.id, "approve", by="reviewer")
    return info.id


async def states(storage: Storage, campaign: int) -> dict[str, str]:
    async with storage.sessions() as session:
        rows = (await session.execute(
            select(CampaignRecipient.chat_ref, CampaignRecipient.state)
            .where(CampaignRecipient.campaign_id == campaign))).all()
    return dict(rows)


def sent_chats(fake: FakeBotAPI) -> Counter[str]:
    return Counter(str(call.chat_id) for call in fake.sent("sendMessage"))


async def test_two_workers_and_a_killed_one_send_each_recipient_at_most_once(
        workers: list[Worker], fake: FakeBotAPI) -> None:
    a, b = workers
    await subscribe(a.storage, AUDIENCE)
    campaign = await approved_campaign(a.storage)
    dying = DiesAfterSending(a.channel)
    sender_a = CampaignSender(a.storage, {"telegram": dying}, a.runtime.knowledge, batch=40)
    task_a = asyncio.create_task(sender_a.run_once())
    task_b = asyncio.create_task(b.sender(batch=40).run_once())
    await fake.wait_for(lambda _: dying.pushes >= dying.after, within=60)
    await asyncio.sleep(0.2)  # the rest of A's batch is stuck behind the hung push
    task_a.cancel()  # the crash: claimed rows of its batch stay claimed
    with pytest.raises(asyncio.CancelledError):
        await task_a
    await asyncio.wait_for(task_b, timeout=120)

    recovery = b.sender(stale_after=dt.timedelta(0))  # as if the claim lease had run out
    await recovery.run_once()
    rows = await states(b.storage, campaign)
    got = sent_chats(fake)
    held = {chat for chat, state in rows.items() if state == "held"}
    delivered = {chat for chat, state in rows.items() if state == "delivered"}
    unknown = {chat for chat, state in rows.items() if state == "unknown"}

    assert max(got.values()) == 1  # nobody twice
    assert not held & set(got)  # nobody held back
    assert len(held) == AUDIENCE // 10
    assert delivered <= set(got)
    assert set(got) - delivered <= unknown  # a message whose outcome was lost is "unknown"
    assert len(delivered) + len(unknown) == AUDIENCE - len(held)
    assert 0 < len(unknown) <= 40  # at most the killed worker's batch in flight
    assert len(set(got) & unknown) >= 1  # sent, outcome lost: still not sent again
    info = await b.storage.campaigns.get(campaign)
    assert info is not None and info.status is CampaignStatus.DONE
    text = fake.sent("sendMessage")[0]
    assert "khai sinh" in text.text.lower()
    assert any(data == f"cp:{campaign}:khai-sinh" for _, data in text.buttons)


async def test_429_retry_after_is_honoured_and_nothing_is_sent_twice(
        workers: list[Worker], fake: FakeBotAPI) -> None:
    worker = workers[0]
    await subscribe(worker.storage, 3)
    campaign = await approved_campaign(worker.storage, holdback=0)
    # More 429s than the client's own retries: the sender itself must wait and resend.
    fake.fail("sendMessage", retry_after=1, times=4)
    await asyncio.wait_for(worker.sender(concurrency=1).run_once(), timeout=30)
    attempts = [c.at for c in fake.sent("sendMessage")]
    assert len(attempts) == 4 + 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    assert all(gap >= 0.95 for gap in gaps[:4])  # each 429 waited its retry_after
    assert sorted(sent_chats(fake).values()) == [1, 1, 5]  # 4 refusals + 1 delivery
    assert set((await states(worker.storage, campaign)).values()) == {"delivered"}


async def test_a_user_who_blocked_the_bot_is_unsubscribed(
        workers: list[Worker], fake: FakeBotAPI) -> None:
    worker = workers[0]
    await subscribe(worker.storage, 3)
    blocked = FIRST_CHAT + 1
    fake.blocked.add(blocked)
    campaign = await approved_campaign(worker.storage, holdback=0)
    await worker.sender().run_once()
    rows = await states(worker.storage, campaign)
    assert rows[str(blocked)] == "failed"
    assert [s for chat, s in rows.items() if chat != str(blocked)] == ["delivered"] * 2
    sub = await worker.storage.subscriptions.get("telegram", "k1")
    assert sub is not None and sub.status is SubStatus.STOPPED
    # The next campaign does not even try.
    fake.reset()
    await approved_campaign(worker.storage, holdback=0)
    await worker.sender().run_once()
    assert set(sent_chats(fake)) == {str(FIRST_CHAT), str(FIRST_CHAT + 2)}
