"""The demand figures the weekly report and the staff pages read, on both backends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.demand import DemandFigures
from bot.storage.demo_data import DEMO_SOURCE, DEMO_USER_PREFIX
from bot.storage.models import Event, Feedback, Followup, Triage, UptakeFigure
from bot.storage.uptake import StoredFigure

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def event(id: str, at: dt.datetime, *, decision: str = "answer", topic: str | None = "khai-sinh",
          demo: bool = False, text: str | None = "hỏi", candidates: list | None = None) -> Event:
    return Event(id=id, created_at=at, channel="zalo", user_key=f"u-{id}", kind="text",
                 decision=decision, topic_id=topic, score=0.5, text_redacted=text,
                 text_normalized=text, candidates=candidates or [], demo=demo)


def followup(id: int, event_id: str | None, answered_at: dt.datetime | None, *,
             user_key: str = "u1", answer: str | None = "online") -> Followup:
    return Followup(id=id, user_key=user_key, channel="zalo", chat_ref="c", topic_id="khai-sinh",
                    event_id=event_id, state="answered" if answer else "sent", answer=answer,
                    answered_at=answered_at)


def figure(topic: str, start: dt.date, source: str = "portal.csv") -> UptakeFigure:
    return UptakeFigure(topic_id=topic, period_start=start, period_end=start + 29 * DAY,
                        online_count=2, total_count=9, source=source, import_batch="b")


async def add(sessions: async_sessionmaker[AsyncSession], *rows: object) -> None:
    async with sessions() as session, session.begin():
        for row in rows:
            session.add(row)
            await session.flush()


async def test_week_reads_the_range_and_leaves_demo_out(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    suggest = [{"topic": "tam-tru", "score": 0.4}]
    await add(sessions,
              event("before", NOW - 8 * DAY), event("in1", NOW - DAY, topic=None,
                                                    decision="suggest", candidates=suggest),
              event("in2", NOW - DAY + dt.timedelta(hours=1)), event("end", NOW),
              event("demo", NOW - DAY, demo=True),
              Feedback(event_id="in1", helpful=True, created_at=NOW - DAY),
              Feedback(event_id="demo", helpful=False, created_at=NOW - DAY),
              Feedback(event_id="before", helpful=False, created_at=NOW - 8 * DAY),
              followup(1, "in2", NOW - 3 * DAY), followup(2, None, NOW - 40 * DAY, user_key="u2"),
              followup(3, None, NOW - DAY, user_key=f"{DEMO_USER_PREFIX}x"),
              followup(4, "demo", NOW - DAY, user_key="u4"),
              followup(5, None, None, user_key="u5", answer=None),
              figure("khai-sinh", dt.date(2026, 10, 1)),
              figure("ket-hon", dt.date(2026, 10, 1), DEMO_SOURCE),
              figure("khai-sinh", dt.date(2026, 11, 20)))
    figures = DemandFigures(sessions)

    week = await figures.week(NOW - 7 * DAY, NOW, followups_since=NOW - 28 * DAY)
    assert [e.id for e in week.events] == ["in1", "in2"]  # [start, end), oldest first
    first = week.events[0]
    assert (first.decision, first.topic_id, first.candidates) == ("suggest", None, suggest)
    assert [(v.event_id, v.helpful, v.decision, v.candidates) for v in week.votes] == [
        ("in1", True, "suggest", suggest)]
    assert [(f.id, f.event_id, f.answer) for f in week.followups] == [(1, "in2", "online")]
    # Demo figures are returned: the report counts and filters them.
    assert [(u.topic_id, u.period_start, u.period_end, u.online, u.total, u.source)
            for u in week.uptake] == [
        ("khai-sinh", dt.date(2026, 10, 1), dt.date(2026, 10, 30), 2, 9, "portal.csv"),
        ("ket-hon", dt.date(2026, 10, 1), dt.date(2026, 10, 30), 2, 9, DEMO_SOURCE)]
    assert all(isinstance(u, StoredFigure) and u.imported_at for u in week.uptake)
    assert week.demo_events == 1

    with_demo = await figures.week(NOW - 7 * DAY, NOW, followups_since=NOW - 28 * DAY,
                                   include_demo=True)
    assert sorted(e.id for e in with_demo.events) == ["demo", "in1", "in2"]
    assert sorted(v.event_id for v in with_demo.votes) == ["demo", "in1"]
    assert sorted(f.id for f in with_demo.followups) == [1, 3, 4]
    assert with_demo.demo_events == 1
    assert await figures.demo_events() == 1


async def test_asked_per_topic_counts_recent_real_questions(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    await add(sessions, event("a", NOW - DAY), event("b", NOW - 2 * DAY),
              event("c", NOW - DAY, topic="ket-hon"), event("old", NOW - 9 * DAY),
              event("demo", NOW - DAY, demo=True), event("none", NOW - DAY, topic=None))
    counts = await DemandFigures(sessions).asked_per_topic(NOW - 7 * DAY)
    assert counts == {"khai-sinh": 2, "ket-hon": 1}


async def test_unmatched_questions_and_triaged_keys(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    await add(sessions, event("s", NOW - DAY, decision="suggest", text="ly hôn"),
              event("f", NOW - DAY + dt.timedelta(minutes=1), decision="fallback",
                    text="giá vàng"),
              event("a", NOW - DAY, decision="answer"),
              event("purged", NOW - DAY, decision="fallback", text=None),
              event("old", NOW - 9 * DAY, decision="fallback"),
              event("demo", NOW - DAY, decision="fallback", demo=True, text="mẫu"),
              Triage(text_normalized="ly hon", action="example", author="web:lan",
                     source="web"),
              Triage(text_normalized="ly hon", action="example", author="web:an", source="web"))
    figures = DemandFigures(sessions)
    unmatched = await figures.unmatched_since(NOW - 7 * DAY)
    assert [(q.text_redacted, q.decision) for q in unmatched] == [
        ("ly hôn", "suggest"), ("giá vàng", "fallback")]
    with_demo = await figures.unmatched_since(NOW - 7 * DAY, include_demo=True)
    assert "mẫu" in [q.text_redacted for q in with_demo]
    assert await figures.triaged_keys() == {"ly hon"}


def opened(id: str, at: dt.datetime, user: str, topic: str | None = "khai-sinh",
           kind: str = "action") -> Event:
    return Event(id=id, created_at=at, channel="zalo", user_key=user, kind=kind,
                 decision="answer", topic_id=topic, score=0.0, text_redacted=f"topic:{topic}",
                 candidates=[])


async def test_topics_opened_by_a_choice_for_the_users_asked(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    await add(sessions, opened("b", NOW - DAY + dt.timedelta(minutes=2), "u1", "ket-hon"),
              opened("a", NOW - DAY, "u1"),
              opened("typed", NOW - DAY, "u1", kind="text"),  # a typed question, not a pick
              opened("menu", NOW - DAY, "u1", topic=None),  # a menu page, no topic
              opened("other", NOW - DAY, "u2"),
              opened("old", NOW - 9 * DAY, "u1"))
    figures = DemandFigures(sessions)
    got = await figures.topics_opened_since(NOW - 7 * DAY, {"u1", "u3"})
    assert [(o.user_key, o.topic_id) for o in got] == [("u1", "khai-sinh"), ("u1", "ket-hon")]
    assert got[0].created_at < got[1].created_at
    assert await figures.topics_opened_since(NOW - 7 * DAY, set()) == []
