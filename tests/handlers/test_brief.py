"""Short answers and answers that lead with the asked aspect, on the real entries."""

from __future__ import annotations

import datetime as dt
import re
import statistics

import pytest

from handlers import brief, texts
from handlers.conversation import Conversation
from handlers.messages import BlockKind, Incoming, MessageKind, Reply, ReplyKind
from handlers.render import as_shown
from knowledge.aspects import Aspect, focus_words, unverified
from knowledge.schema import VerifyField
from knowledge.service import KnowledgeService
from knowledge.validity import unverified_fields

MEDIAN_TARGET = 1000


def web_chars(reply: Reply) -> int:
    """What the web chat shows (texts, labels, items, link labels), buttons aside."""
    return sum(len(b.text) + len(b.label) + sum(map(len, b.items))
               + sum(len(link.label) for link in b.links) for b in reply.blocks)


def press(chat: Conversation, action: str) -> Reply:
    return chat.handle(Incoming("t", "u", kind=MessageKind.ACTION, action=action)).reply


def test_median_first_reply_is_at_most_1000_characters(knowledge: KnowledgeService) -> None:
    chat = Conversation(knowledge)
    sizes = []
    for topic in knowledge.current.kb.topics.values():
        for question in topic.questions:
            reply = chat.handle(Incoming("t", "u", text=question)).reply
            if reply.kind is ReplyKind.ANSWER:
                sizes.append(web_chars(reply))
    assert len(sizes) > 300
    assert statistics.median(sizes) <= MEDIAN_TARGET


def test_short_answer_keeps_summary_short_and_the_rest_behind_choices(
        knowledge: KnowledgeService) -> None:
    chat = Conversation(knowledge)
    for topic in knowledge.current.kb.topics.values():
        reply = press(chat, f"topic:{topic.id}")
        summary = re.sub(r" \([^)]*\)", "", reply.blocks[1].text)  # without glossed terms
        assert len(summary.split()) <= brief.SUMMARY_WORDS + 1, topic.id
        assert [b.kind for b in reply.blocks] == [BlockKind.TITLE, BlockKind.PARAGRAPH,
                                                  BlockKind.STEPS]
        parts = [c.action for c in reply.choices if c.action.startswith("part:")]
        assert f"part:fee:{topic.id}" in parts and f"part:legal:{topic.id}" in parts
        assert (f"part:documents:{topic.id}" in parts) == bool(topic.documents)


def test_shorten_keeps_whole_sentences() -> None:
    text = "Một hai ba. Bốn năm sáu bảy. Tám chín mười mười một mười hai."
    assert brief.shorten(text, 7) == "Một hai ba. Bốn năm sáu bảy."
    assert brief.shorten("a " * 50, 10).endswith("…")


@pytest.mark.parametrize("aspect", list(Aspect))
def test_every_aspect_leads_and_stays_short_for_every_topic(
        knowledge: KnowledgeService, aspect: Aspect) -> None:
    kb = knowledge.current.kb
    for topic in kb.topics.values():
        blocks = brief.aspect_blocks(topic, (aspect,), kb.commune)
        assert blocks[0].text == topic.title and blocks[-1].kind is BlockKind.NOTE
        assert blocks[-1].text.startswith("Căn cứ: ")
        assert len(blocks) <= 5, (topic.id, aspect)
        # The channels add the colon after a label ("Làm được trực tuyến…::" was shown).
        assert not any(b.label.endswith(":") for b in blocks), (topic.id, aspect)


def test_fee_comes_from_the_entry_and_unchecked_figures_say_where_to_ask(
        knowledge: KnowledgeService) -> None:
    kb = knowledge.current.kb
    for entry in kb.topics.values():
        topic = as_shown(entry, dt.date(2026, 12, 2))
        assert topic is not None
        blocks = brief.aspect_blocks(topic, (Aspect.FEE,), kb.commune)
        assert blocks[1].label == texts.LABEL_FEE and blocks[1].text == topic.fee
        asks = [b for b in blocks if b.text == brief.ask_at(kb.commune, topic)]
        staff_check = VerifyField.FEE in unverified_fields(topic)
        assert bool(asks) == (unverified(topic.fee) or staff_check), topic.id
    assert kb.commune.centre_name in brief.ask_at(kb.commune)


