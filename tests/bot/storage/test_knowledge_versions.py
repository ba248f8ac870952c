"""Version listing and "what was live then" for the staff change workflow, both backends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.knowledge import LIVE, PENDING, KnowledgeStore
from bot.storage.models import utcnow


async def add(store: KnowledgeStore, n: int, status: str = LIVE) -> int:
    return await store.add({"n": n}, content_hash=f"h{n}", author="web:lan", source="web",
                           message=f"#{n}", status=status)


async def test_versions_newest_first_filtered_and_paged(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    store = KnowledgeStore(sessions)
    ids = [await add(store, n, PENDING if n % 2 else LIVE) for n in range(5)]
    listed = await store.versions()
    assert [v.id for v in listed] == ids[::-1]
    assert listed[0].message == "#4" and listed[0].author == "web:lan"
    assert [v.id for v in await store.versions(status=PENDING)] == [ids[3], ids[1]]
    assert [v.id for v in await store.versions(limit=2, offset=1)] == [ids[3], ids[2]]
    assert [v.id for v in await store.versions(ids=[ids[0], ids[4]])] == [ids[4], ids[0]]
    assert await store.versions(status=LIVE, ids=[ids[1]]) == []


async def test_live_before_skips_versions_approved_after_the_change(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    store = KnowledgeStore(sessions)
    first = await add(store, 1)
    proposal = await add(store, 2, PENDING)
    change = await add(store, 3, PENDING)
    info = (await store.versions(ids=[change]))[0]
    assert await store.live_before(change, info.created_at) == first
    assert await store.review(proposal, approve=True, reviewer="web:an")  # approved later
    assert await store.live_before(change, info.created_at) == first
    assert await store.live_before(change, utcnow() + dt.timedelta(seconds=1)) == proposal
    assert await store.live_before(first, info.created_at) is None
