"""Answers citizens marked 👎 "Chưa đúng", for the staff inbox ("Bị đánh giá chưa đúng").

A vote names its event; the question shown to staff is that event's stored text, which
was redacted before it was written — nothing a client sends later can change it. A
dispute waits until staff resolve it (attach the question to the right topic, or
correct the entry); only the asker's own vote exists (see :mod:`bot.storage.events`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import Event, Feedback, utcnow
from bot.storage.rows import affected

RESOLUTIONS = frozenset({"example", "fixed"})


@dataclass(frozen=True, slots=True)
class Dispute:
    event_id: str
    voted_at: dt.datetime
    question: str | None  # the redacted text; None when the answer came from a button
    topic_id: str | None  # the topic the bot answered with
    reason: str | None  # "topic" | "missing" | "wrong" | None (not said)
    channel: str
    typed: bool = True  # False: the answer came from a button, there is no question text


def _dispute(r: Any) -> Dispute:
    typed = r.kind == "text"
    return Dispute(r.event_id, r.created_at, r.text_redacted if typed else None, r.topic_id,
                   r.reason, r.channel, typed)


class DisputedAnswers:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    async def pending(self, since: dt.datetime, *, limit: int = 50) -> list[Dispute]:
        """Unresolved 👎 votes since ``since``, newest first (demo data left out)."""
        stmt = (select(Feedback.event_id, Feedback.created_at, Event.kind,
                       Event.text_redacted, Event.topic_id, Feedback.reason, Event.channel)
                .join(Event, Event.id == Feedback.event_id)
                .where(Feedback.helpful.is_(False), Feedback.resolution.is_(None),
                       Feedback.created_at >= since,
                       or_(Event.demo.is_(None), Event.demo.is_(False)))
                .order_by(Feedback.created_at.desc(), Feedback.id.desc())
                .limit(limit))
        async with self._sessions() as session:
            rows = (await session.execute(stmt)).all()
        return [_dispute(r) for r in rows]

    async def find(self, event_id: str) -> Dispute | None:
        """The unresolved dispute on ``event_id`` (its stored question), if any."""
        stmt = (select(Feedback.event_id, Feedback.created_at, Event.kind,
                       Event.text_redacted, Event.topic_id, Feedback.reason, Event.channel)
                .join(Event, Event.id == Feedback.event_id)
                .where(Feedback.event_id == event_id[:64], Feedback.helpful.is_(False),
                       Feedback.resolution.is_(None))
                .limit(1))
        async with self._sessions() as session:
            r = (await session.execute(stmt)).first()
        return None if r is None else _dispute(r)

    async def resolve(self, event_id: str, resolution: str, *, author: str,
                      now: dt.datetime | None = None) -> bool:
        """Mark the 👎 votes on ``event_id`` handled; False if none was waiting."""
        if resolution not in RESOLUTIONS:
            raise ValueError(f"unknown resolution {resolution!r}")
        stmt = (update(Feedback)
                .where(Feedback.event_id == event_id[:64], Feedback.helpful.is_(False),
                       Feedback.resolution.is_(None))
                .values(resolution=resolution, resolved_by=author[:80],
                        resolved_at=now or utcnow()))
        async with self._sessions() as session, session.begin():
            result = await session.execute(stmt)
        return bool(affected(result))
