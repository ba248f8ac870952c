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


async def test_recall_and_remember_batched_per_chat(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    """The per-turn context path: many chats at once share transactions, yet each chat
    gets its own row back, a chat written twice in one batch keeps the later write, and
    another store (another worker) reads what was written."""
    store = ConversationStateStore(sessions)
    chats = [f"c{i}" for i in range(30)]
    await asyncio.gather(*(store.remember("ctx:web", chat, {"topic": chat}) for chat in chats),
                         store.remember("ctx:zalo", "c0", {"topic": "first"}),
                         store.remember("ctx:zalo", "c0", {"topic": "second"}))
    other = ConversationStateStore(sessions)
    found = await asyncio.gather(*(other.recall("ctx:web", chat) for chat in chats),
                                 other.recall("ctx:zalo", "c0"), other.recall("ctx:zalo", "c1"),
                                 other.recall("ctx:web", "nobody"))
    assert found[:30] == [{"topic": chat} for chat in chats]
    assert found[30:] == [{"topic": "second"}, None, None]
    async with sessions() as session, session.begin():
        await session.execute(update(ConversationState)
                              .where(ConversationState.user_key == "c1")
                              .values(updated_at=utcnow() - dt.timedelta(minutes=31)))
    ttl = dt.timedelta(minutes=30)
    assert await other.recall("ctx:web", "c1", max_age=ttl) is None
    assert await other.recall("ctx:web", "c2", max_age=ttl) == {"topic": "c2"}
