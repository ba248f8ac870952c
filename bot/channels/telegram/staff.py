"""Staff on Telegram: the weekly report (/baocao and Monday 07:30) and triage (/chuatraloi).

Authorisation is one rule, applied to commands *and* buttons: the sender's numeric user
id must be in ``ADMIN_USER_IDS`` (ids, never usernames, which can change), and the chat
must be a private chat or a configured staff chat — so figures never land in a public
group because an admin typed a command there. Everyone else gets a polite refusal and
nothing happens.

Triage buttons carry ``st:<op>:<token>[:<id>]``; the token (12 hex characters of a digest
of the group key) points at the group's details kept in ``storage.state`` by the listing,
so the data fits in 64 bytes and works in any worker. A handled group's token is removed,
so pressing an old button again is "expired", not a second edit.

The weekly push goes out once across workers: the first worker to take the lease
``weekly-report:<ISO week>`` sends it. The lease is first taken for an hour (a worker
that dies while sending frees it again), then, once sent, kept for 8 days — the record
that this week's report is done. Besides the Monday 07:30 job, every worker checks every
few minutes (first shortly after start-up) whether this week's report is due and not yet
sent, so a report whose moment fell while the bot was down still goes out that week.
Only the current week's report (about the last full week) is ever sent, never a stale one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import socket
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    MaybeInaccessibleMessage,
    Message,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.ext import CallbackContext, ContextTypes

from bot.channels.telegram import callbacks
from bot.channels.telegram.adapter import user_key
from bot.channels.telegram.render import button_label, esc, plain_chunks
from bot.editing.editor import KnowledgeEditor
from bot.reports.from_storage import generate_report, unanswered_groups
from bot.reports.weeks import week_label
from bot.storage import Storage

if TYPE_CHECKING:
    from bot.channels.telegram.bot import TelegramChannel

log = logging.getLogger(__name__)

REPORT_TIME = dt.time(7, 30)
REPORT_DAYS = (1,)  # PTB JobQueue: 0 = Sunday, so 1 = Monday
REPORT_LEASE_TTL = dt.timedelta(days=8)  # kept once sent: "this week's report is done"
REPORT_SENDING_TTL = dt.timedelta(hours=1)  # while sending; frees itself if the worker dies
REPORT_RETRY_AFTER = dt.timedelta(hours=6)  # after a failed attempt (no failure notice spam)
# Catch-up check (module constants, not settings): first shortly after start-up, once the
# knowledge is loaded, then every few minutes.
CATCH_UP_FIRST = dt.timedelta(minutes=2)
CATCH_UP_INTERVAL = dt.timedelta(minutes=10)
TRIAGE_STATE = "tg-triage"
TRIAGE_DAYS = 7
TRIAGE_LIMIT = 10
MAX_CANDIDATES = 3

REFUSED = "Lệnh này chỉ dành cho cán bộ xã được cấp quyền."
REFUSED_BUTTON = "Nút này chỉ dành cho cán bộ xã được cấp quyền."
WRONG_CHAT = "Vì bảo mật, lệnh cán bộ chỉ dùng trong chat riêng với bot hoặc nhóm cán bộ."
NO_DATABASE = "Chưa kết nối được cơ sở dữ liệu, bạn thử lại sau ít phút."
REPORT_EMPTY = "Chưa tạo được báo cáo tuần (không có tệp nào)."
REPORT_FAILED = "Không tạo được báo cáo tuần. Quản trị viên xem nhật ký máy chủ."
NOTHING_UNANSWERED = "Không có câu hỏi nào chưa trả lời được trong {days} ngày qua. 🎉"
UNANSWERED_HEADER = (
    "Câu hỏi người dân hỏi mà bot chưa trả lời được ({days} ngày qua, {n} nhóm). Với mỗi "
    "nhóm: thêm làm câu hỏi mẫu của một chủ đề, hoặc đánh dấu ngoài phạm vi."
)
GROUP_LINE = "❓ “{example}” — {count} lần"
BUTTON_ATTACH = "➕ {title}"
BUTTON_PICK = "📋 Chọn chủ đề khác"
BUTTON_OUT = "🚫 Ngoài phạm vi"
BUTTON_BACK = "⬅️ Quay lại"
PICK_CATEGORY = "Chọn nhóm thủ tục cho câu hỏi “{example}”:"
PICK_TOPIC = "Chọn chủ đề cho câu hỏi “{example}”:"
ATTACHED = "✅ Đã thêm “{example}” làm câu hỏi mẫu của “{title}” (phiên bản #{version}) — {who}."
MARKED_OUT = "✅ Đã đánh dấu “{example}” là ngoài phạm vi — {who}."
EDIT_FAILED = "Không lưu được thay đổi: {error}"
EXPIRED = "Nút này đã hết hạn. Gõ /chuatraloi để xem danh sách mới."

_STAFF_CB = re.compile(r"^st:(?P<op>[tmco]):(?P<tok>[0-9a-f]{12})(?::(?P<arg>[a-z0-9~-]+))?$")


def triage_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def due_week(now: dt.datetime, tz: str) -> str | None:
    """The week whose report is due at ``now``: the last full week once Monday 07:30 of
    the current ISO week (in ``tz``) has passed, else None."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    local = now.astimezone(ZoneInfo(tz))
    monday = local.date() - dt.timedelta(days=local.weekday())
    if local < dt.datetime.combine(monday, REPORT_TIME, local.tzinfo):
        return None
    return week_label(monday - dt.timedelta(days=7))


