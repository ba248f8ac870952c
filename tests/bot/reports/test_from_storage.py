"""The report from a real database: the hand-built fortnight (conftest) goes into SQLite
and PostgreSQL and must come back as exactly the same week; demo data only on request;
unanswered groups leave the inbox once triaged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.reports.content import build_document
from bot.reports.from_storage import (
    DEMO_SOURCE,
    commune_label,
    generate_report,
    load_rows,
    period_label,
    unanswered_groups,
)
from bot.reports.model import TopicRow, WeekStats, compute_week, iso_week_bounds
from bot.reports.weeks import period_start
from bot.storage import Storage
from bot.storage.models import Event, Feedback, Followup, UptakeFigure
from knowledge.service import KnowledgeService
from tests.bot.reports.conftest import VN, WEEK, Rows, at
from tests.bot.storage.conftest import db_url  # noqa: F401 - SQLite + PostgreSQL fixture


@pytest.fixture
async def storage(db_url: str, tmp_path: Path) -> AsyncIterator[Storage]:  # noqa: F811
    opened = await Storage.open(Settings(data_dir=tmp_path), url=db_url)
    yield opened
    await opened.close()


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _month_end(start: dt.date) -> dt.date:
    return (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


async def insert_rows(storage: Storage, rows: Rows, *, demo: bool = False) -> dict[int, str]:
    """The conftest rows as database rows; returns the int → uuid map of event ids."""
    ids = {e.id: uuid.uuid4().hex for e in rows.events}
    async with storage.sessions() as session, session.begin():
        for e in rows.events:
            session.add(Event(id=ids[e.id], created_at=_utc(e.created_at), channel=e.channel,
                              user_key=e.user_key, kind="text", decision=e.decision,
                              topic_id=e.topic_id, score=e.score,
                              text_redacted=e.text_redacted,
                              text_normalized=e.text_normalized, demo=demo))
        await session.flush()
        for fb in rows.feedback:
            session.add(Feedback(event_id=ids[fb.event_id], helpful=fb.helpful,
                                 created_at=_utc(fb.created_at)))
        for n, fu in enumerate(rows.followups):
            session.add(Followup(user_key=f"{'demo-' if demo else ''}fu{n}", channel="zalo",
                                 chat_ref="c", topic_id=fu.topic_id,
                                 event_id=ids.get(fu.event_id), state="answered",
                                 created_at=_utc(fu.answered_at), answer=fu.answer,
                                 answered_at=_utc(fu.answered_at)))
        for up in rows.uptake:
            start = period_start(up.period)
            assert start is not None
            session.add(UptakeFigure(topic_id=up.topic_id, period_start=start,
                                     period_end=_month_end(start), online_count=up.online_count,
                                     total_count=up.total_count,
                                     source=DEMO_SOURCE if demo else "portal.csv",
                                     import_batch="b"))
    return ids


async def week_from_db(storage: Storage, rows: Rows, *, include_demo: bool = False
                       ) -> tuple[WeekStats, int]:
    start, end = iso_week_bounds(WEEK)
    loaded = await load_rows(storage, start, end, include_demo=include_demo)
    stats = compute_week(loaded.events, loaded.feedback, loaded.followups, loaded.uptake,
                         rows.topics, WEEK, commune="Xã Thử Nghiệm")
    return stats, loaded.demo_events


async def test_database_round_trip_gives_the_hand_built_week(storage, rows, stats):
    await insert_rows(storage, rows)
    from_db, demo = await week_from_db(storage, rows)
    assert demo == 0
    assert from_db == stats  # every number worked out in conftest, unchanged
    # A few of them spelled out, so a failure reads well.
    assert (from_db.questions, from_db.prev_questions, from_db.people) == (11, 6, 8)
    assert (from_db.helpful, from_db.not_helpful) == (2, 2)
    khai_sinh = next(t for t in from_db.topics if t.topic_id == "khai-sinh")
    assert khai_sinh.followups == {"online": 1, "in_person": 2, "not_yet": 1, "difficulty": 1}
    can_cuoc = next(t for t in from_db.topics if t.topic_id == "can-cuoc")
    assert (can_cuoc.official_online, can_cuoc.official_total,
            can_cuoc.official_period) == (30, 120, "2026-10")


async def test_demo_rows_count_only_when_asked(storage, rows, stats):
    await insert_rows(storage, rows)
    demo_rows = Rows(
        events=[e for e in rows.events if e.created_at.tzinfo is not None][:4],  # 4 answers
        feedback=[], followups=[rows.followups[0]], topics=rows.topics,
        uptake=[dataclasses.replace(rows.uptake[1], period="2026-11", online_count=1,
                                    total_count=2)])
    demo_rows.feedback.append(dataclasses.replace(rows.feedback[0]))
    await insert_rows(storage, demo_rows, demo=True)

    without, demo = await week_from_db(storage, rows)
    assert without == stats and demo == 4

    with_demo, demo = await week_from_db(storage, rows, include_demo=True)
    assert demo == 4
    assert with_demo.questions == stats.questions + 4
    assert with_demo.helpful == stats.helpful + 1
    khai_sinh = next(t for t in with_demo.topics if t.topic_id == "khai-sinh")
    assert khai_sinh.questions == 4 + 4 and khai_sinh.followups["online"] == 2
    can_cuoc = next(t for t in with_demo.topics if t.topic_id == "can-cuoc")
    assert can_cuoc.official_period == "2026-11"  # the demo figure is the latest period


async def test_a_suggestion_counts_for_its_best_candidate(storage):
    when = at(24, 10).astimezone(dt.UTC)
    async with storage.sessions() as session, session.begin():
        session.add(Event(id="s" * 32, created_at=when, channel="web", user_key="u",
                          kind="text", decision="suggest", topic_id=None, score=0.3,
                          candidates=[{"topic": "khai-sinh", "score": 0.3},
                                      {"topic": "ket-hon", "score": 0.2}]))
        await session.flush()
        session.add(Feedback(event_id="s" * 32, helpful=False, created_at=when))
    loaded = await load_rows(storage, *iso_week_bounds(WEEK))
    assert [(e.decision, e.topic_id) for e in loaded.events] == [("suggest", "khai-sinh")]
    assert [(f.topic_id, f.helpful) for f in loaded.feedback] == [("khai-sinh", False)]


@pytest.mark.parametrize(("start", "end", "label"), [
    (dt.date(2026, 11, 1), dt.date(2026, 11, 30), "2026-11"),
    (dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026-Q4"),
    (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026"),
    (dt.date(2026, 11, 9), dt.date(2026, 11, 15), "2026-11-09..2026-11-15"),
])
def test_period_labels_read_back_as_their_start(start, end, label):
    assert period_label(start, end) == label
    assert period_start(label) == start


def test_commune_label():
    assert commune_label("Phủ Thông") == "Xã Phủ Thông"
    assert commune_label("Phường  Bến Thành") == "Phường Bến Thành"
    assert commune_label("xã Cẩm Giàng") == "xã Cẩm Giàng"


# --- generate_report with the real knowledge base ------------------------------------------


async def add_event(storage: Storage, when: dt.datetime, decision: str, topic: str | None,
                    text: str = "câu hỏi", *, demo: bool = False, user: str = "u1",
                    candidates: list[dict] | None = None, normalized: str | None = None) -> str:
    event_id = uuid.uuid4().hex
    async with storage.sessions() as session, session.begin():
        session.add(Event(id=event_id, created_at=when, channel="zalo", user_key=user,
                          kind="text", decision=decision, topic_id=topic, score=0.5,
                          text_redacted=text, text_normalized=normalized or text.lower(),
                          candidates=candidates or [], demo=demo))
    return event_id


async def add_opened(storage: Storage, when: dt.datetime, topic: str, user: str) -> None:
    """A citizen opening a topic by a button or a numbered choice."""
    async with storage.sessions() as session, session.begin():
        session.add(Event(id=uuid.uuid4().hex, created_at=when, channel="zalo", user_key=user,
                          kind="action", decision="answer", topic_id=topic, score=0.0,
                          text_redacted=f"topic:{topic}", candidates=[]))


async def test_generate_report_writes_every_file_and_flags_demo(
        storage, knowledge: KnowledgeService, tmp_path: Path):
    for day in (23, 24, 25):
        await add_event(storage, at(day, 9), "answer", "khai-sinh", user=f"u{day}")
    await add_event(storage, at(26, 9), "fallback", None, "thủ tục ly hôn ở đâu")
    for day in (23, 24):
        await add_event(storage, at(day, 10), "answer", "can-cuoc-cap-moi", demo=True)

    real = await generate_report(storage, knowledge, WEEK, tmp_path / "real")
    md = (tmp_path / "real" / "summary.md").read_text(encoding="utf-8")
    assert {p.name for p in real} == {
        "summary.md", "summary.html", "questions_per_day.png", "top_topics.png",
        "decisions.png", "uptake_gap.png", "topics.csv", "unanswered.csv"}
    assert md.startswith("# Báo cáo tuần 48/2026 — Xã Phủ Thông\n")
    assert "**4** câu hỏi" in md and "DỮ LIỆU MẪU" not in md
    assert "Đăng ký khai sinh (làm giấy khai sinh cho con) — **3** câu (+3)" in md
    assert "“thủ tục ly hôn ở đâu”" in md

    await generate_report(storage, knowledge, WEEK, tmp_path / "demo", include_demo=True)
    md = (tmp_path / "demo" / "summary.md").read_text(encoding="utf-8")
    html = (tmp_path / "demo" / "summary.html").read_text(encoding="utf-8")
    assert md.startswith("# \\[DỮ LIỆU MẪU\\] Báo cáo tuần 48/2026")
    assert "## Báo cáo dùng dữ liệu mẫu" in md and "**6** câu hỏi" in md
    assert "<title>[DỮ LIỆU MẪU] Báo cáo tuần 48/2026" in html
    assert "không phải câu hỏi thật của người dân" in html
    chart = (tmp_path / "demo" / "decisions.png").read_bytes()
    assert chart != (tmp_path / "real" / "decisions.png").read_bytes()  # watermarked


async def test_generate_report_rejects_a_bad_week(storage, knowledge, tmp_path):
    with pytest.raises(ValueError, match="không có tuần 60"):
        await generate_report(storage, knowledge, "2026-W60", tmp_path)


# --- unanswered_groups ----------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 28, 12, tzinfo=VN)


def ago(days: float) -> dt.datetime:
    return (NOW - dt.timedelta(days=days)).astimezone(dt.UTC)


def cands(*topics: str) -> list[dict]:
    return [{"topic": t, "score": 0.3 - i * 0.05} for i, t in enumerate(topics)]


async def test_unanswered_groups_group_recent_unclear_questions(storage, knowledge):
    for text, days in [("thủ tục ly hôn ở đâu", 1), ("thu tuc ly hon o dau", 2),
                       ("làm thủ tục ly hôn ở đâu", 3), ("thủ tục ly hôn ở đâu", 6)]:
        await add_event(storage, ago(days), "fallback", None, text,
                        candidates=cands("ket-hon", "xac-nhan-hon-nhan", "nope-not-a-topic"))
    await add_event(storage, ago(2), "suggest", None, "giấy tờ cho con",
                    candidates=cands("khai-sinh", "nhan-cha-me-con", "dang-ky-thuong-tru"))
    await add_event(storage, ago(1), "suggest", None, "giay to cho con",
                    candidates=cands("nhan-cha-me-con", "khai-sinh", "dang-ky-thuong-tru"))
    await add_event(storage, ago(1), "suggest", None, "giấy tờ cho con nhỏ",
                    candidates=cands("khai-sinh", "ket-hon"))
    await add_event(storage, ago(8), "fallback", None, "rút bảo hiểm xã hội một lần")  # too old
    await add_event(storage, ago(1), "fallback", None, "giá vàng hôm nay", demo=True)
    await add_event(storage, ago(1), "answer", "khai-sinh", "làm giấy khai sinh")

    groups = await unanswered_groups(storage, knowledge, now=NOW)
    assert [(g.count, g.unanswered) for g in groups] == [(4, 4), (3, 0)]
    divorce, papers = groups
    assert divorce.example == "thủ tục ly hôn ở đâu"
    assert divorce.key == "thu tuc ly hon o dau"
    assert divorce.candidates == ("ket-hon", "xac-nhan-hon-nhan")  # unknown ids dropped
    assert papers.candidates == ("khai-sinh", "nhan-cha-me-con", "dang-ky-thuong-tru")
    assert dataclasses.is_dataclass(divorce) and len(divorce.key) <= 500
    with pytest.raises(dataclasses.FrozenInstanceError):
        divorce.count = 1  # type: ignore[misc]

    assert [g.count for g in await unanswered_groups(storage, knowledge, limit=1, now=NOW)
            ] == [4]
    assert [g.count for g in await unanswered_groups(storage, knowledge, days=10, now=NOW)
            ] == [4, 3, 1]
    demo = await unanswered_groups(storage, knowledge, include_demo=True, now=NOW)
    assert any(g.example == "giá vàng hôm nay" for g in demo)

    # Staff triage the first group by its key: it leaves the inbox.
    await storage.knowledge.triage(divorce.key, "out_of_scope", author="cb", source="web")
    assert [g.key for g in await unanswered_groups(storage, knowledge, now=NOW)] == [
        papers.key]
    # Triaging any one wording of a group (here not its leader) removes the whole group.
    await storage.knowledge.triage("giay to cho con nho", "example", author="cb",
                                   source="telegram", topic_id="khai-sinh")
    assert await unanswered_groups(storage, knowledge, now=NOW) == []


async def test_repeated_votes_count_once_per_answer_in_the_report(storage):
    """Votes through the event log (100 presses from many clients, then the asker
    changing their mind) leave one vote: the helpful rate moves by one answer only."""
    when = at(24, 10).astimezone(dt.UTC)
    async with storage.sessions() as session, session.begin():
        for n in range(2):
            session.add(Event(id=f"{n}" * 32, created_at=when, channel="web",
                              user_key=f"asker{n}", kind="text", decision="answer",
                              topic_id="khai-sinh", score=0.9))
    for i in range(100):
        storage.events.record_feedback("0" * 32, True, created_at=when,
                                       user_key="asker0" if i % 10 == 0 else f"client{i}")
    storage.events.record_feedback("1" * 32, False, created_at=when, user_key="asker1")
    assert await storage.events.flush()
    storage.events.record_feedback("0" * 32, False, created_at=when + dt.timedelta(hours=1),
                                   user_key="asker0")  # changed their mind: this counts
    assert await storage.events.flush()
    loaded = await load_rows(storage, *iso_week_bounds(WEEK))
    stats = compute_week(loaded.events, loaded.feedback, loaded.followups, loaded.uptake,
                         [], WEEK)
    assert (stats.helpful, stats.not_helpful) == (0, 2)


def test_legacy_repeated_votes_count_once_per_answer() -> None:
    """Rows from before votes were keyed may repeat an answer: the latest one counts."""
    when = at(24, 10).astimezone(dt.UTC)
    events = [{"id": "e", "created_at": when, "channel": "web", "decision": "answer",
               "topic_id": "khai-sinh", "user_key": "u"}]
    votes = [{"event_id": "e", "helpful": True, "created_at": when}] * 99 + [
        {"event_id": "e", "helpful": False, "created_at": when + dt.timedelta(minutes=1)}]
    stats = compute_week(events, votes, [], [], [], WEEK)
    assert (stats.helpful, stats.not_helpful) == (0, 1)


async def test_the_week_counts_not_helpful_answers_per_topic_by_reason(storage, knowledge):
    """👎 votes with the reason the citizen tapped reach the weekly summary per topic;
    a later bare 👎 clears an earlier reason, and only the asker's vote counts."""
    when = at(24, 10).astimezone(dt.UTC)
    topics = {"0": "khai-sinh", "1": "khai-sinh", "2": "khai-sinh", "3": "ket-hon"}
    async with storage.sessions() as session, session.begin():
        for n, topic in topics.items():
            session.add(Event(id=n * 32, created_at=when, channel="web", user_key=f"u{n}",
                              kind="text", decision="answer", topic_id=topic, score=0.9))
    record = storage.events.record_feedback
    record("0" * 32, False, created_at=when, user_key="u0", reason="topic")
    record("1" * 32, False, created_at=when, user_key="u1", reason="missing")
    record("1" * 32, False, created_at=when, user_key="someone-else", reason="wrong")
    record("2" * 32, False, created_at=when, user_key="u2", reason="wrong")
    record("2" * 32, False, created_at=when, user_key="u2")  # pressed 👎 again: no reason
    record("3" * 32, False, created_at=when, user_key="u3", reason="topic")
    assert await storage.events.flush()
    loaded = await load_rows(storage, *iso_week_bounds(WEEK))
    catalogue = [TopicRow.from_topic(t) for t in knowledge.current.kb.topics.values()]
    stats = compute_week(loaded.events, loaded.feedback, loaded.followups, loaded.uptake,
                         catalogue, WEEK)
    by_id = {t.topic_id: t for t in stats.topics}
    assert by_id["khai-sinh"].not_helpful == 3
    assert dict(by_id["khai-sinh"].not_helpful_reasons) == {
        "topic": 1, "missing": 1, "wrong": 0, "": 1}
    assert by_id["ket-hon"].not_helpful_reasons["topic"] == 1
    section = next(s for s in build_document(stats, [], [], [], {}).sections
                   if s.title == "Bị đánh giá chưa đúng")
    first = "".join(span.text for span in section.items[0])
    assert first.startswith(by_id["khai-sinh"].title)
    assert "3 lượt" in first and "không đúng chủ đề 1" in first and "thông tin sai" not in first


