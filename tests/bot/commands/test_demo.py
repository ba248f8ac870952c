"""Demo traffic: through the real assistant and storage, spread over the weeks, all
flagged, deterministic for a seed, and never touching real data."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.commands.demo import clear_demo, generate_demo, noisy
from bot.config import Settings
from bot.reports.from_storage import DEMO_SOURCE, generate_report, load_rows
from bot.reports.model import compute_week, iso_week_bounds
from bot.storage import Storage
from bot.storage.models import Event, Feedback, Followup, UptakeFigure
from knowledge.service import KnowledgeService
from tests.bot.storage.conftest import db_url  # noqa: F401 - SQLite + PostgreSQL fixture

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 11, 26, 15, tzinfo=VN)  # Thursday of 2026-W48
FIRST = dt.datetime(2026, 11, 9, tzinfo=VN)  # Monday of 2026-W46
END = dt.datetime(2026, 11, 23, tzinfo=VN)  # Monday of 2026-W48: nothing from this week
REAL_ID = "r" * 32


@pytest.fixture
async def storage(db_url: str, tmp_path: Path) -> AsyncIterator[Storage]:  # noqa: F811
    opened = await Storage.open(Settings(data_dir=tmp_path), url=db_url)
    yield opened
    await opened.close()


async def add_real(storage: Storage) -> None:
    async with storage.sessions() as session, session.begin():
        session.add(Event(id=REAL_ID, created_at=dt.datetime(2026, 11, 18, 3, tzinfo=dt.UTC),
                          channel="zalo", user_key="a" * 20, kind="text", decision="answer",
                          topic_id="khai-sinh", score=0.9, text_redacted="làm khai sinh"))
        session.add(UptakeFigure(topic_id="khai-sinh", period_start=dt.date(2026, 11, 1),
                                 period_end=dt.date(2026, 11, 30), online_count=7,
                                 total_count=10, source="portal.csv", import_batch="x"))


async def snapshot(storage: Storage) -> Counter:
    async with storage.sessions() as session:
        rows = (await session.execute(
            select(Event.created_at, Event.channel, Event.decision, Event.topic_id,
                   Event.text_redacted).where(Event.demo.is_(True)))).all()
    # Event ids are random (uuid4); a vote's text names its event, so keep "fb:y:" only.
    return Counter((*r[:4], r[4][:5] if r[2] == "feedback" else r[4]) for r in rows)


async def test_demo_goes_through_the_real_path_and_is_all_flagged(
        storage: Storage, knowledge: KnowledgeService):
    await add_real(storage)
    summary = await generate_demo(storage, knowledge, weeks=2, seed=7, per_day=20, now=NOW)
    assert summary.weeks == ("2026-W46", "2026-W47")
    assert (summary.first_day, summary.last_day) == (FIRST.date(), (END - dt.timedelta(1)).date())

    async with storage.sessions() as session:
        events = (await session.scalars(select(Event).where(Event.id != REAL_ID))).all()
        votes = (await session.scalars(select(Feedback))).all()
        followups = (await session.scalars(select(Followup))).all()
        figures = (await session.scalars(select(UptakeFigure))).all()
    assert len(events) == summary.events and all(e.demo for e in events)
    assert all(FIRST <= e.created_at < END for e in events)
    days = Counter(e.created_at.astimezone(VN).date() for e in events)
    assert len(days) == 14  # every day has traffic
    decisions = Counter(e.decision for e in events)
    assert decisions["answer"] > decisions["fallback"] > 0
    assert decisions["suggest"] > 0 and decisions["smalltalk"] > 0
    # A reason after 👎 is a second press on the same vote: one vote, with its reason.
    reasons = [v for v in votes if v.reason]
    assert reasons and all(not v.helpful for v in reasons)
    assert decisions["feedback"] == summary.votes + len(reasons)
    assert summary.votes == len(votes) > 0
    assert sum(decisions[d] for d in ("answer", "suggest", "fallback")) == summary.questions
    # The real matcher decided: answers carry a topic and candidates, fallbacks none.
    assert all(e.topic_id and e.candidates for e in events if e.decision == "answer")
    assert all(e.user_key.startswith("demo-") and len(e.user_key) == 20 for e in events)
    # Redaction ran: a pasted phone number never reaches the database.
    texts = [e.text_redacted or "" for e in events if e.kind == "text"]
    assert not any(re.search(r"\d{9,}", t) for t in texts)
    assert any("[số điện thoại]" in t for t in texts)
    ids = {e.id for e in events}
    assert all(v.event_id in ids and FIRST <= v.created_at < END for v in votes)
    answered = [f for f in followups if f.answer]
    assert len(answered) == summary.followups_answered > 0
    assert all(f.user_key.startswith("demo-") and f.event_id in ids for f in followups)
    assert all(f.answered_at <= NOW and f.answered_at > f.sent_at > f.created_at
               for f in answered)
    assert {f.state for f in followups} >= {"answered", "declined"}
    demo_figures = [f for f in figures if f.source == DEMO_SOURCE]
    assert len(demo_figures) == summary.uptake_rows > 0
    # The real figure for khai-sinh in November was not overwritten.
    assert [(f.online_count, f.source) for f in figures
            if f.topic_id == "khai-sinh" and f.period_start == dt.date(2026, 11, 1)
            ] == [(7, "portal.csv")]

    # A report without demo data sees only the real event; with it, everything.
    start, end = iso_week_bounds("2026-W47")
    real = await load_rows(storage, start, end)
    assert [e.id for e in real.events] == [REAL_ID] and real.demo_events > 0
    with_demo = await load_rows(storage, start, end, include_demo=True)
    assert len(with_demo.events) == summary.events + 1 and with_demo.contains_demo


async def test_same_seed_same_data_and_rerun_replaces(storage: Storage,
                                                      knowledge: KnowledgeService):
    first = await generate_demo(storage, knowledge, weeks=1, seed=3, per_day=15, now=NOW)
    rows = await snapshot(storage)
    again = await generate_demo(storage, knowledge, weeks=1, seed=3, per_day=15, now=NOW)
    assert again.removed == first.events
    assert await snapshot(storage) == rows
    assert (again.events, again.votes, again.followups_answered) == (
        first.events, first.votes, first.followups_answered)
    other = await generate_demo(storage, knowledge, weeks=1, seed=4, per_day=15, now=NOW)
    assert await snapshot(storage) != rows and other.removed == first.events


async def test_clear_demo_keeps_real_data(storage: Storage, knowledge: KnowledgeService):
    await add_real(storage)
    await generate_demo(storage, knowledge, weeks=1, seed=1, per_day=10, now=NOW)
    assert await clear_demo(storage) > 0
    async with storage.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 1
        assert await session.scalar(select(func.count()).select_from(Followup)) == 0
        assert await session.scalar(select(func.count()).select_from(UptakeFigure)) == 1


async def test_four_weeks_are_fast_and_make_a_full_report(tmp_path: Path,
                                                         knowledge: KnowledgeService):
    storage = await Storage.open(Settings(data_dir=tmp_path))
    try:
        started = time.perf_counter()
        summary = await generate_demo(storage, knowledge, weeks=4, seed=1, now=NOW)
        elapsed = time.perf_counter() - started
        paths = await generate_report(storage, knowledge, "2026-W47", tmp_path / "out",
                                      include_demo=True)
    finally:
        await storage.close()
    assert 1000 <= summary.events <= 3000
    assert elapsed < 30, elapsed  # a few seconds on a laptop; generous for busy CI
    md = next(p for p in paths if p.name == "summary.md").read_text(encoding="utf-8")
    for heading in ("Báo cáo dùng dữ liệu mẫu", "Việc nên làm", "Chủ đề được hỏi nhiều nhất",
                    "Câu hỏi chưa trả lời được",
                    "Nơi nhiều người hỏi nhưng ít người làm trực tuyến",
                    "Người dân đã làm thủ tục chưa?", "Đánh giá hữu ích theo chủ đề"):
        assert f"## {heading}" in md, heading


def test_noise_looks_like_citizens_typing():
    import random

    rng = random.Random(5)
    outputs = {noisy(rng, "Làm căn cước cho con ở đâu không được?") for _ in range(200)}
    assert len(outputs) > 20
    assert any("cccd" in o for o in outputs)  # abbreviation
    assert any(o == o.lower() and "cuoc" in o for o in outputs)  # no diacritics
    assert any(o.startswith(("cho em hỏi", "cho em hoi", "ad ơi", "ad oi")) for o in outputs)


async def test_demo_data_and_the_reports_count_the_same_things(
        storage: Storage, knowledge: KnowledgeService):
    """What demo-data says it made is what the weekly reports count: questions and votes
    summed over its weeks, follow-up answers in the last week's 4-week window. (Answers
    given after the demo weeks ended, or votes a few minutes past Sunday midnight, used
    to be counted by demo-data but by no report: 190 said, 171 reported.)"""
    now = dt.datetime(2026, 11, 24, 1, tzinfo=VN)  # early Tuesday: answers due after W47
    summary = await generate_demo(storage, knowledge, weeks=4, seed=5, per_day=25, now=now)
    assert summary.followups_answered > 0 and summary.votes > 0
    questions = votes = followups = 0
    for week in summary.weeks:
        loaded = await load_rows(storage, *iso_week_bounds(week), include_demo=True)
        stats = compute_week(loaded.events, loaded.feedback, loaded.followups, loaded.uptake,
                             [], week)
        questions += stats.questions
        votes += stats.helpful + stats.not_helpful
        followups = sum(stats.followups.values())  # a 4-week window: the last one holds all
    assert (questions, votes, followups) == (summary.questions, summary.votes,
                                             summary.followups_answered)
