"""Group the questions the bot could not answer (or answered unsure) by similarity.

A leader cannot read 60 raw questions, but "9 people asked something like
'đăng ký xe máy điện ở đâu'" is a knowledge gap to fill. Clustering is greedy
and deterministic: the most frequent wordings become group leaders first, every
other question joins the most similar leader if it is similar enough, otherwise
it starts a group. Similarity is rapidfuzz ``token_set_ratio`` on accent-folded,
lower-cased words with question fillers removed ("ở đâu", "làm", "thế nào"…):
otherwise "làm sổ đỏ ở đâu" and "làm khai sinh ở đâu" look alike. Identical
input always gives identical groups, whatever the row order.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from knowledge.vietnamese import clean, fold

DEFAULT_THRESHOLD = 75
# token_set_ratio scores 100 whenever one text's words are a subset of the other's,
# so a question with a single content word ("giấy") would swallow everything
# mentioning it; such questions only join an identical one.
MIN_WORDS_FOR_FUZZY = 2
# Accent-folded syllables that say how someone asks, not what about. Folded
# syllables that can also carry meaning stay out ("the" = thẻ, "can" = căn,
# "nha" = nhà, "thi" = thi, "ban" = bản, "anh" = ảnh).
FILLERS = frozenset({
    "a", "ah", "ak", "o", "dau", "lam", "nao", "khong", "ko", "k", "vay", "v", "cho", "toi",
    "minh", "em", "oi", "hoi", "ve", "co", "duoc", "dc", "bao", "lau", "gi", "j", "nhu",
    "sao", "la", "cua", "muon", "nhe", "voi", "xin", "cam", "on", "bn", "giup", "huong", "dan",
})
_NON_WORD_RE = re.compile(r"[^\w\[\]]+")


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Similar questions: how many, how many got no answer at all, one redacted example."""

    example: str
    count: int
    sample: str
    unanswered: int = 0
    # The comparable texts of every question in the group (what triage is keyed on).
    members: tuple[str, ...] = field(default=(), compare=False)
    # The topic the matcher suggested most for the group (None: nothing came close), so
    # the summary can say "add as an example of X" rather than "add a topic".
    near_topic: str | None = field(default=None, compare=False)


def comparable(text: str) -> str:
    """Lower-case, accent-folded words: "Làm SỔ ĐỎ ở đâu?" → "lam so do o dau"."""
    return " ".join(_NON_WORD_RE.sub(" ", fold(clean(text).lower())).split())


def content_words(text: str) -> str:
    """The comparable text without fillers: "lam so do o dau" → "so do"."""
    return " ".join(w for w in text.split() if w not in FILLERS)


@dataclass
class _Cluster:
    leader: str
    content: str
    members: Counter[str]
    examples: Counter[str]
    unanswered: int = 0


def group_questions(
    items: Iterable[tuple[str, str, bool]], threshold: int = DEFAULT_THRESHOLD,
) -> list[QuestionGroup]:
    """Cluster ``(normalized_text, redacted_example, unanswered)`` triples.

    Returns groups largest first. The example is the group's most frequent redacted
    wording (ties: accented, shortest, alphabetical); ``sample`` is the comparable
    form of its normalised text, what the similarity was computed on. Empty texts are ignored.
    """
    by_text: dict[str, Counter[str]] = defaultdict(Counter)
    unanswered: Counter[str] = Counter()
    key_of: dict[str, str] = {}
    for normalized, example, is_unanswered in items:
        key = comparable(normalized or example)
        if not key:
            continue
        wording = " ".join((example or normalized).split())
        by_text[key][wording] += 1
        key_of.setdefault(wording, key)
        unanswered[key] += int(is_unanswered)

    order = sorted(by_text, key=lambda k: (-sum(by_text[k].values()), k))
    clusters: list[_Cluster] = []
    for key in order:
        target = _best_cluster(key, clusters, threshold)
        if target is None:
            target = _Cluster(key, content_words(key) or key, Counter(), Counter())
            clusters.append(target)
        target.members[key] += sum(by_text[key].values())
        target.examples.update(by_text[key])
        target.unanswered += unanswered[key]

    groups = []
    for cluster in clusters:
        example = _pick_example(cluster.examples)
        groups.append(QuestionGroup(
            example=example,
            count=sum(cluster.members.values()),
            sample=key_of[example],
            unanswered=cluster.unanswered,
            members=tuple(sorted(cluster.members)),
        ))
    groups.sort(key=lambda g: (-g.count, g.sample))
    return groups


def _pick_example(wordings: Counter[str]) -> str:
    """Most frequent; then with diacritics (easier to read); then shortest."""
    return min(wordings, key=lambda e: (-wordings[e], fold(e) == e, len(e), e))


def _best_cluster(key: str, clusters: list[_Cluster], threshold: int) -> _Cluster | None:
    """The most similar leader above the threshold; the earliest one wins a tie."""
    content = content_words(key) or key
    if len(content.split()) < MIN_WORDS_FOR_FUZZY:
        return next((c for c in clusters if c.content == content), None)
    best: _Cluster | None = None
    best_score = float(threshold)
    for cluster in clusters:
        if len(cluster.content.split()) < MIN_WORDS_FOR_FUZZY:
            continue
        score = fuzz.token_set_ratio(content, cluster.content)
        if score >= best_score and (best is None or score > best_score):
            best, best_score = cluster, score
    return best
