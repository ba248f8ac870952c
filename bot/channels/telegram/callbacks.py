"""Callback data: the conversation's short actions, made to fit and checked on the way back.

Telegram limits ``callback_data`` to 64 bytes, and a client can send back anything
(a forged topic id, an old button, random bytes), so:

* :func:`encode` keeps an action as is when it fits; otherwise its last segment (always
  a topic or category id) becomes ``~`` + a 10-hex digest. Nothing is stored, so every
  worker can decode it, and a digest that matches no current id is simply stale.
* :func:`decode_citizen` accepts only the action shapes the conversation emits, and only
  for topics and categories that exist now. Anything else is ``None``: the button
  "has expired" and nothing else happens.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

MAX_BYTES = 64
_DIGEST_CHARS = 10
_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"

# Every citizen action the conversation and the follow-ups emit; group "id" is a topic
# or category id that must exist, "kind" says which.
_CITIZEN = [
    (re.compile(r"^(?:start|help|menu|contact|handoff)$"), None),
    (re.compile(rf"^handoff:(?P<id>{_SLUG})$"), "topic"),
    (re.compile(rf"^topic:(?P<id>{_SLUG})$"), "topic"),
    (re.compile(rf"^full:(?P<id>{_SLUG})$"), "topic"),
    (re.compile(rf"^part:(?:fee|time|documents|where|online|who|legal):(?P<id>{_SLUG})$"),
     "topic"),
    (re.compile(rf"^cat:(?P<id>{_SLUG})$"), "category"),
    (re.compile(r"^fb:[yn]:[0-9a-f]{32}$"), None),
    (re.compile(r"^fr:(?:topic|missing|wrong):[0-9a-f]{32}$"), None),
    (re.compile(rf"^fu:[yn]:(?P<id>{_SLUG})$"), "topic"),
    (re.compile(rf"^fa:(?:on|ip|ny|hd):(?P<id>{_SLUG})$"), "topic"),
    # Outreach (handlers.subscription): consent, thôn, stop; a campaign's guide button.
    (re.compile(r"^sub(?::[ynx]|:a:(?:\d{1,2}|-))?$"), None),
    (re.compile(rf"^cp:\d{{1,9}}:(?P<id>{_SLUG})$"), "topic"),
]


def digest(value: str) -> str:
    return "~" + hashlib.sha256(value.encode()).hexdigest()[:_DIGEST_CHARS]


def fits(data: str) -> bool:
    return 1 <= len(data.encode()) <= MAX_BYTES


def encode(action: str) -> str | None:
    """``action`` itself, or its shortened form; None if even that is too long."""
    if fits(action):
        return action
    head, sep, last = action.rpartition(":")
    if not sep:
        return None
    short = f"{head}:{digest(last)}"
    return short if fits(short) else None


def resolve_id(segment: str, ids: Iterable[str]) -> str | None:
    """``segment`` itself, or the id whose digest it is; None when nothing matches."""
    if not segment.startswith("~"):
        return segment
    return next((candidate for candidate in ids if digest(candidate) == segment), None)


def expand(data: str, ids: Iterable[str]) -> str | None:
    """Undo :func:`encode` against the ids that exist now; None when nothing matches."""
    head, sep, last = data.rpartition(":")
    if not sep:
        return data
    resolved = resolve_id(last, ids)
    return f"{head}:{resolved}" if resolved is not None else None


def decode_citizen(data: str | None, topics: Iterable[str],
                   categories: Iterable[str]) -> str | None:
    """The action behind a citizen's button, or None for anything forged or stale."""
    if not data or not fits(data):
        return None
    topic_ids, category_ids = set(topics), set(categories)
    action = expand(data, topic_ids | category_ids)
    if action is None:
        return None
    for pattern, kind in _CITIZEN:
        match = pattern.match(action)
        if not match:
            continue
        if kind is None:
            return action
        known = topic_ids if kind == "topic" else category_ids
        return action if match.group("id") in known else None
    return None
