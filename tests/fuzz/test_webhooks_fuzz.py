"""Zalo update parsing on arbitrary JSON: an update or None, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.strategies import FUZZ, hostile_text

updates = pytest.importorskip("bot.channels.zalo.updates")

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | hostile_text | st.text(min_size=150, max_size=300))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=6)
messages = st.fixed_dictionaries({}, optional={
    "text": values, "caption": values, "message_id": values, "date": values,
    "from": st.fixed_dictionaries({}, optional={"id": values, "display_name": values,
                                                "is_bot": values}) | values,
    "chat": st.fixed_dictionaries({}, optional={"id": values, "chat_type": values}) | values,
    "photo_url": values, "sticker": values, "voice_url": values,
})
results = st.fixed_dictionaries({}, optional={
    "event_name": st.sampled_from(list(updates.EVENT_KINDS)) | values,
    "message": messages | values})
payloads = st.one_of(values, results,
                     st.fixed_dictionaries({"ok": values}, optional={"result": results | values}))


@FUZZ
@given(payload=payloads)
def test_zalo_parser_never_raises_and_bounds_what_it_keeps(payload: object) -> None:
    parse = getattr(updates, "_parse", None)
    update = parse(payload, "fuzz") if parse else updates.parse_update(payload, source="fuzz")
    if update is None:
        return
    assert isinstance(update.text, str) and len(update.text) <= updates.MAX_TEXT_CHARS
    for value in (update.message_id, update.chat_id, update.user_id):
        assert value is None or (isinstance(value, str) and value and len(value) <= 128)
    assert update.display_name is None or len(update.display_name) <= 200
    assert len(update.event_name) <= 80
    assert update.date_ms is None or type(update.date_ms) is int
