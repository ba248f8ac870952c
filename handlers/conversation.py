"""The conversation: one incoming message in, one reply out, for any channel.

Routing order matters: button actions and commands first (they are exact),
then social messages, then the matcher. The matcher's caution is kept: a
``suggest`` becomes choices, a ``fallback`` becomes the menu plus a person.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from handlers import brief, subscription, texts
from handlers import context as ctx
from handlers.context import DEFAULT_TTL, ChatContext
from handlers.messages import Block, BlockKind, Choice, Incoming, MessageKind, Reply, ReplyKind
from handlers.render import (
    as_shown,
    contact_blocks,
    explain_terms,
    local_today,
    no_staff_blocks,
    topic_blocks,
)
from handlers.resolve import (
    follow_up,
    names_nothing,
    pick_by_position,
    pick_by_words,
    worth_offering,
)
from knowledge.aspects import Aspect, focus_words, refers_back, residual_words
from knowledge.aspects import asked as asked_aspects
from knowledge.aspects import detect as detect_aspects
from knowledge.loader import KnowledgeBase
from knowledge.matcher import Candidate, Decision, MatchResult
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
# Words around a menu request that do not change it: "quay lại menu", "cho xem danh mục
# chính", "về trang đầu đi bot".
_NAVIGATION = frozenset(
    "quay tro lai ve xem mo cho toi em minh tui trang cai chinh dau di nha nhe a oi bot ad "
    "vay".split())
_BACK = ({"quay", "tro"}, {"lai", "ve"})  # "quay lại", "trở về": back to the start
MAX_NAVIGATION_WORDS = 9  # each must be one of these words: a question cannot pass
# What a list of procedures may be called around "danh mục" / "danh sách": "cho xem danh
# mục các thủ tục", "danh sách thủ tục hành chính".
_LIST_OF = frozenset("cac nhung tat ca thu tuc hanh chinh".split())
MAX_RELATED = 3
MAX_OFFERED = 3  # topics offered as choices when the context's topic leads them
QUESTION_KINDS = frozenset({ReplyKind.ANSWER, ReplyKind.SUGGEST, ReplyKind.FALLBACK})
# Social messages that get a short reply with the menu and a person, never a topic.
META_REPLIES = {
    "help": texts.META_HELP, "presence": texts.META_PRESENCE,
    "confused": texts.META_CONFUSED, "complaint": texts.META_COMPLAINT,
}


@dataclass(frozen=True)
class Turn:
    """A reply plus what the runtime needs to log it (the event id is for feedback)."""

    event_id: str
    reply: Reply
    match: MatchResult | None = None
    feedback: tuple[str, bool] | None = None  # (event id, helpful)
    feedback_reason: str | None = None  # what was wrong (a key of texts.FEEDBACK_REASONS)
    truncated: bool = False
    # What the chat remembers after this turn (None: nothing to remember or change).
    context: ChatContext | None = None

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
                 handoff_available: bool = False,
                 context_ttl: dt.timedelta = DEFAULT_TTL,
                 today: Callable[[], dt.date] = local_today) -> None:
        self.knowledge = knowledge
        self.max_chars = max_chars
        self.handoff_available = handoff_available
        self.context_ttl = context_ttl
        self.today = today  # injected so tests can cross the date a fee changes

    def handle(self, msg: Incoming, context: ChatContext | None = None,
               now: dt.datetime | None = None, *, truncated: bool | None = None) -> Turn:
        """One turn; ``context`` is what the chat remembered, ``Turn.context`` what it
        remembers next. ``now`` is injected so tests can freeze the clock.
        ``truncated``: whether the caller cut the text to ``max_chars`` (it redacts
        after cutting, which changes the length); None to judge by the length here."""
        now = now or dt.datetime.now(dt.UTC)
        live = context if context is not None and context.alive(now, self.context_ttl) else None
        turn = self._turn(msg, live, truncated)
        return replace(turn, context=_next_context(turn, live, now))

    def _turn(self, msg: Incoming, live: ChatContext | None,
              truncated: bool | None = None) -> Turn:
        snap = self.knowledge.current
        event_id = uuid.uuid4().hex
        # A staff answer can only come back to a chat the channel can push to.
        reachable = msg.chat_ref is not None
        if msg.kind is MessageKind.ACTION and msg.action:
            return self._action(snap, event_id, msg.action, reachable=reachable, live=live)
        if msg.kind is not MessageKind.TEXT:
            return Turn(event_id, self._unsupported(snap))
        text = msg.text.strip()
        if not text:
            return Turn(event_id, Reply(ReplyKind.SMALLTALK, (_para(texts.EMPTY),),
                                        _menu_choice()))
        routed = self._route_command(text)
        if routed:
            return self._action(snap, event_id, routed, reachable=reachable, live=live)
        if truncated is None:
            truncated = len(text) > self.max_chars
        text = text[: self.max_chars]
        result = snap.match(text)
        resolved = self._in_context(snap, text, result, live)
        in_context = live.topic_id if live else None
        offer = in_context if resolved is None and in_context is not None \
            and worth_offering(text, result, in_context, snap.kb) else None
        which = _still_choosing(text, result, live, snap.kb) if resolved is None \
            and offer is None else ()
        aspects = asked_aspects(text, following=resolved is not None or offer is not None
                                or bool(which))
        if which and live is not None:
            # "cần giấy tờ gì" right after choices: it asks about one of them, not anew.
            aspects = aspects or _aspects(live.aspects)
            result = replace(result, decision=Decision.SUGGEST, topic=None,
                             candidates=tuple(Candidate(t, 0.0) for t in which))
            reply = self._suggest(snap, result, _which_title(aspects))
        elif resolved is not None:
            topic_id, pending = resolved
            result = replace(result, decision=Decision.ANSWER, topic=topic_id)
            reply = self._answer(snap.kb, topic_id, event_id, aspects or pending,
                                 focus=focus_words(text))
        elif offer is not None:
            result = _context_first(result, offer)
            reply = self._suggest(snap, result, texts.SUGGEST_CONTEXT.format(
                title=snap.kb.topics[offer].title))
        else:
            reply = self._reply_for(snap, result, event_id, aspects)
        if truncated:
            reply = Reply(reply.kind, (_para(texts.TOO_LONG), *reply.blocks), reply.choices,
                          reply.topic_id, reply.actions)
        return Turn(event_id, reply, result, truncated=truncated,
                    context=_pending(result, aspects))

    @staticmethod
    def _in_context(snap: Snapshot, text: str, result: MatchResult,
                    live: ChatContext | None) -> tuple[str, tuple[Aspect, ...]] | None:
        """The topic the context gives this message (with aspects still pending), if any."""
        if live is None or result.decision is Decision.SMALLTALK:
            return None
        kb = snap.kb
        own = result.topic if result.decision is Decision.ANSWER else None
        offered = tuple(t for t in live.offered_topics if t in kb.topics)
        # A position ("số 1") is a pick even if the matcher reads a subject into it;
        # words pick only when they name no other topic.
        picked = pick_by_position(text, offered)
        if not picked and (own is None or own in offered):
            picked = pick_by_words(text, offered, kb)
        if picked:
            return picked, _aspects(live.aspects)
        if live.topic_id and follow_up(text, result, live.topic_id, kb):
            return live.topic_id, ()
        return None

    # --- routing -----------------------------------------------------------------

    @staticmethod
    def _route_command(text: str) -> str | None:
        if text.startswith("/"):
            name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
            return COMMANDS.get(name, "help")
        key = " ".join(fold(text.lower()).split()).strip(" .!?")
        return KEYWORDS.get(key) or _navigation(key)

    def _action(self, snap: Snapshot, event_id: str, action: str, *,
                reachable: bool = True, live: ChatContext | None = None) -> Turn:
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
            pending = _aspects(live.aspects) if live and arg in live.offered_topics else ()
            return Turn(event_id, self._answer(snap.kb, arg, event_id, pending))
        if name == "full" and snap.kb.topic(arg):
            return Turn(event_id, self._answer(snap.kb, arg, event_id, full=True))
        part, _, topic_id = arg.partition(":")
        if name == "part" and part in brief.PARTS and snap.kb.topic(topic_id):
            return Turn(event_id, self._part(snap.kb, topic_id, part, event_id))
        if name == "fb" and arg[:2] in {"y:", "n:"} and len(arg) > 2:
            return self._feedback(snap, event_id, arg[2:], helpful=arg[0] == "y")
        reason, _, ref = arg.partition(":")
        if name == "fr" and reason in texts.FEEDBACK_REASONS and ref:
            return self._feedback_reason(event_id, ref, reason)
        return Turn(event_id, Reply(ReplyKind.ERROR, (_para(texts.EXPIRED),), _menu_choice()))

    # --- replies -----------------------------------------------------------------

    def _reply_for(self, snap: Snapshot, result: MatchResult, event_id: str,
                   aspects: tuple[Aspect, ...] = ()) -> Reply:
        if result.decision is Decision.ANSWER and result.topic:
            reply = self._answer(snap.kb, result.topic, event_id, aspects,
                                 focus=focus_words(result.query))
            return _with_also(reply, snap.kb, result.also)
        if result.decision is Decision.SMALLTALK:
            return self._smalltalk(snap, result.smalltalk or "greeting")
        if result.decision is Decision.SUGGEST and result.candidates:
            return self._suggest(snap, result, texts.SUGGEST_TITLE)
        return self._fallback(snap)

    @staticmethod
    def _suggest(snap: Snapshot, result: MatchResult, title: str) -> Reply:
        """Honest choices, and a person when none of them fits."""
        offered = [c.topic for c in result.candidates if c.topic in snap.kb.topics]
        none = texts.SUGGEST_NONE
        if len(offered) == 1 and title == texts.SUGGEST_TITLE:
            # "Có phải bạn muốn hỏi: 1. X" read as a list of one; ask it as a yes or no.
            name = snap.kb.topics[offered[0]].title
            title = texts.SUGGEST_ONE.format(title=name)
            choices: tuple[Choice, ...] = (
                Choice(texts.SUGGEST_ONE_YES.format(title=name), f"topic:{offered[0]}"),)
            none = texts.SUGGEST_ONE_NO
        else:
            choices = tuple(Choice(snap.kb.topics[t].title, f"topic:{t}") for t in offered)
        return Reply(ReplyKind.SUGGEST, (_para(title),),
                     (*choices, Choice(none, "menu"), Choice(texts.BUTTON_HANDOFF, "handoff")))

    def answer(self, kb: KnowledgeBase, topic_id: str, event_id: str, *,
               full: bool = False) -> Reply:
        """The first answer for ``topic_id`` as ``kb`` has it (staff preview a draft so)."""
        return self._answer(kb, topic_id, event_id, full=full)

    def _answer(self, kb: KnowledgeBase, topic_id: str, event_id: str,
                aspects: tuple[Aspect, ...] = (), *, full: bool = False,
                focus: tuple[str, ...] = ()) -> Reply:
        """Leads with the asked aspects; a plain question gets the short answer; the
        whole entry only when asked for ("Xem đủ các bước")."""
        topic = kb.topics[topic_id]
        today = self.today()
        shown = as_shown(topic, today)  # dated facts as they hold today
        feedback = (Choice(texts.BUTTON_HELPFUL, f"fb:y:{event_id}"),
                    Choice(texts.BUTTON_NOT_HELPFUL, f"fb:n:{event_id}"))
        handoff = Choice(texts.BUTTON_HANDOFF, f"handoff:{topic_id}")
        if full or shown is None:  # the whole entry, or why it is not in force
            related = tuple(
                Choice(kb.topics[r].title, f"topic:{r}")
                for r in topic.related[:MAX_RELATED]
                if r in kb.topics
            )
            return Reply(ReplyKind.ANSWER, topic_blocks(topic, kb.commune, today,
                                                        full=full),
                         (*feedback, *related, handoff), topic_id)
        aspects = brief.answerable(shown, aspects)
        if aspects:
            blocks = brief.aspect_blocks(shown, aspects, kb.commune, focus)
            return Reply(ReplyKind.ANSWER, explain_terms(list(blocks)),
                         (brief.full_choice(topic_id), *feedback, handoff), topic_id)
        return Reply(ReplyKind.ANSWER, explain_terms(list(brief.short_blocks(shown))),
                     (*brief.part_choices(shown), *feedback, handoff), topic_id)

    def _part(self, kb: KnowledgeBase, topic_id: str, part: str, event_id: str) -> Reply:
        topic = kb.topics[topic_id]
        today = self.today()
        shown = as_shown(topic, today)
        if shown is None:
            return self._answer(kb, topic_id, event_id, full=True)
        others = tuple(c for c in brief.part_choices(shown)
                       if not c.action.startswith(f"part:{part}:"))
        if part == brief.LEGAL:  # the full entry's own tail: legal basis, sources, date
            whole = topic_blocks(topic, kb.commune, today, full=True)
            blocks = brief.legal_part(shown, whole)
        else:
            blocks = explain_terms(list(brief.part_blocks(shown, part, kb.commune)))
        return Reply(ReplyKind.ANSWER, blocks,
                     (brief.full_choice(topic_id), *others,
                      Choice(texts.BUTTON_HANDOFF, f"handoff:{topic_id}")), topic_id)

    def _smalltalk(self, snap: Snapshot, kind: str) -> Reply:
        if kind == "thanks":
            return Reply(ReplyKind.SMALLTALK, (_para(texts.THANKS),), _menu_choice())
        if kind == "ack":
            return Reply(ReplyKind.SMALLTALK, (_para(texts.ACK),), _menu_choice())
        if kind == "bye":
            return Reply(ReplyKind.SMALLTALK, (_para(texts.BYE),))
        if kind == "empty":
            return Reply(ReplyKind.SMALLTALK, (_para(texts.EMPTY),), _menu_choice())
        if kind in META_REPLIES:
            return Reply(ReplyKind.SMALLTALK, (_para(META_REPLIES[kind]),),
                         (*_menu_choice(), Choice(texts.BUTTON_HANDOFF, "handoff")))
        # A greeting gets the welcome, with a person one tap away as in every social reply.
        welcome = self._welcome(snap, kind=ReplyKind.SMALLTALK)
        return Reply(welcome.kind, welcome.blocks,
                     (*welcome.choices, Choice(texts.BUTTON_HANDOFF, "handoff")))

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
        return Reply(ReplyKind.HANDOFF, no_staff_blocks(snap.kb.commune), _menu_choice(),
                     topic_id)

    def _feedback(self, snap: Snapshot, event_id: str, ref: str, *, helpful: bool) -> Turn:
        if helpful:
            reply = Reply(ReplyKind.FEEDBACK, (_para(texts.FEEDBACK_YES),), _menu_choice())
        else:  # one tap says what was wrong; it reaches the staff inbox either way
            reasons = tuple(Choice(label, f"fr:{code}:{ref}")
                            for code, label in texts.FEEDBACK_REASONS.items())
            reply = Reply(ReplyKind.FEEDBACK, (_para(texts.FEEDBACK_WHY),),
                          (*reasons, *_menu_choice(), Choice(texts.BUTTON_HANDOFF, "handoff")))
        return Turn(event_id, reply, feedback=(ref, helpful))

    @staticmethod
    def _feedback_reason(event_id: str, ref: str, reason: str) -> Turn:
        """The reason is a 👎 vote too, so it counts even if the first press was lost."""
        reply = Reply(ReplyKind.FEEDBACK, (_para(texts.FEEDBACK_REASON_THANKS),),
                      (*_menu_choice(), Choice(texts.BUTTON_HANDOFF, "handoff")))
        return Turn(event_id, reply, feedback=(ref, False), feedback_reason=reason)

    def _unsupported(self, snap: Snapshot) -> Reply:
        return Reply(ReplyKind.UNSUPPORTED, (_para(texts.UNSUPPORTED),), _menu_choice())


def _para(text: str) -> Block:
    return Block(BlockKind.PARAGRAPH, text=text)


def _menu_choice() -> tuple[Choice, ...]:
    return (Choice(texts.BUTTON_MENU, "menu"),)


def _aspects(values: tuple[str, ...]) -> tuple[Aspect, ...]:
    return tuple(Aspect(v) for v in values if v in Aspect._value2member_map_)


def _with_also(reply: Reply, kb: KnowledgeBase, also: str | None) -> Reply:
    """The answer, then the second procedure the question names, one tap away."""
    topic = kb.topics.get(also) if also else None
    if topic is None or also == reply.topic_id:
        return reply
    note = Block(BlockKind.NOTE, text=texts.ALSO.format(title=topic.title))
    choice = Choice(texts.BUTTON_ALSO.format(title=topic.title), f"topic:{topic.id}")
    return Reply(reply.kind, (*reply.blocks, note), (choice, *reply.choices), reply.topic_id,
                 reply.actions)


def _context_first(result: MatchResult, topic_id: str) -> MatchResult:
    """The matcher's verdict as offered: the topic in context first, then the matcher's own
    choices if it had any (a fallback's candidates were too weak to offer)."""
    others = result.candidates if result.decision is Decision.SUGGEST else ()
    first = next((c for c in others if c.topic == topic_id), Candidate(topic_id, 0.0))
    rest = tuple(c for c in others if c.topic != topic_id)
    return replace(result, decision=Decision.SUGGEST, topic=None,
                   candidates=(first, *rest)[:MAX_OFFERED])


def _still_choosing(text: str, result: MatchResult, live: ChatContext | None,
                    kb: KnowledgeBase) -> tuple[str, ...]:
    """The topics still on offer when a message only asks an aspect or points back
    ("cần mang giấy tờ gì", "cái đó bao lâu") while several choices wait: alone it is
    about nothing, and the matcher would offer whatever mentions "giấy tờ" most."""
    if live is None or live.topic_id is not None or result.decision is Decision.SMALLTALK:
        return ()
    offered = tuple(t for t in live.offered_topics if t in kb.topics)
    # "làm lại bằng lái ở đâu": every word is a filler somewhere, but the message names
    # a topic (its keyword) and the matcher answers it: a question of its own. A level of
    # government is where, not what ("lên huyện làm hay ở xã"); "giấy" names no topic.
    own = [w for w in residual_words(text) if w not in _LEVELS and not names_nothing(kb, w)]
    if len(offered) < 2 or own or result.named or result.decision is Decision.ANSWER:
        return ()
    return offered[:MAX_OFFERED] if detect_aspects(text) or refers_back(text) else ()


_LEVELS = frozenset("xa huyen tinh phuong thon ap ban".split())


def _which_title(aspects: tuple[Aspect, ...]) -> str:
    """"Bạn hỏi lệ phí của thủ tục nào…" — or, for a pointer alone, which procedure."""
    if not aspects:
        return texts.SUGGEST_WHICH
    return texts.SUGGEST_WHICH_ASPECT.format(
        what=", ".join(brief.ASPECT_WORDS[a] for a in aspects))


def _pending(result: MatchResult, aspects: tuple[Aspect, ...]) -> ChatContext | None:
    """Aspects asked while choices are offered wait for the pick (a marker, not a context)."""
    if result.decision is Decision.SUGGEST and aspects:
        return ChatContext(aspects=tuple(a.value for a in aspects))
    return None


def _next_context(turn: Turn, live: ChatContext | None, now: dt.datetime) -> ChatContext | None:
    """What the chat remembers after ``turn``: the topic answered, the topics offered,
    nothing after the menu, and otherwise what it remembered before."""
    reply = turn.reply
    offered = tuple(c.action[6:] for c in reply.choices if c.action.startswith("topic:"))
    if reply.kind is ReplyKind.ANSWER and reply.topic_id:
        return ctx.answered(reply.topic_id, now)
    if reply.kind is ReplyKind.SUGGEST and offered:
        pending = turn.context.aspects if turn.context else ()
        # One topic offered: "mất mấy ngày?" next can only be about it.
        topic = offered[0] if len(offered) == 1 else live.topic_id if live else None
        return ctx.offered(offered, now, pending, topic)
    if reply.kind is ReplyKind.MENU or (reply.kind is ReplyKind.INFO and turn.match is None
                                        and any(c.action.startswith("cat:")
                                                for c in reply.choices)):
        return ctx.offered(offered, now) if offered else ctx.cleared(now)
    return live


def _navigation(key: str) -> str | None:
    """"menu" for a short request to go back to the menu in words of its own ("quay lại
    menu", "về danh mục chính", "trở lại đi"); a question stays a question."""
    tokens = key.replace(",", " ").split()
    if not tokens or len(tokens) > MAX_NAVIGATION_WORDS:
        return None
    rest = " ".join(t for t in tokens if t not in _NAVIGATION)
    if rest in ("menu", "danh muc"):
        return "menu"
    listed = " ".join(t for t in rest.split() if t not in _LIST_OF)
    if listed in ("menu", "danh muc", "danh sach") and listed != rest:
        return "menu"
    if not rest and all(set(tokens) & words for words in _BACK):
        return "menu"
    return None
