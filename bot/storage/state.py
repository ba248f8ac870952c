"""Per-chat conversation state shared by every worker and kept across restarts.

Zalo has no buttons, so "reply 1, 2 or 3" needs to remember which topics 1–3 were;
a pending question needs to remember what was asked. Small JSON per (channel, user).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import ConversationState, utcnow
from bot.storage.rows import affected
from bot.storage.transactions import Transactions
from bot.storage.upsert import insert_for, prepared


class ConversationStateStore:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession],
                 transactions: Transactions | None = None) -> None:
        self._sessions = session_factory
        self._tx = transactions or Transactions(session_factory)

    async def recall(self, channel: str, user_key: str, *,
                     max_age: dt.timedelta | None = None) -> dict[str, Any] | None:
        """:meth:`get` as one short transaction (the per-message hot path)."""
        cutoff = utcnow() - max_age if max_age is not None else None
        return await self._tx.run(lambda c: _recall(c, channel, user_key, cutoff))

    async def remember(self, channel: str, user_key: str, data: dict[str, Any]) -> None:
        """:meth:`put` as one short bookkeeping transaction (see ``Transactions``): on
        PostgreSQL it does not wait for the disk flush; a server crash may forget the
        last fraction of a second of it, which for a 30-minute context is harmless."""
        row = {"channel": channel, "user_key": user_key, "data": data, "updated_at": utcnow()}
        await self._tx.run(lambda c: c.execute(_upsert(c), [row]))

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
            stmt = insert_for(session.get_bind().dialect.name, ConversationState).values(**values)
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
        return affected(result)



def _build_upsert(dialect: str) -> Any:
    stmt = insert_for(dialect, ConversationState)
    return stmt.on_conflict_do_update(
        index_elements=["channel", "user_key"],
        set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at})


_upsert = prepared(_build_upsert)


def _recall(connection: Connection, channel: str, user_key: str,
            cutoff: dt.datetime | None) -> dict[str, Any] | None:
    query = select(ConversationState.data).where(ConversationState.channel == channel,
                                                 ConversationState.user_key == user_key)
    if cutoff is not None:
        query = query.where(ConversationState.updated_at >= cutoff)
    data = connection.execute(query).scalar_one_or_none()
    return dict(data) if data is not None else None
