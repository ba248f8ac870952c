"""Handoff to commune staff ("Hỏi cán bộ"), the same for every channel.

A citizen's question goes to every staff chat — ``(channel, chat id)`` pairs from
``STAFF_CHAT_IDS``; Telegram today, Zalo later — as "[HS-0042] <question> (chủ đề …)".
Each staff-chat message is linked to the case (``handoff_links``), so when a staff member
replies to it, :meth:`HandoffService.relay_staff_reply` finds the citizen and pushes
"Cán bộ xã trả lời (HS-0042): …" through the citizen's own channel.

Privacy: staff see the case number and the question as the Assistant redacted it —
never the citizen's platform id, name or username. The question is the citizen's last
question text, remembered per ``(channel, user)`` for a day by :meth:`remember_question`.

A channel that can post to staff chats implements :class:`StaffChannel` (a method that
returns the platform message ids, which ``Channel.push`` does not); citizens are reached
with the ordinary ``Channel.push``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import select

from bot.ports import Channel, StaffChannel
from bot.privacy import redact
from bot.storage import Storage
from bot.storage.models import HandoffCase, HandoffLink
from handlers.messages import Block, BlockKind, Choice, Incoming, Reply, ReplyKind
from knowledge.service import KnowledgeService

log = logging.getLogger(__name__)

QUESTION_MAX_AGE = dt.timedelta(hours=24)
QUESTION_MAX_CHARS = 1000
REPLY_MAX_CHARS = 3500
STATE_PREFIX = "hq:"  # state rows ("hq:<channel>", user_key) hold the last question

STAFF_CASE = "[{case_no}] {question}"
STAFF_TOPIC = " (chủ đề “{title}”)"
STAFF_NO_QUESTION = "(người dân chưa gõ câu hỏi, bấm “Hỏi cán bộ”)"
STAFF_HOWTO = "↩️ Trả lời (reply) tin nhắn này để gửi câu trả lời tới người dân."
CITIZEN_ANSWER = "Cán bộ xã trả lời ({case_no}): {text}"


class HandoffUnavailable(Exception):
    """No staff chat could be reached (or nothing to reach one with)."""


class HandoffDeliveryError(Exception):
    """The staff answer belongs to a case, but the citizen could not be reached."""


StorageSource = Storage | Callable[[], Storage | None]


class HandoffService:
    def __init__(self, storage: StorageSource, channels: Mapping[str, Channel],
                 staff_targets: Sequence[tuple[str, str]], *,
                 knowledge: KnowledgeService | None = None) -> None:
        self._storage_source = storage
        self.channels = channels
        self.staff_targets = tuple(staff_targets)
        self.knowledge = knowledge

    @property
    def available(self) -> bool:
        return bool(self.staff_targets)

    def is_staff_chat(self, channel: str, chat_id: str) -> bool:
        return (channel, chat_id) in self.staff_targets

    def _storage(self) -> Storage:
        source = self._storage_source
        storage = source if isinstance(source, Storage) else source()
        if storage is None:
            raise HandoffUnavailable("storage is not connected")
        return storage

    # --- the citizen's question ---------------------------------------------------------

    async def remember_question(self, msg: Incoming, question_redacted: str) -> None:
        """Keep the (already redacted) question the citizen just asked, for a handoff."""
        text = question_redacted.strip()[:QUESTION_MAX_CHARS]
        if text:
            await self._storage().state.put(STATE_PREFIX + msg.channel, msg.user_key,
                                            {"question": text})

    async def last_question(self, channel: str, user_key: str) -> str | None:
        data = await self._storage().state.get(STATE_PREFIX + channel, user_key,
                                               max_age=QUESTION_MAX_AGE)
        question = (data or {}).get("question")
        return question if isinstance(question, str) and question else None

    # --- citizen → staff --------------------------------------------------------------------

    async def open_case(self, msg: Incoming, topic_id: str | None,
                        question_redacted: str | None) -> str:
        """Record a case, post it to every staff chat; the case number (``HS-0042``)."""
        if not self.staff_targets:
            raise HandoffUnavailable("no staff chat configured")
        if msg.chat_ref is None:
            raise HandoffUnavailable(f"channel {msg.channel} cannot receive staff answers")
        storage = self._storage()
        question = (question_redacted or "").strip()[:QUESTION_MAX_CHARS] or None
        state_key = (STATE_PREFIX + msg.channel, msg.user_key)
        remembered = await storage.state.get(*state_key, max_age=QUESTION_MAX_AGE) or {}
        if remembered.get("case_no") and remembered.get("question") == question \
                and remembered.get("topic") == topic_id:
            return str(remembered["case_no"])  # a second press sends nothing twice
        async with storage.sessions() as session, session.begin():
            case = HandoffCase(case_no=uuid.uuid4().hex, channel=msg.channel,
                               user_key=msg.user_key, chat_ref=msg.chat_ref,
                               topic_id=topic_id, question_redacted=question)
            session.add(case)
            await session.flush()
            case.case_no = f"HS-{case.id:04d}"
            case_id, case_no = case.id, case.case_no
        text = self._staff_text(case_no, topic_id, question)
        delivered = 0
        for channel_name, chat_id in self.staff_targets:
            channel = self.channels.get(channel_name)
            if not isinstance(channel, StaffChannel):
                log.warning("handoff %s: no %s channel to reach its staff chat",
                            case_no, channel_name)
                continue
            try:
                message_ids = await channel.send_to_staff(chat_id, text)
            except Exception:
                log.exception("handoff %s: a %s staff chat could not be reached",
                              case_no, channel_name)
                continue
            async with storage.sessions() as session, session.begin():
                for message_id in message_ids:
                    session.add(HandoffLink(staff_channel=channel_name, staff_chat=chat_id,
                                            staff_message=str(message_id), case_id=case_id))
            delivered += 1
        if not delivered:
            await self._set_status(storage, case_id, "undelivered")
            raise HandoffUnavailable(f"{case_no}: no staff chat reached")
        await storage.state.put(*state_key, {"question": question, "topic": topic_id,
                                              "case_no": case_no})
        log.info("handoff %s opened (%s, topic %s)", case_no, msg.channel, topic_id)
        return case_no

    def _staff_text(self, case_no: str, topic_id: str | None, question: str | None) -> str:
        # Redacted again on the way out: a case stored by an older version, or a gap in
        # the first pass, must not put a citizen's number into a group chat.
        question = redact(question).text if question else None
        text = STAFF_CASE.format(case_no=case_no, question=question or STAFF_NO_QUESTION)
        topic = self.knowledge.current.kb.topic(topic_id) if self.knowledge and topic_id \
            else None
        if topic is not None:
            text += STAFF_TOPIC.format(title=topic.title)
        elif topic_id:
            text += STAFF_TOPIC.format(title=topic_id)
        return f"{text}\n\n{STAFF_HOWTO}"

    # --- staff → citizen --------------------------------------------------------------------

    async def relay_staff_reply(self, staff_channel: str, staff_chat: str,
                                replied_message_id: str, text: str, staff_name: str) -> bool:
        """Push a staff answer to the citizen of the case that message belongs to.

        False when the message is not a case message (ordinary staff chatter);
        :class:`HandoffDeliveryError` when it is, but the citizen could not be reached.
        ``staff_name`` is not shown to the citizen (answers come from "cán bộ xã").
        """
        answer = text.strip()[:REPLY_MAX_CHARS]
        if not answer:
            return False
        storage = self._storage()
        async with storage.sessions() as session:
            case = (await session.execute(
                select(HandoffCase).join(HandoffLink, HandoffLink.case_id == HandoffCase.id)
                .where(HandoffLink.staff_channel == staff_channel,
                       HandoffLink.staff_chat == str(staff_chat),
                       HandoffLink.staff_message == str(replied_message_id)))).scalar_one_or_none()
        if case is None:
            return False
        channel = self.channels.get(case.channel)
        if channel is None:
            raise HandoffDeliveryError(f"{case.case_no}: channel {case.channel} is not running")
        reply = Reply(ReplyKind.HANDOFF, (Block(BlockKind.PARAGRAPH, text=CITIZEN_ANSWER.format(
            case_no=case.case_no, text=answer)),), (Choice("📋 Danh mục", "menu"),),
            case.topic_id)
        try:
            await channel.push(case.chat_ref, reply)
        except Exception as exc:
            raise HandoffDeliveryError(f"{case.case_no}: {type(exc).__name__}") from exc
        await self._set_status(storage, case.id, "answered")
        log.info("handoff %s answered by staff on %s", case.case_no, staff_channel)
        return True

    async def case_number(self, staff_channel: str, staff_chat: str,
                          message_id: str) -> str | None:
        """The case a staff-chat message carries, if any."""
        storage = self._storage()
        async with storage.sessions() as session:
            return (await session.execute(
                select(HandoffCase.case_no).join(HandoffLink,
                                                 HandoffLink.case_id == HandoffCase.id)
                .where(HandoffLink.staff_channel == staff_channel,
                       HandoffLink.staff_chat == str(staff_chat),
                       HandoffLink.staff_message == str(message_id)))).scalar_one_or_none()

    @staticmethod
    async def _set_status(storage: Storage, case_id: int, status: str) -> None:
        async with storage.sessions() as session, session.begin():
            case = await session.get(HandoffCase, case_id)
            if case is not None:
                case.status = status
