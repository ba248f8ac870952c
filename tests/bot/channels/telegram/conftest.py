"""Telegram end-to-end fixtures: a fake Bot API on loopback and the real app pointed at it.

Nothing leaves the machine: ``TELEGRAM_API_BASE_URL`` is the fake's address, and the
webhook address given to ``setWebhook`` is never contacted (the fake only records it).

The knowledge base is a copy of the starter content with two deliberate changes:
a step of ``khai-sinh`` holds markup characters and the topic is long enough to need
several messages, and ``can-cuoc-cap-doi-cap-lai`` has an id so long that its buttons
must be shortened to fit Telegram's 64-byte callback data.
"""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import SecretStr
from starlette.applications import Starlette

from bot.config import Settings
from bot.runtime import Runtime
from bot.server import create_app
from knowledge.loader import DEFAULT_CONTENT_DIR
from tests.bot.channels.telegram.fake_api import BOT_ID, BOT_USERNAME, FakeBotAPI

TOKEN = "123456789:AAEfakeTokenForTestsOnly_0123456789"
SECRET = "s3cret-Webhook_token-for-tests-0123456789"
ADMIN_ID = 4242
STAFF_CHAT = -1001500
LONG_ID = "can-cuoc-cap-doi-cap-lai-cho-cong-dan-da-co-the-can-cuoc-cu"
INJECTED_STEP = 'Mang <b>giấy chứng sinh</b> & "tờ khai" <script>alert(1)</script>'

_ids = itertools.count(10_000)


def next_id() -> int:
    return next(_ids)


@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeBotAPI]:
    fake = FakeBotAPI()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake(fake_api: FakeBotAPI) -> FakeBotAPI:
    fake_api.reset()
    return fake_api


@pytest.fixture(scope="session")
def kb_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("kb") / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    topics = target / "topics"
    birth = topics / "khai-sinh.yaml"
    data = yaml.safe_load(birth.read_text(encoding="utf-8"))
    data["steps"][0] = INJECTED_STEP
    filler = ("Kiểm tra lại thông tin trên tờ khai trước khi nộp, đối chiếu với giấy tờ gốc "
              "và hỏi cán bộ nếu chưa rõ. ") * 12
    data["steps"] += [f"Bước bổ sung {i}: {filler}".strip() for i in range(1, 5)]
    birth.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                     encoding="utf-8")
    old = "can-cuoc-cap-doi-cap-lai"
    for path in topics.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text = text.replace(f"id: {old}\n", f"id: {LONG_ID}\n").replace(
            f"- {old}\n", f"- {LONG_ID}\n")
        path.write_text(text, encoding="utf-8")
    (topics / f"{old}.yaml").rename(topics / f"{LONG_ID}.yaml")
    return target


def tg_settings(data_dir: Path, kb: Path, base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir, "knowledge_dir": kb,
        "telegram_bot_token": SecretStr(TOKEN), "telegram_mode": "webhook",
        "telegram_webhook_secret": SecretStr(SECRET),
        "webhook_base_url": "https://bot.example.test",
        "telegram_api_base_url": base_url, "staff_chat_ids": str(STAFF_CHAT),
        "admin_user_ids": str(ADMIN_ID), "rate_limit_per_minute": 20,
        "knowledge_poll_seconds": 3600,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Harness:
    """The running app, an HTTP client into it and the fake Bot API it talks to."""

    app: Starlette
    client: httpx.AsyncClient | None
    fake: FakeBotAPI

    @property
    def runtime(self) -> Runtime:
        return self.app.state.runtime

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        assert self.client is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return await self.client.post("/telegram/webhook", json=update, headers=headers)

    async def send(self, update: dict[str, Any]) -> None:
        """Deliver an update (webhook POST, or the fake's getUpdates when polling)."""
        if self.client is None:
            self.fake.feed(update)
            return
        response = await self.post(update)
        assert response.status_code == 200, response.text

    async def say(self, user: int, text: str, *, count: int = 1, **kw: Any) -> list[Any]:
        """Send text as ``user`` and wait for at least ``count`` messages back."""
        before = len(self.fake.sent("sendMessage", kw.get("chat_id", user)))
        await self.send(message(user, text, **kw))
        calls = await self.fake.wait_sent(kw.get("chat_id", user), before + count)
        return calls[before:]

    async def press(self, user: int, data: str, *, chat_id: int | None = None,
                    markup: dict[str, Any] | None = None) -> None:
        await self.send(callback(user, data, chat_id=chat_id, markup=markup))


@pytest.fixture(scope="module")
def webhook_app(tmp_path_factory: pytest.TempPathFactory, fake_api: FakeBotAPI,
                kb_copy: Path) -> Starlette:
    settings = tg_settings(tmp_path_factory.mktemp("tg-data"), kb_copy, fake_api.base_url)
    return create_app(settings)


@pytest.fixture
async def tg(webhook_app: Starlette, fake: FakeBotAPI) -> AsyncIterator[Harness]:
    async with webhook_app.router.lifespan_context(webhook_app):
        transport = httpx.ASGITransport(app=webhook_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            await fake.wait_for(lambda f: f.sent("setWebhook"))
            await settled(webhook_app, fake)
            yield Harness(webhook_app, c, fake)


async def settled(app: Starlette, fake: FakeBotAPI) -> None:
    """Wait for the first knowledge sync: it builds the index in a thread, which must not
    outlive the test's event loop."""
    runtime = app.state.runtime
    await fake.wait_for(lambda _: runtime.knowledge.stored_version is not None, within=15)


# --- updates as Telegram sends them ------------------------------------------------------


def user(user_id: int, name: str = "An") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "vi"}


def chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "An"}
    return {"id": chat_id, "type": "supergroup", "title": "Nhóm"}


def raw_message(user_id: int, *, chat_id: int | None = None, **content: Any) -> dict[str, Any]:
    return {"message_id": next_id(), "date": int(time.time()), "chat": chat(chat_id or user_id),
            "from": user(user_id), **content}


def message(user_id: int, text: str, *, chat_id: int | None = None,
            reply_to: dict[str, Any] | None = None, update_id: int | None = None,
            mention: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    entities = []
    if text.startswith("/"):
        entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
    if mention:
        content["text"] = f"@{BOT_USERNAME} {text}"
        entities.append({"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1})
    if entities:
        content["entities"] = entities
    if reply_to is not None:
        content["reply_to_message"] = reply_to
    return {"update_id": update_id or next_id(),
            "message": raw_message(user_id, chat_id=chat_id, **content)}


def bot_message(chat_id: int, message_id: int, text: str = "…",
                markup: dict[str, Any] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                             "chat": chat(chat_id), "text": text,
                             "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot",
                                      "username": BOT_USERNAME}}
    if markup:
        found["reply_markup"] = markup
    return found


def callback(user_id: int, data: str, *, chat_id: int | None = None,
             markup: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"update_id": next_id(), "callback_query": {
        "id": str(next_id()), "from": user(user_id), "chat_instance": "ci", "data": data,
        "message": bot_message(chat_id or user_id, next_id(), markup=markup)}}
