"""Channel-neutral message and reply types.

Channels translate their updates into :class:`Incoming` and render
:class:`Reply` in their own way (Telegram HTML with buttons, Zalo numbered
plain text, the web page as JSON). Nothing here knows any channel's limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class MessageKind(StrEnum):
    """What the citizen sent."""

    TEXT = "text"
    ACTION = "action"  # a button press or a resolved numbered choice
    IMAGE = "image"
    STICKER = "sticker"
    VOICE = "voice"
    FILE = "file"
    LOCATION = "location"
    OTHER = "other"


class ReplyKind(StrEnum):
    """Why the bot replied the way it did; channels and the demand log use it."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    FALLBACK = "fallback"
    SMALLTALK = "smalltalk"
    MENU = "menu"
    INFO = "info"
    FEEDBACK = "feedback"
    HANDOFF = "handoff"
    UNSUPPORTED = "unsupported"
    ERROR = "error"


class BlockKind(StrEnum):
    """Structural pieces of a reply; channels choose the markup."""

    TITLE = "title"
    PARAGRAPH = "paragraph"
    STEPS = "steps"  # ordered list
    BULLETS = "bullets"  # unordered list
    FIELD = "field"  # label: text (fee, time, legal basis…)
    LINKS = "links"
    NOTE = "note"  # small print: sources, review date, warnings


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str = ""
    label: str = ""
    items: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Choice:
    """A button (Telegram, web) or a numbered option (Zalo).

    ``action`` is a short opaque string (``topic:khai-sinh``, ``cat:identity``,
    ``fb:yes:khai-sinh``, ``menu``, ``handoff``) that fits Telegram's 64-byte
    callback data and comes back as :attr:`Incoming.action`.
    """

    label: str
    action: str


@dataclass(frozen=True)
class Incoming:
    """One message from a citizen, already stripped of channel details."""

    channel: str
    user_key: str  # pseudonymous; never a raw platform id
    text: str = ""
    kind: MessageKind = MessageKind.TEXT
    action: str | None = None
    # Opaque address a channel can push to later (follow-ups); None where it can't (web).
    chat_ref: str | None = None
    area: str | None = None  # thôn/phố, if the citizen chose one
    group: bool = False  # said in a group chat: never a place for personal subscriptions


@dataclass(frozen=True)
class Reply:
    """What the bot says back, before any channel renders it."""

    kind: ReplyKind
    blocks: tuple[Block, ...] = ()
    choices: tuple[Choice, ...] = ()
    topic_id: str | None = None
    actions: tuple[str, ...] = field(default=())  # follow-ups for the channel, e.g. "handoff"
