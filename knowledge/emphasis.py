"""The clause a message asks in, weighed twice by the topic model.

Citizens tell their story first and ask last: "Hôm trước tôi đã nộp phạt nguội xong, bây
giờ muốn đổi giấy phép lái xe sang thẻ mới thì nộp ở đâu?" names the traffic fine on the
way and asks about the licence. Read as one bag of words, the story weighs as much as the
question (that one was only offered, with the fine as a second choice). So the clause
that asks (the last one with a question word, a pointer back or a short aspect; else the
last one) is appended to the text the topic model reads — for every example question as
for every message, so training and asking see the same form.

Measured with `citizen-bot eval --cv` (5 folds, 1,914 example questions and 301 off-topic
ones; as written / without diacritics): answered right 79.0 / 79.1 → 81.2 / 81.2 %,
answered wrong 1.9 / 2.1 → 1.9 / 2.0 %, off-topic answered 3.0 → 2.7 %, uncovered subjects
answered 16.6 → 16.6 %, right topic in the top 3 99.1 %. Weighing the *first* clause
instead (a control) lowered the right topic first from 93.1 to 90.7 %: it is the asking
clause that carries the topic (93.8 % with the asking clause). Weighing every asking
clause: 80.0 % answered right; when the last asking clause names no subject ("…, nộp ở
đâu, bao lâu thì xong?"), the last one before it that does: 80.9 % (the same, within the
noise of the thresholds).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from knowledge.aspects import asks_something, residual_words, split_clauses
from knowledge.vietnamese import folded_words

# An asking clause that names no subject ("nộp qua mạng được không", "giờ đi làm còn được
# không ạ") would only pull towards the topics whose examples ask the same thing: it is
# weighed twice only with this many words besides aspect phrases, pointers and fillers.
# At 2 / 3 / 4: answered right 81.2 / 80.4 / 80.2 %, off-topic answered 2.7 / 2.0 / 3.3 %
# (`citizen-bot eval --cv`).
MIN_WORDS = 2
# A question added "by the way": "tiện hỏi luôn", "tiện thể cho hỏi", "hỏi thêm", "với lại".
_BY_THE_WAY = re.compile(r"\b(?:tien(?: the)?(?: cho)? hoi|hoi them|voi lai)\b")
# Only the last few clauses are read for the question: a message of hundreds of commas
# ("a,a,a,…") must cost no more than a question.
LAST_CLAUSES = 6
# The emphasis of a very long last clause is cut, like the text the model reads.
MAX_WORDS = 20


def asking_clause(text: str) -> str | None:
    """The clause of a message of two or more that asks: the last one with a question
    word, a pointer back or a short aspect, else the last one. None for a message of one
    clause (nothing to weigh it against) and for one whose last question is asked "by the
    way" ("…, tiện hỏi luôn sang tên sổ đỏ làm sao"): it asks about two subjects, and the
    matcher weighs them as they are (knowledge/matcher.py offers the second)."""
    clauses = split_clauses(text)
    if len(clauses) < 2:
        return None
    clause = next((c for c in reversed(clauses[-LAST_CLAUSES:]) if asks_something(c)),
                  clauses[-1])
    return None if _BY_THE_WAY.search(folded_words(clause)) else clause


def model_text(text: str, folded: str, fold: Callable[[str], str],
               max_words: int | None = None) -> str:
    """``folded`` (the whole message folded, cut to ``max_words`` if given) followed by the
    folded asking clause if it names a subject: ``MIN_WORDS`` words or more besides aspect
    phrases, pointers back and fillers."""
    plain = " ".join(folded.split()[:max_words])
    clause = asking_clause(text)
    if clause is None or len(residual_words(clause)) < MIN_WORDS:
        return plain
    return " ".join([plain, *fold(clause).split()[:MAX_WORDS]])
