"""Matcher decisions on the real starter knowledge base."""

from __future__ import annotations

import pytest

from knowledge.matcher import Decision
from knowledge.service import KnowledgeService


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("lam can cuoc cho con o dau", "can-cuoc-cap-moi"),
        ("Làm thẻ căn cước cho bé 3 tuổi trên VNeID thế nào?", "can-cuoc-cap-moi"),
        ("mat the can cuoc lam lai o dau", "can-cuoc-cap-doi-cap-lai"),
        ("đăng ký tạm trú online", "dang-ky-tam-tru"),
        ("xin giay xac nhan cu tru thay so ho khau", "xac-nhan-cu-tru"),
        ("chứng thực bản sao điện tử trên dịch vụ công", "ban-sao-dien-tu"),
        ("xin phiếu lý lịch tư pháp", "ly-lich-tu-phap"),
    ],
)
def test_clear_questions_get_a_confident_answer(knowledge: KnowledgeService, question: str,
                                               topic: str) -> None:
    result = knowledge.current.matcher.match(question)
    assert result.decision is Decision.ANSWER, result
    assert result.topic == topic


@pytest.mark.parametrize("question", [
    "giá vàng hôm nay", "gia vang hom nay bao nhieu", "kết quả bóng đá tối qua",
    "cong thuc nau canh chua", "thời tiết ngày mai thế nào",
])
def test_out_of_scope_never_gets_a_confident_answer(knowledge: KnowledgeService,
                                                    question: str) -> None:
    result = knowledge.current.matcher.match(question)
    assert result.decision is not Decision.ANSWER, result
    assert result.topic is None


@pytest.mark.parametrize(("question", "kind"), [
    ("chào bạn", "greeting"), ("xin chao", "greeting"), ("cảm ơn nhé", "thanks"),
    ("ok", "ack"), ("bot này làm được gì", "help"),
])
def test_smalltalk_is_recognised(knowledge: KnowledgeService, question: str, kind: str) -> None:
    result = knowledge.current.matcher.match(question)
    assert result.decision is Decision.SMALLTALK
    assert result.smalltalk == kind


def test_greeting_with_a_real_question_is_answered(knowledge: KnowledgeService) -> None:
    result = knowledge.current.matcher.match("chào bạn, cho hỏi đăng ký khai sinh cho con ở đâu")
    assert result.decision is Decision.ANSWER


def test_candidates_are_sorted_and_at_most_three(knowledge: KnowledgeService) -> None:
    result = knowledge.current.matcher.match("tam tru")
    scores = [c.score for c in result.candidates]
    assert 1 <= len(scores) <= 3 and scores == sorted(scores, reverse=True)


def test_garbage_and_huge_input_do_not_crash(knowledge: KnowledgeService) -> None:
    matcher = knowledge.current.matcher
    for text in ["", "   ", "\u200b\u202e", "🙂" * 500, "a" * 100_000, "'; DROP TABLE x; --",
                 "<script>alert(1)</script>"]:
        result = matcher.match(text)
        assert result.decision is not Decision.ANSWER or result.topic is not None


@pytest.mark.parametrize("question", ["làm giấy tờ ở đâu", "lam giay to o dau", "mất bao lâu",
                                      "hết bao nhiêu tiền", "cần mang theo những gì"])
def test_vague_questions_get_choices_not_a_confident_answer(knowledge: KnowledgeService,
                                                            question: str) -> None:
    result = knowledge.current.matcher.match(question)
    assert result.decision is Decision.SUGGEST and result.topic is None
    assert 1 <= len(result.candidates) <= 3


def test_a_generic_word_with_a_specific_one_is_still_answered(knowledge: KnowledgeService
                                                              ) -> None:
    result = knowledge.current.matcher.match("làm căn cước cho con ở đâu")
    assert result.decision is Decision.ANSWER and result.topic == "can-cuoc-cap-moi"
