"""The week's aggregate, built from plain rows so the report never depends on the database.

The storage layer only has to select rows and map them to the small dataclasses
below (or pass mappings with the same keys); everything the report shows is
computed here by one pure function, which is what the tests check by hand.
Times are bucketed in the commune's time zone: a question asked at 23:30 on
Sunday in Hà Nội belongs to that Sunday, not to Monday UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from bot.reports.grouping import QuestionGroup, comparable, group_questions
from bot.reports.outbound import safe_texts
from bot.reports.outreach import CampaignWeek
from bot.reports.weeks import (
    DEFAULT_TZ,
    default_week,
    iso_week_bounds,
    months_before,
    period_start,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

QUESTION_DECISIONS = ("answer", "suggest", "fallback")
DECISIONS = (*QUESTION_DECISIONS, "smalltalk")
FOLLOWUP_ANSWERS = ("online", "in_person", "not_yet", "difficulty")
# Why an answer was marked 👎 "Chưa đúng"; "" when the citizen did not say.
NOT_HELPFUL_REASONS = ("topic", "missing", "wrong", "")
ONLINE_LEVELS = ("full", "partial", "none", "info")


# --- Input rows (what the storage layer hands over) -------------------------------------


@dataclass(frozen=True, slots=True)
class EventRow:
    """One incoming message and what the bot did with it.

    ``created_at`` may be naive (SQLite drops the zone); naive means UTC.
    ``user_key`` is only used to count distinct people and never leaves this module.
    ``topic_id`` is the answered topic, or the best candidate for a suggestion.
    ``id`` is only a key linking feedback to its event (the database uses uuid hex).
    """

    id: int | str
    created_at: dt.datetime
    channel: str
    decision: str
    topic_id: str | None = None
    score: float | None = None
    text_redacted: str = ""
    text_normalized: str = ""
    user_key: str | None = None


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    """A helpful / not helpful vote on an answer; the topic comes from the event."""

    event_id: int | str
    helpful: bool
    created_at: dt.datetime
    topic_id: str | None = None
    reason: str | None = None  # 👎 only: "topic" | "missing" | "wrong", None if not said


@dataclass(frozen=True, slots=True)
class FollowupRow:
    """A citizen's answer to "Bạn đã làm được thủ tục này trực tuyến chưa?".

    ``answer`` is one of online / in_person / not_yet / difficulty.
    """

    event_id: int | str
    topic_id: str
    answer: str
    answered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class UptakeRow:
    """Official dossier counts imported from the portal for one topic and period.

    ``period`` is a label such as ``2026-11``, ``2026-Q4``, ``2026-W48`` or ``2026``;
    the report uses the latest period that started before the week ended.
    """

    topic_id: str
    period: str
    online_count: int
    total_count: int


@dataclass(frozen=True, slots=True)
class TopicRow:
    """The catalogue facts the report needs about one knowledge-base topic."""

    id: str
    title: str
    category: str
    online: str
    reviewed: dt.date | None = None  # the last check: a staff review, else the sources' month
    staff_reviewed: bool = False  # True when ``reviewed`` is a staff member's review

    @classmethod
    def from_topic(cls, topic: Any) -> TopicRow:
        """Build from a :class:`knowledge.schema.Topic` (duck-typed to avoid the import)."""
        reviewed_on = getattr(topic, "reviewed_on", None)
        return cls(id=topic.id, title=topic.title, category=topic.category,
                   online=str(getattr(topic.online, "value", topic.online)),
                   reviewed=topic.reviewed,
                   staff_reviewed=reviewed_on is not None and reviewed_on == topic.reviewed)


# --- The aggregate -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayCount:
    day: dt.date
    questions: int


@dataclass(frozen=True, slots=True)
class TopicWeek:
    """One topic's week. ``followups`` cover the last ``WeekStats.followup_weeks`` weeks,
    because a handful of answers per week is too few to say anything."""

    topic_id: str
    title: str
    category: str
    online: str
    questions: int = 0
    prev_questions: int = 0
    people: int = 0
    answered: int = 0
    suggested: int = 0
    fallback: int = 0
    helpful: int = 0
    not_helpful: int = 0
    # 👎 votes by reason (keys of NOT_HELPFUL_REASONS), so staff know what to fix.
    not_helpful_reasons: Mapping[str, int] = field(default_factory=dict)
    followups: Mapping[str, int] = field(default_factory=dict)
    official_online: int | None = None
    official_total: int | None = None
    official_period: str | None = None
    reviewed: dt.date | None = None

    @property
    def change(self) -> int:
        return self.questions - self.prev_questions

    @property
    def followup_total(self) -> int:
        return sum(self.followups.values())

    @property
    def online_possible(self) -> bool:
        return self.online in ("full", "partial")


@dataclass(frozen=True, slots=True)
class StaleTopic:
    topic_id: str
    title: str
    reviewed: dt.date
    staff_reviewed: bool = False


@dataclass(frozen=True, slots=True)
class WeekStats:
    """Everything the weekly summary shows; only aggregates and redacted examples."""

    week: str
    tz: str
    start: dt.date
    end: dt.date
    questions: int
    prev_questions: int
    people: int
    prev_people: int
    smalltalk: int
    per_day: tuple[DayCount, ...]
    prev_per_day: tuple[DayCount, ...]
    decisions: Mapping[str, int]
    prev_decisions: Mapping[str, int]
    channels: Mapping[str, int]
    helpful: int
    not_helpful: int
    followups: Mapping[str, int]
    topics: tuple[TopicWeek, ...]
    unanswered: tuple[QuestionGroup, ...]
    stale: tuple[StaleTopic, ...]
    followup_weeks: int = 4
    stale_months: int = 6
    commune: str = ""
    demo_events: int = 0  # synthetic events (`citizen-bot demo-data`) counted in this report
    out_of_scope: int = 0  # unclear questions left out because staff marked them out of scope
    campaigns: tuple[CampaignWeek, ...] = ()  # sent this week or still being measured

    @property
    def is_empty(self) -> bool:
        return self.questions == 0

    def share(self, decision: str, *, previous: bool = False) -> float | None:
        """Share of questions with this decision, None when there were no questions."""
        counts = self.prev_decisions if previous else self.decisions
        total = sum(counts.get(d, 0) for d in QUESTION_DECISIONS)
        return counts.get(decision, 0) / total if total else None

    def without(self, triaged_out: set[str], *, key_chars: int = 500) -> WeekStats:
        """The week without the question groups staff marked out of scope: they are not
        knowledge gaps, so the summary neither lists nor proposes them."""
        kept, dropped = [], 0
        for group in self.unanswered:
            if any(m[:key_chars] in triaged_out for m in group.members):
                dropped += group.count
            else:
                kept.append(group)
        return dataclasses.replace(self, unanswered=tuple(kept),
                                   out_of_scope=self.out_of_scope + dropped)

    @property
    def active_topics(self) -> tuple[TopicWeek, ...]:
        """Topics asked about this week, most asked first."""
        return tuple(t for t in self.topics if t.questions > 0)


# --- Aggregation ---------------------------------------------------------------------------

_Row = TypeVar("_Row", bound="DataclassInstance")


def _coerce(kind: type[_Row], rows: Iterable[_Row | Mapping[str, Any]]) -> list[_Row]:
    """Accept dataclass rows or mappings (e.g. SQLAlchemy ``row._mapping``)."""
    names = {f.name for f in dataclasses.fields(kind)}
    out: list[_Row] = []
    for row in rows:
        if isinstance(row, kind):
            out.append(row)
        elif isinstance(row, Mapping):
            out.append(kind(**{k: v for k, v in row.items() if k in names}))
        else:
            raise TypeError(f"expected {kind.__name__} or a mapping, got {type(row).__name__}")
    return out


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _within(value: dt.datetime, start: dt.datetime, end: dt.datetime) -> bool:
    return start <= _aware(value) < end


def _latest_uptake(rows: list[UptakeRow], week_end: dt.date) -> dict[str, UptakeRow]:
    """Per topic, the latest imported period that had started by the end of the week."""
    best: dict[str, tuple[tuple[dt.date, str], UptakeRow]] = {}
    for row in rows:
        if row.total_count <= 0:
            continue
        begun = period_start(row.period)
        if begun is not None and begun > week_end:
            continue
        key = (begun or dt.date.min, row.period)
        if row.topic_id not in best or key > best[row.topic_id][0]:
            best[row.topic_id] = (key, row)
    return {topic_id: row for topic_id, (_, row) in best.items()}


def _one_vote_per_answer(votes: Iterable[FeedbackRow]) -> list[FeedbackRow]:
    """The latest vote of each answer: storage keeps one per asker, but rows written
    before votes were keyed (or from elsewhere) may repeat, and a repeated press must
    not move the helpful rate."""
    latest: dict[int | str, FeedbackRow] = {}
    for fb in votes:
        kept = latest.get(fb.event_id)
        if kept is None or _aware(fb.created_at) >= _aware(kept.created_at):
            latest[fb.event_id] = fb
    return list(latest.values())


def _with_near_topics(groups: list[QuestionGroup], unclear: list[EventRow]
                      ) -> list[QuestionGroup]:
    """Each group's most suggested topic (suggest events carry their best candidate)."""
    near: dict[str, Counter[str]] = defaultdict(Counter)
    for e in unclear:
        if e.decision == "suggest" and e.topic_id:
            normalized, example = safe_texts(e.text_normalized or e.text_redacted,
                                             e.text_redacted)
            near[comparable(normalized or example)][e.topic_id] += 1
    out = []
    for group in groups:
        votes = Counter[str]()
        for member in group.members:
            votes.update(near.get(member, {}))
        top = min(votes, key=lambda t: (-votes[t], t)) if votes else None
        out.append(dataclasses.replace(group, near_topic=top))
    return out


