"""Retention also forgets the question text of old handoff cases; the cases stay."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.events import EventLog, EventRecord
from bot.storage.models import Event, HandoffCase, HandoffLink
from bot.storage.retention import Purged, purge_old_text, purge_raw_text

NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def case(days_ago: float, n: int) -> HandoffCase:
    created = NOW - dt.timedelta(days=days_ago)
    return HandoffCase(case_no=f"HS-{n:04d}", channel="telegram", user_key=f"u{n}",
                       chat_ref=str(500 + n), topic_id="khai-sinh",
                       question_redacted=f"khai sinh cho con số {n}", status="answered",
                       created_at=created, updated_at=created + dt.timedelta(days=1))


async def add_cases(sessions: async_sessionmaker[AsyncSession], *ages: float) -> None:
    async with sessions() as session, session.begin():
        for n, days_ago in enumerate(ages, start=1):
            row = case(days_ago, n)
            session.add(row)
            await session.flush()
            session.add(HandoffLink(staff_channel="telegram", staff_chat="-100",
                                    staff_message=str(n), case_id=row.id))


async def cases(sessions: async_sessionmaker[AsyncSession]) -> dict[str, HandoffCase]:
    async with sessions() as session:
        return {c.case_no: c for c in await session.scalars(select(HandoffCase))}


async def test_old_handoff_questions_are_nulled_and_the_cases_kept(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_cases(sessions, 400, 181, 179, 1)
    before = await cases(sessions)

    assert await purge_old_text(sessions, 180, now=NOW) == Purged(events=0, handoff_cases=2)
    assert await purge_old_text(sessions, 180, now=NOW) == Purged()  # nothing left

    after = await cases(sessions)
    assert {k: c.question_redacted for k, c in after.items()} == {
        "HS-0001": None, "HS-0002": None,
        "HS-0003": "khai sinh cho con số 3", "HS-0004": "khai sinh cho con số 4"}
    for key, old in before.items():  # everything but the text is untouched
        new = after[key]
        assert (new.id, new.channel, new.user_key, new.chat_ref, new.topic_id, new.status,
                new.created_at, new.updated_at) == (
            old.id, old.channel, old.user_key, old.chat_ref, old.topic_id, old.status,
            old.created_at, old.updated_at)
    async with sessions() as session:
        links = (await session.scalars(select(HandoffLink))).all()
    assert len(links) == 4


async def test_the_retention_command_path_purges_events_and_cases_together(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    """``purge_raw_text`` (what ``citizen-bot retention`` runs) counts events, as before,
    and forgets old handoff questions in the same run."""
    log = EventLog(sessions)
    for name, days_ago in (("a", 200), ("b", 10)):
        log.record(EventRecord(channel="telegram", user_key="u1", kind="text",
                               decision="handoff", id=name.ljust(32, "0"),
                               created_at=NOW - dt.timedelta(days=days_ago),
                               text_redacted=f"hỏi {name}", text_normalized=f"hoi {name}"))
    assert await log.flush()
    await add_cases(sessions, 200, 10)

    assert await purge_raw_text(sessions, 180, now=NOW) == 1

    async with sessions() as session:
        texts = {e.id[0]: e.text_redacted for e in await session.scalars(select(Event))}
    assert texts == {"a": None, "b": "hỏi b"}
    assert {k: c.question_redacted for k, c in (await cases(sessions)).items()} == {
        "HS-0001": None, "HS-0002": "khai sinh cho con số 2"}
