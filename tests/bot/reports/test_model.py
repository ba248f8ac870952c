from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.reports.model import (
    DayCount,
    EventRow,
    TopicRow,
    compute_week,
    default_week,
    iso_week_bounds,
    period_start,
)
from bot.reports.weeks import months_before
from knowledge.schema import Channel, OnlineLevel, Place, Topic
from tests.bot.reports.conftest import KEY, VN, WEEK, Rows


def test_iso_week_bounds_are_local_monday_midnights():
    start, end = iso_week_bounds("2026-W48")
    assert start == dt.datetime(2026, 11, 23, tzinfo=VN)
    assert end == dt.datetime(2026, 11, 30, tzinfo=VN)
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 11, 22, 17, tzinfo=dt.UTC)


def test_iso_week_bounds_handles_week_one_across_new_year():
    start, _ = iso_week_bounds("2026-W01")
    assert start.date() == dt.date(2025, 12, 29)


@pytest.mark.parametrize("week", ["2026-48", "2026-W48x", "W48", "2026-W54", "2026-W00"])
def test_iso_week_bounds_rejects_bad_weeks(week: str):
    with pytest.raises(ValueError, match="tuần"):
        iso_week_bounds(week)


def test_default_week_is_the_last_full_week_in_vietnam():
    # W48 ends at Monday 30/11 00:00 in Hà Nội, which is still Sunday 17:00 in UTC.
    assert default_week(dt.datetime(2026, 11, 29, 17, 0, tzinfo=dt.UTC)) == "2026-W48"
    assert default_week(dt.datetime(2026, 11, 29, 16, 59, tzinfo=dt.UTC)) == "2026-W47"
    assert default_week(dt.datetime(2026, 11, 30, 0, 30, tzinfo=dt.UTC)) == "2026-W48"
    assert default_week(dt.datetime(2026, 12, 6, 12)) == "2026-W48"  # naive = UTC


def test_compute_week_defaults_to_last_full_week(rows: Rows):
    stats = compute_week(rows.events, [], [], [], rows.topics,
                         now=dt.datetime(2026, 12, 2, tzinfo=dt.UTC))
    assert stats.week == WEEK
    assert stats.questions == 11


@pytest.mark.parametrize(("label", "start"), [
    ("2026-10", dt.date(2026, 10, 1)),
    ("2026-Q4", dt.date(2026, 10, 1)),
    ("2026-W48", dt.date(2026, 11, 23)),
    ("2026", dt.date(2026, 1, 1)),
    ("2026-11-01..2026-11-30", dt.date(2026, 11, 1)),
    ("tháng 10", None),
    ("2026-13", None),
])
def test_period_start(label: str, start: dt.date | None):
    assert period_start(label) == start


def test_headline_numbers(stats):
    assert stats.week == WEEK
    assert (stats.start, stats.end) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert stats.questions == 11
    assert stats.prev_questions == 6
    assert stats.smalltalk == 2
    assert stats.people == 8
    assert stats.prev_people == 5
    assert dict(stats.decisions) == {"answer": 7, "suggest": 1, "fallback": 3, "smalltalk": 2}
    assert dict(stats.prev_decisions) == {"answer": 4, "suggest": 1, "fallback": 1,
                                          "smalltalk": 0}
    assert stats.share("answer") == pytest.approx(7 / 11)
    assert stats.share("fallback", previous=True) == pytest.approx(1 / 6)
    assert dict(stats.channels) == {"zalo": 6, "telegram": 4, "web": 1}
    assert (stats.helpful, stats.not_helpful) == (2, 2)
    assert dict(stats.followups) == {"online": 2, "in_person": 3, "not_yet": 1, "difficulty": 1}


def test_days_are_bucketed_in_local_time(stats):
    assert stats.per_day == (
        DayCount(dt.date(2026, 11, 23), 2),
        DayCount(dt.date(2026, 11, 24), 1),
        DayCount(dt.date(2026, 11, 25), 3),  # includes the naive-UTC 03:00 event
        DayCount(dt.date(2026, 11, 26), 1),
        DayCount(dt.date(2026, 11, 27), 2),
        DayCount(dt.date(2026, 11, 28), 1),
        DayCount(dt.date(2026, 11, 29), 1),  # Sunday 23:30 local, Sunday 16:30 UTC
    )
    assert [d.questions for d in stats.prev_per_day] == [1, 1, 1, 1, 1, 1, 0]


