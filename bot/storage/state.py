"""Per-chat conversation state shared by every worker and kept across restarts.

Zalo has no buttons, so "reply 1, 2 or 3" needs to remember which topics 1–3 were;
a pending question needs to remember what was asked. Small JSON per (channel, user).

The conversation context is read and written on every citizen turn
(:meth:`ConversationStateStore.recall`, :meth:`ConversationStateStore.remember`).
Reads arriving together share one ``SELECT``, writes one upsert
(:mod:`bot.storage.group_commit`): one transaction each per turn cost more than the
rest of the turn's database work together (``bench/throughput.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.group_commit import GroupCommit
from bot.storage.models import ConversationState, utcnow
from bot.storage.rows import affected
from bot.storage.transactions import Transactions
from bot.storage.upsert import insert_for, prepared

Key = tuple[str, str]
Stored = tuple[dict[str, Any], dt.datetime]  # data, updated_at


class ConversationStateStore:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession],
                 transactions: Transactions | None = None) -> None:
        self._sessions = session_factory
        self._tx = transactions or Transactions(session_factory)
        self._recalls: GroupCommit[Key, Stored | None] = GroupCommit(self._recall_many)
        self._remembers: GroupCommit[dict[str, Any], None] = GroupCommit(self._remember_many)

    async def recall(self, channel: str, user_key: str, *,
                     max_age: dt.timedelta | None = None) -> dict[str, Any] | None:
        """:meth:`get` for the per-message hot path: reads arriving together share one
        short transaction. Raises when the database is away (``Unavailable`` for a few
        seconds after a failure)."""
        found = await self._recalls.submit((channel, user_key))
        if found is None:
            return None
        data, updated_at = found
        if max_age is not None and updated_at < utcnow() - max_age:
            return None
        return dict(data)

    async def remember(self, channel: str, user_key: str, data: dict[str, Any]) -> None:
        """:meth:`put` for the per-message hot path: writes arriving together share one
        short bookkeeping transaction (see ``Transactions``). On PostgreSQL it does not
        wait for the disk flush; a server crash may forget the last fraction of a
        second of it, which for a 30-minute context is harmless."""
        await self._remembers.submit({"channel": channel, "user_key": user_key,
                                      "data": data, "updated_at": utcnow()})

    async def _recall_many(self, keys: list[Key]) -> list[Stored | None]:
        found = await self._tx.run(lambda c: _read_many(c, keys))
        return [found.get(key) for key in keys]

    async def _remember_many(self, rows: list[dict[str, Any]]) -> list[None]:
        # One row per chat, the last written: a statement may not upsert a row twice.
        latest = {(row["channel"], row["user_key"]): row for row in rows}
        await self._tx.run(lambda c: c.execute(_upsert(c), list(latest.values())))
        return [None] * len(rows)

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


_table = ConversationState.__table__
# Built once (a select built per call costs more than the SQL); the pairs are matched
# exactly below, the two IN lists only narrow the primary-key lookup.
_READ_MANY = select(_table.c.channel, _table.c.user_key, _table.c.data, _table.c.updated_at
                    ).where(_table.c.channel.in_(bindparam("channels", expanding=True)),
                            _table.c.user_key.in_(bindparam("users", expanding=True)))


def _read_many(connection: Connection, keys: list[Key]) -> dict[Key, Stored]:
    wanted = set(keys)
    rows = connection.execute(_READ_MANY, {"channels": sorted({c for c, _ in wanted}),
                                           "users": sorted({u for _, u in wanted})})
    return {(channel, user): (data, updated_at) for channel, user, data, updated_at in rows
            if (channel, user) in wanted}
