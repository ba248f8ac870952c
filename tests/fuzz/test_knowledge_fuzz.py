"""Normaliser, repairer and matcher on hostile text: never a crash, always a sane verdict."""

from __future__ import annotations

import json
import time
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

import knowledge.matcher as matcher_module
from knowledge.matcher import Decision, Matcher
from knowledge.service import KnowledgeService
from knowledge.vietnamese import _fold, fold
from tests.fuzz.strategies import FUZZ, hostile_text, vietnamese_soup

HUNDRED_KB = ("Làm căn cước <script>alert(1)</script> ở đâu?\u202e '; DROP TABLE events; -- "
              * 2000)[:100_000]


@pytest.fixture(scope="module")
def matcher(knowledge: KnowledgeService) -> Matcher:
    return knowledge.current.matcher


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} or ch.isspace()


@FUZZ
@given(text=hostile_text | vietnamese_soup)
def test_folding_word_by_word_is_folding_the_whole_text(text: str) -> None:
    # fold() memoises words of long texts; marks right after a space and words too long
    # for the memo must come out exactly as the whole text folded at once.
    for variant in (text, unicodedata.normalize("NFD", text), " \u0301" + text + " \u0301" * 3,
                    "Đường" * 10 + " " + text):
        assert fold(variant) == _fold(variant)


@FUZZ
@given(text=hostile_text)
def test_normaliser_gives_clean_tokens(matcher: Matcher, text: str) -> None:
    norm = matcher.index.normalizer.normalize(text)
    assert isinstance(norm.accented, bool)
    for token in norm.tokens:
        assert token.text and not any(_invisible(ch) for ch in token.text)
        assert token.folded == fold(token.text)
    assert matcher.index.normalizer.normalize(text) == norm  # deterministic


@FUZZ
@given(text=hostile_text)
def test_repairer_only_lands_on_known_words(matcher: Matcher, text: str) -> None:
    norm = matcher.index.normalizer.normalize(text)
    fixed = matcher.repairer.repair(norm)
    assert len(fixed.tokens) == len(norm.tokens)
    for before, after in zip(norm.tokens, fixed.tokens, strict=True):
        if after != before:
            assert before.text == before.folded  # typed without diacritics
            assert before.folded not in matcher.repairer.vocabulary
            assert after.folded in matcher.repairer.vocabulary
            assert after.core == before.core


@FUZZ
@given(text=st.one_of(hostile_text, vietnamese_soup))
def test_matcher_verdict_is_well_formed(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    topics = matcher.index.kb.topics
    assert result.decision in set(Decision)
    assert 0.0 <= result.score <= 1.0
    assert (result.topic is not None) == (result.decision is Decision.ANSWER)
    assert result.topic is None or result.topic in topics
    assert all(c.topic in topics for c in result.candidates)
    assert len(result.candidates) <= matcher.config.max_suggestions
    json.dumps(result.to_json())
    assert not any(_invisible(ch) and ch != " " for ch in result.normalized)


def test_hundred_kilobyte_message_is_cut_and_answered_quickly(matcher: Matcher) -> None:
    started = time.perf_counter()
    result = matcher.match(HUNDRED_KB)
    assert time.perf_counter() - started < 2.0
    assert result.decision in set(Decision)
    assert result.query == HUNDRED_KB
    assert len(result.normalized) <= matcher_module.MAX_QUERY_CHARS
