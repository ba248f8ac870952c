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

The citizen never waits for staff chats: :meth:`HandoffService.open_case` records the
case (status ``pending``) and returns its number at once; one background worker per
staff chat posts cases in order, one at a time, so each chat's own send limit is
respected without holding anyone's reply (40 at once used to take up to 66 s). A
failed post is retried with backoff; a post that succeeded is never repeated (only its
bookkeeping is). When every staff chat has had its try the case becomes ``open``, or
``undelivered`` if none could be reached — an ERROR line says so, and the case stays in
``handoff_cases`` with that status for staff to pick up.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.ports import Channel, StaffChannel
from bot.privacy import redact
from bot.storage import Storage
from bot.storage.handoff import ANSWERED, OPEN, PENDING, UNDELIVERED
from bot.storage.models import HandoffCase
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
# Seconds between tries of one post: ~6 minutes in all before a staff chat is given up.
RETRY_DELAYS = (1.0, 2.0, 5.0, 15.0, 30.0, 60.0, 120.0, 120.0)
RECORDING_WAIT = 5.0


class HandoffUnavailable(Exception):
    """No staff chat could be reached (or nothing to reach one with)."""


class HandoffDeliveryError(Exception):
    """The staff answer belongs to a case, but the citizen could not be reached."""


StorageSource = Storage | Callable[[], Storage | None]
Target = tuple[str, str]  # (channel name, staff chat id)


@dataclass
class _Post:
    """One case waiting for one staff chat."""

    case_id: int
    case_no: str
    text: str


@dataclass
class _Case:
    """How many staff chats still owe a case its try, and whether any was reached."""

    waiting: int
    delivered: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


