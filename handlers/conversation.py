"""The conversation: one incoming message in, one reply out, for any channel.

Routing order matters: button actions and commands first (they are exact),
then social messages, then the matcher. The matcher's caution is kept: a
``suggest`` becomes choices, a ``fallback`` becomes the menu plus a person.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from handlers import subscription, texts
from handlers.messages import Block, BlockKind, Choice, Incoming, MessageKind, Reply, ReplyKind
from handlers.render import contact_blocks, topic_blocks
from knowledge.matcher import Decision, MatchResult
from knowledge.service import KnowledgeService, Snapshot
from knowledge.vietnamese import fold

COMMANDS = {
    "start": "start", "batdau": "start", "help": "help", "huongdan": "help", "trogiup": "help",
    "menu": "menu", "danhmuc": "menu", "lienhe": "contact", "contact": "contact",
    "hoicanbo": "handoff",
}
KEYWORDS = {
    "menu": "menu", "danh muc": "menu", "0": "menu", "help": "help", "huong dan": "help",
    "lien he": "contact", "hoi can bo": "handoff", "gap can bo": "handoff",
}
MAX_RELATED = 3
QUESTION_KINDS = frozenset({ReplyKind.ANSWER, ReplyKind.SUGGEST, ReplyKind.FALLBACK})


@dataclass(frozen=True)
class Turn:
    """A reply plus what the runtime needs to log it (the event id is for feedback)."""

    event_id: str
    reply: Reply
    match: MatchResult | None = None
    feedback: tuple[str, bool] | None = None  # (event id, helpful)
    truncated: bool = False

    @property
    def is_question(self) -> bool:
        """The citizen asked something a person could answer later ("Hỏi cán bộ").

        Answers, suggestions and fallbacks to typed text count; greetings, thanks and
        button presses do not.
        """
        return self.match is not None and self.reply.kind in QUESTION_KINDS


class Conversation:
    """Channel-neutral and stateless: every piece of state comes in with the message."""

    def __init__(self, knowledge: KnowledgeService, *, max_chars: int = 4000,
                 handoff_available: bool = False) -> None:
        self.knowledge = knowledge
        self.max_chars = max_chars
        self.handoff_available = handoff_available

    def handle(self, msg: Incoming) -> Turn:
        snap = self.knowledge.current
        event_id = uuid.uuid4().hex
        # A staff answer can only come back to a chat the channel can push to.
        reachable = msg.chat_ref is not None
        if msg.kind is MessageKind.ACTION and msg.action:
            return self._action(snap, event_id, msg.action, reachable=reachable)
        if msg.kind is not MessageKind.TEXT:
            return Turn(event_id, self._unsupported(snap))
        text = msg.text.strip()
        if not text:
            return Turn(event_id, Reply(ReplyKind.SMALLTALK, (_para(texts.EMPTY),),
                                        _menu_choice()))
        routed = self._route_command(text)
        if routed:
            return self._action(snap, event_id, routed, reachable=reachable)
        truncated = len(text) > self.max_chars
        result = snap.match(text[: self.max_chars])
        reply = self._reply_for(snap, result, event_id)
        if truncated:
            reply = Reply(reply.kind, (_para(texts.TOO_LONG), *reply.blocks), reply.choices,
                          reply.topic_id, reply.actions)
        return Turn(event_id, reply, result, truncated=truncated)

    # --- routing -----------------------------------------------------------------

    @staticmethod
    def _route_command(text: str) -> str | None:
        if text.startswith("/"):
            name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
            return COMMANDS.get(name, "help")
        key = " ".join(fold(text.lower()).split()).strip(" .!?")
        return KEYWORDS.get(key)

    def _action(self, snap: Snapshot, event_id: str, action: str, *,
                reachable: bool = True) -> Turn:
        name, _, arg = action.partition(":")
        if name == "start":
            return Turn(event_id, self._welcome(snap))
        if name == "help":
            return Turn(event_id, self._help(snap))
        if name == "menu":
            return Turn(event_id, self._menu(snap))
        if name == "contact":
            return Turn(event_id, self._contact(snap))
        if name == "handoff":
            return Turn(event_id, self._handoff(snap, arg or None, reachable=reachable))
        if name == "sub":  # reached only without the database (bot.outreach.consent)
            return Turn(event_id, subscription.unavailable())
        if name == "cat" and snap.kb.category(arg):
            return Turn(event_id, self._category(snap, arg))
        if name == "topic" and snap.kb.topic(arg):
            return Turn(event_id, self._answer(snap, arg, event_id))
        if name == "fb" and arg[:2] in {"y:", "n:"} and len(arg) > 2:
            return self._feedback(snap, event_id, arg[2:], helpful=arg[0] == "y")
        return Turn(event_id, Reply(ReplyKind.ERROR, (_para(texts.EXPIRED),), _menu_choice()))

    # --- replies -----------------------------------------------------------------

    def _reply_for(self, snap: Snapshot, result: MatchResult, event_id: str) -> Reply:
        if result.decision is Decision.ANSWER and result.topic:
            return self._answer(snap, result.topic, event_id)
        if result.decision is Decision.SMALLTALK:
            return self._smalltalk(snap, result.smalltalk or "greeting")
        if result.decision is Decision.SUGGEST and result.candidates:
            choices = tuple(
                Choice(snap.kb.topics[c.topic].title, f"topic:{c.topic}")
                for c in result.candidates
            )
            return Reply(ReplyKind.SUGGEST, (_para(texts.SUGGEST_TITLE),),
                         (*choices, Choice(texts.SUGGEST_NONE, "menu")))
        return self._fallback(snap)

    def _answer(self, snap: Snapshot, topic_id: str, event_id: str) -> Reply:
        topic = snap.kb.topics[topic_id]
        related = tuple(
            Choice(snap.kb.topics[r].title, f"topic:{r}")
            for r in topic.related[:MAX_RELATED]
            if r in snap.kb.topics
        )
        choices = (
            Choice(texts.BUTTON_HELPFUL, f"fb:y:{event_id}"),
            Choice(texts.BUTTON_NOT_HELPFUL, f"fb:n:{event_id}"),
            *related,
            Choice(texts.BUTTON_HANDOFF, f"handoff:{topic_id}"),
        )
        return Reply(ReplyKind.ANSWER, topic_blocks(topic, snap.kb.commune), choices, topic_id)

    def _smalltalk(self, snap: Snapshot, kind: str) -> Reply:
        if kind == "thanks":
            return Reply(ReplyKind.SMALLTALK, (_para(texts.THANKS),), _menu_choice())
        if kind == "ack":
            return Reply(ReplyKind.SMALLTALK, (_para(texts.ACK),), _menu_choice())
        if kind == "bye":
            return Reply(ReplyKind.SMALLTALK, (_para(texts.BYE),))
        if kind == "empty":
            return Reply(ReplyKind.SMALLTALK, (_para(texts.EMPTY),), _menu_choice())
        return self._welcome(snap, kind=ReplyKind.SMALLTALK)

    def _welcome(self, snap: Snapshot, kind: ReplyKind = ReplyKind.INFO) -> Reply:
        blocks = (
            _para(texts.GREETING.format(commune=snap.kb.commune.name)),
            _para(texts.CAN_DO),
            _para(texts.ASK_HINT),
            Block(BlockKind.NOTE, text=texts.CANNOT_DO),
        )
        return Reply(kind, blocks, self._category_choices(snap))

    def _help(self, snap: Snapshot) -> Reply:
        blocks = (_para(texts.CAN_DO), _para(texts.ASK_HINT),
                  Block(BlockKind.NOTE, text=texts.CANNOT_DO))
        return Reply(ReplyKind.INFO, blocks,
                     (*_menu_choice(), Choice(texts.BUTTON_CONTACT, "contact")))

    def _menu(self, snap: Snapshot) -> Reply:
        return Reply(ReplyKind.MENU, (_para(texts.MENU_TITLE),),
                     (*self._category_choices(snap),
                      Choice(subscription.BUTTON_SUBSCRIBE, "sub")))

    @staticmethod
    def _category_choices(snap: Snapshot) -> tuple[Choice, ...]:
        return tuple(
            Choice(f"{c.icon} {c.label}".strip(), f"cat:{c.id}")
            for c in snap.kb.categories
            if snap.kb.by_category(c.id)
        )

    def _category(self, snap: Snapshot, category_id: str) -> Reply:
        cat = snap.kb.category(category_id)
        assert cat is not None
        choices = tuple(Choice(t.title, f"topic:{t.id}") for t in snap.kb.by_category(cat.id))
        return Reply(ReplyKind.MENU, (_para(texts.CATEGORY_TITLE.format(label=cat.label)),),
                     (*choices, Choice(texts.BUTTON_BACK, "menu")))

    def _contact(self, snap: Snapshot) -> Reply:
        return Reply(ReplyKind.INFO, contact_blocks(snap.kb.commune), _menu_choice())

    def _fallback(self, snap: Snapshot) -> Reply:
        blocks = (Block(BlockKind.TITLE, text=texts.FALLBACK_TITLE), _para(texts.FALLBACK_BODY))
        choices = (*_menu_choice(), Choice(texts.BUTTON_HANDOFF, "handoff"),
                   Choice(texts.BUTTON_CONTACT, "contact"))
        return Reply(ReplyKind.FALLBACK, blocks, choices)

    def _handoff(self, snap: Snapshot, topic_id: str | None, *, reachable: bool) -> Reply:
        if self.handoff_available and reachable:
            return Reply(ReplyKind.HANDOFF, (_para(texts.HANDOFF_SENT),), _menu_choice(),
                         topic_id, actions=("handoff",))
        blocks = (_para(texts.HANDOFF_NO_STAFF), *contact_blocks(snap.kb.commune))
        return Reply(ReplyKind.HANDOFF, blocks, _menu_choice(), topic_id)

    def _feedback(self, snap: Snapshot, event_id: str, ref: str, *, helpful: bool) -> Turn:
        if helpful:
            reply = Reply(ReplyKind.FEEDBACK, (_para(texts.FEEDBACK_YES),), _menu_choice())
        else:
            reply = Reply(ReplyKind.FEEDBACK, (_para(texts.FEEDBACK_NO),),
                          (*_menu_choice(), Choice(texts.BUTTON_HANDOFF, "handoff")))
        return Turn(event_id, reply, feedback=(ref, helpful))

    def _unsupported(self, snap: Snapshot) -> Reply:
        return Reply(ReplyKind.UNSUPPORTED, (_para(texts.UNSUPPORTED),), _menu_choice())


def _para(text: str) -> Block:
    return Block(BlockKind.PARAGRAPH, text=text)


def _menu_choice() -> tuple[Choice, ...]:
    return (Choice(texts.BUTTON_MENU, "menu"),)