def test_what_the_entry_cannot_say_is_asked_where_the_procedure_is_done(
        knowledge: KnowledgeService) -> None:
    """A passport fee is the immigration office's to tell, not the commune centre's (which
    is still named, for help); a procedure the centre takes points to the centre."""
    kb = knowledge.current.kb
    passport = brief.ask_at(kb.commune, kb.topics["ho-chieu"])
    assert passport.startswith("Bạn hỏi trực tiếp Cơ quan quản lý xuất nhập cảnh (công an)")
    assert kb.commune.centre_name in passport
    assert brief.ask_at(kb.commune, kb.topics["khai-sinh"]) == brief.ask_at(kb.commune)
    fee = brief.aspect_blocks(kb.topics["ho-chieu"], (Aspect.FEE,), kb.commune)
    assert passport in [b.text for b in fee], "the passport fee is not verified by staff"


def test_an_aspect_the_entry_lacks_is_one_line_not_the_entry(
        knowledge: KnowledgeService) -> None:
    kb = knowledge.current.kb
    bare = kb.topics["khai-sinh"].model_copy(update={"documents": []})
    blocks = brief.aspect_blocks(bare, (Aspect.DOCUMENTS,), kb.commune)
    assert [b.kind for b in blocks] == [BlockKind.TITLE, BlockKind.PARAGRAPH,
                                        BlockKind.PARAGRAPH, BlockKind.NOTE]
    assert blocks[1].text == texts.NO_FIGURE.format(what="giấy tờ")


def test_parts_open_from_buttons(knowledge: KnowledgeService) -> None:
    chat = Conversation(knowledge)
    fee = press(chat, "part:fee:khai-sinh")
    assert [b.label for b in fee.blocks[1:3]] == [texts.LABEL_FEE, texts.LABEL_TIME]
    assert fee.choices[0].action == "full:khai-sinh"
    legal = press(chat, "part:legal:khai-sinh")
    assert {texts.LABEL_LEGAL, texts.LABEL_SOURCES} <= {b.label for b in legal.blocks}
    assert press(chat, "part:price:khai-sinh").kind is ReplyKind.ERROR
    assert press(chat, "full:khong-co").kind is ReplyKind.ERROR


def test_where_and_online_asked_together_list_each_place_once(
        knowledge: KnowledgeService) -> None:
    """"ra công an xã hay làm trên điện thoại được" printed the same offices twice."""
    kb = knowledge.current.kb
    for topic in kb.topics.values():
        for aspects in ((Aspect.WHERE, Aspect.ONLINE), (Aspect.ONLINE, Aspect.WHERE)):
            blocks = brief.aspect_blocks(topic, aspects, kb.commune)
            items = [i for b in blocks for i in b.items]
            assert len(items) == len(set(items)) == len(topic.where), (topic.id, aspects)
            assert brief.leads_with(Reply(ReplyKind.ANSWER, blocks), aspects[0])
    level2 = brief.aspect_blocks(kb.topics["dinh-danh-muc-2"], (Aspect.WHERE, Aspect.ONLINE),
                                 kb.commune)
    assert level2[2].text == texts.ONLINE_VERDICT["none"]


def test_who_lines_that_name_what_was_asked_come_first(knowledge: KnowledgeService) -> None:
    """"có được tiền mai táng không" after a death registration: of the entry's lines on
    who, the funeral allowance comes first; the relatives who register the death after."""
    kb = knowledge.current.kb

    def who(topic_id: str, message: str = "") -> tuple[str, ...]:
        focus = focus_words(message)
        return brief.aspect_blocks(kb.topics[topic_id], (Aspect.WHO,), kb.commune,
                                   focus)[1].items

    assert "mai táng" not in who("khai-tu")[0]
    assert "được hỗ trợ chi phí mai táng" in who("khai-tu", "có được tiền mai táng không")[0]
    assert "chủ nhà" in who("dang-ky-tam-tru", "chủ nhà có phải ký không")[0]
    assert "ông, bà" in who("khai-sinh", "ông bà đi làm thay cho bố mẹ cháu được không")[0]
    # The entry's own name ("khai sinh" in most of the birth entry) singles nothing out.
    assert who("khai-sinh", "khai sinh thì sao") == who("khai-sinh")
