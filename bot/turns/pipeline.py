"""One pipeline for a citizen turn, the same on Telegram, Zalo and the web chat.

Stages, in order:

1. :meth:`TurnPipeline.claim` — each platform update is processed once, across
   redeliveries, workers and restarts (the database claim; the worker's memory while
   the database is away). Channels call it at their gate, before anything else runs.
2. Flood limit — ``RATE_LIMIT_PER_MINUTE`` messages per citizen, counted in the
   database across workers; the first message over the limit gets one polite notice,
   later ones nothing. Staff (the channel says who is staff) are never limited.
3. Redaction, once: from here on only the redacted text exists
   (:func:`bot.turns.assistant.clean_incoming`); then :class:`bot.turns.assistant.Assistant` — the
   conversation, follow-up offers and the demand log.
4. Remembering the question — a turn the conversation marks as a question is kept
   (already redacted) for a later "Hỏi cán bộ".
5. Handoff — when the conversation asks for a person, the case is opened here and
   the reply says its number; when no staff chat can be reached the citizen gets the
   commune centre's contact instead.

What comes back is the final :class:`Reply` to render, or nothing to send.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace

from bot.outreach.consent import ConsentStep
from bot.storage import Storage
from bot.storage.dedup import RecentKeys
from bot.storage.group_commit import Unavailable
from bot.turns.assistant import Assistant, clean_incoming
from bot.turns.handoff import HandoffService, HandoffUnavailable
from handlers import texts
from handlers.conversation import Turn
from handlers.messages import Block, BlockKind, Choice, Incoming, Reply, ReplyKind
from handlers.render import no_staff_blocks

log = logging.getLogger(__name__)

HANDOFF_ACTION = "handoff"


@dataclass(frozen=True, slots=True)
class TurnOutcome:
    """The reply to send (None: send nothing) and the turn behind it, if one ran."""

    reply: Reply | None
    turn: Turn | None = None
    limited: bool = False  # over the flood limit: the reply, if any, is the notice


def flood_notice() -> Reply:
    return Reply(ReplyKind.SMALLTALK, (Block(BlockKind.PARAGRAPH, text=texts.FLOOD_NOTICE),))


class TurnPipeline:
    """One per worker; holds no per-citizen state of its own besides recent update ids."""

    def __init__(self, assistant: Assistant, handoff: HandoffService | None = None, *,
                 rate_limit_per_minute: int = 0, consent: ConsentStep | None = None) -> None:
        self.assistant = assistant
        self.handoff = handoff
        self.consent = consent  # "Nhận tin từ xã" (bot.outreach.consent)
        self.rate_limit = rate_limit_per_minute
        self._seen = RecentKeys()  # duplicates while no database was ever reached

    @property
    def storage(self) -> Storage | None:
        return self.assistant.storage

    # --- 1. once per update ------------------------------------------------------------

    async def claim(self, channel: str, update_key: str) -> bool:
        """True the first time this update is seen, in any worker."""
        storage = self.storage
        if storage is None:  # no database yet: this worker's memory is all there is
            return self._seen.add((channel, update_key))
        return await storage.dedup.claim(channel, update_key)  # memory if it is down

    # --- the turn ---------------------------------------------------------------------------

    async def handle(self, msg: Incoming, *, staff: bool = False) -> TurnOutcome:
        verdict = await self._flood_verdict(msg, staff=staff)
        if verdict is not None:
            return verdict
        # Once: nothing below sees the raw text (or anything past the message limit).
        clean = clean_incoming(msg, self.assistant.conversation.max_chars)
        msg = clean.msg
        if self.consent is not None:  # subscriptions: consent, stop, campaign taps
            step = await self.consent.before(msg)
            if isinstance(step, Reply):  # not a question: not in the demand log
                return TurnOutcome(step, Turn(uuid.uuid4().hex, step))
            clean = replace(clean, msg=step)
            msg = step
        turn = await self.assistant.handle_clean(clean)
        if self.consent is not None:
            turn = await self.consent.after(msg, turn)
        if turn.is_question:
            await self._remember_question(msg)
        reply = turn.reply
        if HANDOFF_ACTION in reply.actions:
            reply = await self._open_handoff(msg, reply)
        return TurnOutcome(reply, turn)

    # --- 2. flood limit ---------------------------------------------------------------------

    async def _flood_verdict(self, msg: Incoming, *, staff: bool) -> TurnOutcome | None:
        """None when the message may go on; otherwise what to send instead."""
        storage = self.storage
        if not self.rate_limit or staff or storage is None:
            return None
        try:
            count = await storage.counters.hit(f"{msg.channel}:{msg.user_key}")
        except Unavailable:  # the database is down (logged once): answering matters more
            return None
        except Exception as exc:
            log.warning("flood counter unavailable (%s); not limiting", type(exc).__name__)
            return None
        if count <= self.rate_limit:
            return None
        # The first message over the limit gets one notice; then silence until the
        # minute is over.
        return TurnOutcome(flood_notice() if count == self.rate_limit + 1 else None,
                           limited=True)

    # --- 4. the question a person may answer later ---------------------------------------

    async def _remember_question(self, msg: Incoming) -> None:
        service = self.handoff
        if service is None or not service.available or self.storage is None:
            return
        try:  # msg.text is the redacted text the assistant worked on
            await service.remember_question(msg, msg.text)
        except Exception as exc:
            log.warning("could not keep the question for a handoff (%s)", type(exc).__name__)

    # --- 5. handoff -----------------------------------------------------------------------

    async def _open_handoff(self, msg: Incoming, reply: Reply) -> Reply:
        service = self.handoff
        try:
            if service is None:
                raise HandoffUnavailable("no handoff service")
            question = await service.last_question(msg.channel, msg.user_key)
            case_no = await service.open_case(msg, reply.topic_id, question)
        except HandoffUnavailable as exc:
            log.warning("handoff unavailable (%s)", exc)
            return self._no_handoff(reply)
        except Exception:
            log.exception("handoff failed")
            return self._no_handoff(reply)
        note = Block(BlockKind.NOTE, text=texts.HANDOFF_CASE.format(case_no=case_no))
        return replace(reply, blocks=(*reply.blocks, note), actions=())

    def _no_handoff(self, reply: Reply) -> Reply:
        commune = self.assistant.conversation.knowledge.current.kb.commune
        return Reply(ReplyKind.HANDOFF, no_staff_blocks(commune),
                     (Choice(texts.BUTTON_MENU, "menu"),),
                     reply.topic_id)
