"""Held-out conversations written by a tester who had not read the bot's own
conversation data (data/conversations_qa.jsonl), labelled with what a careful
clerk would answer, run exactly as test_conversations_data runs its file: the
real conversation and knowledge base, a frozen clock, one context carried over.

Each conversation also has a ``category`` (follow-up aspect, refer-back, new
subject, off-topic, smalltalk/meta, picks, expiry, menu reset, two subjects),
used only to read the results.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from handlers.context import ChatContext
from handlers.conversation import Conversation
from handlers.messages import Choice, Incoming, MessageKind, Reply, ReplyKind
from knowledge.service import KnowledgeService
from tests.handlers.test_conversations_data import START, check

DATA = Path(__file__).with_name("data") / "conversations_qa.jsonl"
CONVERSATIONS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
CATEGORIES = {"followup-aspect", "refer-back", "new-subject", "off-topic", "smalltalk-meta",
              "picks", "expiry", "menu-reset", "two-subject"}


def test_the_set_is_well_formed() -> None:
    assert len(CONVERSATIONS) == 60
    assert len({c["name"] for c in CONVERSATIONS}) == len(CONVERSATIONS)
    assert {c["category"] for c in CONVERSATIONS} == CATEGORIES
    for c in CONVERSATIONS:
        assert 1 <= len(c["turns"]) <= 4, c["name"]
        assert all(t.get("expect") for t in c["turns"] if "offered" not in t), c["name"]


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["name"] for c in CONVERSATIONS])
def test_conversation(knowledge: KnowledgeService, conversation: dict[str, Any]) -> None:
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
