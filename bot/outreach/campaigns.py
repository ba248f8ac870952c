"""What an editor may write: a campaign form checked before anything is stored.

Short plain text (citizens read it on a phone; Zalo's limit is 2,000 characters, we
keep far below), at most one guide link and only to a topic that exists, one audience,
a send time in the commune's time zone that is not in the past.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.storage.outreach import Audience, CampaignDraft

MAX_BODY = 600
MAX_TITLE = 120
MAX_WEEKS = 26


@dataclass(frozen=True, slots=True)
class Checked:
    draft: CampaignDraft | None
    problems: list[str]


def check(form: Mapping[str, str], *, topics: Mapping[str, str], areas: list[str],
          holdback_pct: int, timezone: str, now: dt.datetime) -> Checked:
    """The draft, or the problems in plain Vietnamese (field by field)."""
    problems: list[str] = []
    title = form.get("title", "").strip()
    body = form.get("body", "").strip().replace("\r\n", "\n")
    topic = form.get("topic_id", "").strip() or None
    if not title or len(title) > MAX_TITLE:
        problems.append(f"Tên thông báo: bắt buộc, tối đa {MAX_TITLE} ký tự.")
    if not body or len(body) > MAX_BODY:
        problems.append(f"Nội dung: bắt buộc, tối đa {MAX_BODY} ký tự (hiện {len(body)}).")
    if topic is not None and topic not in topics:
        problems.append("Hướng dẫn kèm theo: chủ đề không tồn tại.")
    audience, area, audience_topic, weeks = _audience(form, topics, areas, problems)
    send_at = _send_at(form.get("send_at", "").strip(), timezone, now, problems)
    if problems or audience is None:
        return Checked(None, problems)
    return Checked(CampaignDraft(title, body, topic, audience, area, audience_topic, weeks,
                                 holdback_pct, send_at), [])


def _audience(form: Mapping[str, str], topics: Mapping[str, str], areas: list[str],
              problems: list[str]) -> tuple[Audience | None, str | None, str | None, int | None]:
    try:
        audience = Audience(form.get("audience", "all"))
    except ValueError:
        problems.append("Người nhận: lựa chọn không hợp lệ.")
        return None, None, None, None
    if audience is Audience.AREA:
        area = form.get("audience_area", "").strip()
        if area not in areas:
            problems.append("Người nhận: hãy chọn một thôn/tổ trong danh sách.")
        return audience, area, None, None
    if audience is Audience.TOPIC:
        topic = form.get("audience_topic", "").strip()
        weeks_text = form.get("audience_weeks", "").strip() or "4"
        weeks = int(weeks_text) if weeks_text.isdigit() else 0
        if topic not in topics:
            problems.append("Người nhận: hãy chọn thủ tục người dân đã hỏi.")
        if not 1 <= weeks <= MAX_WEEKS:
            problems.append(f"Người nhận: số tuần từ 1 đến {MAX_WEEKS}.")
        return audience, None, topic, weeks
    return audience, None, None, None


def _send_at(text: str, timezone: str, now: dt.datetime, problems: list[str]
             ) -> dt.datetime | None:
    if not text:
        return None  # as soon as it is approved
    try:
        local = dt.datetime.fromisoformat(text)
    except ValueError:
        problems.append("Thời gian gửi: không đọc được.")
        return None
    when = (local.replace(tzinfo=ZoneInfo(timezone)) if local.tzinfo is None else local
            ).astimezone(dt.UTC)
    if when < now - dt.timedelta(minutes=5):
        problems.append("Thời gian gửi: đã qua. Để trống để gửi ngay sau khi duyệt.")
    return when
