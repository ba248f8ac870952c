"""A few concrete things to do next week, in plain Vietnamese.

Figures alone do not tell a busy leader what to do; each rule below turns one
pattern in the week into one action (outreach, filling a knowledge gap, fixing
an answer people found unhelpful, re-checking an old entry). Rules fire only on
enough evidence, so a quiet week yields few suggestions instead of noise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from bot.reports.formatting import day, num, one_line, pct
from bot.reports.gaps import TopicGap
from bot.reports.model import WeekStats
from handlers.texts import CONFIRM_THINGS
from knowledge.schema import Topic
from knowledge.validity import ENTRY, WATCH_DAYS, needs_review, open_checks, upcoming

MAX_SUGGESTIONS = 6
MIN_GAP_DEMAND = 3
MAX_GAP_SHARE = 0.5
MIN_GROUP = 2
MIN_VOTES = 3
MAX_HELPFUL_SHARE = 0.6
MIN_DIFFICULTY = 2


def suggest(stats: WeekStats, ranked: Sequence[TopicGap], unknown: Sequence[TopicGap],
            limit: int = MAX_SUGGESTIONS, upkeep: Sequence[str] = ()) -> list[str]:
    """Suggestions, most useful first: dated facts, uptake gaps, knowledge gaps, bad answers.

    ``upkeep`` (from :func:`upkeep`) comes first: an expired fee or a date passing
    soon changes what citizens are told, whatever the week's traffic.
    """
    out: list[str] = list(upkeep)
    if stats.is_empty:
        out.append("Tuần này chưa có ai hỏi trợ lý — nên giới thiệu trợ lý (mã QR, số Zalo) "
                   "trong buổi họp thôn/phố và tại Bộ phận một cửa.")

    out.extend(_gap_suggestions(ranked)[:2])
    out.extend(_knowledge_gaps(stats)[:2])
    out.extend(_unhelpful(stats)[:1])
    out.extend(_difficulty(stats)[:1])
    if unknown and unknown[0].demand >= MIN_GAP_DEMAND:
        top = unknown[0]
        out.append(f"{num(top.demand)} câu hỏi về “{one_line(top.title, 70)}” nhưng chưa biết bao "
                   "nhiêu người đã làm trực tuyến — nên tải số liệu hồ sơ từ cổng dịch vụ công "
                   "lên (trang cán bộ → Số liệu → “Số liệu hồ sơ”).")
    if stats.stale:
        oldest = stats.stale[0]
        more = f" và {num(len(stats.stale) - 1)} chủ đề khác" if len(stats.stale) > 1 else ""
        since = (f"chưa được rà soát từ {day(oldest.reviewed)}" if oldest.staff_reviewed else
                 "chưa được cán bộ rà soát (nguồn chỉ đến tháng "
                 f"{oldest.reviewed.strftime('%m/%Y')})")
        out.append(f"Chủ đề “{one_line(oldest.title, 70)}”{more} {since} — nên kiểm tra lại "
                   "với văn bản mới nhất.")
    return out[:limit]


def _gap_suggestions(ranked: Sequence[TopicGap]) -> list[str]:
    out = []
    for gap in ranked:
        share = gap.online_share
        if gap.demand < MIN_GAP_DEMAND or share is None or share > MAX_GAP_SHARE:
            continue
        title = one_line(gap.title, 70)
        if gap.source == "followup":
            evidence = (f"chỉ {num(gap.online_done)}/{num(gap.basis)} người được hỏi lại "
                        "đã làm trực tuyến")
        else:
            evidence = f"chỉ {pct(share)} hồ sơ được nộp trực tuyến"
        out.append(f"{num(gap.demand)} câu hỏi về “{title}” nhưng {evidence} — nên hướng dẫn "
                   "tận thôn/phố và giúp người dân làm ngay trên điện thoại.")
    return out


def _knowledge_gaps(stats: WeekStats) -> list[str]:
    """Groups staff marked out of scope are gone already (:meth:`WeekStats.without`);
    each remaining one names the action that fits it."""
    titles = {t.topic_id: t.title for t in stats.topics}
    out = []
    for group in stats.unanswered:
        if group.count < MIN_GROUP:
            continue
        asked = f"{num(group.count)} câu hỏi giống “{one_line(group.example, 80)}”"
        near = titles.get(group.near_topic or "")
        if near:
            out.append(f"{asked} chỉ được gợi ý — nếu đúng là hỏi về “{one_line(near, 70)}”, "
                       "nên thêm câu này làm câu hỏi mẫu cho chủ đề đó (mục “Câu hỏi chưa trả "
                       "lời được”).")
        else:
            out.append(f"{asked} chưa có chủ đề nào trả lời — nên thêm chủ đề mới nếu xã "
                       "hướng dẫn việc này; nếu không, đánh dấu “ngoài phạm vi”.")
    return out


def _unhelpful(stats: WeekStats) -> list[str]:
    weak = []
    for topic in stats.topics:
        votes = topic.helpful + topic.not_helpful
        if votes >= MIN_VOTES and topic.helpful / votes < MAX_HELPFUL_SHARE:
            weak.append((topic.helpful / votes, -votes, topic.title, topic))
    weak.sort(key=lambda w: w[:3])
    return [
        f"Câu trả lời về “{one_line(t.title, 70)}” chỉ được {num(t.helpful)}/"
        f"{num(t.helpful + t.not_helpful)} lượt đánh giá là hữu ích — nên viết lại cho dễ hiểu "
        "hơn." for *_, t in weak
    ]


def _difficulty(stats: WeekStats) -> list[str]:
    stuck = sorted(
        (t for t in stats.topics if t.followups.get("difficulty", 0) >= MIN_DIFFICULTY),
        key=lambda t: (-t.followups.get("difficulty", 0), t.title),
    )
    return [
        f"{num(t.followups['difficulty'])} người gặp khó khăn khi làm “{one_line(t.title, 70)}” "
        "trực tuyến — nên hỏi rõ vướng ở bước nào và bổ sung hướng dẫn." for t in stuck
    ]


def _part(field: str) -> str:
    return "cả chủ đề" if field == ENTRY else CONFIRM_THINGS.get(field, field)


def upkeep(topics: Iterable[Topic], today: dt.date) -> list[str]:
    """What the knowledge needs because of dates and local checks, at most three lines."""
    topics = list(topics)
    titles = {t.id: one_line(t.title, 60) for t in topics}
    out = []
    reviews = needs_review(topics, today)
    if reviews:
        first = reviews[0]
        more = f" (và {num(len(reviews) - 1)} mục khác)" if len(reviews) > 1 else ""
        out.append(f"{_part(first.field).capitalize()} của “{titles[first.topic_id]}” đã hết "
                   f"hạn từ {day(first.ended)} mà chưa có mức mới{more} — người dân đang được "
                   "bảo hỏi lại ở xã; nên nhập mức mới trên trang cán bộ.")
    soon = upcoming(topics, today)
    if soon:
        change = soon[0]
        more = f" và {num(len(soon) - 1)} mốc khác" if len(soon) > 1 else ""
        verb = "bắt đầu áp dụng từ" if change.kind.value == "starts" else "hết hiệu lực sau"
        out.append(f"Trong {WATCH_DAYS} ngày tới: {_part(change.field)} của "
                   f"“{titles[change.topic_id]}” {verb} {day(change.day)}{more} — nên kiểm tra "
                   "văn bản mới trước ngày đó (trang cán bộ, Trang chính).")
    checks = open_checks(topics)
    if checks:
        count = len({topic_id for topic_id, _ in checks})
        out.append(f"Còn {num(len(checks))} việc cần xác minh ở {num(count)} chủ đề — xem mục "
                   "“Cần xác minh” trên trang cán bộ và bấm “Đã xác minh xong” khi đã kiểm "
                   "tra.")
    return out
