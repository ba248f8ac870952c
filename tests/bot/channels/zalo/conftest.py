"""A fake Zalo Bot Platform API on 127.0.0.1, served by uvicorn inside the test's loop.

It behaves like the documented API: ``POST /bot<TOKEN>/<method>`` with JSON,
``{ok, result}`` answers, ``getUpdates`` returning one update per call or HTTP 408
``{ok:false, error_code:408}`` when nothing arrived, ``sendMessage`` refusing texts
outside 1–2,000 characters, ``setWebhook`` refusing secrets outside 8–256 characters.
Every call is recorded; ``script()`` queues exact answers for a method.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.client import ZaloClient
from bot.config import Settings
from bot.storage import Storage
from bot.turns.assistant import Assistant
from bot.turns.pipeline import TurnPipeline
from handlers.conversation import Conversation
from knowledge.service import KnowledgeService

TOKEN = "1459232241454765289:Fake-Secret-Token-xyz"
SECRET = "a-long-webhook-secret-0123456789"
SALT = b"zalo-test-salt"


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    at: float


@dataclass
class FakeZalo:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    updates: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    scripted: dict[str, list[tuple[int, Any, dict[str, str]]]] = field(default_factory=dict)
    poll_wait: float = 0.2  # the real server holds a poll ~30 s; tests need less
    webhook_url: str = ""
    delays: dict[str, float] = field(default_factory=dict)  # per method: a slow server
    active: int = 0  # requests being answered now…
    peak: int = 0  # …and the most at once
    # sendMessage to these chats answers ``{ok: false, error_code, description}``. Zalo's
    # error table: 400 bad request, 401 token, 403 internal server error, 404 not found,
    # 408 timeout, 429 quota exceeded — and no code for a user who blocked the bot.
    refuse: dict[str, tuple[int, str]] = field(default_factory=dict)

    def script(self, method: str, status: int, body: Any,
               headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.scripted.setdefault(method, []).extend([(status, body, headers or {})] * times)

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: str | None = None) -> list[str]:
        return [c.body["text"] for c in self.of("sendMessage")
                if chat_id is None or c.body.get("chat_id") == chat_id]

    async def wait_for(self, check: Callable[[], bool], within: float = 5.0) -> None:
        deadline = time.monotonic() + within
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; calls: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.01)

    async def handle(self, request: Request) -> Response:
        token, method = request.path_params["token"], request.path_params["method"]
        if token != TOKEN:
            return JSONResponse({"ok": False, "error_code": 401,
                                 "description": "Unauthorized"}, status_code=401)
        try:
            body = await request.json()
        except ValueError:
            body = {}
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await asyncio.sleep(self.delays.get(method, 0))
        finally:
            self.active -= 1
        self.calls.append(Call(method, body if isinstance(body, dict) else {},
                               time.monotonic()))
        queue = self.scripted.get(method)
        if queue:
            status, answer, headers = queue.pop(0)
            if isinstance(answer, str):
                return Response(answer, status_code=status, headers=headers)
            return JSONResponse(answer, status_code=status, headers=headers)
        return await getattr(self, f"_{method}", self._unknown)(body)

    async def _unknown(self, body: dict[str, Any]) -> Response:
        return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"},
                            status_code=404)

    async def _getMe(self, body: dict[str, Any]) -> Response:
        return _ok({"id": "1459232241454765289", "account_name": "bot.TestXa",
                    "account_type": "BASIC", "can_join_groups": False})

    async def _getUpdates(self, body: dict[str, Any]) -> Response:
        try:
            update = await asyncio.wait_for(self.updates.get(), timeout=self.poll_wait)
        except TimeoutError:
            return JSONResponse({"ok": False, "error_code": 408,
                                 "description": "Request timeout"}, status_code=408)
        return _ok(update)

    async def _sendMessage(self, body: dict[str, Any]) -> Response:
        refused = self.refuse.get(str(body.get("chat_id")))
        if refused is not None:
            code, description = refused
            return JSONResponse({"ok": False, "error_code": code, "description": description})
        text = body.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= 2000 or not body.get("chat_id"):
            return JSONResponse({"ok": False, "error_code": 400,
                                 "description": "text must be 1-2000 characters"})
        return _ok({"message_id": uuid.uuid4().hex[:20], "date": int(time.time() * 1000)})

    async def _sendChatAction(self, body: dict[str, Any]) -> Response:
        return JSONResponse({"ok": True})

    async def _setWebhook(self, body: dict[str, Any]) -> Response:
        secret = body.get("secret_token")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return JSONResponse({"ok": False, "error_code": 400,
                                 "description": "secret_token must be 8-256 characters"})
        self.webhook_url = str(body.get("url"))
        return _ok({"url": self.webhook_url, "updated_at": int(time.time() * 1000)})

    async def _deleteWebhook(self, body: dict[str, Any]) -> Response:
        self.webhook_url = ""
        return _ok({"url": "", "updated_at": int(time.time() * 1000)})

    async def _getWebhookInfo(self, body: dict[str, Any]) -> Response:
        return _ok({"url": self.webhook_url, "updated_at": 1749633372026})


def _ok(result: Any) -> Response:
    return JSONResponse({"ok": True, "result": result})


@asynccontextmanager
async def running_fake_zalo() -> AsyncIterator[FakeZalo]:
    """A :class:`FakeZalo` served by uvicorn on a free port in the running loop."""
    fake = FakeZalo()
    app = Starlette(routes=[Route("/bot{token:str}/{method:str}", fake.handle,
                                  methods=["POST", "GET"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                           access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield fake
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        sock.close()


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZalo]:
    async with running_fake_zalo() as fake:
        yield fake


def message(text: str | None = None, *, event: str = "message.text.received",
            user: str = "u-citizen-1", message_id: str | None = None,
            chat_type: str = "PRIVATE", **extra: Any) -> dict[str, Any]:
    """A webhook body as the docs show it (wrapped in ``{ok, result}``)."""
    msg: dict[str, Any] = {
        "from": {"id": user, "display_name": "Ted", "is_bot": False},
        "chat": {"id": user, "chat_type": chat_type},
        "message_id": message_id or uuid.uuid4().hex[:20],
        "date": 1750316131602,
        **extra,
    }
    if text is not None:
        msg["text"] = text
    return {"ok": True, "result": {"event_name": event, "message": msg}}


@pytest.fixture
def db_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@dataclass
class Bot:
    """A channel wired to a real assistant and a real database, against the fake."""

    channel: ZaloChannel
    storage: Storage
    client: ZaloClient
    closed: bool = False

    async def close(self) -> None:
        """Stop like a process does on shutdown (idempotent)."""
        if not self.closed:
            self.closed = True
            await self.channel.stop()
            await self.storage.close()


@pytest.fixture
async def make_bot(fake_zalo: FakeZalo, db_settings: Settings, knowledge: KnowledgeService
                   ) -> AsyncIterator[Callable[..., Any]]:
    """``await make_bot(**channel_options)``: a new process's channel on the same database."""
    opened: list[Bot] = []

    async def make(*, handoff_available: bool = False,
                   client_options: dict[str, Any] | None = None, **options: Any) -> Bot:
        storage = await Storage.open(db_settings)
        assistant = Assistant(Conversation(knowledge, handoff_available=handoff_available),
                              storage)
        rate_limit = options.pop("rate_limit_per_minute", 0)
        pipeline = TurnPipeline(assistant, rate_limit_per_minute=rate_limit)
        client = ZaloClient(TOKEN, base_url=fake_zalo.url, backoff_base=0.01,
                            backoff_max=0.05, **(client_options or {}))
        defaults: dict[str, Any] = {"salt": SALT, "poll_timeout": 1,
                                    "min_poll_interval": 0.05, "backoff_base": 0.02,
                                    "backoff_max": 0.1}
        channel = ZaloChannel(pipeline, client, **{**defaults, **options})
        bot = Bot(channel, storage, client)
        opened.append(bot)
        return bot

    yield make
    for bot in opened:
        await bot.close()
