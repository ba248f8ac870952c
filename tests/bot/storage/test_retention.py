"""Retention removes what citizens wrote after the cut-off and keeps the aggregates."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.events import EventLog, EventRecord
from bot.storage.models import Event, Feedback
from bot.storage.retention import purge_raw_text

NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def at(days_ago: float, name: str) -> EventRecord:
    return EventRecord(channel="zalo", user_key="u1", kind="text", decision="answer",
                       id=name.ljust(32, "0"), created_at=NOW - dt.timedelta(days=days_ago),
                       text_redacted=f"hỏi {name}", text_normalized=f"hoi {name}",
                       topic_id="tam-tru", score=0.9,
                       candidates=[{"topic": "tam-tru", "score": 0.9}])


async def test_purge_nulls_old_text_and_keeps_the_rest(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    log = EventLog(sessions)
    for ev in (at(400, "a"), at(181, "b"), at(179, "c"), at(1, "d")):
        log.record(ev)
    log.record_feedback(at(400, "a").id, True, user_key="u1")
    assert await log.flush()

    assert await purge_raw_text(sessions, 180, now=NOW) == 2
    assert await purge_raw_text(sessions, 180, now=NOW) == 0  # nothing left to purge

    async with sessions() as session:
        rows = {r.id[0]: r for r in await session.scalars(select(Event))}
        votes = (await session.scalars(select(Feedback))).all()
    assert {k: r.text_redacted for k, r in rows.items()} == {
        "a": None, "b": None, "c": "hỏi c", "d": "hỏi d"}
    assert rows["b"].text_normalized is None and rows["c"].text_normalized == "hoi c"
    old = rows["a"]
    assert (old.topic_id, old.decision, old.score, old.candidates) == (
        "tam-tru", "answer", 0.9, [{"topic": "tam-tru", "score": 0.9}])
    assert len(votes) == 1 and votes[0].event_id == old.id


async def test_purge_refuses_a_zero_day_window(
        sqlite_sessions: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await purge_raw_text(sqlite_sessions, 0)
