"""Process each platform update once, across retries, restarts and workers.

Inserting the update's key is the claim: the unique primary key lets exactly one
worker win, with no read-then-write race.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import ProcessedUpdate, utcnow


class UpdateDeduplicator:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    async def claim(self, channel: str, key: str) -> bool:
        """True the first time ``(channel, key)`` is seen, False for a duplicate."""
        try:
            async with self._sessions() as session, session.begin():
                session.add(ProcessedUpdate(channel=channel, key=key[:128]))
        except IntegrityError:
            return False
        return True

    async def purge(self, older_than: dt.timedelta) -> int:
        """Platforms redeliver for hours, not weeks; old keys can go."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(ProcessedUpdate).where(
                ProcessedUpdate.created_at < utcnow() - older_than))
        return int(result.rowcount or 0)
