"""The Telegram webhook against hostile bodies: always 4xx, never 500, bounded reading."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.telegram.webhook import MAX_BODY_BYTES, PATH, SECRET_HEADER
from tests.bot.channels.telegram.conftest import SECRET, Harness, message, next_id
from tests.bot.hostile_bodies import MALFORMED, send_endless


async def still_answers(tg: Harness) -> None:
    uid = next_id()
    assert (await tg.post(message(uid, "/start"))).status_code == 200
    await tg.fake.wait_sent(uid)


async def test_malformed_bodies_are_400_and_the_bot_keeps_answering(tg: Harness) -> None:
    assert tg.client is not None
    for name, body, content_type in MALFORMED:
        response = await tg.client.post(PATH, content=body, headers={
            SECRET_HEADER: SECRET, "Content-Type": content_type})
        assert response.status_code == 400, name
    await still_answers(tg)


def _odd_updates(uid: int) -> list[dict[str, Any]]:
    good = message(uid, "menu")["message"]
    return [
        {"update_id": True, "message": good},
        {"update_id": next_id(), "message": "text"},
        {"update_id": next_id(), "message": []},
        {"update_id": next_id(), "message": {**good, "date": "yesterday"}},
        {"update_id": next_id(), "message": {**good, "text": 5}},
        {"update_id": next_id(), "message": {**good, "text": ["menu"]}},
        {"update_id": next_id(), "message": {**good, "chat": {"id": "x", "type": "private"}}},
        {"update_id": next_id(), "message": {**good, "chat": {"id": uid, "type": ["private"]}}},
        {"update_id": next_id(), "message": {**good, "from": "me"}},
        {"update_id": next_id(), "message": {**good, "entities": {"a": 1}}},
        {"update_id": next_id(), "callback_query": {"id": "1", "chat_instance": "3",
                                                    "from": {"id": uid, "is_bot": False,
                                                             "first_name": "A"},
                                                    "data": ["menu"]}},
    ]


async def test_wrong_types_inside_valid_json_are_400(tg: Harness) -> None:
    uid = next_id()
    for update in _odd_updates(uid):
        response = await tg.post(update)
        assert response.status_code == 400, update
    await tg.fake.settle()
    assert tg.fake.sent(chat_id=uid) == []
    await still_answers(tg)


@pytest.mark.parametrize("declared", [None, str(300 * 1024 * 1024)])
async def test_a_big_body_is_cut_while_reading(tg: Harness, declared: str | None) -> None:
    headers = [(SECRET_HEADER, SECRET)]
    if declared is not None:
        headers.append(("content-length", declared))
    status, pulled = await send_endless(tg.app, PATH, headers)
    assert status == 413
    assert pulled <= MAX_BODY_BYTES + 64 * 1024
    await still_answers(tg)


async def test_without_the_secret_nothing_is_read(tg: Harness) -> None:
    status, pulled = await send_endless(tg.app, PATH)
    assert status == 403 and pulled == 0
