"""Every shape a Zalo update can arrive in, and every way it can be broken."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.channels.zalo.updates import ZaloUpdate, parse_update
from handlers.messages import MessageKind
from tests.bot.channels.zalo.conftest import message


@pytest.mark.parametrize(("event", "kind"), [
    ("message.text.received", MessageKind.TEXT),
    ("message.image.received", MessageKind.IMAGE),
    ("message.sticker.received", MessageKind.STICKER),
    ("message.voice.received", MessageKind.VOICE),
    ("message.unsupported.received", MessageKind.OTHER),
    ("message.reaction.received", None),
])
def test_every_event_name(event: str, kind: MessageKind | None) -> None:
    update = parse_update(message("xin chào", event=event, message_id="m1", user="u1"))
    assert update is not None
    assert update.event_name == event
    assert update.kind is kind
    assert update.known is (kind is not None)
    assert (update.message_id, update.chat_id, update.user_id) == ("m1", "u1", "u1")


def test_documented_webhook_sample() -> None:
    body = {"ok": True, "result": {"message": {
        "from": {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": False},
        "chat": {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"},
        "text": "Xin chào", "message_id": "2d758cb5e222177a4e35", "date": 1750316131602},
        "event_name": "message.text.received"}}
    assert parse_update(body) == ZaloUpdate(
        event_name="message.text.received", kind=MessageKind.TEXT,
        message_id="2d758cb5e222177a4e35", chat_id="6ede9afa66b88fe6d6a9",
        chat_type="PRIVATE", user_id="6ede9afa66b88fe6d6a9", display_name="Ted",
        is_bot=False, text="Xin chào", date_ms=1750316131602)


def test_unwrapped_delivery_is_the_same_update() -> None:
    wrapped = message("menu", message_id="m2")
    assert parse_update(wrapped["result"]) == parse_update(wrapped)


@pytest.mark.parametrize(("fields", "kind"), [
    ({"text": "hi"}, MessageKind.TEXT),
    ({"photo": "https://x/p.jpg", "caption": "giấy này"}, MessageKind.IMAGE),
    ({"sticker": "d063f44dc80821567819"}, MessageKind.STICKER),
    ({"voice_url": "https://x/v.aac"}, MessageKind.VOICE),
    ({}, MessageKind.OTHER),
])
def test_missing_event_name_is_inferred_from_the_message(fields: dict[str, Any],
                                                         kind: MessageKind) -> None:
    # The docs' getUpdates sample has no event_name.
    body = {"ok": True, "result": {"message": {"chat": {"id": "c"}, "from": {"id": "c"},
                                               "message_id": "m", **fields}}}
    update = parse_update(body, source="getUpdates")
    assert update is not None and update.kind is kind


def test_caption_becomes_the_text_of_an_image() -> None:
    update = parse_update(message(None, event="message.image.received",
                                  photo="https://x/p.jpg", caption="đây là giấy gì"))
    assert update is not None and update.text == "đây là giấy gì"


def test_unsupported_event_without_message() -> None:
    update = parse_update({"ok": True, "result": {"event_name":
                                                  "message.unsupported.received"}})
    assert update is not None and update.kind is MessageKind.OTHER
    assert update.chat_id is None and update.user_id is None


def test_numbers_and_wrong_types_in_fields() -> None:
    body = {"event_name": "message.text.received", "message": {
        "from": {"id": 12345, "is_bot": "yes", "display_name": ["x"]},
        "chat": {"id": {"nested": 1}, "chat_type": 7},
        "message_id": True, "date": "yesterday", "text": 42}}
    update = parse_update(body)
    assert update is not None
    assert update.user_id == "12345"  # numeric ids are accepted as strings
    assert update.chat_id is None and update.message_id is None
    assert update.is_bot is False and update.display_name is None
    assert update.chat_type is None and update.date_ms is None and update.text == ""


@pytest.mark.parametrize("payload", [
    None, [], "text", 42, {}, {"ok": True}, {"ok": False, "error_code": 408},
    {"ok": True, "result": []}, {"ok": True, "result": "x"},
    {"ok": True, "result": {"event_name": 5}},
    {"result": {"event_name": "", "message": "not an object"}},
])
def test_malformed_payloads_are_skipped_with_a_log_line(
        payload: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.channels.zalo.updates"):
        assert parse_update(payload) is None
    assert caplog.records, "a skipped update must leave a log line"


def test_hostile_sizes_are_bounded() -> None:
    update = parse_update(message("a" * 100_000, message_id="x" * 500))
    assert update is not None
    assert len(update.text) == 20_000 and update.message_id is None
