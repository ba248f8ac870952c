"""Retention: forget what citizens wrote after ``RETENTION_DAYS``, keep the counts.

Even redacted, free text can identify someone ("con tôi học lớp 3 trường X"), so it
is only kept as long as it helps fill knowledge gaps. Topic, decision, score and time
stay, which is all the weekly aggregates need.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import Event, utcnow


async def purge_raw_text(session_factory: async_sessionmaker[AsyncSession],
                         older_than_days: int, *, now: dt.datetime | None = None) -> int:
    """Null ``text_redacted``/``text_normalized`` of events older than the cut-off.

    Returns how many events had text removed (already-purged rows are not counted,
    so a second run reports 0).
    """
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = (now or utcnow()) - dt.timedelta(days=older_than_days)
    stmt = (update(Event)
            .where(Event.created_at < cutoff,
                   or_(Event.text_redacted.is_not(None), Event.text_normalized.is_not(None)))
            .values(text_redacted=None, text_normalized=None)
            .execution_options(synchronize_session=False))
    async with session_factory() as session, session.begin():
        result = await session.execute(stmt)
    return int(result.rowcount or 0)