async def test_questions_marked_out_of_scope_never_reach_the_summary(
        storage, knowledge: KnowledgeService, tmp_path: Path):
    """Staff marked the gold-price group out of scope: the report neither lists it as a
    gap nor proposes it; a group the matcher came close on asks for an example."""
    for n in range(3):
        await add_event(storage, at(23 + n, 9), "fallback", None, "giá vàng hôm nay bao nhiêu",
                        user=f"g{n}")
    for n in range(2):
        await add_event(storage, at(24, 10 + n), "suggest", None, "giấy tờ cho đứa nhỏ mới đẻ",
                        user=f"k{n}", candidates=cands("khai-sinh", "ket-hon"))
    await storage.knowledge.triage("gia vang hom nay bao nhieu", "out_of_scope", author="cb",
                                   source="web")
    await generate_report(storage, knowledge, WEEK, tmp_path)
    md = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "giá vàng" not in md
    assert "Không tính 3 câu cán bộ đã đánh dấu “ngoài phạm vi”." in md
    title = knowledge.current.kb.topics["khai-sinh"].title
    assert (f"2 câu hỏi giống “giấy tờ cho đứa nhỏ mới đẻ” chỉ được gợi ý — nếu đúng là hỏi "
            f"về “{title}”, nên thêm câu này làm câu hỏi mẫu") in md


