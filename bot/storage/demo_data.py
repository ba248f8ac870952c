"""How demo data (``citizen-bot demo-data``) is marked, and removing it again.

Demo rows live in the real tables so the real code paths produce them; these marks
are what keeps them apart from real data: demo events have ``demo = true`` (their
votes hang off them), demo users' keys start with :data:`DEMO_USER_PREFIX` (real
ones are 20 hex digits) and demo uptake figures have the source :data:`DEMO_SOURCE`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import Event, Feedback, Followup, UptakeFigure
from bot.storage.rows import affected

DEMO_SOURCE = "demo-data"  # uptake_figures.source of the demo figures
DEMO_USER_PREFIX = "demo-"  # user keys of demo users (real ones are 20 hex digits)


class DemoData:
    """The demo seeder's own reads and deletes; every other write goes the real way."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    async def clear(self) -> int:
        """Remove demo events, their votes, demo follow-ups and figures; events removed."""
        async with self._sessions() as session, session.begin():
            demo_ids = select(Event.id).where(Event.demo.is_(True))
            await session.execute(delete(Feedback).where(Feedback.event_id.in_(demo_ids)))
            await session.execute(delete(Followup).where(
                Followup.user_key.startswith(DEMO_USER_PREFIX)))
            await session.execute(delete(UptakeFigure).where(UptakeFigure.source == DEMO_SOURCE))
            result = await session.execute(delete(Event).where(Event.demo.is_(True)))
        return affected(result)

    async def uptake_periods(self) -> set[tuple[str, dt.date]]:
        """(topic, period start) of every uptake figure stored, real or demo.

        The seeder adds a demo figure only where none exists, so real figures win.
        """
        async with self._sessions() as session:
            rows = (await session.execute(
                select(UptakeFigure.topic_id, UptakeFigure.period_start))).all()
        return {(topic, start) for topic, start in rows}
