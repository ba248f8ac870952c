"""The uptake gap: where many people ask about a procedure that could be done online,
but few actually do it online. That is where outreach in the thôn/phố pays off.

Definition (also printed in the report: :data:`GAP_EXPLANATION`, :data:`GAP_DETAILS`):

* Only topics whose procedure can be done online (``online`` full or partial).
* Demand ``D`` = questions about the topic this week.
* Online share ``s``:
  - official figures first: online dossiers ÷ all dossiers in the latest
    imported period (the portal counts everyone, not just bot users);
  - otherwise the follow-up answers of the last weeks: "đã làm trực tuyến" ÷ all
    answers (trực tuyến + trực tiếp + chưa làm + gặp khó khăn), counted only with
    at least :data:`MIN_FOLLOWUPS` answers. "Not yet" and "stuck" count as not
    online on purpose: those are the people outreach can still reach;
  - otherwise unknown: the topic is listed apart, not ranked.
* Gap ``G = D × (1 − s)`` in questions; topics are ranked by ``G`` (ties: more
  demand, then title), so a busy topic with a low online share comes first. When the
  summary speaks of people it uses ``P × (1 − s)`` with ``P`` the distinct
  (pseudonymous) askers of the topic: questions are never counted as people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.reports.model import TopicWeek

MIN_FOLLOWUPS = 3
GAP_EXPLANATION = (
    "Ước tính: số người đã hỏi trong tuần × (1 − tỉ lệ làm trực tuyến). Chỉ tính thủ tục "
    "làm được trực tuyến."
)
# Two plain lines: where the online share comes from.
GAP_DETAILS = (
    "“Hồ sơ”: số liệu chính thức của cổng dịch vụ công — số hồ sơ nộp trực tuyến trên tổng "
    "số hồ sơ (cán bộ tải lên).",
    "“Hỏi lại”: khi chưa có số liệu chính thức, dùng câu người dân trả lời trợ lý khi được "
    f"hỏi lại “đã làm trực tuyến chưa” (cần ít nhất {MIN_FOLLOWUPS} câu trả lời; “chưa làm”, "
    "“gặp khó khăn” tính là chưa làm).",
)


@dataclass(frozen=True, slots=True)
class TopicGap:
    """One topic's gap and the figures behind it, so the report can show its work."""

    topic_id: str
    title: str
    online: str
    demand: int
    online_share: float | None
    source: str | None  # "official", "followup" or None when unknown
    online_done: int  # online dossiers or "đã làm trực tuyến" answers behind the share
    basis: int  # all dossiers or all follow-up answers behind the share
    official_share: float | None = None
    followup_share: float | None = None
    people: int = 0  # distinct (pseudonymous) askers behind ``demand``

    @property
    def gap(self) -> float | None:
        """In questions: what the ranking and the chart use."""
        if self.online_share is None:
            return None
        return self.demand * (1 - self.online_share)

    @property
    def gap_people(self) -> float | None:
        """In people: distinct askers × the share not done online."""
        if self.online_share is None:
            return None
        return self.people * (1 - self.online_share)


def topic_gap(topic: TopicWeek, min_followups: int = MIN_FOLLOWUPS) -> TopicGap:
    """The gap for one topic, whatever its online level (callers filter)."""
    official_share = None
    if topic.official_total:
        official_share = (topic.official_online or 0) / topic.official_total
    answers = topic.followup_total
    followup_share = None
    if answers >= min_followups:
        followup_share = topic.followups.get("online", 0) / answers

    if official_share is not None:
        share, source = official_share, "official"
        done, basis = topic.official_online or 0, topic.official_total or 0
    elif followup_share is not None:
        share, source = followup_share, "followup"
        done, basis = topic.followups.get("online", 0), answers
    else:
        share, source, done, basis = None, None, 0, 0
    return TopicGap(
        topic_id=topic.topic_id, title=topic.title, online=topic.online,
        demand=topic.questions, online_share=share, source=source,
        online_done=done, basis=basis,
        official_share=official_share, followup_share=followup_share, people=topic.people,
    )


def uptake_gaps(topics: Iterable[TopicWeek], min_followups: int = MIN_FOLLOWUPS,
                ) -> tuple[list[TopicGap], list[TopicGap]]:
    """``(ranked, unknown)`` over topics asked about this week that can be done online.

    ``ranked`` is sorted by gap, largest first; ``unknown`` (no outcome data yet)
    by demand, so staff see where to import figures or ask follow-ups.
    """
    gaps = [topic_gap(t, min_followups) for t in topics if t.online_possible and t.questions]
    ranked = sorted((g for g in gaps if g.gap is not None),
                    key=lambda g: (-(g.gap or 0.0), -g.demand, g.title))
    unknown = sorted((g for g in gaps if g.gap is None), key=lambda g: (-g.demand, g.title))
    return ranked, unknown
