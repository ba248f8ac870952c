"""Social and meta messages never reach the topic matcher as questions."""

from __future__ import annotations

import pytest

from knowledge.matcher import Decision
from knowledge.service import KnowledgeService


@pytest.mark.parametrize(("text", "kind"), [
    ("ơi ơi", "greeting"),  # a repeated word is one phrase
    ("xin chào, cho em hỏi tí", "help"),  # several phrases: the one asking most wins
    ("bot ơi còn đó không", "presence"),
    ("mình cần được hỗ trợ ạ", "help"),
    ("chưa hiểu, giải thích lại", "confused"),
    ("chào bot, trả lời sai rồi", "complaint"),
    ("dở quá", "complaint"),
    ("alo alo", "presence"),  # "are you there", not a greeting: it wants a person
    ("tôi cần hỗ trợ gấp", "help"),  # an intensifier does not make it a question
    ("trả lời khó hiểu quá, nói lại đi", "confused"),
    ("anh là người thật hay máy vậy", "help"),  # about the bot itself
    ("ê bot có hiểu tiếng miền nam không nè", "help"),
    ("bot trả lời hay đó", "ack"),  # "đó" folds like "dở" (bad) but is not a complaint
    ("chào buổi tối", "greeting"),
    ("thôi cho gặp cán bộ", "help"),
])
def test_meta_messages(knowledge: KnowledgeService, text: str, kind: str) -> None:
    result = knowledge.current.match(text)
    assert result.decision is Decision.SMALLTALK and result.smalltalk == kind, result


@pytest.mark.parametrize("text", ["chào bạn, làm căn cước lần đầu ở đâu",
                                  "không hiểu sao vneid không đăng nhập được",
                                  "cho hỏi lệ phí làm hộ chiếu",
                                  "không hiểu sao máy không nhận căn cước"])
def test_a_question_inside_is_still_a_question(knowledge: KnowledgeService, text: str) -> None:
    assert knowledge.current.match(text).decision is not Decision.SMALLTALK


@pytest.mark.parametrize(("text", "thanks"), [
    ("vâng cảm ơn cháu, chiều nay bác ra xã nộp luôn", True),
    ("ok cam on nhieu, de toi bao lai ong xa nha toi", True),
    ("cảm ơn, thế mất bao lâu", False),  # a question word
    ("cảm ơn nhé, còn lệ phí", False),  # pointing back: a follow-up
    ("cảm ơn, lệ phí", False),  # a short aspect
    ("cảm ơn, tôi muốn làm căn cước cho con", False),  # a request the matcher answers
    ("cảm ơn, chiều nay bác ra xã nộp luôn?", False),
])
def test_thanks_then_a_remark(knowledge: KnowledgeService, text: str, thanks: bool) -> None:
    result = knowledge.current.match(text)
    assert (result.decision is Decision.SMALLTALK and result.smalltalk == "thanks") is thanks


def test_no_example_question_of_the_knowledge_base_is_smalltalk(
        knowledge: KnowledgeService) -> None:
    kb = knowledge.current.kb
    social = [q for t in kb.topics.values() for q in t.questions
              if knowledge.current.match(q).decision is Decision.SMALLTALK]
    assert social == []


@pytest.mark.parametrize(("text", "kind"), [
    ("ủa vậy đây là người thật hay máy đó, nói chuyện nãy giờ", "help"),
    ("mắt kém đọc chả hiểu gì sất, chữ nhỏ quá", "confused"),
    ("toàn trả lời lung tung, bực ghê", "complaint"),
    ("ko dung y toi hoi, chan that", "complaint"),
    ("chữ nhiều quá đọc ko nổi", "confused"),
    ("sao bot nói gì mà khó hiểu vậy trời", "confused"),
])
def test_a_marked_meta_phrase_inside_an_unplaced_message(knowledge: KnowledgeService,
                                                         text: str, kind: str) -> None:
    result = knowledge.current.match(text)
    assert result.decision is Decision.SMALLTALK and result.smalltalk == kind, result


@pytest.mark.parametrize("text", [
    "không hiểu gì về lệ phí làm hộ chiếu",  # an aspect: maybe a follow-up
    "cái đó không hiểu gì hết",  # points back
    "cán bộ trả lời không đúng ý, hồ sơ đất nộp 3 tháng chưa xong",  # the bot places it
    "không hiểu sao vneid không đăng nhập được",  # "không hiểu" alone is not marked
])
def test_a_marked_phrase_does_not_take_a_question(knowledge: KnowledgeService,
                                                  text: str) -> None:
    assert knowledge.current.match(text).decision is not Decision.SMALLTALK

