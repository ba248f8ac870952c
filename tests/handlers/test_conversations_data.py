"""Multi-turn conversations written for this test (data/conversations.jsonl), run
through the real conversation and knowledge base with a frozen clock.

Each turn may say what its reply must be: a confident answer on a topic
(``topic``) leading with an aspect (``lead``), not a topic answer (``not_topic``),
a pick among the topics just offered (``picked``: its position, ``picked_word``: a
word of its title), a kind, or choices that must be there.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from handlers.context import ChatContext
from handlers.conversation import Conversation
from handlers.messages import BlockKind, Choice, Incoming, MessageKind, Reply, ReplyKind
from knowledge.aspects import Aspect
from knowledge.service import KnowledgeService
from tests.handlers.helpers import led_with

DATA = Path(__file__).with_name("data") / "conversations.jsonl"
CONVERSATIONS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
START = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def test_there_are_enough_conversations() -> None:
    assert len(CONVERSATIONS) >= 40
    assert len({c["name"] for c in CONVERSATIONS}) == len(CONVERSATIONS)


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["name"] for c in CONVERSATIONS])
def test_conversation(knowledge: KnowledgeService, conversation: dict[str, Any]) -> None:
    replay(knowledge, conversation)


def replay(knowledge: KnowledgeService, conversation: dict[str, Any]) -> None:
    """Say each turn to one chat, a minute apart unless ``after`` says otherwise, carrying
    the context over, and check each reply against its ``expect``."""
    chat = Conversation(knowledge)
    now, context = START, None
    previous: Reply | None = None
    for turn in conversation["turns"]:
        now += dt.timedelta(minutes=turn.get("after", 1))
        if "offered" in turn:  # choices just shown (as a suggestion would), set up directly
            context = ChatContext(None, tuple(turn["offered"]), now,
                                  tuple(turn.get("aspects", ())))
            previous = Reply(ReplyKind.SUGGEST, choices=tuple(
                Choice(t, f"topic:{t}") for t in turn["offered"]))
            continue
        if "press" in turn:
            msg = Incoming("test", "u", kind=MessageKind.ACTION, action=turn["press"])
        else:
            msg = Incoming("test", "u", text=turn["say"])
        result = chat.handle(msg, context, now)
        context = result.context
        check(chat, result.reply, previous, turn.get("expect", {}), turn)
        previous = result.reply


def check(chat: Conversation, reply: Reply, previous: Reply | None, expect: dict[str, Any],
          turn: dict[str, Any]) -> None:
    said = turn.get("say") or turn.get("press")
    got = f"{said!r} -> {reply.kind.value} {reply.topic_id}"
    if "topic" in expect:
        assert reply.kind is ReplyKind.ANSWER and reply.topic_id == expect["topic"], got
    if expect.get("not_topic"):
        assert reply.kind is not ReplyKind.ANSWER, got
    if "not_topic_id" in expect:
        assert reply.topic_id != expect["not_topic_id"], got
    if "kind" in expect:
        assert reply.kind.value == expect["kind"], got
    for action in expect.get("choices", ()):
        assert action in [c.action for c in reply.choices], got
    if "lead" in expect:
        assert led_with(reply, Aspect(expect["lead"])), f"{got}: {reply.blocks[:2]}"
    if expect.get("short"):
        assert any(b.kind is BlockKind.STEPS for b in reply.blocks), got
        assert any(c.action.startswith("part:") for c in reply.choices), got
    if expect.get("full"):
        assert any(b.kind is BlockKind.LINKS for b in reply.blocks), got
    if "picked" in expect or "picked_word" in expect:
        assert previous is not None and previous.kind is ReplyKind.SUGGEST, \
            f"the turn before {said!r} must offer choices, got {previous and previous.kind}"
        offered = [c.action[6:] for c in previous.choices if c.action.startswith("topic:")]
        assert reply.kind is ReplyKind.ANSWER and reply.topic_id in offered, got
        if "picked" in expect:
            assert reply.topic_id == offered[expect["picked"] - 1], got
        else:
            title = chat.knowledge.current.kb.topics[reply.topic_id].title.lower()
            assert expect["picked_word"] in title, got
    if expect.get("same_as_previous"):
        assert previous is not None and reply.topic_id == previous.topic_id, got
