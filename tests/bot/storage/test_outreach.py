"""Outreach storage on both databases: consent, campaign moves, exactly-once claims, effect."""

from __future__ import annotations

import asyncio
import datetime as dt
import random

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outreach.effect import MIN_GROUP, NOT_ENOUGH, effect_of
from bot.storage.models import Event, Followup
from bot.storage.outreach import (
    Audience,
    CampaignDraft,
    CampaignStatus,
    CampaignStore,
    RecipientState,
    SubscriptionStore,
    SubStatus,
)

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def draft(**kw: object) -> CampaignDraft:
    values: dict[str, object] = {"title": "Đăng ký định danh", "body": "Thứ Bảy xã làm VNeID.",
                                 "topic_id": "dinh-danh-dien-tu", "audience": Audience.ALL,
                                 "holdback_pct": 10}
    values.update(kw)
    return CampaignDraft(**values)  # type: ignore[arg-type]


async def subscribe_many(subs: SubscriptionStore, n: int, *, area: str | None = None,
                         channel: str = "telegram", prefix: str = "u") -> None:
    for i in range(n):
        await subs.subscribe(channel, f"{prefix}{i}", str(1000 + i))
        if area:
            await subs.set_area(channel, f"{prefix}{i}", area)


async def approved(store: CampaignStore, **kw: object) -> int:
    info = await store.create(draft(**kw), "editor")
    assert await store.move(info.id, "submit")
    assert await store.move(info.id, "approve", by="reviewer")
    return info.id


async def test_offer_is_made_once_and_stop_ends_it(sessions: async_sessionmaker[AsyncSession]
                                                   ) -> None:
    subs = SubscriptionStore(sessions)
    assert await subs.offer("zalo", "k1", "c1")
    assert not await subs.offer("zalo", "k1", "c1")  # never asked twice
    await subs.decline("zalo", "k1", "c1")
    assert (await subs.get("zalo", "k1")).status is SubStatus.DECLINED  # type: ignore[union-attr]
    await subs.subscribe("zalo", "k1", "c1")
    assert not await subs.offer("zalo", "k1", "c1")
    assert await subs.set_area("zalo", "k1", "Thôn Nà Pài")
    assert await subs.counts_by_area() == {"Thôn Nà Pài": 1}
    assert await subs.stop("zalo", "k1")
    assert not await subs.stop("zalo", "k1")
    assert await subs.counts_by_area() == {}


async def test_blocked_chat_is_unsubscribed(sessions: async_sessionmaker[AsyncSession]) -> None:
    subs = SubscriptionStore(sessions)
    await subs.subscribe("telegram", "k1", "555")
    await subs.subscribe("zalo", "k2", "555")  # same address on another platform stays
    assert await subs.stop_chat("telegram", "555") == 1
    assert (await subs.get("telegram", "k1")).status is SubStatus.STOPPED  # type: ignore[union-attr]
    assert (await subs.get("zalo", "k2")).status is SubStatus.ACTIVE  # type: ignore[union-attr]


async def test_campaign_moves_are_conditional(sessions: async_sessionmaker[AsyncSession]) -> None:
    store = CampaignStore(sessions)
    info = await store.create(draft(), "editor")
    assert not await store.move(info.id, "approve")  # a draft is not waiting for review
    assert await store.move(info.id, "submit")
    assert not await store.edit(info.id, draft(body="changed"))  # frozen under review
    assert await store.move(info.id, "reject", by="rev")
    assert await store.edit(info.id, draft(body="changed"))
    assert (await store.get(info.id)).status is CampaignStatus.DRAFT  # type: ignore[union-attr]


async def test_audience_by_area_and_by_topic(sessions: async_sessionmaker[AsyncSession]) -> None:
    subs, store = SubscriptionStore(sessions), CampaignStore(sessions)
    await subscribe_many(subs, 3, area="Thôn A", prefix="a")
    await subscribe_many(subs, 2, area="Thôn B", prefix="b")
    await subs.offer("telegram", "never", "9")  # offered, never said yes: not in any audience
    async with sessions() as session, session.begin():
        for key, weeks_ago in (("a0", 1), ("b1", 2), ("a2", 10), ("never", 0)):
            session.add(Event(channel="telegram", user_key=key, kind="text",
                              decision="answer", topic_id="dinh-danh-dien-tu",
                              created_at=NOW - dt.timedelta(weeks=weeks_ago)))
    assert await store.audience_size(draft(), NOW) == 5
    assert await store.audience_size(draft(audience=Audience.AREA, audience_area="Thôn B"),
                                     NOW) == 2
    by_topic = draft(audience=Audience.TOPIC, audience_topic="dinh-danh-dien-tu",
                     audience_weeks=4)
    assert await store.audience_size(by_topic, NOW) == 2  # a0, b1; a2 too long ago


async def test_start_once_and_holdback(sessions: async_sessionmaker[AsyncSession]) -> None:
    subs = SubscriptionStore(sessions)
    store = CampaignStore(sessions, rng=random.Random(7))
    await subscribe_many(subs, 200)
    campaign = await approved(store, holdback_pct=10)
    started = await asyncio.gather(store.start(campaign), CampaignStore(sessions).start(campaign))
    assert sorted(started, key=str) == [200, None]  # one worker fixes the list
    counts = await store.counts(campaign)
    assert counts is not None
    assert counts.state(RecipientState.HELD) == 20
    assert counts.state(RecipientState.PENDING) == 180


