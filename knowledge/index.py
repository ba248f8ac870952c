"""The search index: built once per knowledge-base version, read by every message.

Retrieval is BM25 over the accent-folded syllables and syllable bigrams of each
topic (title, keywords, example questions), with accented syllables as an extra
feature when the citizen typed diacritics. Each topic is one document, so the
statistics say how specific a word is to a topic rather than to a sentence.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from knowledge.loader import KnowledgeBase
from knowledge.normalize import Normalized, Normalizer
from knowledge.schema import Topic

K1 = 1.2
B = 0.75
# How much each field of a topic counts as evidence.
FIELD_WEIGHTS = {"title": 2.0, "keywords": 2.0, "questions": 1.0, "summary": 0.3}


def features(norm: Normalized, *, accented: bool) -> Counter[str]:
    """Folded unigrams ("u:"), folded bigrams ("b:") and, optionally, accented unigrams."""
    feats: Counter[str] = Counter()
    folded = [t.folded for t in norm.tokens]
    for word in folded:
        feats["u:" + word] += 1
    for left, right in pairwise(folded):
        feats[f"b:{left}_{right}"] += 1
    if accented:
        for token in norm.tokens:
            if token.text != token.folded:
                feats["a:" + token.text] += 1
    return feats


@dataclass(frozen=True)
class Example:
    """One searchable sentence of a topic, pre-normalised for re-ranking.

    ``mass`` is the summed rarity (idf) of its words: containing a whole
    example with rare words is strong evidence, one with only common words is not.
    """

    topic_id: str
    folded: str
    field: str
    words: frozenset[str]
    mass: float = 0.0


class SearchIndex:
    """Immutable once built; a knowledge change builds a new one and swaps it in."""

    def __init__(self, kb: KnowledgeBase, normalizer: Normalizer) -> None:
        self.kb = kb
        self.normalizer = normalizer
        self.topic_ids: tuple[str, ...] = tuple(kb.topics)
        self._postings: dict[str, list[tuple[int, float]]] = {}
        self.idf: dict[str, float] = {}
        self.examples: dict[str, tuple[Example, ...]] = {}
        self.vocabulary: frozenset[str] = frozenset()
        self._build()

    def _build(self) -> None:
        docs: list[Counter[str]] = []
        vocab: set[str] = set()
        for topic_id in self.topic_ids:
            topic = self.kb.topics[topic_id]
            doc: Counter[str] = Counter()
            examples: list[Example] = []
            for field, text in _fields(topic):
                norm = self.normalizer.normalize(text)
                for feat, count in features(norm, accented=True).items():
                    doc[feat] += count * FIELD_WEIGHTS[field]
                vocab.update(t.folded for t in norm.tokens)
                if field != "summary":
                    words = frozenset("u:" + t.folded for t in norm.tokens if t.core)
                    examples.append(Example(topic_id, norm.folded, field, words))
            docs.append(doc)
            self.examples[topic_id] = tuple(examples)
        self.vocabulary = frozenset(vocab)
        self._index(docs)
        self.examples = {
            topic: tuple(
                Example(e.topic_id, e.folded, e.field, e.words,
                        sum(self.idf.get(w, 0.0) for w in e.words))
                for e in exs
            )
            for topic, exs in self.examples.items()
        }

    def _index(self, docs: Sequence[Counter[str]]) -> None:
        n = len(docs)
        lengths = [sum(d.values()) for d in docs]
        avg = sum(lengths) / n if n else 1.0
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        self.idf = {f: math.log(1 + (n - c + 0.5) / (c + 0.5)) for f, c in df.items()}
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            norm_len = K1 * (1 - B + B * lengths[i] / avg)
            for feat, tf in doc.items():
                postings[feat].append((i, tf * (K1 + 1) / (tf + norm_len)))
        self._postings = dict(postings)
        self.max_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0

    def bm25(self, query: Counter[str], weights: dict[str, float]) -> dict[str, float]:
        """Score every topic that shares a feature with the query."""
        scores: dict[int, float] = defaultdict(float)
        for feat, qtf in query.items():
            posting = self._postings.get(feat)
            if not posting:
                continue
            w = self.idf[feat] * weights.get(feat[:2], 1.0) * min(qtf, 2)
            for doc, value in posting:
                scores[doc] += w * value
        return {self.topic_ids[i]: s for i, s in scores.items()}

    def has_feature(self, topic_id: str, feat: str) -> bool:
        posting = self._postings.get(feat)
        if not posting:
            return False
        idx = self.topic_ids.index(topic_id)
        return any(doc == idx for doc, _ in posting)

    def topic_features(self) -> dict[str, frozenset[str]]:
        """Features present in each topic, for coverage checks (built lazily once)."""
        out: dict[str, set[str]] = {t: set() for t in self.topic_ids}
        for feat, posting in self._postings.items():
            for doc, _ in posting:
                out[self.topic_ids[doc]].add(feat)
        return {t: frozenset(f) for t, f in out.items()}


def _fields(topic: Topic) -> Iterable[tuple[str, str]]:
    yield "title", topic.title
    for kw in topic.keywords:
        yield "keywords", kw
    for q in topic.questions:
        yield "questions", q
    yield "summary", topic.summary