def compute_week(
    events: Iterable[EventRow | Mapping[str, Any]],
    feedback: Iterable[FeedbackRow | Mapping[str, Any]],
    followups: Iterable[FollowupRow | Mapping[str, Any]],
    uptake: Iterable[UptakeRow | Mapping[str, Any]],
    topics: Iterable[TopicRow | Mapping[str, Any]],
    week: str | None = None,
    *,
    tz: str = DEFAULT_TZ,
    now: dt.datetime | None = None,
    followup_weeks: int = 4,
    stale_months: int = 6,
    commune: str = "",
) -> WeekStats:
    """Aggregate one ISO week (default: the last full week in ``tz``).

    Rows may cover more than the week; each is filtered here by its own time:
    events by ``created_at`` (this week and the previous one for the comparison),
    feedback by ``created_at``, follow-ups by ``answered_at`` within the last
    ``followup_weeks`` weeks. Questions are answer/suggest/fallback events;
    smalltalk is counted apart. Topics older than ``stale_months`` at the end of
    the week are listed as stale.
    """
    week = week or default_week(now, tz)
    start, end = iso_week_bounds(week, tz)
    prev_start = start - dt.timedelta(days=7)
    outcome_start = end - dt.timedelta(days=7 * followup_weeks)
    zone = ZoneInfo(tz)
    last_day = (end - dt.timedelta(days=1)).date()

    event_rows = _coerce(EventRow, events)
    catalogue = {t.id: t for t in _coerce(TopicRow, topics)}
    event_topic = {e.id: e.topic_id for e in event_rows}

    this_week = [e for e in event_rows if _within(e.created_at, start, end)]
    last_week = [e for e in event_rows if _within(e.created_at, prev_start, start)]
    questions = [e for e in this_week if e.decision in QUESTION_DECISIONS]
    prev_questions = [e for e in last_week if e.decision in QUESTION_DECISIONS]

    def per_day(rows: list[EventRow], first: dt.datetime) -> tuple[DayCount, ...]:
        counts = Counter(_aware(e.created_at).astimezone(zone).date() for e in rows)
        days = [first.date() + dt.timedelta(days=i) for i in range(7)]
        return tuple(DayCount(day, counts.get(day, 0)) for day in days)

    per_topic: dict[str, Counter[str]] = defaultdict(Counter)
    people: dict[str, set[str]] = defaultdict(set)
    for e in questions:
        if e.topic_id:
            per_topic[e.topic_id]["questions"] += 1
            per_topic[e.topic_id][e.decision] += 1
            if e.user_key:
                people[e.topic_id].add(e.user_key)
    for e in prev_questions:
        if e.topic_id:
            per_topic[e.topic_id]["prev"] += 1

    helpful_total = Counter[bool]()
    for fb in _one_vote_per_answer(fb for fb in _coerce(FeedbackRow, feedback)
                                   if _within(fb.created_at, start, end)):
        helpful_total[fb.helpful] += 1
        topic_id = fb.topic_id or event_topic.get(fb.event_id)
        if topic_id:
            per_topic[topic_id]["helpful" if fb.helpful else "not_helpful"] += 1
            if not fb.helpful:
                reason = fb.reason if fb.reason in NOT_HELPFUL_REASONS else ""
                per_topic[topic_id][f"reason:{reason}"] += 1

    followup_total = Counter[str]()
    followup_topic: dict[str, Counter[str]] = defaultdict(Counter)
    for fu in _coerce(FollowupRow, followups):
        if fu.answer not in FOLLOWUP_ANSWERS or not _within(fu.answered_at, outcome_start, end):
            continue
        followup_total[fu.answer] += 1
        followup_topic[fu.topic_id][fu.answer] += 1

    official = _latest_uptake(_coerce(UptakeRow, uptake), last_day)

    topic_ids = set(catalogue) | set(per_topic) | set(followup_topic)
    rows: list[TopicWeek] = []
    for topic_id in topic_ids:
        info = catalogue.get(topic_id)
        counts = per_topic.get(topic_id, Counter())
        imported = official.get(topic_id)
        rows.append(TopicWeek(
            topic_id=topic_id,
            title=info.title if info else topic_id,
            category=info.category if info else "",
            online=info.online if info else "info",
            questions=counts["questions"],
            prev_questions=counts["prev"],
            people=len(people.get(topic_id, ())),
            answered=counts["answer"],
            suggested=counts["suggest"],
            fallback=counts["fallback"],
            helpful=counts["helpful"],
            not_helpful=counts["not_helpful"],
            not_helpful_reasons={r: counts[f"reason:{r}"] for r in NOT_HELPFUL_REASONS},
            followups={a: followup_topic[topic_id][a] for a in FOLLOWUP_ANSWERS},
            official_online=imported.online_count if imported else None,
            official_total=imported.total_count if imported else None,
            official_period=imported.period if imported else None,
            reviewed=info.reviewed if info else None,
        ))
    rows.sort(key=lambda t: (-t.questions, -t.prev_questions, t.topic_id))

    cutoff = months_before(last_day, stale_months)
    stale = sorted(
        (StaleTopic(t.id, t.title, t.reviewed, t.staff_reviewed) for t in catalogue.values()
         if t.reviewed is not None and t.reviewed < cutoff),
        key=lambda s: (s.reviewed, s.topic_id),
    )

    unclear = [e for e in questions if e.decision in ("suggest", "fallback")]
    groups = _with_near_topics(group_questions(
        (*safe_texts(e.text_normalized or e.text_redacted, e.text_redacted),
         e.decision == "fallback")
        for e in unclear
    ), unclear)

    return WeekStats(
        week=week,
        tz=tz,
        start=start.date(),
        end=last_day,
        questions=len(questions),
        prev_questions=len(prev_questions),
        people=len({e.user_key for e in questions if e.user_key}),
        prev_people=len({e.user_key for e in prev_questions if e.user_key}),
        smalltalk=sum(1 for e in this_week if e.decision == "smalltalk"),
        per_day=per_day(questions, start),
        prev_per_day=per_day(prev_questions, prev_start),
        decisions={d: sum(1 for e in this_week if e.decision == d) for d in DECISIONS},
        prev_decisions={d: sum(1 for e in last_week if e.decision == d) for d in DECISIONS},
        channels=dict(sorted(Counter(e.channel for e in questions).items(),
                             key=lambda item: (-item[1], item[0]))),
        helpful=helpful_total[True],
        not_helpful=helpful_total[False],
        followups={a: followup_total[a] for a in FOLLOWUP_ANSWERS},
        topics=tuple(rows),
        unanswered=tuple(groups),
        stale=tuple(stale),
        followup_weeks=followup_weeks,
        stale_months=stale_months,
        commune=commune,
    )
