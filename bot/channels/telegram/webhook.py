"""``POST /telegram/webhook`` on the shared ASGI app.

Checks, cheapest first, and answers before any real work is done (Telegram waits for
the response and retries on errors, so a slow answer means duplicate deliveries):

1. ``X-Telegram-Bot-Api-Secret-Token`` equals ``TELEGRAM_WEBHOOK_SECRET``, compared in
   constant time — otherwise 403 without reading the body;
2. the body is at most 1 MB of JSON describing an update, read with the shared bounds of
   :mod:`bot.safety.http_input` — otherwise 400 (413 if big, cut while reading);
3. the update is queued for the Application, which processes it in the background
   (duplicates of an ``update_id`` are dropped there, across workers) — 200.

While the channel is still connecting to Telegram, 503 asks Telegram to retry later.
Nothing from the body is logged.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update

from bot.safety.http_input import InputRejected, read_json

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
        try:
            data = await read_json(request, MAX_BODY_BYTES)
        except InputRejected as exc:
            return Response(status_code=exc.status)
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return Response(status_code=400)
        application = channel.application
        if not application.running:
            return Response(status_code=503, headers={"Retry-After": "5"})
        try:
            update = Update.de_json(data, application.bot)
        except Exception:
            update = None
        if update is None or not _plausible(update):
            log.warning("webhook: update %s could not be read", data.get("update_id"))
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    return Route(PATH, receive, methods=["POST"])


def _plausible(update: Update) -> bool:
    """PTB builds objects from JSON without checking the types of their fields: refuse
    an update whose ids or texts are not what the handlers will use them as."""
    message = update.effective_message
    if message is not None:
        if type(message.chat.id) is not int or not isinstance(message.text or "", str):
            return False
        if not isinstance(message.chat.type, str):  # a list here failed the whole turn
            return False
        if not isinstance(message.caption or "", str):
            return False
    user = update.effective_user
    if user is not None and type(user.id) is not int:
        return False
    query = update.callback_query
    return query is None or isinstance(query.data or "", str)
