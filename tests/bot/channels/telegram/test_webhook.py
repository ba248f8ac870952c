"""The webhook route: secret, malformed bodies, duplicates, fast answers, RetryAfter."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from bot.server import create_app
from handlers import texts
from tests.bot.channels.telegram.conftest import SECRET, Harness, message, next_id, tg_settings
from tests.bot.channels.telegram.fake_api import FakeBotAPI


async def test_wrong_or_missing_secret_is_403_and_nothing_happens(tg: Harness) -> None:
    uid = next_id()
    update = message(uid, "/start")
    for secret in (None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper()):
        response = await tg.post(update, secret=secret)
        assert response.status_code == 403, secret
    await tg.fake.settle()
    assert tg.fake.sent(chat_id=uid) == []
    assert (await tg.post(update)).status_code == 200  # not claimed by the refused ones
    await tg.fake.wait_sent(uid)


async def test_malformed_bodies_are_400(tg: Harness) -> None:
    assert tg.client is not None
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for body in (b"{not json", b"[1, 2]", b'"text"', b'{"message": {}}', b'{"update_id": "1"}',
                 b"\xff\xfe"):
        response = await tg.client.post("/telegram/webhook", content=body, headers=headers)
        assert response.status_code == 400, body
    response = await tg.client.get("/telegram/webhook", headers=headers)
    assert response.status_code == 405


async def test_duplicate_update_ids_are_processed_once(tg: Harness) -> None:
    uid = next_id()
    update = message(uid, "/lienhe")
    responses = await asyncio.gather(*(tg.post(update) for _ in range(5)))
    assert [r.status_code for r in responses] == [200] * 5  # Telegram must stop retrying
    await tg.fake.wait_sent(uid)
    await tg.fake.settle()
    assert len(tg.fake.sent(chat_id=uid)) == 1
    await tg.post(update)  # a later redelivery too
    await tg.fake.settle()
    assert len(tg.fake.sent(chat_id=uid)) == 1


async def test_answers_at_once_and_a_429_delays_but_does_not_lose_the_reply(
        tg: Harness) -> None:
    uid = next_id()
    tg.fake.fail("sendMessage", retry_after=1)
    started = time.monotonic()
    response = await tg.post(message(uid, "/help"))
    answered = time.monotonic() - started
    assert response.status_code == 200 and answered < 0.5
    refused, delivered = await tg.fake.wait_sent(uid, 2)  # the fake records both attempts
    assert refused.text == delivered.text and texts.CAN_DO in delivered.text
    assert delivered.at - refused.at >= 1.0  # waited retry_after before trying again


async def test_not_running_yet_is_503(tmp_path: Path, fake: FakeBotAPI, kb_copy: Path) -> None:
    app = create_app(tg_settings(tmp_path, kb_copy, fake.base_url))  # lifespan not started
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post("/telegram/webhook", json=message(1, "/start"),
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert response.status_code == 503
