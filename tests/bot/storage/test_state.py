"""Conversation state survives a new store (a restart) and upserts on every backend."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import ConversationState, utcnow
from bot.storage.state import ConversationStateStore


async def test_put_get_replace_delete(sessions: async_sessionmaker[AsyncSession]) -> None:
    store = ConversationStateStore(sessions)
    assert await store.get("zalo", "u1") is None
    await store.put("zalo", "u1", {"choices": ["khai-sinh", "tam-tru"]})
    await store.put("zalo", "u2", {"pending": "câu hỏi"})
    await store.put("zalo", "u1", {"choices": ["ket-hon"]})
    again = ConversationStateStore(sessions)  # another worker, or after a restart
    assert await again.get("zalo", "u1") == {"choices": ["ket-hon"]}
    assert await again.get("telegram", "u1") is None
    await again.delete("zalo", "u1")
    assert await store.get("zalo", "u1") is None
    assert await store.get("zalo", "u2") == {"pending": "câu hỏi"}


async def test_concurrent_puts_do_not_conflict(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    store = ConversationStateStore(sessions)
    await asyncio.gather(*(store.put("web", "u", {"n": i}) for i in range(5)))
    assert (await store.get("web", "u") or {}).get("n") in range(5)


async def test_stale_state_is_ignored_and_purged(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    store = ConversationStateStore(sessions)
    await store.put("zalo", "old", {"choices": ["x"]})
    await store.put("zalo", "new", {"choices": ["y"]})
    async with sessions() as session, session.begin():
        await session.execute(update(ConversationState)
                              .where(ConversationState.user_key == "old")
                              .values(updated_at=utcnow() - dt.timedelta(days=2)))
    assert await store.get("zalo", "old", max_age=dt.timedelta(hours=1)) is None
    assert await store.get("zalo", "new", max_age=dt.timedelta(hours=1)) == {"choices": ["y"]}
    assert await store.purge(dt.timedelta(days=1)) == 1
    assert await store.get("zalo", "old") is None