async def test_each_recipient_is_claimed_once_and_stale_claims_become_unknown(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    subs, store = SubscriptionStore(sessions), CampaignStore(sessions)
    await subscribe_many(subs, 300)
    campaign = await approved(store, holdback_pct=0)
    await store.start(campaign)
    workers = [CampaignStore(sessions) for _ in range(3)]
    seen: list[int] = []

    async def drain(worker: CampaignStore) -> None:
        while True:
            token, batch = await worker.claim(campaign, "telegram", 25)
            if not batch:
                return
            for item in batch:
                seen.append(item.id)
                await worker.record(token, item.id, RecipientState.DELIVERED)

    await asyncio.gather(*(drain(w) for w in workers))
    assert len(seen) == len(set(seen)) == 300
    assert await store.finish_if_complete(campaign)

    again = await approved(store, holdback_pct=0)
    await store.start(again)
    token, batch = await store.claim(again, "telegram", 10, now=NOW)  # then the worker dies
    assert await store.record(token, batch[0].id, RecipientState.DELIVERED)
    assert await store.expire_claims(now=NOW + dt.timedelta(hours=1)) == 9
    _, more = await store.claim(again, "telegram", 1000)
    assert len(more) == 290  # the unknown ones are never offered again
    counts = await store.counts(again)
    assert counts is not None and counts.state(RecipientState.UNKNOWN) == 9


async def test_paused_campaign_is_not_claimed(sessions: async_sessionmaker[AsyncSession]) -> None:
    subs, store = SubscriptionStore(sessions), CampaignStore(sessions)
    await subscribe_many(subs, 5)
    campaign = await approved(store, holdback_pct=0)
    await store.start(campaign)
    assert await store.move(campaign, "pause")
    assert (await store.claim(campaign, "telegram", 10))[1] == []
    assert await store.move(campaign, "resume")
    assert len((await store.claim(campaign, "telegram", 10))[1]) == 5


async def test_effect_counts_on_a_hand_built_fixture(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    """40 sent to, 10 held back; who asked and who did it online is written by hand."""
    subs = SubscriptionStore(sessions)
    store = CampaignStore(sessions, rng=random.Random(1))
    await subscribe_many(subs, 50)
    campaign = await approved(store, holdback_pct=20)
    await store.start(campaign, now=NOW)
    _, batch = await store.claim(campaign, "telegram", 100)
    token = _
    for index, item in enumerate(batch):
        state = RecipientState.FAILED if index < 2 else RecipientState.DELIVERED
        await store.record(token, item.id, state)
    async with sessions() as session:
        from sqlalchemy import select

        from bot.storage.models import CampaignRecipient
        rows = (await session.execute(select(CampaignRecipient.user_key,
                                             CampaignRecipient.state))).all()
    delivered = [k for k, s in rows if s == "delivered"]
    held = [k for k, s in rows if s == "held"]
    assert (len(delivered), len(held)) == (38, 10)
    async with sessions() as session, session.begin():
        def ask(key: str, when: dt.datetime, kind: str = "text",
                topic: str = "dinh-danh-dien-tu") -> None:
            session.add(Event(channel="telegram", user_key=key, kind=kind, decision="answer",
                              topic_id=topic, created_at=when))
        for key in delivered[:10]:
            ask(key, NOW + DAY)
            ask(key, NOW + 2 * DAY)  # a person counts once
        ask(delivered[10], NOW + 8 * DAY)  # outside the 7 days
        ask(delivered[11], NOW + DAY, kind="action")  # a tap is not a question
        ask(delivered[12], NOW + DAY, topic="khai-sinh")  # another topic
        ask(delivered[13], NOW - DAY)  # before the campaign
        ask(held[0], NOW + 3 * DAY)
        for key in delivered[:6]:
            session.add(Followup(user_key=key, channel="telegram", chat_ref="x",
                                 topic_id="dinh-danh-dien-tu", state="answered",
                                 answer="online", answered_at=NOW + 5 * DAY))
        session.add(Followup(user_key=held[1], channel="telegram", chat_ref="x",
                             topic_id="dinh-danh-dien-tu", state="answered",
                             answer="in_person", answered_at=NOW + 5 * DAY))
    await store.record_tap(campaign, "telegram", delivered[0])
    await store.record_tap(campaign, "telegram", delivered[0])  # counted once
    counts = await store.counts(campaign)
    assert counts is not None
    effect = effect_of(counts)
    assert (effect.sent, effect.delivered, effect.failed, effect.held_back) == (40, 38, 2, 10)
    assert effect.taps == 1
    assert (effect.asked.recipients.count, effect.asked.recipients.size) == (10, 38)
    assert (effect.asked.held_back.count, effect.asked.held_back.size) == (1, 10)
    assert (effect.online.recipients.count, effect.online.held_back.count) == (6, 0)
    assert effect.held_back.__class__ is int and effect.held_back < MIN_GROUP
    assert effect.asked.verdict == NOT_ENOUGH  # 10 held back: too few to conclude


async def test_a_campaign_waits_for_its_time(sessions: async_sessionmaker[AsyncSession]) -> None:
    subs, store = SubscriptionStore(sessions), CampaignStore(sessions)
    await subscribe_many(subs, 2)
    campaign = await approved(store, send_at=NOW + DAY)
    assert await store.due(NOW) == []
    assert await store.start(campaign, NOW) is None
    assert await store.due(NOW + DAY) == [campaign]
    assert await store.start(campaign, NOW + DAY) == 2
