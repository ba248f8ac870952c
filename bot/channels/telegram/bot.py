"""The Telegram channel: python-telegram-bot's Application wired to the Assistant.

One :class:`TelegramChannel` per worker. Updates arrive from ``getUpdates`` (polling,
no public address needed; with several workers only the holder of a database lease
polls) or from the webhook route on the shared ASGI app; either way they go through
the same Application:

* group -1, :meth:`TelegramChannel._gate`: channel posts and edited messages are
  dropped (an edited question is not answered again: a typo fix would otherwise get a
  second full answer — the citizen can simply send it again), and each ``update_id``
  is claimed in the database, so a redelivered update is processed once, in any worker;
* group 0: staff commands, then text, other messages and button presses.

Updates are handled concurrently, but those of one chat one after another (in arrival
order) by :class:`ChatOrderedProcessor`. Outgoing calls go through ``AIORateLimiter``,
which waits and retries when Telegram answers 429 (RetryAfter). Everything that applies
to citizens (once per update, the flood limit, privacy, the conversation, handoff, the
demand log) is :class:`bot.turns.pipeline.TurnPipeline`'s; this module only translates
updates and renders replies, plus what is Telegram's own: callback data, group rules,
staff commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from starlette.routing import BaseRoute
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels.settings import ConfigError, shared_problems, telegram_problems
from bot.channels.telegram import adapter, callbacks
from bot.channels.telegram.render import render
from bot.channels.telegram.staff import StaffDesk
from bot.channels.telegram.webhook import PATH, webhook_route
from bot.config import Settings
from bot.editing.editor import KnowledgeEditor
from bot.ports import RecipientGone, SendLater
from bot.turns.handoff import HandoffService
from bot.turns.locks import ChatLocks
from bot.turns.pipeline import TurnPipeline
from bot.turns.relay import relay_staff_answer
from handlers import texts
from handlers.messages import Block, BlockKind, Reply, ReplyKind
from knowledge.service import KnowledgeService

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
# Opt in to PTB's future `RetryAfter.retry_after` type (a timedelta) now: PTB itself reads
# the attribute when it raises (it checks the variable at each use), which otherwise warns.
os.environ.setdefault("PTB_TIMEDELTA", "1")

CHANNEL = adapter.CHANNEL
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
MAX_CONCURRENT_UPDATES = 64
SEND_RETRIES = 3
CONNECT_RETRY_S = 15
POLL_LEASE = "telegram-polling"
POLL_LEASE_TTL = dt.timedelta(seconds=60)

CITIZEN_COMMANDS = (
    BotCommand("start", "Bắt đầu: bot giúp được gì"),
    BotCommand("help", "Cách hỏi bot"),
    BotCommand("menu", "Danh mục thủ tục"),
    BotCommand("lienhe", "Liên hệ Trung tâm Phục vụ hành chính công xã"),
)
STAFF_COMMANDS = (
    BotCommand("baocao", "Cán bộ: báo cáo tuần"),
    BotCommand("chuatraloi", "Cán bộ: câu hỏi bot chưa trả lời được"),
)
SORRY = "Xin lỗi, mình đang gặp trục trặc. Bạn thử lại sau ít phút nhé."
FEEDBACK_PREFIXES = ("fb:", "fr:", "fu:", "fa:")


def _chat_of(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Many chats at once, but one chat's updates strictly one after another.

    Tasks reach :meth:`do_process_update` in arrival order and ``asyncio.Lock`` wakes
    waiters first come first served, so a chat's updates keep their order.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.locks = ChatLocks()

    async def do_process_update(self, update: object,
                                coroutine: Awaitable[Any]) -> None:
        chat = _chat_of(update)
        if chat is None:
            await coroutine
            return
        async with self.locks.hold(chat):
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class TelegramChannel:
    """The :class:`~bot.ports.Channel` for Telegram (and a staff channel)."""

    name = CHANNEL

    def __init__(self, settings: Settings, pipeline: TurnPipeline, knowledge: KnowledgeService,
                 editor: KnowledgeEditor, *, request: BaseRequest | None = None) -> None:
        """``request`` replaces python-telegram-bot's HTTP transport (benchmarks)."""
        problems = [*shared_problems(settings), *telegram_problems(settings)]
        if settings.telegram_bot_token is None:
            problems.insert(0, "TELEGRAM_BOT_TOKEN is not set")
        if problems:
            raise ConfigError("Telegram settings: " + "; ".join(problems))
        self.settings = settings
        self.pipeline = pipeline
        self.knowledge = knowledge
        self.editor = editor
        self.salt = settings.salt()
        self.admin_ids = settings.admin_ids
        self.staff_chats = frozenset(int(chat) for channel, chat in settings.staff_targets
                                     if channel == CHANNEL)
        self.mode = settings.telegram_mode
        self._request = request
        self.staff = StaffDesk(self)
        self.application = self._build()
        self._connect_task: asyncio.Task[None] | None = None
        self._poll_task: asyncio.Task[None] | None = None
        self._used = False

    @classmethod
    def from_runtime(cls, runtime: Runtime, *,
                     request: BaseRequest | None = None) -> TelegramChannel:
        return cls(runtime.settings, runtime.pipeline, runtime.knowledge, runtime.editor,
                   request=request)

    # --- construction -------------------------------------------------------------------

    def _build(self) -> Application[Any, Any, Any, Any, Any, Any]:
        settings = self.settings
        assert settings.telegram_bot_token is not None
        defaults = Defaults(parse_mode=ParseMode.HTML, tzinfo=ZoneInfo(settings.timezone),
                            link_preview_options=LinkPreviewOptions(is_disabled=True))
        builder = (
            Application.builder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(settings.telegram_api_base_url)
            .defaults(defaults)
            .rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram_send_rate,
                                         max_retries=SEND_RETRIES))
            .concurrent_updates(ChatOrderedProcessor(MAX_CONCURRENT_UPDATES))
        )
        if self._request is not None:
            builder = builder.request(self._request)
        if self.mode == "webhook":
            builder = builder.updater(None)
        app = builder.build()
        app.add_handler(TypeHandler(Update, self._gate), group=-1)
        only_messages = filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler("baocao", self.staff.cmd_report, only_messages))
        app.add_handler(CommandHandler("chuatraloi", self.staff.cmd_unanswered, only_messages))
        app.add_handler(MessageHandler(only_messages & filters.TEXT, self._on_text))
        app.add_handler(MessageHandler(only_messages & ~filters.TEXT, self._on_other))
        app.add_handler(CallbackQueryHandler(self._on_callback))
        app.add_handler(ChatMemberHandler(self._on_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self._on_error)
        return app

    @property
    def handoff(self) -> HandoffService | None:
        return self.pipeline.handoff

    @property
    def bot_username(self) -> str:
        return self.application.bot.username or ""

    # --- Channel protocol -------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        if self.mode != "webhook":
            return []
        assert self.settings.telegram_webhook_secret is not None
        return [webhook_route(self, self.settings.telegram_webhook_secret.get_secret_value())]

    async def start(self) -> None:
        """Connect now; if Telegram is unreachable, keep trying in the background."""
        if self._used:  # queues and locks belong to the event loop they first ran in
            self.application = self._build()
        self._used = True
        try:
            await self._connect()
        except InvalidToken:
            raise
        except TelegramError as exc:
            log.error("telegram: cannot connect (%s); retrying every %d s",
                      type(exc).__name__, CONNECT_RETRY_S)
            self._connect_task = asyncio.create_task(self._connect_later(),
                                                     name="telegram-connect")

    async def _connect_later(self) -> None:
        while True:
            await asyncio.sleep(CONNECT_RETRY_S)
            try:
                await self._connect()
                return
            except InvalidToken:
                log.error("telegram: the token was rejected; the channel stays off")
                return
            except TelegramError as exc:
                log.error("telegram: still cannot connect (%s)", type(exc).__name__)

    async def _connect(self) -> None:
        app = self.application
        await app.initialize()
        await self._register_commands()
        if self.mode == "webhook":
            assert self.settings.telegram_webhook_secret is not None
            await app.bot.set_webhook(
                url=self.settings.webhook_base_url.rstrip("/") + PATH,
                secret_token=self.settings.telegram_webhook_secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES)
        if not app.running:
            await app.start()
        if app.updater is not None and self._poll_task is None:
            self._poll_task = asyncio.create_task(self._poll_while_leader(),
                                                  name="telegram-polling")
        self.staff.schedule()
        log.info("telegram: @%s running (%s)", self.bot_username, self.mode)

    async def _poll_while_leader(self) -> None:
        """Only one worker may call getUpdates (Telegram answers 409 to a second one):
        the holder of a short database lease polls, the others take over if it dies."""
        updater = self.application.updater
        assert updater is not None
        while True:
            try:
                storage = self.pipeline.storage
                leader = storage is None or await storage.leases.acquire(
                    POLL_LEASE, self.staff.holder, POLL_LEASE_TTL)
                if leader and not updater.running:
                    await updater.start_polling(allowed_updates=ALLOWED_UPDATES,
                                                poll_interval=0.0)
                elif not leader and updater.running:
                    await updater.stop()
            except Exception:
                log.exception("telegram: polling lease check failed")
            await asyncio.sleep(POLL_LEASE_TTL.total_seconds() / 3)

    async def _register_commands(self) -> None:
        bot = self.application.bot
        try:
            await bot.set_my_commands(CITIZEN_COMMANDS, scope=BotCommandScopeDefault())
            for admin in sorted(self.admin_ids):
                with contextlib.suppress(TelegramError):  # the admin never opened the bot
                    await bot.set_my_commands((*CITIZEN_COMMANDS, *STAFF_COMMANDS),
                                              scope=BotCommandScopeChat(admin))
        except TelegramError as exc:
            log.warning("telegram: commands not registered (%s)", type(exc).__name__)

    async def stop(self) -> None:
        """Stop fetching, finish the updates in hand, then close the HTTP client."""
        for task in (self._connect_task, self._poll_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._connect_task = self._poll_task = None
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
            storage = self.pipeline.storage
            if storage is not None:
                with contextlib.suppress(Exception):
                    await storage.leases.release(POLL_LEASE, self.staff.holder)
        if app.running:
            await app.stop()
        await app.shutdown()

    async def push(self, chat_ref: str, reply: Reply) -> None:
        try:
            await self.send_reply(int(chat_ref), reply)
        except Forbidden as exc:  # "bot was blocked by the user", "user is deactivated"
            raise RecipientGone(exc.message) from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise RecipientGone(exc.message) from exc
            raise
        except RetryAfter as exc:  # AIORateLimiter's own retries are used up
            wait = exc.retry_after
            raise SendLater(wait if isinstance(wait, int | float)
                            else wait.total_seconds()) from exc

    async def send_to_staff(self, chat_id: str, text: str) -> list[str]:
        """:class:`bot.ports.StaffChannel`: plain text to a staff chat, message ids back."""
        reply = Reply(ReplyKind.HANDOFF, tuple(
            Block(BlockKind.PARAGRAPH, text=part) for part in text.split("\n\n") if part))
        return [str(m.message_id) for m in await self.send_reply(int(chat_id), reply)]

    # --- sending ------------------------------------------------------------------------

    async def send_reply(self, chat_id: int, reply: Reply, *,
                         reply_to: int | None = None) -> list[Message]:
        chunks, markup = render(reply)
        sent: list[Message] = []
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            sent.append(await self.application.bot.send_message(
                chat_id, chunk, parse_mode=ParseMode.HTML,
                reply_markup=markup if last else None,
                reply_parameters=ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to is not None and index == 0 else None))
        return sent

    # --- incoming -----------------------------------------------------------------------

    async def _gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.channel_post or update.edited_channel_post or update.edited_message:
            raise ApplicationHandlerStop
        if not await self.pipeline.claim(CHANNEL, str(update.update_id)):
            log.info("telegram: duplicate update %s dropped", update.update_id)
            raise ApplicationHandlerStop

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.from_user is None:
            return
        if await self._relay_staff_answer(message):
            return
        if not adapter.addressed(message, self.application.bot.id, self.bot_username):
            return
        await self._converse(message)

    async def _on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or adapter.kind_of(message) is None:
            return  # service message: someone joined, a pin, a title change…
        if adapter.is_group(message) and not adapter.addressed(
                message, self.application.bot.id, self.bot_username):
            return
        await self._converse(message)

    async def _converse(self, message: Message) -> None:
        msg = adapter.from_message(message, self.salt, self.bot_username)
        if msg is None or message.from_user is None:
            return
        outcome = await self.pipeline.handle(msg, staff=self._is_staff(message.from_user.id))
        if outcome.reply is None:
            return
        reply_to = message.message_id if adapter.is_group(message) else None
        await self.send_reply(message.chat.id, outcome.reply, reply_to=reply_to)

    def _is_staff(self, user_id: int) -> bool:
        return user_id in self.admin_ids

    async def _relay_staff_answer(self, message: Message) -> bool:
        """A reply in a staff chat to a bot message: relay it if it carries a case."""
        service = self.handoff
        original = message.reply_to_message
        if service is None or original is None or original.from_user is None \
                or original.from_user.id != self.application.bot.id \
                or not service.is_staff_chat(CHANNEL, str(message.chat.id)):
            return False
        text = message.text or ""
        if adapter.is_group(message):
            text = adapter.strip_mention(text, self.bot_username)
        staff_name = message.from_user.full_name if message.from_user else ""
        note = await relay_staff_answer(service, CHANNEL, str(message.chat.id),
                                        str(original.message_id), text, staff_name)
        if note is not None:
            await message.reply_text(note)
        return True  # staff chatter in reply to the bot is never a citizen question

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        if data.startswith("st:"):
            await self.staff.on_callback(update, context)
            return
        kb = self.knowledge.current.kb
        action = callbacks.decode_citizen(data, kb.topics, (c.id for c in kb.categories))
        message = query.message
        if action is None or message is None:
            await query.answer(texts.EXPIRED)
            return
        msg = adapter.from_action(query.from_user, message.chat.id, action, self.salt)
        outcome = await self.pipeline.handle(msg, staff=self._is_staff(query.from_user.id))
        reply = outcome.reply
        if reply is not None and reply.kind is ReplyKind.ERROR:
            await query.answer(texts.EXPIRED)
            return
        await query.answer()
        if reply is None:
            return
        if action.startswith(FEEDBACK_PREFIXES) and isinstance(message, Message):
            await self._drop_buttons(message, action[:3])
        await self.send_reply(message.chat.id, reply)

    async def _on_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A citizen blocked the bot ("kicked" in a private chat): news stop at once."""
        change = update.my_chat_member
        storage = self.pipeline.storage
        if change is None or storage is None or change.chat.type != "private" \
                or change.new_chat_member.status != "kicked":
            return
        await storage.subscriptions.stop_chat(CHANNEL, str(change.chat.id), "blocked")

    @staticmethod
    async def _drop_buttons(message: Message, prefix: str) -> None:
        """Take answered buttons (👍/👎, follow-up choices) off, so nobody votes twice."""
        markup = message.reply_markup
        if markup is None:
            return
        rows = [[b for b in row if not str(b.callback_data or "").startswith(prefix)]
                for row in markup.inline_keyboard]
        try:
            await message.edit_reply_markup(InlineKeyboardMarkup([r for r in rows if r]))
        except TelegramError as exc:
            log.info("telegram: buttons not updated (%s)", type(exc).__name__)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Never log the update itself: it holds the citizen's text and ids.
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram: update %s failed: %s", update_id, type(error).__name__,
                  exc_info=error)
        chat = _chat_of(update)
        if chat is not None and not isinstance(error, TelegramError):
            with contextlib.suppress(Exception):
                await self.application.bot.send_message(chat, SORRY)