class HandoffService:
    def __init__(self, storage: StorageSource, channels: Mapping[str, Channel],
                 staff_targets: Sequence[tuple[str, str]], *,
                 knowledge: KnowledgeService | None = None,
                 retry_delays: Sequence[float] = RETRY_DELAYS) -> None:
        self._storage_source = storage
        self.channels = channels
        self.staff_targets = tuple(staff_targets)
        self.knowledge = knowledge
        self.retry_delays = tuple(retry_delays)
        self._queues: dict[Target, asyncio.Queue[_Post]] = {}
        self._workers: dict[Target, asyncio.Task[None]] = {}
        self._cases: dict[int, _Case] = {}
        # Posts already in a staff chat whose message ids are still being recorded: a
        # staff reply that quick must wait for them rather than look like chatter.
        self._recording: set[asyncio.Future[None]] = set()

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
        """Record a case and queue it for every staff chat; its number (``HS-0042``) at
        once. Posting happens in the background (:meth:`drain` waits for it)."""
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
        targets = self._reachable_targets()
        case_id, case_no = await storage.handoffs.create(
            channel=msg.channel, user_key=msg.user_key, chat_ref=msg.chat_ref,
            topic_id=topic_id, question=question, status=PENDING if targets else UNDELIVERED)
        if not targets:
            raise HandoffUnavailable(f"{case_no}: no channel can reach a staff chat")
        await storage.state.put(*state_key, {"question": question, "topic": topic_id,
                                              "case_no": case_no})
        self._queue(case_id, case_no, self._staff_text(case_no, topic_id, question), targets)
        log.info("handoff %s opened (%s, topic %s)", case_no, msg.channel, topic_id)
        return case_no

    def _reachable_targets(self) -> list[Target]:
        targets = []
        for channel_name, chat_id in self.staff_targets:
            if isinstance(self.channels.get(channel_name), StaffChannel):
                targets.append((channel_name, chat_id))
            else:
                log.warning("handoff: no %s channel to reach its staff chat", channel_name)
        return targets

    # --- background delivery to staff chats ---------------------------------------------

    def _queue(self, case_id: int, case_no: str, text: str, targets: list[Target]) -> None:
        self._cases[case_id] = _Case(len(targets))
        for target in targets:
            queue = self._queues.setdefault(target, asyncio.Queue())
            queue.put_nowait(_Post(case_id, case_no, text))
            worker = self._workers.get(target)
            if worker is None or worker.done():
                self._workers[target] = asyncio.get_running_loop().create_task(
                    self._deliver_forever(target, queue), name=f"handoff-{target[0]}")

    async def _deliver_forever(self, target: Target, queue: asyncio.Queue[_Post]) -> None:
        """Post this staff chat's cases one at a time, in order: its pace, nobody's wait."""
        while True:
            post = await queue.get()
            try:
                reached = await self._post(target, post)
            except Exception:  # never let one case stop the chat's worker
                log.exception("handoff %s: delivery to a %s staff chat failed", post.case_no,
                              target[0])
                reached = False
            finally:
                queue.task_done()
            await self._settle(post, reached)

    async def _post(self, target: Target, post: _Post) -> bool:
        """Post once (retrying only until it succeeds), then record its message ids."""
        channel_name, chat_id = target
        channel = self.channels.get(channel_name)
        assert isinstance(channel, StaffChannel)
        for attempt, delay in enumerate((*self.retry_delays, None)):
            try:
                message_ids = await channel.send_to_staff(chat_id, post.text)
                break
            except Exception as exc:
                if delay is None:
                    log.error("handoff %s: a %s staff chat could not be reached after %d "
                              "tries: %s", post.case_no, channel_name, attempt + 1,
                              type(exc).__name__)
                    return False
                log.warning("handoff %s: a %s staff chat failed (%s), retrying in %.0f s",
                            post.case_no, channel_name, type(exc).__name__, delay)
                await asyncio.sleep(delay)
        recorded = asyncio.get_running_loop().create_future()
        self._recording.add(recorded)
        try:
            await self._with_retries(post, lambda: self._link(post.case_id, target,
                                                              message_ids))
        finally:
            self._recording.discard(recorded)
            recorded.set_result(None)
        return True

    async def _recorded(self) -> None:
        """Wait (briefly) for staff-chat posts whose message ids are being written."""
        if self._recording:
            await asyncio.wait(set(self._recording), timeout=RECORDING_WAIT)

    async def _link(self, case_id: int, target: Target, message_ids: list[str]) -> None:
        await self._storage().handoffs.link(case_id, target[0], target[1], message_ids)

    async def _with_retries(self, post: _Post, write: Callable[[], Any]) -> None:
        """Database bookkeeping after a post: retried, since the post cannot be undone."""
        for delay in (*self.retry_delays, None):
            try:
                await write()
                return
            except Exception as exc:
                if delay is None:
                    raise
                log.warning("handoff %s: could not record (%s), retrying", post.case_no,
                            type(exc).__name__)
                await asyncio.sleep(delay)

    async def _settle(self, post: _Post, reached: bool) -> None:
        state = self._cases.get(post.case_id)
        if state is None:
            return
        state.waiting -= 1
        state.delivered = state.delivered or reached
        if state.waiting > 0:
            return
        status = OPEN if state.delivered else UNDELIVERED
        if not state.delivered:
            log.error("handoff %s: no staff chat reached; the case stays %s in handoff_cases",
                      post.case_no, UNDELIVERED)
        try:
            await self._with_retries(post, lambda: self._finish(post.case_id, status))
        except Exception:
            log.exception("handoff %s: status %s not recorded", post.case_no, status)
        finally:
            self._cases.pop(post.case_id, None)
            state.done.set()

    async def _finish(self, case_id: int, status: str) -> None:
        await self._storage().handoffs.finish_posting(case_id, status)

    async def unposted(self, older_than: dt.timedelta = dt.timedelta(minutes=10),
                       limit: int = 50) -> list[HandoffCase]:
        """Cases no staff chat has received: ``undelivered``, or still ``pending`` after
        ``older_than`` (their worker stopped). The workspace inbox lists them."""
        return await self._storage().handoffs.unposted(older_than, limit)

    async def drain(self) -> None:
        """Wait until every queued case has had its try at every staff chat."""
        while self._cases:
            await next(iter(self._cases.values())).done.wait()

    async def close(self, grace: float = 10.0) -> None:
        """Finish queued posts for up to ``grace`` seconds, then stop the workers.

        Cases still waiting stay ``pending`` in the database (and in the log)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drain(), grace)
        if self._cases:
            log.error("handoff: stopped with %d cases not yet posted to staff (status %s)",
                      len(self._cases), PENDING)
        for task in self._workers.values():
            task.cancel()
        for task in self._workers.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()

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
        case = await self._case_of(storage, staff_channel, staff_chat, replied_message_id)
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
        await storage.handoffs.set_status(case.id, ANSWERED)
        log.info("handoff %s answered by staff on %s", case.case_no, staff_channel)
        return True

    async def case_number(self, staff_channel: str, staff_chat: str,
                          message_id: str) -> str | None:
        """The case a staff-chat message carries, if any."""
        case = await self._case_of(self._storage(), staff_channel, staff_chat, message_id)
        return case.case_no if case is not None else None

    async def _case_of(self, storage: Storage, staff_channel: str, staff_chat: str,
                       message_id: str) -> HandoffCase | None:
        """The case a staff-chat message carries (waiting for posts still being recorded)."""
        for last in (False, True):
            case = await storage.handoffs.case_of(staff_channel, staff_chat, message_id)
            if case is not None or last or not self._recording:
                return case
            await self._recorded()
        return None
