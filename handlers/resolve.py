"""Read a message against the chat's context: a follow-up, a pick, or a new question.

The matcher judges a message alone; "còn lệ phí?" alone is about nothing (or,
worse, about whatever topic mentions "phí" most). These rules decide, from the
matcher's public result and the words of the message, whether the message:

* picks one of the topics just offered ("cái thứ hai", or a word of its title);
* is a follow-up on the topic in context: it names only an aspect or refers back
  ("mất bao lâu", "cái đó thì sao"), or every word it adds belongs to that topic;
* or names a subject of its own, which always wins over the context.

An off-topic message stays off-topic: it adds words the topic never uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from knowledge.aspects import asks_for_proxy, folded_words, refers_back, residual_words
from knowledge.aspects import detect as detect_aspects
from knowledge.loader import KnowledgeBase
from knowledge.matcher import Decision, MatchResult

# Longer is a question of its own; every word but fillers must still be in an offered title
# ("cái làm lại thẻ bị mất đó" is seven).
MAX_PICK_WORDS = 8
# A follow-up adds fewer than this many words of its own (beyond aspects, pointers,
# fillers) unless the matcher's own best guess is the topic in context. Measured on the
# held-out conversation sets' follow-ups the matcher alone could not place (165) and the
# off-topic list asked right after an answer on three topics, each question scored by a
# model that never saw it (38 were taken for follow-ups): at 4, none of the follow-ups is
# lost and 14 of the 38 are no longer answered; at 3, 19 of 38 but 2 follow-ups lost.
OWN_WORDS = 4
# "cái thứ hai", "số 2", "mục đầu tiên", "cái cuối"; the group is the 1-based position
# (0 = the last one).
_ORDINALS = (
    (1, r"(?:thu|so|muc|cai|y) (?:nhat|mot|1)|dau tien|cai dau|muc dau"),
    (2, r"(?:thu|so|muc|cai|y) (?:hai|2)"),
    (3, r"(?:thu|so|muc|cai|y) (?:ba|3)"),
    (4, r"(?:thu|so|muc|cai|y) (?:tu|4)"),
    (0, r"(?:cai|muc|so) cuoi(?: cung)?|cuoi cung"),
)
_ORDINAL_RES = tuple((n, re.compile(rf"\b(?:{p})\b")) for n, p in _ORDINALS)
_PICK_FILLER = frozenset(
    "cai muc so y thu chon lay xem ay do nay kia a nhe nha di em toi minh voi la cua "
    "thu tuc dang ky lam ve nhe oi vay the bi".split())


def pick_by_position(text: str, offered: tuple[str, ...]) -> str | None:
    """The offered topic a short message picks by its position ("cái thứ hai", "2")."""
    folded = folded_words(text)
    tokens = folded.split()
    if not offered or not tokens or len(tokens) > MAX_PICK_WORDS:
        return None
    if folded.isdigit():
        n = int(folded)
        return offered[n - 1] if 1 <= n <= len(offered) else None
    for position, pattern in _ORDINAL_RES:
        if pattern.search(folded):
            index = position - 1 if position else len(offered) - 1
            return offered[index] if 0 <= index < len(offered) else None
    return None


def pick_by_words(text: str, offered: tuple[str, ...], kb: KnowledgeBase) -> str | None:
    """The offered topic a short message names by words of its title ("cái tạm vắng"),
    also while asking an aspect of it ("mua ở đâu" with "Gia hạn, mua thẻ BHYT" offered)."""
    offered = tuple(t for t in offered if t in kb.topics)
    tokens = folded_words(text).split()
    if not offered or not tokens or len(tokens) > MAX_PICK_WORDS:
        return None
    picked = _pick_by_words([w for w in tokens if w not in _PICK_FILLER], offered, kb)
    if picked is None and detect_aspects(text):
        picked = _pick_by_own_words(
            [w for w in residual_words(text) if w not in _PICK_FILLER], offered, kb)
    return picked


# A word in more topic titles than this names no one topic ("giấy", "cấp", "thẻ").
MAX_TITLES_FOR_A_PICK = 2


def _pick_by_own_words(words: list[str], offered: tuple[str, ...], kb: KnowledgeBase
                       ) -> str | None:
    """The one offered topic whose own words hold every word an aspect question adds.

    "mua ở đâu" while BHYT and VssID are offered: only the first uses "mua". A word
    common to many titles picks nothing: "bao lâu thì có giấy" after the commune centre,
    online filing and land titles were offered was answered as land titles once.
    """
    if not words or any(names_nothing(kb, w) for w in words):
        return None
    owners = [t for t in offered if all(w in topic_words(kb, t) for w in words)]
    return owners[0] if len(owners) == 1 else None


def names_nothing(kb: KnowledgeBase, word: str) -> bool:
    """A word in so many topic titles ("giấy", "cấp", "thẻ") that it names no topic."""
    return sum(word in title_words(kb, t) for t in kb.topics) > MAX_TITLES_FOR_A_PICK


def _pick_by_words(content: list[str], offered: tuple[str, ...], kb: KnowledgeBase
                   ) -> str | None:
    """Every word must belong to an offered title; the title it covers best wins."""
    if not content:
        return None
    titles = {t: set(folded_words(kb.topics[t].title).split()) for t in offered}
    if not all(any(w in words for words in titles.values()) for w in content):
        return None
    scores = {t: sum(w in words for w in content) / len(words) for t, words in titles.items()}
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, score = ranked[0]
    if score <= 0 or (len(ranked) > 1 and ranked[1][1] == score):
        return None
    return best


def follow_up(text: str, result: MatchResult, topic_id: str, kb: KnowledgeBase) -> bool:
    """True when ``text`` is about ``topic_id`` (the topic in context), not a new subject."""
    topic = kb.topics.get(topic_id)
    if topic is None or result.decision is Decision.SMALLTALK:
        return False
    pointed = bool(detect_aspects(text)) or refers_back(text)
    rest = residual_words(text)
    if asks_for_proxy(text) and result.decision is not Decision.ANSWER:
        # "may someone do it for me", with who and why in words of their own (a place, an
        # illness, a job: no entry uses them): about the topic in context unless the
        # message names another topic by its title or a keyword.
        return result.named <= {topic_id}
    if not rest:
        return pointed
    if len(rest) >= OWN_WORDS and result.decision is not Decision.ANSWER and not (
            result.candidates and result.candidates[0].topic == topic_id):
        # Words of its own the matcher does not place on this topic: a question of its own
        # ("đi xuất khẩu lao động cần chuẩn bị những gì" after a passport answer), even
        # if each word occurs somewhere in the entry's 40-odd example questions.
        return False
    words = topic_words(kb, topic_id)
    # Abbreviations and typos are read as the matcher read them: "cccd" is "căn cước".
    explained = all(w in words for w in rest) or (
        bool(result.normalized) and all(w in words for w in residual_words(result.normalized)))
    if result.decision is Decision.ANSWER and result.topic is not None \
            and result.topic != topic_id:
        # Another topic wins when the added words name it ("thế còn đăng ký tạm trú"),
        # not when they only narrow the topic in context ("còn cho trẻ em thì…").
        names_other = all(w in title_words(kb, result.topic) for w in rest)
        names_this = all(w in title_words(kb, topic_id) for w in rest)
        return pointed and explained and (names_this or not names_other)
    if result.decision is Decision.ANSWER:
        return True
    if pointed and result.decision is Decision.SUGGEST and result.candidates \
            and result.candidates[0].topic == topic_id:
        # Unsure alone, but its best guess is the topic in context and it points back: a
        # word the entry never uses ("đổ móng") does not make it a new question.
        return True
    if result.decision is Decision.SUGGEST and result.candidates \
            and result.candidates[0].topic == topic_id \
            and all(w in topic_words(kb, topic_id) for w in rest):
        # Its own words are the topic's ("có được tiền mai táng không" after a death
        # registration answer whose title names the funeral allowance; "không nhớ mật
        # khẩu" after the VNeID password one) and the matcher's best guess agrees: not a
        # new question, whatever it asks.
        return True
    # Without an aspect or a pointer back, a message is a new question: off-topic chat
    # ("tối nay đội tuyển đá mấy giờ") shares enough everyday words with any entry.
    return pointed and explained


def worth_offering(text: str, result: MatchResult, topic_id: str, kb: KnowledgeBase) -> bool:
    """True when a message that is not a follow-up should still offer the topic in context.

    It asks about an aspect ("ông bà già rồi, đi lên xã không nổi, bấm điện thoại ở nhà
    mần được hông") but tells its circumstances in words no entry uses, so the matcher
    cannot place it and :func:`follow_up` may not answer it: the same shape fits a new
    subject ("mua xe máy trả góp cần giấy tờ gì"), and neither the words nor the learned
    scope model tell the two apart. One tap on the topic in context costs the citizen less
    than starting again from the menu, and it is a choice, not an answer. Not when the
    message names a subject of its own: a known uncovered one, or another topic by its
    title or keyword; nor for a pointer alone ("còn … thì sao" names what it is about).
    """
    if topic_id not in kb.topics or result.decision in (Decision.ANSWER, Decision.SMALLTALK):
        return False
    if result.gap or result.named - {topic_id}:
        return False
    return bool(detect_aspects(text))


def title_words(kb: KnowledgeBase, topic_id: str) -> frozenset[str]:
    """Folded words of a topic's title and keywords: the words that name it."""
    topic = kb.topics[topic_id]
    return _words(kb, topic_id, "title", lambda: [topic.title, *topic.keywords])


def topic_words(kb: KnowledgeBase, topic_id: str) -> frozenset[str]:
    """Folded words of the topic's title, keywords, example questions and documents.

    A follow-up may name a document the entry lists ("có cần mang căn cước không"). Not
    the summary or the steps: their prose holds so many everyday words ("tối", "giờ",
    "đã") that an off-topic message would pass for a follow-up.
    """
    topic = kb.topics[topic_id]
    return _words(kb, topic_id, "all", lambda: [
        topic.title, *topic.keywords, *topic.questions, *topic.documents])


# (knowledge version — a content hash —, topic, which words) → the folded words.
_WORDS: dict[tuple[str, str, str], frozenset[str]] = {}
_WORDS_MAX = 2048


def _words(kb: KnowledgeBase, topic_id: str, which: str,
           texts: Callable[[], list[str]]) -> frozenset[str]:
    key = (kb.version, topic_id, which)
    found = _WORDS.get(key)
    if found is None:
        if len(_WORDS) >= _WORDS_MAX:
            _WORDS.clear()
        found = _WORDS[key] = frozenset(folded_words(" ".join(texts())).split())
    return found
