"""A fake Telegram Bot API server on loopback, for python-telegram-bot's real HTTP stack.

``POST /bot<token>/<method>`` with form, multipart or JSON bodies, as PTB sends them.
Every call is recorded (method and decoded parameters; uploaded files as name, size and
bytes).
It answers the methods the bot uses, serves ``getUpdates`` from :meth:`FakeBotAPI.feed`,
and can answer 429 with ``retry_after`` a given number of times (:meth:`fail`).
It runs in its own thread and event loop, so it outlives each test's loop.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BOT_ID = 777000
BOT_USERNAME = "phuthong_test_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý xã", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
TRUE_METHODS = {"answercallbackquery", "setmycommands", "setwebhook", "deletewebhook",
                "sendchataction", "editmessagereplymarkup", "deletemycommands"}
MESSAGE_METHODS = {"sendmessage", "sendphoto", "senddocument"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    message_id: int | None = None  # of the message the fake answered with

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.params.get("reply_markup") or {}
        return [(b["text"], b.get("callback_data", "")) for row in
                markup.get("inline_keyboard", []) for b in row]


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class FakeBotAPI:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._updates: list[dict[str, Any]] = []
        self._failures: dict[str, list[int]] = {}
        self.blocked: set[int] = set()  # chats whose user blocked the bot (403 on send)
        self._message_id = 5000
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- control from tests ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._updates.clear()
            self._failures.clear()
            self.blocked.clear()

    def feed(self, *updates: dict[str, Any]) -> None:
        with self._lock:
            self._updates.extend(updates)

    def fail(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        with self._lock:
            self._failures.setdefault(method.lower(), []).extend([retry_after] * times)

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method.lower()
                    and (chat_id is None or c.chat_id == chat_id)]

    async def wait_for(self, predicate: Callable[[FakeBotAPI], Any],
                       within: float = 5.0) -> Any:
        deadline = time.monotonic() + within
        while True:
            result = predicate(self)
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; calls: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.02)

    async def wait_sent(self, chat_id: int, count: int = 1, method: str = "sendMessage",
                        within: float = 5.0) -> list[Call]:
        return await self.wait_for(
            lambda f: (lambda s: s if len(s) >= count else None)(f.sent(method, chat_id)),
            within)

    async def settle(self, seconds: float = 0.3) -> None:
        """Give the bot time to (wrongly) do something, before asserting it did not."""
        await asyncio.sleep(seconds)

    # --- the server -------------------------------------------------------------------

    async def _handle(self, request: Request) -> JSONResponse:
        method = request.path_params["method"].lower()
        params: dict[str, Any] = {}
        content_type = request.headers.get("content-type", "")
        if "json" in content_type:
            body = await request.body()
            params = json.loads(body) if body else {}
        elif content_type.startswith("multipart/"):
            body = await request.body()
            head = f"Content-Type: {content_type}\r\n\r\n".encode()
            parsed = BytesParser(policy=policy.HTTP).parsebytes(head + body)
            for part in parsed.iter_parts():
                key = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                filename = part.get_filename()
                if filename is not None:
                    params[key] = {"filename": filename, "size": len(payload),
                                   "data": payload}
                else:
                    params[key] = _decode(payload.decode())
        elif content_type:
            for key, value in parse_qsl((await request.body()).decode(),
                                        keep_blank_values=True):
                params[key] = _decode(value)
        call = Call(method, params)
        with self._lock:
            self.calls.append(call)
            pending = self._failures.get(method)
            retry_after = pending.pop(0) if pending else None
        if retry_after is not None:
            return JSONResponse({"ok": False, "error_code": 429,
                                 "description": f"Too Many Requests: retry after {retry_after}",
                                 "parameters": {"retry_after": retry_after}}, status_code=429)
        if method == "getme":
            return _ok(BOT_USER)
        if method == "getupdates":
            return _ok(await self._get_updates(params))
        if method == "getwebhookinfo":
            return _ok({"url": "", "has_custom_certificate": False, "pending_update_count": 0})
        if method in TRUE_METHODS:
            return _ok(True)
        if method in MESSAGE_METHODS and call.chat_id in self.blocked:
            return JSONResponse({"ok": False, "error_code": 403,
                                 "description": "Forbidden: bot was blocked by the user"},
                                status_code=403)
        if method in MESSAGE_METHODS:
            sent = self._message(params, method)
            call.message_id = sent["message_id"]
            return _ok(sent)
        return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"},
                            status_code=404)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 0.2)
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates)
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)

    def _message(self, params: dict[str, Any], method: str) -> dict[str, Any]:
        with self._lock:
            self._message_id += 1
            message_id = self._message_id
        chat_id = int(params["chat_id"])
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id < 0:
            chat["title"] = "Nhóm"
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()),
                                   "chat": chat, "from": BOT_USER}
        if method == "sendmessage":
            message["text"] = params.get("text", "")
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = Starlette(routes=[Route("/bot{token}/{method}", self._handle,
                                      methods=["GET", "POST"])])
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._sock = sock
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake Bot API did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._sock.close()


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})
