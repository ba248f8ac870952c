"""Dated facts resolved for a day, and what staff must watch as dates pass."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from knowledge.loader import date_warnings, load_directory
from knowledge.schema import DatedField, Topic, sources_checked_date
from knowledge.validity import (
    ChangeKind,
    as_of,
    needs_review,
    open_checks,
    unverified_fields,
    upcoming,
)

SRC = "https://example.gov.vn/van-ban"


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return load_directory().topics["khai-sinh"].model_dump(mode="json")


def topic(base: dict[str, Any], **changes: Any) -> Topic:
    return Topic.model_validate({**base, **changes})


def cut(until: str = "2026-12-31") -> dict[str, Any]:
    return {"field": "fee", "text": "Giảm còn 25.000 đ.", "valid_from": "2025-07-01",
            "valid_until": until, "source": SRC}


def test_a_dated_fee_holds_to_its_last_day_then_the_regular_fee(base: dict[str, Any]) -> None:
    t = topic(base, fee="50.000 đ.", dated=[cut()])
    assert as_of(t, dt.date(2026, 12, 31)).topic.fee == "Giảm còn 25.000 đ."
    after = as_of(t, dt.date(2027, 1, 1))
    assert after.topic.fee == "50.000 đ." and not after.ask
    assert as_of(t, dt.date(2025, 6, 30)).topic.fee == "50.000 đ."


def test_without_a_regular_fee_the_answer_asks_and_staff_are_told(base: dict[str, Any]) -> None:
    t = topic(base, fee="", dated=[cut()])
    assert as_of(t, dt.date(2027, 1, 1)).ask == {DatedField.FEE}
    assert needs_review([t], dt.date(2026, 12, 31)) == []
    [review] = needs_review([t], dt.date(2027, 1, 1))
    assert (review.topic_id, review.field, review.ended) == ("khai-sinh", "fee",
                                                            dt.date(2026, 12, 31))


def test_an_empty_fee_needs_a_dated_fee(base: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="'fee' để trống"):
        topic(base, fee="")


def test_a_later_rule_is_shown_only_from_its_date(base: dict[str, Any]) -> None:
    new = {"field": "notes", "text": "Quy định mới.", "valid_from": "2026-07-01", "source": SRC}
    t = topic(base, dated=[new])
    assert "Quy định mới." not in as_of(t, dt.date(2026, 6, 30)).topic.notes
    assert as_of(t, dt.date(2026, 7, 1)).topic.notes[-1] == "Quy định mới."


def test_a_dated_step_goes_where_its_position_says(base: dict[str, Any]) -> None:
    step = {"field": "steps", "text": "Bước mới.", "valid_from": "2026-07-01", "position": 2,
            "source": SRC}
    t = topic(base, dated=[step])
    steps = as_of(t, dt.date(2026, 7, 1)).topic.steps
    assert steps[1] == "Bước mới." and steps[0] == t.steps[0] and len(steps) == len(t.steps) + 1


def test_whole_entry_dates(base: dict[str, Any]) -> None:
    t = topic(base, valid_from="2027-01-01", validity_source=SRC)
    assert as_of(t, dt.date(2026, 12, 31)).starts == dt.date(2027, 1, 1)
    assert as_of(t, dt.date(2027, 1, 1)).starts is None
    with pytest.raises(ValueError, match="validity_source"):
        topic(base, valid_until="2026-12-31")


def test_a_dated_fact_needs_a_date_and_a_source(base: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="valid_from / valid_until"):
        topic(base, dated=[{"field": "fee", "text": "x", "source": SRC}])
    with pytest.raises(ValueError, match="source"):
        topic(base, dated=[{"field": "fee", "text": "x", "valid_until": "2026-12-31"}])


def test_upcoming_lists_what_starts_or_ends_within_30_days(base: dict[str, Any]) -> None:
    t = topic(base, fee="50.000 đ.", dated=[cut()])
    assert [c.kind for c in upcoming([t], dt.date(2026, 12, 1))] == [ChangeKind.ENDS]
    assert upcoming([t], dt.date(2026, 11, 30)) == []  # 31 days ahead
    assert upcoming([t], dt.date(2027, 1, 1)) == []


def test_staff_checks_name_the_fields_a_citizen_should_confirm(base: dict[str, Any]) -> None:
    t = topic(base, verify=[
        {"field": "processing_time", "what": "Thời hạn"},
        {"field": "fee", "what": "Mức thu", "done_by": "Mai", "done_on": "2026-12-01"},
        {"field": "documents", "what": "Giấy tờ"}, {"field": "other", "what": "Ghi chú"}])
    assert [f.value for f in unverified_fields(t)] == ["processing_time", "documents"]
    assert len(open_checks([t])) == 3


def test_old_check_locally_and_reviewed_still_load_as_staff_data(base: dict[str, Any]) -> None:
    doc = {k: v for k, v in base.items() if k not in ("verify", "sources_checked")}
    t = Topic.model_validate({**doc, "reviewed": "2026-11-28", "check_locally": ["lead TT 75"]})
    assert t.reviewed_on == dt.date(2026, 11, 28)
    assert [(v.field.value, v.what) for v in t.verify] == [("other", "lead TT 75")]
    assert unverified_fields(t) == []


def test_review_dates_are_honest_about_who_checked(base: dict[str, Any]) -> None:
    starter = load_directory()
    assert all(t.sources_checked == "2026-03" and t.reviewed_on is None and not t.reviewed_by
               for t in starter.topics.values())
    assert sources_checked_date("2026-03") == dt.date(2026, 3, 31)
    assert topic(base).reviewed == dt.date(2026, 3, 31)
    staff = topic(base, reviewed_on="2026-12-01", reviewed_by="Lò Thị Mai")
    assert staff.reviewed == dt.date(2026, 12, 1)
    with pytest.raises(ValueError, match="reviewed_on"):
        topic(base, reviewed_by="Mai")


def test_kb_validate_warnings_on_the_starter_content_in_december_2026() -> None:
    kb = load_directory()
    december = [str(p) for p in date_warnings(kb.topics.values(), dt.date(2026, 12, 2))]
    assert any("can-cuoc-cap-doi-cap-lai" in w and "31/12/2026" in w for w in december)
    assert any("ho-chieu" in w for w in december)
    assert not any("CẦN RÀ SOÁT" in w for w in december)
    assert date_warnings(kb.topics.values(), dt.date(2027, 2, 1)) == []  # regular fees behind


def test_every_summary_is_short() -> None:
    """At most 50 syllables (Vietnamese words are one or two syllables: about 40 words)."""
    long = {t.id: len(t.summary.split()) for t in load_directory().topics.values()
            if len(t.summary.split()) > 50}
    assert long == {}
