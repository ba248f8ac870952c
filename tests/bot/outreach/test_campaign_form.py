"""The campaign form's checks: length, topic, audience, send time in the commune's zone."""

from __future__ import annotations

import datetime as dt

from bot.outreach.campaigns import check
from bot.storage.outreach import Audience

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hà Nội
TOPICS = {"khai-sinh": "Đăng ký khai sinh"}


def run(**fields: str):  # type: ignore[no-untyped-def]
    form = {"title": "Tin", "body": "Nội dung ngắn.", "audience": "all", **fields}
    return check(form, topics=TOPICS, areas=["Thôn A"], holdback_pct=10,
                 timezone="Asia/Ho_Chi_Minh", now=NOW)


def test_a_good_form_becomes_a_draft_with_the_time_in_utc() -> None:
    checked = run(topic_id="khai-sinh", audience="area", audience_area="Thôn A",
                  send_at="2026-12-05T07:30")
    assert checked.problems == []
    draft = checked.draft
    assert draft is not None and draft.audience is Audience.AREA
    assert draft.send_at == dt.datetime(2026, 12, 5, 0, 30, tzinfo=dt.UTC)
    assert draft.holdback_pct == 10


def test_each_problem_is_named() -> None:
    checked = run(body="x" * 601, topic_id="khong-co", audience="topic",
                  audience_topic="khong-co", audience_weeks="99", send_at="2026-12-01T08:00")
    assert checked.draft is None
    text = " ".join(checked.problems)
    for part in ("tối đa 600", "chủ đề không tồn tại", "thủ tục người dân đã hỏi",
                 "từ 1 đến 26", "đã qua"):
        assert part in text, part
    assert run(audience="area", audience_area="Thôn Z").draft is None
    assert run(audience="everyone").draft is None
