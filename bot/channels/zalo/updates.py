"""One normalised :class:`ZaloUpdate` from a getUpdates result or a webhook body.

Accepted shapes (seen in the docs and in independent implementations):

* ``{"ok": true, "result": {"event_name": …, "message": {…}}}`` (webhook, getUpdates)
* ``{"event_name": …, "message": {…}}`` (an unwrapped delivery)
* a result with ``message`` but no ``event_name`` (the docs' getUpdates sample): the
  kind is inferred from the message fields.

Everything is optional and may have the wrong type: ids may be numbers or strings,
``message`` may be missing (``message.unsupported.received`` for protected users).
Anything unusable gives ``None`` and one log line, never an exception.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from handlers.messages import MessageKind

log = logging.getLogger(__name__)

EVENT_TEXT = "message.text.received"
EVENT_IMAGE = "message.image.received"
EVENT_STICKER = "message.sticker.received"
EVENT_VOICE = "message.voice.received"
EVENT_UNSUPPORTED = "message.unsupported.received"
EVENT_KINDS: dict[str, MessageKind] = {
    EVENT_TEXT: MessageKind.TEXT,
    EVENT_IMAGE: MessageKind.IMAGE,
    EVENT_STICKER: MessageKind.STICKER,
    EVENT_VOICE: MessageKind.VOICE,
    EVENT_UNSUPPORTED: MessageKind.OTHER,
}
MAX_TEXT_CHARS = 20_000  # far above any real message; keeps a hostile body bounded


@dataclass(frozen=True, slots=True)
class ZaloUpdate:
    event_name: str
    # None for an event name this code does not know (reactions, group events…).
    kind: MessageKind | None
    message_id: str | None = None
    chat_id: str | None = None
    chat_type: str | None = None
    user_id: str | None = None
    display_name: str | None = None
    is_bot: bool = False
    text: str = ""
    date_ms: int | None = None

    @property
    def known(self) -> bool:
        return self.kind is not None


def _id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip() and len(value) <= 128:
        return value.strip()
    return None


def _str(value: Any, limit: int = 200) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _infer_event(message: dict[str, Any]) -> str:
    if isinstance(message.get("text"), str):
        return EVENT_TEXT
    if message.get("photo") or message.get("photo_url"):
        return EVENT_IMAGE
    if message.get("sticker"):
        return EVENT_STICKER
    if message.get("voice_url") or message.get("voice"):
        return EVENT_VOICE
    return EVENT_UNSUPPORTED


def parse_update(payload: Any, *, source: str = "webhook") -> ZaloUpdate | None:
    """The update in ``payload``, or None (logged) when there is nothing usable."""
    try:
        return _parse(payload, source)
    except Exception:  # a parser bug must not stop the channel
        log.exception("zalo %s: could not parse an update; skipped", source)
        return None


def _parse(payload: Any, source: str) -> ZaloUpdate | None:
    if not isinstance(payload, dict):
        log.warning("zalo %s: update is a %s, not an object; skipped", source,
                    type(payload).__name__)
        return None
    if payload.get("ok") is False:
        log.warning("zalo %s: delivery with ok=false; skipped", source)
        return None
    body = payload.get("result") if "result" in payload else payload
    if not isinstance(body, dict):
        log.warning("zalo %s: result is a %s, not an object; skipped", source,
                    type(body).__name__)
        return None
    raw_message = body.get("message")
    message = raw_message if isinstance(raw_message, dict) else None
    event = body.get("event_name")
    if not isinstance(event, str) or not event.strip():
        if message is None:
            log.warning("zalo %s: update without event_name or message; skipped", source)
            return None
        event = _infer_event(message)
    event = event.strip()[:80]
    kind = EVENT_KINDS.get(event)
    if message is None:
        return ZaloUpdate(event, kind)
    sender = _object(message.get("from"))
    chat = _object(message.get("chat"))
    text = message.get("text")
    if not isinstance(text, str):
        caption = message.get("caption")
        text = caption if isinstance(caption, str) else ""
    date = message.get("date")
    return ZaloUpdate(
        event_name=event,
        kind=kind,
        message_id=_id(message.get("message_id")),
        chat_id=_id(chat.get("id")),
        chat_type=_str(chat.get("chat_type"), 16),
        user_id=_id(sender.get("id")),
        display_name=_str(sender.get("display_name")),
        is_bot=sender.get("is_bot") is True,
        text=text[:MAX_TEXT_CHARS],
        date_ms=date if isinstance(date, int) and not isinstance(date, bool) else None,
    )


def _object(value: object) -> dict[str, Any]:
    """A JSON object field, or an empty one when the platform sent something else."""
    return value if isinstance(value, dict) else {}
