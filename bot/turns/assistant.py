"""The runtime's entry for every channel: redact, converse, log, follow up.

Channels call :meth:`Assistant.handle` and render the reply. Privacy comes
first: the text is redacted before anything else sees it, so no id number or
phone reaches the matcher, the log or the database. Logging and follow-ups
never fail a reply: a database problem costs a log line, not an answer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.privacy import SENSITIVE_WARNING, Redaction, redact
from bot.storage import Storage
from bot.storage.events import EventRecord, EventSink
from bot.storage.group_commit import Unavailable
from handlers import followup
from handlers.context import ChatContext
from handlers.conversation import Conversation, Turn
from handlers.messages import Block, BlockKind, Incoming, MessageKind, Reply, ReplyKind
from knowledge.schema import OnlineLevel
from knowledge.vietnamese import fold

log = logging.getLogger(__name__)
MAX_LOGGED_CHARS = 2000
# Conversation context rows live beside Zalo's numbered choices in conversation_state,
# under their own channel name ("ctx:zalo") so the two never overwrite each other.
CONTEXT_PREFIX = "ctx:"
CONTEXT_MEMORY = 10_000  # chats remembered in memory while the database is away
CONTEXT_TIMEOUT = 2.0  # seconds; a slow database costs the context, not the reply


class Assistant:
    """One per process; stateless itself (state lives in the knowledge snapshot and the DB)."""

    def __init__(self, conversation: Conversation, storage: Storage | None = None, *,
                 clock: Callable[[], dt.datetime] | None = None,
                 store_context: bool = True, events: EventSink | None = None) -> None:
        """``events`` replaces the storage's demand log (the demo generator stamps
        simulated times); by default events go to ``storage.events``."""
        self.conversation = conversation
        self.storage = storage
        self._events = events
        self.store_context = store_context  # False: memory only (e.g. synthetic demo data)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._contexts: OrderedDict[tuple[str, str], ChatContext] = OrderedDict()

    @property
    def followup_days(self) -> int:
        if self.storage is None:
            return 0
        return max(1, self.storage.followups.delay.days)

    async def handle(self, msg: Incoming) -> Turn:
        """One turn for a message nobody has cleaned yet (the CLI, tests)."""
        return await self.handle_clean(clean_incoming(msg, self.conversation.max_chars))

    async def handle_clean(self, clean: CleanIncoming) -> Turn:
        """One turn for a message already cut and redacted (the turn pipeline)."""
        started = time.perf_counter()
        msg, redaction = clean.msg, clean.redaction
        context = await self._load_context(msg)
        turn = await self._special(msg) or self.conversation.handle(
            msg, context, self.clock(), truncated=clean.truncated)
        await self._save_context(msg, context, turn.context)
        if redaction.found:
            turn = _with_warning(turn)
        turn = await self._maybe_offer_followup(msg, turn)
        latency_ms = (time.perf_counter() - started) * 1000
        self._log(msg, turn, latency_ms, redaction.kinds)
        return turn

    # --- conversation context ------------------------------------------------------

    async def _load_context(self, msg: Incoming) -> ChatContext | None:
        """The newer of the database's and this worker's memory of the chat.

        Memory is newer only when a save missed the database; another worker's later
        save is newer than this worker's memory. Never raises.
        """
        key = (msg.channel, msg.user_key)
        remembered = self._contexts.get(key)
        stored: ChatContext | None = None
        if self.storage is not None and self.store_context:
            try:
                async with asyncio.timeout(CONTEXT_TIMEOUT):
                    data = await self.storage.state.recall(
                        _context_channel(msg.channel), msg.user_key,
                        max_age=self.conversation.context_ttl)
                stored = ChatContext.from_dict(data)
            except Exception as exc:
                log.warning("context not loaded (%s); using memory", type(exc).__name__)
        candidates = [c for c in (stored, remembered) if c is not None and c.at is not None]
        return max(candidates, key=lambda c: c.at or dt.datetime.min) if candidates else None

    async def _save_context(self, msg: Incoming, before: ChatContext | None,
                            after: ChatContext | None) -> None:
        if after is None or after == before:
            return
        key = (msg.channel, msg.user_key)
        self._contexts[key] = after
        self._contexts.move_to_end(key)
        while len(self._contexts) > CONTEXT_MEMORY:
            self._contexts.popitem(last=False)
        if self.storage is None or not self.store_context:
            return
        try:
            async with asyncio.timeout(CONTEXT_TIMEOUT):
                await self.storage.state.remember(_context_channel(msg.channel),
                                                  msg.user_key, after.to_dict())
        except Exception as exc:  # kept in memory; the reply goes out regardless
            log.warning("context not saved (%s); kept in memory", type(exc).__name__)

    # --- follow-ups ---------------------------------------------------------------

    async def _special(self, msg: Incoming) -> Turn | None:
        """Follow-up answers and "stop reminding me", which need the database."""
        if self.storage is None:
            return None
        try:
            if msg.kind is MessageKind.ACTION and msg.action:
                return await self._followup_action(msg, msg.action)
            if msg.kind is MessageKind.TEXT and fold(msg.text.lower()).strip(" .!") in \
                    followup.STOP_WORDS:
                await self.storage.followups.withdraw(msg.user_key)
                return Turn(_event_id(), followup.offer_answered(False, self.followup_days))
        except Exception:
            log.exception("follow-up handling failed; answering without it")
        return None

    async def _followup_action(self, msg: Incoming, action: str) -> Turn | None:
        name, _, rest = action.partition(":")
        code, _, topic_id = rest.partition(":")
        if name not in {"fu", "fa"} or not topic_id or \
                topic_id not in self.conversation.knowledge.current.kb.topics:
            return None
        assert self.storage is not None  # _special asks only with a database
        repo = self.storage.followups
        if name == "fu" and code in {"y", "n"}:
            await repo.respond_to_offer(msg.user_key, topic_id, accept=code == "y")
            return Turn(_event_id(), followup.offer_answered(code == "y", self.followup_days))
        answer = followup.answer_code(code) if name == "fa" else None
        if answer:
            await repo.record_answer(msg.user_key, topic_id, answer)
            return Turn(_event_id(), followup.answered(answer, topic_id))
        return None

    async def _maybe_offer_followup(self, msg: Incoming, turn: Turn) -> Turn:
        reply = turn.reply
        if self.storage is None or msg.chat_ref is None or reply.kind is not ReplyKind.ANSWER:
            return turn
        topic = self.conversation.knowledge.current.kb.topic(reply.topic_id or "")
        if topic is None or topic.online not in {OnlineLevel.FULL, OnlineLevel.PARTIAL}:
            return turn
        try:
            info = await self.storage.followups.on_answer(
                user_key=msg.user_key, channel=msg.channel, chat_ref=msg.chat_ref,
                topic_id=topic.id, event_id=turn.event_id)
        except Unavailable:  # the database is down (logged once)
            return turn
        except Exception:
            log.exception("could not record the follow-up offer")
            return turn
        if info is None or info.state.value != "offered":
            return turn
        offered = Reply(reply.kind, (*reply.blocks, followup.offer_block(self.followup_days)),
                        (*followup.offer_choices(topic.id), *reply.choices), reply.topic_id,
                        reply.actions)
        return replace(turn, reply=offered)

    # --- demand log -----------------------------------------------------------------

    def _log(self, msg: Incoming, turn: Turn, latency_ms: float, kinds: tuple[str, ...]) -> None:
        if self.storage is None:
            return
        try:
            events = self._events or self.storage.events
            events.record(_event(msg, turn, latency_ms, kinds))
            if turn.feedback:
                events.record_feedback(*turn.feedback, user_key=msg.user_key,
                                       reason=turn.feedback_reason)
        except Exception:  # the reply matters more than its log line
            log.exception("could not queue the event %s", turn.event_id)


def _event(msg: Incoming, turn: Turn, latency_ms: float, kinds: tuple[str, ...]) -> EventRecord:
    match = turn.match
    if match is not None:
        decision, topic_id, score = match.decision.value, match.topic, match.score
        candidates = [{"topic": c.topic, "score": round(c.score, 4)} for c in match.candidates]
        normalized = match.normalized[:MAX_LOGGED_CHARS]
    else:
        decision, topic_id, score = turn.reply.kind.value, turn.reply.topic_id, 0.0
        candidates, normalized = [], None
    text = msg.text[:MAX_LOGGED_CHARS] if msg.kind is MessageKind.TEXT else (msg.action or None)
    return EventRecord(
        id=turn.event_id, channel=msg.channel, user_key=msg.user_key, kind=msg.kind.value,
        decision=decision, text_redacted=text, text_normalized=normalized, topic_id=topic_id,
        score=score, candidates=candidates, latency_ms=round(latency_ms),
        redactions=list(kinds), area=msg.area)


@dataclass(frozen=True, slots=True)
class CleanIncoming:
    """A message as everything downstream sees it: cut to the limit, then redacted."""

    msg: Incoming
    redaction: Redaction
    truncated: bool = False


def clean_incoming(msg: Incoming, limit: int) -> CleanIncoming:
    """Cut to the message limit first — nothing past it is read, so nothing past it costs
    redaction time — then replace personal data by placeholders. The conversation is told
    about the cut, as it cannot see the original length any more."""
    if not msg.text:
        return CleanIncoming(msg, Redaction(msg.text))
    redaction = redact(msg.text[:limit])
    return CleanIncoming(replace(msg, text=redaction.text), redaction, len(msg.text) > limit)


def _with_warning(turn: Turn) -> Turn:
    reply = turn.reply
    warning = Block(BlockKind.NOTE, text=SENSITIVE_WARNING)
    return replace(turn, reply=replace(reply, blocks=(warning, *reply.blocks)))


def _context_channel(channel: str) -> str:
    return (CONTEXT_PREFIX + channel)[:16]


def _event_id() -> str:
    return uuid.uuid4().hex
