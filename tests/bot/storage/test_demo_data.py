"""Removing demo data leaves real data alone, on both backends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.demo_data import DEMO_SOURCE, DEMO_USER_PREFIX, DemoData
from bot.storage.models import Event, Feedback, Followup, UptakeFigure
from tests.bot.storage.test_demand import NOW, add, event, figure, followup


async def count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_clear_removes_only_demo_rows(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add(sessions, event("real", NOW), event("demo1", NOW, demo=True),
              event("demo2", NOW, demo=True),
              Feedback(event_id="real", helpful=True), Feedback(event_id="demo1", helpful=True),
              followup(1, "real", NOW), followup(2, "demo1", NOW, user_key=f"{DEMO_USER_PREFIX}a"),
              figure("khai-sinh", dt.date(2026, 10, 1)),
              figure("ket-hon", dt.date(2026, 10, 1), DEMO_SOURCE))
    demo = DemoData(sessions)
    assert await demo.clear() == 2
    assert [await count(sessions, m) for m in (Event, Feedback, Followup, UptakeFigure)] == [
        1, 1, 1, 1]
    assert await demo.uptake_periods() == {("khai-sinh", dt.date(2026, 10, 1))}
    assert await demo.clear() == 0
