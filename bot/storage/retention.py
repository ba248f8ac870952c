"""Retention: forget what citizens wrote after ``RETENTION_DAYS``, keep the counts.

Even redacted, free text can identify someone ("con tôi học lớp 3 trường X"), so it
is only kept as long as it helps fill knowledge gaps. Topic, decision, score and time
stay, which is all the weekly aggregates need. The same goes for questions handed to
staff: an old handoff case keeps its number, channel, topic, status and times (and its
staff-chat links, so a late staff answer still reaches the citizen), but not the text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import Event, HandoffCase, utcnow
from bot.storage.rows import affected


@dataclass(frozen=True)
class Purged:
    """How many rows had text removed by one run, per table."""

    events: int = 0
    handoff_cases: int = 0

    @property
    def total(self) -> int:
        return self.events + self.handoff_cases


async def purge_old_text(session_factory: async_sessionmaker[AsyncSession],
                         older_than_days: int, *, now: dt.datetime | None = None) -> Purged:
    """Null the raw text of events and handoff cases created before the cut-off.

    Events lose ``text_redacted``/``text_normalized``, handoff cases ``question_redacted``;
    both in one transaction. Already-purged rows are not counted, so a second run
    reports 0.
    """
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = (now or utcnow()) - dt.timedelta(days=older_than_days)
    events = (update(Event)
              .where(Event.created_at < cutoff,
                     or_(Event.text_redacted.is_not(None), Event.text_normalized.is_not(None)))
              .values(text_redacted=None, text_normalized=None)
              .execution_options(synchronize_session=False))
    cases = (update(HandoffCase)
             .where(HandoffCase.created_at < cutoff, HandoffCase.question_redacted.is_not(None))
             # keep updated_at: removing the text is not a change to the case
             .values(question_redacted=None, updated_at=HandoffCase.updated_at)
             .execution_options(synchronize_session=False))
    async with session_factory() as session, session.begin():
        purged_events = affected(await session.execute(events))
        purged_cases = affected(await session.execute(cases))
    return Purged(int(purged_events or 0), int(purged_cases or 0))


async def purge_raw_text(session_factory: async_sessionmaker[AsyncSession],
                         older_than_days: int, *, now: dt.datetime | None = None) -> int:
    """:func:`purge_old_text` (events *and* handoff cases); returns how many events had
    text removed (already-purged rows are not counted, so a second run reports 0)."""
    return (await purge_old_text(session_factory, older_than_days, now=now)).events
