"""``POST /telegram/webhook`` on the shared ASGI app.

Checks, cheapest first, and answers before any real work is done (Telegram waits for
the response and retries on errors, so a slow answer means duplicate deliveries):

1. ``X-Telegram-Bot-Api-Secret-Token`` equals ``TELEGRAM_WEBHOOK_SECRET``, compared in
   constant time — otherwise 403 without reading the body;
2. the body is at most 1 MB of JSON describing an update — otherwise 400 (413 if big);
3. the update is queued for the Application, which processes it in the background
   (duplicates of an ``update_id`` are dropped there, across workers) — 200.

While the channel is still connecting to Telegram, 503 asks Telegram to retry later.
Nothing from the body is logged.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update

if TYPE_CHECKING:
    from bot.channels.telegram.bot import TelegramChannel

log = logging.getLogger(__name__)
PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_BODY_BYTES = 1024 * 1024


def webhook_route(channel: TelegramChannel, secret: str) -> Route:
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return Response(status_code=403)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return Response(status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return Response(status_code=413)
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return Response(status_code=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return Response(status_code=400)
        application = channel.application
        if not application.running:
            return Response(status_code=503, headers={"Retry-After": "5"})
        try:
            update = Update.de_json(data, application.bot)
        except Exception:
            log.warning("webhook: update %s could not be read", data.get("update_id"))
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    return Route(PATH, receive, methods=["POST"])
