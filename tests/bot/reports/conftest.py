"""A hand-built fortnight of traffic whose every number is worked out in the comments.

Week under test: 2026-W48 = Monday 23/11 – Sunday 29/11/2026, Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from bot.reports.model import (
    EventRow,
    FeedbackRow,
    FollowupRow,
    TopicRow,
    UptakeRow,
    WeekStats,
    compute_week,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
WEEK = "2026-W48"
KEY = "SECRET-KEY-"  # every pseudonymous key starts with this; no output may contain it


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    """A local (Hà Nội) time in November 2026."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=VN)


@dataclass
class Rows:
    events: list[EventRow]
    feedback: list[FeedbackRow]
    followups: list[FollowupRow]
    uptake: list[UptakeRow]
    topics: list[TopicRow]


def build_rows() -> Rows:
    topics = [
        TopicRow("khai-sinh", "Liên thông khai sinh", "civil-status", "full",
                 dt.date(2026, 10, 1)),
        TopicRow("can-cuoc", "Cấp thẻ căn cước", "identity", "partial", dt.date(2026, 3, 1)),
        TopicRow("ho-ngheo", "Công nhận hộ nghèo", "social", "none", dt.date(2026, 11, 1)),
        TopicRow("gio-lam-viec", "Giờ làm việc của xã", "local", "info", dt.date(2025, 12, 31),
                 staff_reviewed=True),
    ]
    ids = iter(range(1, 1000))

    def ev(when: dt.datetime, channel: str, decision: str, topic: str | None, user: str,
           text: str = "câu hỏi") -> EventRow:
        return EventRow(next(ids), when, channel, decision, topic, 0.5, text, "", KEY + user)

    events = [
        # This week: 11 questions, 2 smalltalk.
        ev(at(23, 9), "telegram", "answer", "khai-sinh", "u1"),          # Mon
        ev(at(23, 9, 30), "telegram", "answer", "khai-sinh", "u2"),      # Mon
        ev(at(24, 10), "telegram", "answer", "khai-sinh", "u3"),         # Tue
        ev(at(29, 23, 30), "telegram", "answer", "khai-sinh", "u1"),     # Sun 23:30 local
        ev(at(25, 8), "zalo", "answer", "can-cuoc", "u4"),               # Wed
        # Naive = UTC: 03:00 UTC is 10:00 Wednesday in Hà Nội.
        ev(dt.datetime(2026, 11, 25, 3, 0), "zalo", "answer", "can-cuoc", "u5"),
        ev(at(25, 11), "zalo", "suggest", "can-cuoc", "u4", "lam can cuoc cho con"),
        ev(at(26, 14), "web", "answer", "ho-ngheo", "u6"),               # Thu
        ev(at(27, 9), "zalo", "fallback", None, "u7", "đăng ký xe máy điện ở đâu"),   # Fri
        ev(at(27, 15), "zalo", "fallback", None, "u7", "dang ky xe may dien o dau"),  # Fri
        ev(at(28, 8), "zalo", "fallback", None, "u8", "<script>alert(1)</script> lương hưu"),
        ev(at(23, 8), "telegram", "smalltalk", None, "u1", "chào"),
        ev(at(23, 8, 5), "telegram", "smalltalk", None, "u1", "cảm ơn"),
        # Monday 00:30 local of the next week: not this week.
        ev(at(30, 0, 30), "telegram", "answer", "khai-sinh", "u9"),
        # Previous week (16–22/11): 6 questions from 5 people.
        ev(at(16, 9), "telegram", "answer", "khai-sinh", "p1"),
        ev(at(17, 9), "telegram", "answer", "khai-sinh", "p2"),
        ev(at(18, 9), "zalo", "answer", "can-cuoc", "p3"),
        ev(at(19, 9), "zalo", "answer", "can-cuoc", "p4"),
        ev(at(20, 9), "zalo", "suggest", "can-cuoc", "p4"),
        ev(at(21, 9), "zalo", "fallback", None, "p5"),
        # Three weeks back: in neither week.
        ev(at(2, 9), "zalo", "answer", "can-cuoc", "old"),
    ]
    first = events[0].id
    feedback = [
        FeedbackRow(first, True, at(23, 9, 1)),
        FeedbackRow(first + 1, True, at(23, 9, 31)),
        FeedbackRow(first + 2, False, at(24, 10, 1)),
        FeedbackRow(first + 4, False, at(25, 8, 1)),
        FeedbackRow(events[14].id, True, at(16, 9, 1)),  # last week's vote: not counted
    ]
    followups = [
        # khai-sinh within the last 4 weeks: 1 online of 5 answers → share 0.2.
        FollowupRow(101, "khai-sinh", "online", at(20, 10)),
        FollowupRow(102, "khai-sinh", "in_person", at(24, 10)),
        FollowupRow(103, "khai-sinh", "in_person", at(12, 10)),
        FollowupRow(104, "khai-sinh", "not_yet", at(3, 10)),
        FollowupRow(105, "khai-sinh", "difficulty", at(28, 10)),
        FollowupRow(106, "khai-sinh", "online", at(25, 10, month=10)),  # 5 weeks back: out
        # can-cuoc: 2 answers, too few; the official figures decide.
        FollowupRow(107, "can-cuoc", "online", at(26, 10)),
        FollowupRow(108, "can-cuoc", "in_person", at(26, 11)),
    ]
    uptake = [
        UptakeRow("can-cuoc", "2026-09", 10, 100),
        UptakeRow("can-cuoc", "2026-10", 30, 120),   # latest started period → 25% online
        UptakeRow("can-cuoc", "2026-12", 90, 100),   # starts after the week: ignored
        UptakeRow("ho-ngheo", "2026-10", 0, 0),      # empty period: ignored
    ]
    return Rows(events, feedback, followups, uptake, topics)


@pytest.fixture
def rows() -> Rows:
    return build_rows()


@pytest.fixture
def stats(rows: Rows) -> WeekStats:
    return compute_week(rows.events, rows.feedback, rows.followups, rows.uptake, rows.topics,
                        WEEK, commune="Xã Thử Nghiệm")