def test_per_topic_rows(stats):
    topics = {t.topic_id: t for t in stats.topics}
    assert [t.topic_id for t in stats.topics] == ["khai-sinh", "can-cuoc", "ho-ngheo",
                                                  "gio-lam-viec"]
    khai_sinh = topics["khai-sinh"]
    assert (khai_sinh.questions, khai_sinh.prev_questions, khai_sinh.change) == (4, 2, 2)
    assert (khai_sinh.answered, khai_sinh.suggested, khai_sinh.fallback) == (4, 0, 0)
    assert khai_sinh.people == 3
    assert (khai_sinh.helpful, khai_sinh.not_helpful) == (2, 1)
    assert dict(khai_sinh.followups) == {"online": 1, "in_person": 2, "not_yet": 1,
                                         "difficulty": 1}
    assert khai_sinh.official_total is None

    can_cuoc = topics["can-cuoc"]
    assert (can_cuoc.questions, can_cuoc.prev_questions) == (3, 3)
    assert (can_cuoc.answered, can_cuoc.suggested) == (2, 1)
    assert (can_cuoc.helpful, can_cuoc.not_helpful) == (0, 1)
    assert (can_cuoc.official_online, can_cuoc.official_total,
            can_cuoc.official_period) == (30, 120, "2026-10")

    assert topics["ho-ngheo"].official_total is None  # 0/0 import is ignored
    assert topics["gio-lam-viec"].questions == 0
    assert [t.topic_id for t in stats.active_topics] == ["khai-sinh", "can-cuoc", "ho-ngheo"]


def test_stale_topics_are_older_than_six_months_at_week_end(stats):
    assert [(s.topic_id, s.reviewed) for s in stats.stale] == [
        ("gio-lam-viec", dt.date(2025, 12, 31)),
        ("can-cuoc", dt.date(2026, 3, 1)),
    ]


def test_unanswered_and_unsure_questions_are_grouped(stats):
    groups = stats.unanswered
    assert [g.count for g in groups] == [2, 1, 1]
    assert groups[0].example == "đăng ký xe máy điện ở đâu"
    assert groups[0].unanswered == 2
    assert {g.example for g in groups[1:]} == {"lam can cuoc cho con",
                                                "<script>alert(1)</script> lương hưu"}
    assert sum(g.count for g in groups) == stats.decisions["suggest"] + stats.decisions[
        "fallback"]


def test_mappings_are_accepted_like_rows(rows: Rows, stats):
    as_dicts = [dataclasses.asdict(e) | {"extra_column": 1} for e in rows.events]
    from_dicts = compute_week(as_dicts, rows.feedback, rows.followups, rows.uptake,
                              [dataclasses.asdict(t) for t in rows.topics], WEEK,
                              commune="Xã Thử Nghiệm")
    assert from_dicts == stats


def test_rows_of_the_wrong_type_are_rejected():
    with pytest.raises(TypeError, match="EventRow"):
        compute_week([("not", "a", "row")], [], [], [], [], WEEK)


def test_pseudonymous_keys_do_not_reach_the_aggregate(stats):
    assert KEY not in repr(stats)


def test_unknown_topic_ids_still_get_a_row():
    event = EventRow(1, dt.datetime(2026, 11, 24, 3), "web", "answer", "da-xoa", None, "x")
    stats = compute_week([event], [], [], [], [TopicRow("khac", "Khác", "local", "info")],
                         WEEK)
    row = next(t for t in stats.topics if t.topic_id == "da-xoa")
    assert (row.title, row.questions, row.online) == ("da-xoa", 1, "info")


def test_topic_row_from_knowledge_topic():
    topic = Topic(
        id="dang-ky-tam-tru", title="Đăng ký tạm trú", category="residence",
        summary="Khai báo tạm trú trên VNeID.", online=OnlineLevel.FULL,
        where=[Place(channel=Channel.VNEID, name="VNeID")], steps=["Mở VNeID"],
        fee="Miễn phí", processing_time="3 ngày", legal_basis=["Luật Cư trú 2020"],
        sources=["https://dichvucong.gov.vn"], reviewed=dt.date(2026, 5, 1),
        questions=[f"câu hỏi {i}" for i in range(8)],
    )
    row = TopicRow.from_topic(topic)
    assert (row.id, row.title, row.category) == (topic.id, topic.title, topic.category)
    assert row.online == topic.online.value
    assert row.reviewed == topic.reviewed


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2026, 8, 31), dt.date(2026, 2, 28)),
    (dt.date(2026, 11, 29), dt.date(2026, 5, 29)),
    (dt.date(2026, 3, 15), dt.date(2025, 9, 15)),
])
def test_months_before_clamps_to_the_month_end(day: dt.date, expected: dt.date):
    assert months_before(day, 6) == expected


def test_catalogue_row_says_whether_a_person_reviewed_the_topic() -> None:
    from knowledge.loader import load_directory

    topic = load_directory().topics["khai-sinh"]
    row = TopicRow.from_topic(topic)
    assert (row.reviewed, row.staff_reviewed) == (dt.date(2026, 3, 31), False)
    checked = topic.model_copy(update={"reviewed_on": dt.date(2026, 12, 1)})
    assert TopicRow.from_topic(checked).staff_reviewed
