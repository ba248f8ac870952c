"""Per-chat conversation state shared by every worker and kept across restarts.

Zalo has no buttons, so "reply 1, 2 or 3" needs to remember which topics 1–3 were;
a pending question needs to remember what was asked. Small JSON per (channel, user).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import ConversationState, utcnow
from bot.storage.upsert import insert_for


class ConversationStateStore:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    async def get(self, channel: str, user_key: str, *,
                  max_age: dt.timedelta | None = None) -> dict[str, Any] | None:
        """The stored data, or None if absent or older than ``max_age``."""
        async with self._sessions() as session:
            row = await session.get(ConversationState, (channel, user_key))
        if row is None:
            return None
        if max_age is not None and row.updated_at < utcnow() - max_age:
            return None
        return dict(row.data)

    async def put(self, channel: str, user_key: str, data: dict[str, Any]) -> None:
        """Insert or replace in one statement, so two workers racing never conflict."""
        values = {"channel": channel, "user_key": user_key, "data": data,
                  "updated_at": utcnow()}
        async with self._sessions() as session, session.begin():
            stmt = insert_for(session.bind.dialect.name, ConversationState).values(**values)
            await session.execute(stmt.on_conflict_do_update(
                index_elements=["channel", "user_key"],
                set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at}))

    async def delete(self, channel: str, user_key: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(delete(ConversationState).where(
                ConversationState.channel == channel, ConversationState.user_key == user_key))

    async def purge(self, older_than: dt.timedelta) -> int:
        """Remove stale state (a chat abandoned weeks ago); returns the count."""
        cutoff = utcnow() - older_than
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                delete(ConversationState).where(ConversationState.updated_at < cutoff))
        return int(result.rowcount or 0)