async def test_the_topic_citizens_picked_from_the_choices_is_proposed_first(storage, knowledge):
    offered = cands("khai-sinh", "nhan-cha-me-con", "dang-ky-thuong-tru")
    minutes = dt.timedelta(minutes=1)
    for user, text in [("u1", "làm giấy cho con"), ("u2", "lam giay cho con"),
                       ("u3", "làm giấy cho con"), ("u4", "làm giấy cho con"),
                       ("u5", "làm giấy cho con")]:
        await add_event(storage, ago(1), "suggest", None, text, user=user, candidates=offered)
    await add_opened(storage, ago(1) + 2 * minutes, "nhan-cha-me-con", "u1")
    await add_opened(storage, ago(1) + 3 * minutes, "nhan-cha-me-con", "u2")
    await add_opened(storage, ago(1) + 1 * minutes, "khai-sinh", "u3")
    await add_opened(storage, ago(1) + 30 * minutes, "khai-sinh", "u4")  # much later
    await add_opened(storage, ago(1) + 2 * minutes, "ket-hon", "u5")  # not among the choices
    await add_opened(storage, ago(1) - 2 * minutes, "khai-sinh", "u5")  # before the question

    [group] = await unanswered_groups(storage, knowledge, now=NOW)
    assert group.picked == (("nhan-cha-me-con", 2), ("khai-sinh", 1))
    assert group.candidates == ("nhan-cha-me-con", "khai-sinh", "dang-ky-thuong-tru")