class StaffDesk:
    def __init__(self, channel: TelegramChannel) -> None:
        self.channel = channel
        self.holder = worker_id()
        self.clock: Callable[[], dt.datetime] = _utcnow  # replaced by tests

    @property
    def storage(self) -> Storage | None:
        return self.channel.pipeline.storage

    # --- authorisation ------------------------------------------------------------------

    def is_admin(self, user: User | None) -> bool:
        return user is not None and user.id in self.channel.admin_ids

    def chat_allowed(self, chat_id: int, chat_type: str) -> bool:
        return chat_type == "private" or chat_id in self.channel.staff_chats

    async def _authorised(self, update: Update) -> bool:
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None:
            return False
        if not self.is_admin(update.effective_user):
            log.info("staff command refused for a non-admin user")
            await message.reply_text(REFUSED)
            return False
        if not self.chat_allowed(chat.id, chat.type):
            await message.reply_text(WRONG_CHAT)
            return False
        return True

    # --- /baocao and the Monday push ----------------------------------------------------

    async def cmd_report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self._authorised(update):
            return
        assert update.effective_chat is not None
        await self.send_report(update.effective_chat.id)

    async def send_report(self, chat_id: int, week: str | None = None) -> bool:
        """Text, chart images and the HTML page of a weekly report, to one chat."""
        bot = self.channel.application.bot
        storage = self.storage
        if storage is None:
            await bot.send_message(chat_id, NO_DATABASE)
            return False
        with tempfile.TemporaryDirectory(prefix="citizen-bot-report-") as tmp:
            try:
                settings = self.channel.settings
                files = await generate_report(storage, self.channel.knowledge, week, Path(tmp),
                                              tz=settings.timezone,
                                              base_url=settings.public_url)
            except Exception:
                log.exception("weekly report could not be generated")
                await bot.send_message(chat_id, REPORT_FAILED)
                return False
            by_name = {path.name: path for path in files}
            if not files:
                await bot.send_message(chat_id, REPORT_EMPTY)
                return False
            summary = by_name.get("summary.md")
            if summary is not None:
                for chunk in plain_chunks(summary.read_text(encoding="utf-8")):
                    await bot.send_message(chat_id, chunk, parse_mode=ParseMode.HTML)
            for png in sorted(p for p in files if p.suffix == ".png"):
                await bot.send_photo(chat_id, InputFile(png.read_bytes(), filename=png.name),
                                     caption=esc(png.stem.replace("_", " ")[:200]))
            page = by_name.get("summary.html")
            if page is not None:
                name = f"bao-cao-{week or 'tuan'}.html"
                await bot.send_document(chat_id, InputFile(page.read_bytes(), filename=name))
        return True

    def schedule(self) -> None:
        """Monday 07:30 in the commune's time zone, and the catch-up check (one set of jobs
        per worker; the lease picks one sender)."""
        queue = self.channel.application.job_queue
        if queue is None or not self.channel.staff_chats or \
                queue.get_jobs_by_name("weekly-report"):
            return
        tz = ZoneInfo(self.channel.settings.timezone)
        queue.run_daily(self._weekly_job, time=REPORT_TIME.replace(tzinfo=tz), days=REPORT_DAYS,
                        name="weekly-report")
        queue.run_repeating(self._weekly_job, interval=CATCH_UP_INTERVAL, first=CATCH_UP_FIRST,
                            name="weekly-report-catch-up")

    async def _weekly_job(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        await self.weekly_report()

    async def weekly_report(self, now: dt.datetime | None = None) -> bool:
        """Push last week's report to every Telegram staff chat, once across workers.

        Does nothing before Monday 07:30 or when this week's report was already sent
        (or is being sent) by any worker; True if this call sent it.
        """
        storage = self.storage
        if storage is None or not self.channel.staff_chats:
            return False
        now = now or self.clock()
        week = due_week(now, self.channel.settings.timezone)
        if week is None:
            return False
        lease = f"weekly-report:{week}"
        if not await storage.leases.acquire(lease, self.holder, REPORT_SENDING_TTL, now=now,
                                            reentrant=False):
            log.debug("weekly report %s: sent or being sent already", week)
            return False
        log.info("weekly report %s: sending to %d staff chat(s)", week,
                 len(self.channel.staff_chats))
        sent = False
        for chat_id in sorted(self.channel.staff_chats):
            try:
                sent = await self.send_report(chat_id, week) or sent
            except Exception:
                log.exception("weekly report %s could not be sent to a staff chat", week)
        # Sent: keep the lease past the end of the week — the report is done. Not sent:
        # any worker's check may try again later, but not every few minutes (each failed
        # attempt posts a notice to the staff chats).
        await storage.leases.acquire(lease, self.holder,
                                     REPORT_LEASE_TTL if sent else REPORT_RETRY_AFTER, now=now)
        return sent

    # --- /chuatraloi and triage buttons ---------------------------------------------------

    async def cmd_unanswered(self, update: Update,
                             context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self._authorised(update):
            return
        message = update.effective_message
        assert message is not None
        storage = self.storage
        if storage is None:
            await message.reply_text(NO_DATABASE)
            return
        groups = await unanswered_groups(storage, self.channel.knowledge, days=TRIAGE_DAYS,
                                         limit=TRIAGE_LIMIT)
        if not groups:
            await message.reply_text(NOTHING_UNANSWERED.format(days=TRIAGE_DAYS))
            return
        await message.reply_text(UNANSWERED_HEADER.format(days=TRIAGE_DAYS, n=len(groups)))
        kb = self.channel.knowledge.current.kb
        for group in groups:
            token = triage_token(group.key)
            candidates = [c for c in group.candidates if c in kb.topics][:MAX_CANDIDATES]
            await storage.state.put(TRIAGE_STATE, token, {
                "key": group.key, "example": group.example, "candidates": candidates})
            rows = [[_button(BUTTON_ATTACH.format(title=kb.topics[c].title), f"st:t:{token}:{c}")]
                    for c in candidates]
            rows.append([_button(BUTTON_PICK, f"st:m:{token}"),
                         _button(BUTTON_OUT, f"st:o:{token}")])
            await message.chat.send_message(
                GROUP_LINE.format(example=esc(group.example), count=group.count),
                parse_mode=ParseMode.HTML, reply_markup=_markup(rows))

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        message = query.message
        if not self.is_admin(query.from_user) or message is None or \
                not self.chat_allowed(message.chat.id, message.chat.type):
            log.info("staff button refused for a non-admin user")
            await query.answer(REFUSED_BUTTON, show_alert=True)
            return
        storage = self.storage
        kb = self.channel.knowledge.current.kb
        match = _STAFF_CB.match(query.data or "")
        group = await storage.state.get(TRIAGE_STATE, match["tok"]) if match and storage \
            else None
        if match is None or group is None:
            await query.answer(EXPIRED, show_alert=True)
            return
        op, token = match["op"], match["tok"]
        arg = callbacks.resolve_id(match["arg"], [*kb.topics, *(c.id for c in kb.categories)]) \
            if match["arg"] else None
        example = str(group["example"])
        if op == "m":
            rows = [[_button(f"{c.icon} {c.label}".strip(), f"st:c:{token}:{c.id}")]
                    for c in kb.categories if kb.by_category(c.id)]
            await query.answer()
            await message.chat.send_message(PICK_CATEGORY.format(example=esc(example)),
                                            parse_mode=ParseMode.HTML, reply_markup=_markup(rows))
            return
        if op == "c" and arg and kb.category(arg):
            rows = [[_button(t.title, f"st:t:{token}:{t.id}")] for t in kb.by_category(arg)]
            rows.append([_button(BUTTON_BACK, f"st:m:{token}")])
            await query.answer()
            if isinstance(message, Message):
                await message.edit_reply_markup(_markup(rows))
            return
        if op == "t" and arg and arg in kb.topics:
            await self._apply(query, token, example, message,
                              lambda editor, who: editor.attach_unanswered(
                                  str(group["key"]), arg, example, author=who,
                                  source="telegram"),
                              lambda version: ATTACHED.format(
                                  example=esc(example), title=esc(kb.topics[arg].title),
                                  version=version, who=esc(self._who(query.from_user))))
            return
        if op == "o":
            key = str(group["key"])
            await self._apply(query, token, example, message,
                              lambda editor, who: editor.mark_out_of_scope(
                                  key, author=who, source="telegram"),
                              lambda _: MARKED_OUT.format(
                                  example=esc(example), who=esc(self._who(query.from_user))))
            return
        await query.answer(EXPIRED, show_alert=True)

    async def _apply(self, query: CallbackQuery, token: str, example: str,
                     message: MaybeInaccessibleMessage,
                     change: Callable[[KnowledgeEditor, str], Awaitable[int | None]],
                     confirmation: Callable[[int | None], str]) -> None:
        who = self.author(query.from_user)
        try:
            result = await change(self.channel.editor, who)
        except Exception as exc:
            log.exception("knowledge edit from Telegram failed")
            await query.answer()
            await message.chat.send_message(EDIT_FAILED.format(error=esc(str(exc)[:300])),
                                            parse_mode=ParseMode.HTML)
            return
        if self.storage is not None:
            await self.storage.state.delete(TRIAGE_STATE, token)
        await query.answer("Đã lưu.")
        if isinstance(message, Message):
            try:
                await message.edit_reply_markup(None)
            except Exception:
                log.warning("could not remove the triage buttons")
        await message.chat.send_message(confirmation(result), parse_mode=ParseMode.HTML)

    @staticmethod
    def _who(user: User) -> str:
        return user.full_name[:40]

    def author(self, user: User) -> str:
        """``telegram:<name> #<pseudonym>`` — readable, and unique even if names repeat."""
        pseudonym = user_key(user, self.channel.salt)[:10]
        return f"telegram:{self._who(user)} #{pseudonym}"[:80]


def _button(label: str, action: str) -> InlineKeyboardButton:
    data = callbacks.encode(action)
    if data is None:
        raise ValueError(f"staff action does not fit in callback data: {action!r}")
    return InlineKeyboardButton(button_label(label), callback_data=data)


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(rows)
