"""Named leases: a scheduled job runs in one worker at a time.

A lease is taken with one conditional statement (insert, or take over an expired
one), so two workers asking at the same moment cannot both get it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import Lease, utcnow
from bot.storage.rows import affected
from bot.storage.upsert import insert_for


class LeaseManager:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    async def acquire(self, name: str, holder: str, ttl: dt.timedelta, *,
                      now: dt.datetime | None = None, reentrant: bool = True) -> bool:
        """Take ``name`` for ``ttl`` if it is free, expired, or already ours.

        ``reentrant=False`` refuses a lease we hold ourselves too: a claim on a one-off
        piece of work (this week's report) that the same worker must not take twice.
        """
        now = now or utcnow()
        takeable = (Lease.expires_at < now) | (Lease.holder == holder) if reentrant \
            else Lease.expires_at < now
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Lease)
                .where(Lease.name == name, takeable)
                .values(holder=holder, expires_at=now + ttl))
            if affected(result):
                return True
        # Absent: insert. ON CONFLICT rather than catching the error, which PostgreSQL
        # would log as a duplicate-key error at every check of a lease someone holds.
        async with self._sessions() as session, session.begin():
            stmt = insert_for(session.get_bind().dialect.name, Lease).values(
                name=name, holder=holder, expires_at=now + ttl)
            inserted = await session.execute(
                stmt.on_conflict_do_nothing().returning(Lease.name))
            return inserted.first() is not None

    async def release(self, name: str, holder: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(delete(Lease).where(Lease.name == name,
                                                      Lease.holder == holder))
