"""Read-only figures over the demand log, for the weekly report and the staff pages.

The rows are returned as the database holds them (plain dataclasses); what they
mean — which candidate stands for a suggestion's topic, how a period is labelled —
is decided by :mod:`bot.reports`, so this module knows tables and nothing else.
Demo data is left out unless ``include_demo`` (see :mod:`bot.storage.demo_data`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.demo_data import DEMO_USER_PREFIX
from bot.storage.models import Event, Feedback, Followup, Triage, UptakeFigure
from bot.storage.uptake import StoredFigure


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: str
    created_at: dt.datetime
    channel: str
    decision: str
    topic_id: str | None
    score: float
    text_redacted: str | None
    text_normalized: str | None
    user_key: str
    candidates: Any  # the matcher's JSON list of {"topic": ..., ...}


@dataclass(frozen=True, slots=True)
class StoredVote:
    """A feedback vote with the decision, topic and candidates of the event voted on."""

    event_id: str
    helpful: bool
    created_at: dt.datetime
    topic_id: str | None
    decision: str
    candidates: Any
    reason: str | None = None  # 👎 only: what the citizen said was wrong


@dataclass(frozen=True, slots=True)
class StoredFollowupAnswer:
    id: int
    event_id: str | None
    topic_id: str
    answer: str
    answered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StoredWeek:
    """Everything the weekly report reads, in insertion order."""

    events: list[StoredEvent]
    votes: list[StoredVote]
    followups: list[StoredFollowupAnswer]
    uptake: list[StoredFigure]  # demo figures included: the report counts and filters them
    demo_events: int  # demo events in the range, whether included or not


@dataclass(frozen=True, slots=True)
class UnmatchedQuestion:
    """A question answered only with suggestions, or not at all (fallback)."""

    text_normalized: str | None
    text_redacted: str | None
    decision: str
    candidates: Any
    user_key: str = ""
    created_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class TopicOpened:
    """A citizen opened a topic by a button or a numbered choice."""

    user_key: str
    created_at: dt.datetime
    topic_id: str


def _not_demo_event() -> ColumnElement[bool]:
    return or_(Event.demo.is_(None), Event.demo.is_(False))


class DemandFigures:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    async def week(self, start: dt.datetime, end: dt.datetime, *,
                   followups_since: dt.datetime, include_demo: bool = False) -> StoredWeek:
        """Events and votes in [start, end), follow-ups answered in [followups_since, end),
        and every uptake figure whose period started before ``end``."""
        in_range = (Event.created_at >= start, Event.created_at < end)
        async with self._sessions() as session:
            stmt = select(Event.id, Event.created_at, Event.channel, Event.decision,
                          Event.topic_id, Event.score, Event.text_redacted,
                          Event.text_normalized, Event.user_key, Event.candidates
                          ).where(*in_range)
            if not include_demo:
                stmt = stmt.where(_not_demo_event())
            events = [StoredEvent(*r) for r in
                      (await session.execute(stmt.order_by(Event.created_at, Event.id))).all()]
            demo_events = await session.scalar(
                select(func.count()).select_from(Event).where(*in_range, Event.demo.is_(True)))

            stmt = (select(Feedback.event_id, Feedback.helpful, Feedback.created_at,
                           Event.topic_id, Event.decision, Event.candidates, Feedback.reason)
                    .join(Event, Event.id == Feedback.event_id)
                    .where(Feedback.created_at >= start, Feedback.created_at < end))
            if not include_demo:
                stmt = stmt.where(_not_demo_event())
            votes = [StoredVote(r.event_id, bool(r.helpful), r.created_at, r.topic_id,
                                r.decision, r.candidates, r.reason)
                     for r in (await session.execute(stmt.order_by(Feedback.id))).all()]

            stmt = (select(Followup.id, Followup.event_id, Followup.topic_id, Followup.answer,
                           Followup.answered_at)
                    .outerjoin(Event, Event.id == Followup.event_id)
                    .where(Followup.answer.is_not(None), Followup.answered_at >= followups_since,
                           Followup.answered_at < end))
            if not include_demo:
                stmt = stmt.where(_not_demo_event(),
                                  not_(Followup.user_key.startswith(DEMO_USER_PREFIX)))
            followups = [StoredFollowupAnswer(r.id, r.event_id, r.topic_id, str(r.answer),
                                              r.answered_at)
                         for r in (await session.execute(stmt.order_by(Followup.id))).all()
                         if r.answered_at is not None]  # the query asks for answered ones

            stmt = (select(UptakeFigure.topic_id, UptakeFigure.period_start,
                           UptakeFigure.period_end, UptakeFigure.online_count,
                           UptakeFigure.total_count, UptakeFigure.source,
                           UptakeFigure.imported_at)
                    .where(UptakeFigure.period_start < end.date()))
            uptake = [StoredFigure(*r) for r in
                      (await session.execute(stmt.order_by(UptakeFigure.id))).all()]
        return StoredWeek(events, votes, followups, uptake, int(demo_events or 0))

    async def demo_events(self) -> int:
        """How many demo events the database holds."""
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(Event).where(Event.demo.is_(True)))
        return int(count or 0)

    async def unmatched_since(self, since: dt.datetime, *, include_demo: bool = False,
                              latest: int | None = None) -> list[UnmatchedQuestion]:
        """Suggest/fallback questions with text since ``since``, oldest first; only the
        ``latest`` most recent ones when given."""
        stmt = (select(Event.text_normalized, Event.text_redacted, Event.decision,
                       Event.candidates, Event.user_key, Event.created_at)
                .where(Event.created_at >= since, Event.decision.in_(("suggest", "fallback")),
                       Event.text_redacted.is_not(None))
                .order_by(Event.created_at.desc(), Event.id.desc()))
        if not include_demo:
            stmt = stmt.where(_not_demo_event())
        if latest is not None:
            stmt = stmt.limit(latest)
        async with self._sessions() as session:
            rows = (await session.execute(stmt)).all()
        return [UnmatchedQuestion(*r) for r in reversed(rows)]

    async def topics_opened_since(self, since: dt.datetime, user_keys: Collection[str]
                                  ) -> list[TopicOpened]:
        """Topics these citizens opened by a button or numbered choice since ``since``,
        oldest first: after a suggestion, the one they picked is the question's label."""
        if not user_keys:
            return []
        stmt = (select(Event.user_key, Event.created_at, Event.topic_id)
                .where(Event.created_at >= since, Event.kind == "action",
                       Event.topic_id.is_not(None), Event.user_key.in_(sorted(user_keys)))
                .order_by(Event.created_at, Event.id))
        async with self._sessions() as session:
            rows = (await session.execute(stmt)).all()
        return [TopicOpened(user, at, str(topic)) for user, at, topic in rows]

    async def triaged_keys(self, action: str | None = None) -> set[str]:
        """Normalised texts staff already triaged (as stored, not yet folded); only
        those triaged with ``action`` ("out_of_scope", "example") when given."""
        stmt = select(Triage.text_normalized).distinct()
        if action is not None:
            stmt = stmt.where(Triage.action == action)
        async with self._sessions() as session:
            keys = (await session.scalars(stmt)).all()
        return {k for k in keys if k}

    async def asked_per_topic(self, since: dt.datetime) -> dict[str, int]:
        """Events per topic since ``since`` (demo data left out): the staff pages' demand."""
        stmt = (select(Event.topic_id, func.count()).where(
            Event.created_at >= since, Event.topic_id.is_not(None), _not_demo_event())
            .group_by(Event.topic_id))
        async with self._sessions() as session:
            rows = (await session.execute(stmt)).all()
        return {str(topic): int(count) for topic, count in rows}
