"""The subscription step of a citizen turn ("Nhận tin từ xã", "dừng nhận tin").

Stateful, so it lives in the runtime rather than in ``handlers``: the turn pipeline
asks :meth:`ConsentStep.before` first (subscribe, answer, pick a thôn, stop, a
campaign's "Xem hướng dẫn" tap) and :meth:`ConsentStep.after` once the conversation
answered (the one-time offer after a helpful answer). Nothing here is channel
specific: a chat without an address to push to (the web page) is told politely that
it cannot receive news.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from bot.storage import Storage
from handlers import subscription as sub
from handlers.conversation import Turn
from handlers.messages import Incoming, MessageKind, Reply, ReplyKind
from knowledge.service import KnowledgeService

log = logging.getLogger(__name__)
HELPFUL_FOLLOWUP = "fa:on:"  # "đã làm trực tuyến"


class ConsentStep:
    def __init__(self, storage: Callable[[], Storage | None],
                 knowledge: KnowledgeService) -> None:
        self._storage = storage
        self.knowledge = knowledge

    @property
    def areas(self) -> list[str]:
        return list(self.knowledge.current.kb.commune.areas)

    async def before(self, msg: Incoming) -> Incoming | Reply:
        """A reply when this turn is about subscriptions; otherwise the message to
        converse on (a campaign tap becomes the topic it links to)."""
        action = msg.action if msg.kind is MessageKind.ACTION else None
        text = msg.text if msg.kind is MessageKind.TEXT else ""
        if action is not None and (tap := sub.campaign_tap(action)) is not None:
            await self._tap(msg, *tap)
            return replace(msg, action=f"topic:{tap[1]}")
        if action is not None and (action == "sub" or action.startswith("sub:")):
            return await self._guarded(self._action, msg, action.partition(":")[2])
        if text and sub.is_stop(text):
            return await self._guarded(self._action, msg, "x")
        if text and sub.is_subscribe(text):
            return await self._guarded(self._action, msg, "")
        return msg

    async def after(self, msg: Incoming, turn: Turn) -> Turn:
        """After a helpful answer (👍, or "đã làm trực tuyến"), offer news once."""
        helpful = (turn.feedback is not None and turn.feedback[1]) or (
            msg.action or "").startswith(HELPFUL_FOLLOWUP)
        storage = self._storage()
        if not helpful or msg.chat_ref is None or msg.group or storage is None \
                or turn.reply.kind is ReplyKind.ERROR:
            return turn
        try:
            if not await storage.subscriptions.offer(msg.channel, msg.user_key, msg.chat_ref):
                return turn
        except Exception as exc:
            log.warning("subscription offer not recorded (%s)", type(exc).__name__)
            return turn
        reply = turn.reply
        offered = replace(reply, blocks=(*reply.blocks, sub.offer_block()),
                          choices=(*sub.consent_choices(), *reply.choices))
        return replace(turn, reply=offered)

    async def _guarded(self, step: Callable[[Incoming, str], object], msg: Incoming,
                       arg: str) -> Reply:
        if msg.chat_ref is None:
            return sub.web_cannot_push()
        if msg.group:  # announcements go to one person's chat, never to a group
            return sub.group_chat()
        if self._storage() is None:
            return sub.unavailable()
        try:
            return await step(msg, arg)  # type: ignore[misc]
        except Exception:
            log.exception("subscription step failed")
            return sub.unavailable()

    async def _action(self, msg: Incoming, arg: str) -> Reply:
        storage = self._storage()
        assert storage is not None and msg.chat_ref is not None
        repo = storage.subscriptions
        if arg == "":
            return sub.ask()
        if arg == "y":
            await repo.subscribe(msg.channel, msg.user_key, msg.chat_ref)
            return sub.subscribed(self.areas)
        if arg == "n":
            await repo.decline(msg.channel, msg.user_key, msg.chat_ref)
            return sub.declined()
        if arg == "x":
            return sub.stopped(await repo.stop(msg.channel, msg.user_key))
        if arg.startswith("a:"):
            return await self._area(msg, arg[2:])
        return sub.ask()

    async def _area(self, msg: Incoming, pick: str) -> Reply:
        storage = self._storage()
        assert storage is not None
        areas = self.areas
        area = areas[int(pick)] if pick.isdigit() and int(pick) < len(areas) else None
        if area is not None:
            await storage.subscriptions.set_area(msg.channel, msg.user_key, area)
        return sub.area_set(area)

    async def _tap(self, msg: Incoming, campaign_id: int, topic_id: str) -> None:
        storage = self._storage()
        if storage is None:
            return
        try:
            await storage.campaigns.record_tap(campaign_id, msg.channel, msg.user_key)
        except Exception as exc:
            log.warning("campaign tap not recorded (%s)", type(exc).__name__)
