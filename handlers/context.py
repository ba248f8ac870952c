"""The short memory of one chat: what was just answered or offered, and when.

A value, not a store: the runtime loads it, passes it in with the message and
saves what the turn returns, so the conversation stays pure and a test can
freeze the clock. It expires on its own (30 minutes by default) and is cleared
by "menu"/"0".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

DEFAULT_TTL = dt.timedelta(minutes=30)
MAX_OFFERED = 12


@dataclass(frozen=True)
class ChatContext:
    """``topic_id``: last topic answered; ``offered_topics``: the topics last offered as
    choices; ``aspects``: what the citizen asked about while choices were pending."""

    topic_id: str | None = None
    offered_topics: tuple[str, ...] = ()
    at: dt.datetime | None = None
    aspects: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.topic_id is None and not self.offered_topics

    def alive(self, now: dt.datetime, ttl: dt.timedelta = DEFAULT_TTL) -> bool:
        """Not empty and not older than ``ttl`` (a context from the future is kept)."""
        return not self.empty and self.at is not None and now - self.at <= ttl

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.topic_id, "offered": list(self.offered_topics),
                "at": self.at.isoformat() if self.at else None, "aspects": list(self.aspects)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ChatContext | None:
        """Tolerant of anything stored by an older or newer version: bad data is no context."""
        if not isinstance(data, dict):
            return None
        try:
            at = dt.datetime.fromisoformat(data["at"]) if data.get("at") else None
            if at is not None and at.tzinfo is None:
                at = at.replace(tzinfo=dt.UTC)
            topic = data.get("topic")
            offered = tuple(str(t) for t in data.get("offered") or ())[:MAX_OFFERED]
            aspects = tuple(str(a) for a in data.get("aspects") or ())
        except (KeyError, TypeError, ValueError):
            return None
        return cls(str(topic) if topic else None, offered, at, aspects)


def answered(topic_id: str, now: dt.datetime) -> ChatContext:
    return ChatContext(topic_id, (), now)


def offered(topics: tuple[str, ...], now: dt.datetime, aspects: tuple[str, ...] = (),
            topic_id: str | None = None) -> ChatContext:
    return ChatContext(topic_id, topics[:MAX_OFFERED], now, aspects)


def cleared(now: dt.datetime) -> ChatContext:
    """An explicit "nothing": newer than any stored context, so it wins over it."""
    return ChatContext(None, (), now)
