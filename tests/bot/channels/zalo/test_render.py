"""Replies as Zalo plain text: numbered choices and chunks of at most 2,000 characters."""

from __future__ import annotations

import pytest

from bot.channels.zalo.render import (
    choice_prompt,
    render_chunks,
    render_text,
    split_text,
    units,
)
from handlers.conversation import Conversation
from handlers.messages import Block, BlockKind, Choice, Incoming, MessageKind, Reply, ReplyKind
from knowledge.service import KnowledgeService


@pytest.mark.parametrize(("count", "prompt"), [
    (1, "Trả lời 1 để chọn."),
    (2, "Trả lời 1 hoặc 2 để chọn."),
    (3, "Trả lời 1, 2 hoặc 3 để chọn."),
    (13, "Trả lời một số từ 1 đến 13 để chọn."),
])
def test_choice_prompt(count: int, prompt: str) -> None:
    assert choice_prompt(count) == prompt


def test_choices_are_numbered_lines_after_the_text() -> None:
    reply = Reply(ReplyKind.SUGGEST, (Block(BlockKind.PARAGRAPH, text="Có phải bạn hỏi:"),),
                  (Choice("Khai sinh", "topic:khai-sinh"), Choice("Kết hôn", "topic:ket-hon"),
                   Choice("📋 Danh mục", "menu")))
    assert render_chunks(reply) == [
        "Có phải bạn hỏi:\n\n1. Khai sinh\n2. Kết hôn\n3. 📋 Danh mục\n"
        "Trả lời 1, 2 hoặc 3 để chọn."]


def _words(text: str) -> list[str]:
    return text.split()


def test_first_answers_need_no_split(knowledge: KnowledgeService) -> None:
    conversation = Conversation(knowledge)
    for topic_id in knowledge.current.kb.topics:
        reply = conversation.handle(Incoming("zalo", "u", kind=MessageKind.ACTION,
                                             action=f"topic:{topic_id}")).reply
        assert len(render_chunks(reply)) == 1, topic_id


def test_every_real_answer_fits_and_loses_nothing(knowledge: KnowledgeService) -> None:
    conversation = Conversation(knowledge)
    long_ones = 0
    for topic_id in knowledge.current.kb.topics:
        reply = conversation.handle(Incoming("zalo", "u", kind=MessageKind.ACTION,
                                             action=f"full:{topic_id}")).reply
        chunks = render_chunks(reply)
        assert all(1 <= units(c) <= 2000 for c in chunks), topic_id
        # Split at boundaries only: the words, in order, are exactly the original ones.
        assert _words("\n".join(chunks)) == _words(render_text(reply)), topic_id
        # The numbered choices and the prompt stay together in the last message.
        assert chunks[-1].rstrip().endswith("để chọn.")
        assert "1. 👍 Có ích" in chunks[-1]
        long_ones += len(chunks) > 1
    assert long_ones > 10  # the starter answers really are longer than one message


def test_split_prefers_paragraphs_then_lines_then_spaces() -> None:
    para = "x" * 900
    assert split_text(f"{para}\n\n{para}\n\n{para}", 2000) == [f"{para}\n\n{para}", para]
    lines = "\n".join(["y" * 30] * 100)  # one paragraph of 3,099 characters
    chunks = split_text(lines, 2000)
    assert all(c.endswith("y") and len(c) <= 2000 for c in chunks) and len(chunks) == 2
    words = " ".join(["từ"] * 1500)  # no line breaks at all
    chunks = split_text(words, 2000)
    assert all(len(c) <= 2000 and not c.startswith(" ") for c in chunks)
    assert _words(" ".join(chunks)) == _words(words)


def test_only_a_word_longer_than_a_message_is_cut() -> None:
    link = "https://example.vn/" + "a" * 4500
    chunks = split_text(f"Xem: {link}", 2000)
    assert [len(c) for c in chunks] == [4, 2000, 2000, 519]
    assert "".join(chunks[1:]) == link


def test_lengths_are_counted_in_utf16_units() -> None:
    emoji = "📋" * 1500  # 1,500 code points but 3,000 UTF-16 units
    chunks = split_text(emoji, 2000)
    assert [units(c) for c in chunks] == [2000, 1000]
    assert "".join(chunks) == emoji


def test_empty_reply_sends_nothing() -> None:
    assert render_chunks(Reply(ReplyKind.INFO)) == []
    assert split_text("  \n\n  ") == []
