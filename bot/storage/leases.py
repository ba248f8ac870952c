"""Named leases: a scheduled job runs in one worker at a time.

A lease is taken with one conditional statement (insert, or take over an expired
one), so two workers asking at the same moment cannot both get it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import Lease, utcnow


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
            if result.rowcount:
                return True
        try:
            async with self._sessions() as session, session.begin():
                session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
        except IntegrityError:
            return False
        return True

    async def release(self, name: str, holder: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(delete(Lease).where(Lease.name == name,
                                                      Lease.holder == holder))
