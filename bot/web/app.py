"""The ASGI app: local chat page, chat API and health check.

Later channels (Telegram, Zalo webhooks) and the staff pages mount on this same
app, so one process serves everything behind one port.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.privacy import pseudonymise
from bot.safety.http_input import InputRejected, read_json
from bot.turns.pipeline import TurnPipeline
from bot.web.flood import Verdict, WebFloodLimit
from bot.web.serialize import reply_to_json
from handlers import texts
from handlers.messages import Block, BlockKind, Incoming, MessageKind, Reply, ReplyKind

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
MAX_BODY_BYTES = 64 * 1024
MAX_ACTION_CHARS = 80
CHANNEL = "web"

Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _flood_reply(verdict: Verdict) -> JSONResponse:
    """429 with a reply the page shows like any other (it waits for an answer)."""
    text = texts.FLOOD_NOTICE if verdict is Verdict.NOTICE else texts.FLOOD_REFUSAL
    reply = Reply(ReplyKind.SMALLTALK, (Block(BlockKind.PARAGRAPH, text=text),))
    return JSONResponse({"event_id": None, "reply": reply_to_json(reply)}, status_code=429,
                        headers={"Retry-After": "60"})


def build_app(pipeline: TurnPipeline, salt: bytes, *, lifespan: Lifespan | None = None,
              extra_routes: Sequence[BaseRoute] | None = None,
              flood: WebFloodLimit | None = None) -> Starlette:
    """Wire the routes around the worker's one :class:`TurnPipeline`.

    The per-citizen flood limit is the pipeline's, as on every channel; ``flood`` adds
    the web's own per-address limit (a web client can invent a new id per message).
    """
    flood = flood or WebFloodLimit(0)
    knowledge = pipeline.assistant.conversation.knowledge

    async def chat(request: Request) -> Response:
        try:
            data = await read_json(request, MAX_BODY_BYTES)
        except InputRejected as exc:
            return _error(exc.status, "Yêu cầu không hợp lệ (JSON tối đa 64 KB).")
        if not isinstance(data, dict):
            return _error(400, "Yêu cầu không hợp lệ (cần một đối tượng JSON).")
        client_id, text, action = data.get("client_id"), data.get("text"), data.get("action")
        if not isinstance(client_id, str) or not 8 <= len(client_id) <= 64:
            return _error(400, "Thiếu mã phiên trò chuyện (client_id).")
        if text is not None and not isinstance(text, str):
            return _error(400, "Trường 'text' phải là chuỗi.")
        if action is not None and (not isinstance(action, str) or len(action) > MAX_ACTION_CHARS):
            return _error(400, "Trường 'action' không hợp lệ.")
        user_key = pseudonymise(CHANNEL, client_id, salt)
        verdict = await flood.check(pipeline.storage, request)
        if verdict is not Verdict.OK:
            return _flood_reply(verdict)
        if action:
            msg = Incoming(CHANNEL, user_key, kind=MessageKind.ACTION, action=action)
        else:
            msg = Incoming(CHANNEL, user_key, text=text or "")
        outcome = await pipeline.handle(msg)
        if outcome.limited or outcome.turn is None or outcome.reply is None:
            # The page waits for an answer: the notice once, then a short refusal.
            return _flood_reply(Verdict.NOTICE if outcome.reply is not None else Verdict.REFUSE)
        return JSONResponse({"event_id": outcome.turn.event_id,
                             "reply": reply_to_json(outcome.reply)})

    async def healthz(request: Request) -> Response:
        snap = knowledge.current
        return JSONResponse({"status": "ok", "knowledge_version": snap.version,
                             "topics": len(snap.kb.topics), "commune": snap.kb.commune.name,
                             "stored_version": knowledge.stored_version,
                             "worker": os.getpid()})

    async def index(request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html",
                            headers={"Cache-Control": "no-cache",
                                     "Content-Security-Policy": _CSP})

    routes: list[BaseRoute] = [
        Route("/", index),
        Route("/api/chat", chat, methods=["POST"]),
        Route("/healthz", healthz),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        *(extra_routes or []),
    ]
    return Starlette(routes=routes, lifespan=lifespan or _no_lifespan)


_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


@asynccontextmanager
async def _no_lifespan(app: Starlette) -> AsyncIterator[None]:
    yield
