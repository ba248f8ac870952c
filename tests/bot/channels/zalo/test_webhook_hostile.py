"""The Zalo webhook against hostile bodies: always 4xx, never 500, bounded reading."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from bot.channels.zalo.channel import MAX_BODY_BYTES, SECRET_HEADER, WEBHOOK_PATH
from tests.bot.channels.zalo.conftest import SECRET, Bot, FakeZalo
from tests.bot.channels.zalo.test_channel import MakeBot, say
from tests.bot.hostile_bodies import MALFORMED, send_endless

# Valid JSON that is not an update: acknowledged (200) and skipped, so that Zalo does not
# redeliver it (test_channel.py::test_bad_json_is_400_and_malformed_updates_are_acknowledged).
ACKNOWLEDGED = {"a bare string", "a bare list"}


@pytest.fixture
async def webhook_bot(make_bot: MakeBot) -> Bot:
    return await make_bot(mode="webhook", webhook_url="https://bot.example.vn/zalo/webhook",
                          webhook_secret=SECRET)


@pytest.fixture
def app(webhook_bot: Bot) -> Starlette:
    return Starlette(routes=webhook_bot.channel.routes())


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        yield client


async def test_malformed_bodies_are_400_and_the_bot_keeps_answering(
        http: httpx.AsyncClient, webhook_bot: Bot, fake_zalo: FakeZalo) -> None:
    for name, body, content_type in MALFORMED:
        response = await http.post(WEBHOOK_PATH, content=body, headers={
            SECRET_HEADER: SECRET, "Content-Type": content_type})
        if name in ACKNOWLEDGED:
            assert response.status_code == 200, name
            continue
        assert response.status_code == 400, name
        assert response.json() == {"ok": False}
    assert not fake_zalo.sent()
    assert await say(http, webhook_bot, fake_zalo, "menu")


@pytest.mark.parametrize("declared", [None, str(300 * 1024 * 1024)])
async def test_a_big_body_is_cut_while_reading(
        app: Starlette, http: httpx.AsyncClient, webhook_bot: Bot, fake_zalo: FakeZalo,
        declared: str | None) -> None:
    headers = [(SECRET_HEADER, SECRET)]
    if declared is not None:
        headers.append(("content-length", declared))
    status, pulled = await send_endless(app, WEBHOOK_PATH, headers)
    assert status == 413
    assert pulled <= MAX_BODY_BYTES + 64 * 1024
    assert await say(http, webhook_bot, fake_zalo, "menu")
