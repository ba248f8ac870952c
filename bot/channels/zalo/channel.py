"""The Zalo channel: webhook route or polling loop, numbered choices, pushes, handoff.

Flow of one update: parse → skip what is not a citizen's private message → claim the
``message_id`` in the database (each message is answered once, across redeliveries,
workers and restarts; a crash after the claim loses that answer rather than sending
it twice) → resolve a number ("2", "số 2") against the choices this chat was last
offered → :class:`bot.turns.pipeline.TurnPipeline` (flood limit, privacy, the
conversation, handoff, demand log — the same rules as every channel) → store the new
choices → send the text in chunks of at most 2,000 characters.

The choices live in ``conversation_state`` ("zalo", pseudonym of the chat), so any
worker, or the same one after a restart, resolves "2" the same way. They are written
*before* the reply is sent, so a quick "2" can never arrive ahead of them. If the
database is down the channel keeps answering with a small in-process fallback.

Updates are processed in background tasks so the webhook answers 200 at once and the
poller keeps polling; a per-chat lock keeps one citizen's messages in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import logging
import os
import random
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Coroutine
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.zalo.client import ZaloApiError, ZaloClient
from bot.channels.zalo.render import render_chunks, split_text
from bot.channels.zalo.updates import ZaloUpdate, parse_update
from bot.ports import RecipientGone, SendLater
from bot.privacy import pseudonymise
from bot.safety.http_input import InputRejected, read_json
from bot.storage import Storage
from bot.turns.locks import ChatLocks
from bot.turns.pipeline import TurnOutcome, TurnPipeline
from bot.turns.relay import relay_staff_answer
from handlers.messages import Block, BlockKind, Choice, Incoming, MessageKind, Reply, ReplyKind
from handlers.texts import BUTTON_MENU
from knowledge.vietnamese import fold

log = logging.getLogger(__name__)

CHANNEL = "zalo"
WEBHOOK_PATH = "/zalo/webhook"
SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_BODY_BYTES = 256 * 1024
CHOICES_TTL = dt.timedelta(days=14)  # follow-ups arrive days later and are answered by number
LEASE_NAME = "zalo-polling"
# Zalo's error table (docs.zaloplatforms.com/docs/BOT/error_code; docs/zalo-api.md) has no
# "the user blocked the bot" code: 400 bad request, 401 bad token, 403 *internal server
# error*, 404 not found, 408 timeout, 429 quota exceeded. No code therefore ends a
# subscription — a server error or a wrong URL would unsubscribe everyone a campaign
# reaches. Only a description (where the docs say the details are) that says in words
# that the user blocked the bot does (folded: "user … block", "người dùng … chặn").
_GONE_RE = re.compile(r"\b(?:user|nguoi dung)\b.*\b(?:block(?:ed|s)?|chan)\b")
MEMORY_ENTRIES = 2000

# "2", " 2 ", "2.", "số 2", "chọn 2", "#2" (matched on the folded, lower-case text).
CHOICE_RE = re.compile(r"^(?:so|chon|muc|lua chon|#)?\s*(\d{1,2})\s*[.)!]?$")
# A staff member on Zalo answers a case: "#HS-0042 Bạn mang theo…" (Zalo has no threads).
CASE_REPLY_RE = re.compile(r"^#?\s*(HS-\d{1,8})\b\s*[:.\-–]?\s*(.*)$", re.IGNORECASE | re.DOTALL)
CASE_IN_TEXT_RE = re.compile(r"^\[(HS-\d{1,8})\]")  # bot.turns.handoff's "[HS-0042] question"
CHAT_ID_COMMAND = "/chatid"  # tells a staff member the id to put in STAFF_CHAT_IDS

STALE_CHOICE = (
    "Mình không thấy lựa chọn số {number} trong tin nhắn gần nhất (có thể đã hết hạn). "
    "Bạn gõ câu hỏi bằng lời, hoặc gõ 0 để xem danh mục nhé."
)
ZALO_STAFF_HOWTO = "↩️ Để trả lời người dân, gửi: #{case} <câu trả lời>"
CHAT_ID_TEXT = ("Mã cuộc trò chuyện Zalo của bạn: {chat_id}\n"
                "Để nhận câu hỏi chuyển cán bộ, quản trị viên thêm zalo:{chat_id} vào "
                "STAFF_CHAT_IDS.")


def parse_choice(text: str) -> int | None:
    """The number a citizen typed to pick a choice, or None for ordinary text."""
    m = CHOICE_RE.match(" ".join(fold(text.lower()).split()))
    return int(m.group(1)) if m else None


def _chat_id_reply(chat_id: str) -> Reply:
    return Reply(ReplyKind.INFO, (Block(BlockKind.PARAGRAPH,
                                        text=CHAT_ID_TEXT.format(chat_id=chat_id)),))


def stale_choice_reply(number: int) -> Reply:
    return Reply(ReplyKind.ERROR,
                 (Block(BlockKind.PARAGRAPH, text=STALE_CHOICE.format(number=number)),),
                 (Choice(BUTTON_MENU, "menu"),))


def recipient_gone(exc: ZaloApiError) -> bool:
    """Does Zalo say this chat is gone for good? Only in words (see :data:`_GONE_RE`)."""
    return exc.error_code is not None and bool(_GONE_RE.search(fold(exc.description).lower()))


class _Backoff:
    """Exponential backoff with jitter for the polling loop; reset after a success."""

    def __init__(self, base: float, cap: float) -> None:
        self.base, self.cap, self.failures = base, cap, 0

    def next(self) -> float:
        ceiling = min(self.cap, self.base * 2 ** self.failures)
        self.failures += 1
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter

    def reset(self) -> None:
        self.failures = 0


class ZaloChannel:
    """Implements :class:`bot.ports.Channel` for the Zalo Bot Platform."""

    name = CHANNEL

    def __init__(self, pipeline: TurnPipeline, client: ZaloClient, *, salt: bytes,
                 mode: str = "polling", webhook_url: str | None = None,
                 webhook_secret: str | None = None, poll_timeout: int = 30,
                 min_poll_interval: float = 1.0, backoff_base: float = 1.0,
                 backoff_max: float = 60.0, lease_wait: float = 15.0,
                 typing_wait: float = 1.0) -> None:
        if mode not in {"polling", "webhook"}:
            raise ValueError(f"ZALO_MODE must be polling or webhook, not {mode!r}")
        if mode == "webhook" and (not webhook_url or not webhook_secret):
            raise ValueError("webhook mode needs a webhook URL and a secret")
        self.pipeline = pipeline
        self.client = client
        self.mode = mode
        self.webhook_url = webhook_url
        self._secret = (webhook_secret or "").encode()
        self._salt = salt
        self.poll_timeout = poll_timeout
        self.min_poll_interval = min_poll_interval
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self.lease_wait = lease_wait
        self.typing_wait = typing_wait
        self._holder = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._loop_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks = ChatLocks()
        self._mem_state: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._unsynced: set[str] = set()  # chats whose newest state is only in memory

    # --- Channel protocol ------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        if self.mode != "webhook":
            return []
        return [Route(WEBHOOK_PATH, self._webhook, methods=["POST"], name="zalo-webhook")]

    async def start(self) -> None:
        if self.mode == "webhook":
            self._loop_task = asyncio.create_task(self._register_webhook(), name="zalo-webhook")
        else:
            self._loop_task = asyncio.create_task(self._poll_loop(), name="zalo-polling")

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._loop_task
            self._loop_task = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drain(), timeout=5)
        storage = self.pipeline.storage
        if self.mode == "polling" and storage is not None:
            with contextlib.suppress(Exception):
                await storage.leases.release(LEASE_NAME, self._holder)
        await self.client.aclose()

    async def push(self, chat_ref: str, reply: Reply) -> None:
        """Send a follow-up, a staff answer or an announcement; its choices become this
        chat's numbers. 429 ("quota exceeded") is :class:`SendLater`; a description saying
        the user blocked the bot is :class:`RecipientGone`; any other error (403 is
        Zalo's "internal server error") is raised as it is: the recipient failed, the
        subscription stays."""
        try:
            await self._send(chat_ref, reply)
        except ZaloApiError as exc:
            if recipient_gone(exc):
                raise RecipientGone(exc.description) from exc
            if exc.error_code == 429:
                raise SendLater(exc.retry_after or 5.0) from exc
            raise

    async def drain(self) -> None:
        """Wait for the updates being processed (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- receiving -------------------------------------------------------------------

    async def _webhook(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("zalo webhook: missing or wrong secret header; refused")
            return JSONResponse({"ok": False}, status_code=403)
        try:
            payload = await read_json(request, MAX_BODY_BYTES)
        except InputRejected as exc:
            log.warning("zalo webhook: body refused (%s)", exc.reason)
            return JSONResponse({"ok": False}, status_code=exc.status)
        update = parse_update(payload, source="webhook")
        if update is not None:
            self._spawn(self.process(update))
        return JSONResponse({"ok": True})

    async def _register_webhook(self) -> None:
        backoff = _Backoff(self.backoff_base, self.backoff_max)
        while True:
            try:
                await self.client.set_webhook(self.webhook_url or "",
                                              self._secret.decode())
                log.info("zalo: webhook registered")
                return
            except ZaloApiError as exc:
                delay = backoff.next()
                log.error("zalo: setWebhook failed (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)

    async def _poll_loop(self) -> None:
        backoff = _Backoff(self.backoff_base, self.backoff_max)
        webhook_cleared = False
        while True:
            try:
                if not webhook_cleared:
                    await self.client.delete_webhook()  # getUpdates fails while one is set
                    webhook_cleared = True
                    log.info("zalo: polling for updates")
                if not await self._hold_lease():
                    await asyncio.sleep(self.lease_wait)
                    continue
                started = time.monotonic()
                update = await self.client.get_updates(self.poll_timeout)
                backoff.reset()
                if update is None:  # 408: the long poll ended without a message
                    rest = self.min_poll_interval - (time.monotonic() - started)
                    if rest > 0:  # a server answering at once must not make us spin
                        await asyncio.sleep(rest)
                    continue
                self._spawn(self.process(update))
            except asyncio.CancelledError:
                raise
            except ZaloApiError as exc:
                delay = backoff.next()
                log.warning("zalo polling: %s; next try in %.1f s", exc, delay)
                await asyncio.sleep(delay)
            except Exception:
                delay = backoff.next()
                log.exception("zalo polling failed; next try in %.1f s", delay)
                await asyncio.sleep(delay)

    async def _hold_lease(self) -> bool:
        """One poller across workers (more would only interleave the same queue)."""
        storage = self.pipeline.storage
        if storage is None:
            return True
        ttl = dt.timedelta(seconds=2 * self.poll_timeout + 30)
        try:
            return await storage.leases.acquire(LEASE_NAME, self._holder, ttl)
        except Exception:
            log.warning("zalo: polling lease unavailable; polling anyway")
            return True

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- one update ------------------------------------------------------------------

    async def process(self, update: ZaloUpdate) -> None:
        """Answer one update; never raises (a failure is a log line)."""
        try:
            if not update.known:
                log.info("zalo: event %s is not handled; ignored", update.event_name)
                return
            if update.chat_id is None or update.user_id is None:
                log.info("zalo: %s without chat or sender; nothing to answer",
                         update.event_name)
                return
            if update.is_bot:
                return
            if update.chat_type and update.chat_type.upper() != "PRIVATE":
                log.info("zalo: %s chat ignored (the bot answers private chats only)",
                         update.chat_type)
                return
            # The chat's lock is taken before the claim: claims are batched, and two
            # messages of one chat must not swap places while their claims are written.
            async with self._locks.hold(update.chat_id):
                if update.message_id and not await self.pipeline.claim(CHANNEL,
                                                                       update.message_id):
                    log.info("zalo: message %s already handled; duplicate ignored",
                             update.message_id)
                    return
                if not await self._staff_reply(update):
                    await self._converse(update)
        except ZaloApiError as exc:
            # The claim stays: the webhook was acknowledged (and getUpdates consumed the
            # update), so Zalo will not redeliver it, and answering a redelivery would
            # repeat what this turn already did (event, handoff case). The client has
            # already retried what certainly did not go out, through a fresh pool if the
            # old one was stuck; what is left is a citizen without an answer — say so.
            log.error("zalo: could not answer message %s (%s): the reply was NOT "
                      "delivered", update.message_id or update.event_name, exc)
        except Exception:
            log.exception("zalo: could not answer %s", update.event_name)

    async def _converse(self, update: ZaloUpdate) -> None:
        chat_ref = update.chat_id
        assert chat_ref is not None and update.user_id is not None
        user_key = pseudonymise(CHANNEL, update.user_id, self._salt)
        kind = update.kind or MessageKind.OTHER
        if kind is MessageKind.TEXT and update.text.strip().lower() == CHAT_ID_COMMAND:
            await self._send(chat_ref, _chat_id_reply(chat_ref))
            return
        msg: Incoming | Reply = Incoming(CHANNEL, user_key, kind=kind, chat_ref=chat_ref)
        if kind is MessageKind.TEXT:
            msg = await self._resolve_number(user_key, chat_ref, update.text)
        if isinstance(msg, Reply):  # a number that matches nothing offered
            await self._send(chat_ref, msg)
            return
        outcome = await self._handle(msg)
        if outcome.reply is not None:
            await self._send(chat_ref, outcome.reply)

    async def _resolve_number(self, user_key: str, chat_ref: str, text: str
                              ) -> Incoming | Reply:
        """Zalo has no buttons: "2" picks the second choice this chat was last offered."""
        number = parse_choice(text)
        if number is None:
            return Incoming(CHANNEL, user_key, text=text, chat_ref=chat_ref)
        if number == 0:
            return Incoming(CHANNEL, user_key, kind=MessageKind.ACTION, action="menu",
                            chat_ref=chat_ref)
        state = await self._load_state(chat_ref)
        offered = [a for a in state.get("choices", []) if isinstance(a, str)]
        if not 1 <= number <= len(offered):
            return stale_choice_reply(number)
        return Incoming(CHANNEL, user_key, kind=MessageKind.ACTION,
                        action=offered[number - 1], chat_ref=chat_ref)

    async def _handle(self, msg: Incoming) -> TurnOutcome:
        """The pipeline's turn, with "typing…" shown while it works (when not busy)."""
        assert msg.chat_ref is not None
        handoff = self.pipeline.handoff
        staff = handoff is not None and handoff.is_staff_chat(CHANNEL, msg.chat_ref)
        typing = self.client.send_chat_action_soon(msg.chat_ref)
        try:
            return await self.pipeline.handle(msg, staff=staff)
        finally:
            # Let "typing" land before the answer, but never wait long for it — and
            # never cancel it: a cancelled request can leak a pool slot (client doc).
            if typing is not None:
                await asyncio.wait({typing}, timeout=self.typing_wait)

    # --- staff on Zalo ---------------------------------------------------------------------

    async def send_to_staff(self, chat_id: str, text: str) -> list[str]:
        """:class:`bot.turns.handoff.StaffChannel`: post a case to a staff member on Zalo.

        Zalo has no reply threading, so staff answer by writing the case number
        ("#HS-0042 …"); the case number is therefore what is returned as the staff
        message id, and what :meth:`_staff_reply` hands to ``relay_staff_reply``.
        """
        case = CASE_IN_TEXT_RE.match(text)
        howto = ZALO_STAFF_HOWTO.format(case=case.group(1) if case else "HS-…")
        lines = [line for line in text.splitlines() if not line.startswith("↩️")]
        body = "\n".join(lines).rstrip() + "\n\n" + howto
        sent = []
        for chunk in split_text(body):
            sent.append((await self.client.send_message(chat_id, chunk)).message_id or "")
        return [case.group(1)] if case else [m for m in sent if m]

    async def _staff_reply(self, update: ZaloUpdate) -> bool:
        """"#HS-0042 <answer>" from a Zalo staff chat goes to that case's citizen."""
        service = self.pipeline.handoff
        chat_id = update.chat_id
        if service is None or chat_id is None or update.kind is not MessageKind.TEXT:
            return False
        m = CASE_REPLY_RE.match(update.text.strip())
        if not m or not service.is_staff_chat(CHANNEL, chat_id):
            return False
        case, answer = m.group(1).upper(), m.group(2).strip()
        note = ZALO_STAFF_HOWTO.format(case=case) if not answer else await relay_staff_answer(
            service, CHANNEL, chat_id, case, answer, update.display_name or "", case_no=case)
        if note:
            await self.client.send_message(chat_id, note)
        return True

    # --- sending -----------------------------------------------------------------------

    async def _send(self, chat_ref: str, reply: Reply) -> None:
        state = {"choices": [c.action for c in reply.choices]}
        await self._save_state(chat_ref, state)  # before sending: see the module doc
        for chunk in render_chunks(reply):
            await self.client.send_message(chat_ref, chunk)

    # --- state, dedup, locks -------------------------------------------------------------

    def _state_key(self, chat_ref: str) -> str:
        # Private chats only, where chat.id is the citizen: this is their pseudonym.
        return pseudonymise(CHANNEL, chat_ref, self._salt)

    def _storage(self) -> Storage | None:
        return self.pipeline.storage

    async def _load_state(self, chat_ref: str) -> dict[str, Any]:
        key = self._state_key(chat_ref)
        storage = self._storage()
        if storage is not None and key not in self._unsynced:
            try:
                return await storage.state.get(CHANNEL, key, max_age=CHOICES_TTL) or {}
            except Exception:
                log.warning("zalo: state unavailable in the database; using memory")
        return dict(self._mem_state.get(key, {}))

    async def _save_state(self, chat_ref: str, data: dict[str, Any]) -> None:
        key = self._state_key(chat_ref)
        _remember(self._mem_state, key, data)
        storage = self._storage()
        if storage is None:
            return
        try:
            await storage.state.put(CHANNEL, key, data)
        except Exception:
            # Newer than what the database holds: read it from memory until a later
            # save reaches the database (else "2" would resolve against old choices).
            self._unsynced.add(key)
            if len(self._unsynced) > MEMORY_ENTRIES:  # only what memory still holds
                self._unsynced &= self._mem_state.keys()
            log.warning("zalo: could not store the offered choices; kept in memory")
        else:
            self._unsynced.discard(key)


def _remember(cache: OrderedDict[str, Any], key: str, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > MEMORY_ENTRIES:
        cache.popitem(last=False)


