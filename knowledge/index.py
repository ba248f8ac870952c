"""The search index: built once per knowledge-base version, read by every message.

Retrieval is BM25 over the accent-folded syllables and syllable bigrams of each
topic (title, keywords, example questions), with accented syllables as an extra
feature when the citizen typed diacritics. Each topic is one document, so the
statistics say how specific a word is to a topic rather than to a sentence.

Storage is numpy arrays, so a message costs a few array operations per query
feature however many topics there are: an inverted index (feature → the topics
that have it, with their BM25 term weight), a dense row per common feature (one
that a quarter of the topics or more share: adding a contiguous row beats
scattering thousands of entries), and a forward index (topic → its sorted
feature ids) for "does this topic have these words" checks on the shortlist.
Scores equal a plain loop over every posting's up to the last bits of rounding
(tests/knowledge/test_index.py compares them with one).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from knowledge.loader import KnowledgeBase
from knowledge.normalize import Normalized, Normalizer
from knowledge.schema import Topic

K1 = 1.2
B = 0.75
# A feature shared by at least this share of the topics (and DENSE_MIN_DF of them)
# is stored as a dense row of term weights.
DENSE_SHARE = 1 / 4
DENSE_MIN_DF = 64
# Topics scored exactly beyond the shortlist (see SearchIndex.shortlist).
SHORTLIST_SLACK = 8
# How much each kind of feature counts in BM25 (folded unigrams, bigrams, accented).
FEATURE_WEIGHTS = {"u:": 1.0, "b:": 1.2, "a:": 0.6}
# How much each field of a topic counts as evidence.
FIELD_WEIGHTS = {"title": 2.0, "keywords": 2.0, "questions": 1.0, "summary": 0.3}


def features(norm: Normalized, *, accented: bool) -> Counter[str]:
    """Folded unigrams ("u:"), folded bigrams ("b:") and, optionally, accented unigrams."""
    folded = [t.folded for t in norm.tokens]
    feats = Counter(["u:" + word for word in folded])
    feats.update([f"b:{left}_{right}" for left, right in pairwise(folded)])
    if accented:
        feats.update(["a:" + t.text for t in norm.tokens if t.text != t.folded])
    return feats


@dataclass(frozen=True, slots=True)
class Example:
    """One searchable sentence of a topic, pre-normalised for re-ranking.

    ``words`` are its distinct core words as "u:" features and ``mass`` their
    summed rarity (idf): containing a whole example with rare words is strong
    evidence, one with only common words is not.
    """

    topic_id: str
    folded: str
    field: str
    words: tuple[str, ...]
    mass: float = 0.0


class SearchIndex:
    """Immutable once built; a knowledge change builds a new one and swaps it in."""

    def __init__(self, kb: KnowledgeBase, normalizer: Normalizer) -> None:
        self.kb = kb
        self.normalizer = normalizer
        self.topic_ids: tuple[str, ...] = tuple(kb.topics)
        self.position: dict[str, int] = {t: i for i, t in enumerate(self.topic_ids)}
        self.idf: dict[str, float] = {}
        self.feature_id: dict[str, int] = {}
        self.examples: dict[str, tuple[Example, ...]] = {}
        self.vocabulary: frozenset[str] = frozenset()
        self.max_idf = 1.0
        self._idf = np.zeros(0, dtype=np.float64)  # idf by feature id
        # Inverted, for the rarer features: feature f's topics are
        # _docs[_starts[f]:_starts[f + 1]] (ascending), with the BM25 term-frequency
        # part of the score in _tf alongside. Empty for a common feature, which has
        # instead a row _row_of[f] of _dense (every topic's term part; 0 if it lacks f).
        self._starts = np.zeros(1, dtype=np.int64)
        self._docs = np.zeros(0, dtype=np.int32)
        self._tf = np.zeros(0, dtype=np.float64)
        self._row_of = np.zeros(0, dtype=np.int64)
        self._dense = np.zeros((0, 0), dtype=np.float64)
        self._dense32 = np.zeros((0, 0), dtype=np.float32)
        # Forward: topic d's feature ids, ascending, are _feats[_fstarts[d]:_fstarts[d + 1]].
        self._fstarts: list[int] = [0]
        self._feats = np.zeros(0, dtype=np.int32)
        self._build()

    def _build(self) -> None:
        docs: list[dict[str, float]] = []
        vocab: set[str] = set()
        raw_examples: list[list[tuple[str, str, tuple[str, ...]]]] = []
        canonical: dict[str, str] = {}  # one string object per word feature, not per example
        for topic_id in self.topic_ids:
            doc: dict[str, float] = {}
            examples = []
            for field, text in _fields(self.kb.topics[topic_id]):
                norm = self.normalizer.normalize(text)
                weight = FIELD_WEIGHTS[field]
                for feat, count in features(norm, accented=True).items():
                    doc[feat] = doc.get(feat, 0.0) + count * weight
                vocab.update(t.folded for t in norm.tokens)
                if field != "summary":
                    words = tuple(dict.fromkeys(
                        canonical.setdefault(w, w)
                        for w in ("u:" + t.folded for t in norm.tokens if t.core)))
                    examples.append((norm.folded, field, words))
            docs.append(doc)
            raw_examples.append(examples)
        self.vocabulary = frozenset(vocab)
        self._index(docs)
        idf = self.idf
        for topic_id, examples in zip(self.topic_ids, raw_examples, strict=True):
            built = []
            for folded, field, words in examples:
                mass = sum(idf.get(w, 0.0) for w in words)
                built.append(Example(topic_id, folded, field, words, mass))
            self.examples[topic_id] = tuple(built)

    def _index(self, docs: Sequence[dict[str, float]]) -> None:
        n = len(docs)
        lengths = [sum(d.values()) for d in docs]
        avg = sum(lengths) / n if n else 1.0
        feature_id: dict[str, int] = {}
        fids: list[int] = []
        tfs: list[float] = []
        doc_of: list[int] = []
        norm_lens: list[float] = []
        for i, doc in enumerate(docs):
            fids.extend(feature_id.setdefault(f, len(feature_id)) for f in doc)
            tfs.extend(doc.values())
            doc_of.extend([i] * len(doc))
            norm_lens.append(K1 * (1 - B + B * lengths[i] / avg))
        fid = np.asarray(fids, dtype=np.int64)
        doc_arr = np.asarray(doc_of, dtype=np.int64)
        tf = np.asarray(tfs, dtype=np.float64)
        tf = tf * (K1 + 1) / (tf + np.asarray(norm_lens, dtype=np.float64)[doc_arr])
        size = len(feature_id)
        df = np.bincount(fid, minlength=size)
        self.feature_id = feature_id
        self.idf = {f: math.log(1 + (n - c + 0.5) / (c + 0.5))
                    for f, c in zip(feature_id, df.tolist(), strict=True)}
        self._idf = np.fromiter(self.idf.values(), dtype=np.float64, count=size)
        self.max_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0

        common = df >= max(DENSE_MIN_DF, DENSE_SHARE * n)
        self._row_of = np.full(size, -1, dtype=np.int64)
        self._row_of[common] = np.arange(int(common.sum()))
        dense = common[fid]
        self._dense = np.zeros((int(common.sum()), n), dtype=np.float64)
        self._dense[self._row_of[fid[dense]], doc_arr[dense]] = tf[dense]
        self._dense32 = self._dense.astype(np.float32)
        # Entries were appended topic by topic; a stable sort by feature keeps topics
        # ascending within each feature.
        rare = ~dense
        by_feature = np.argsort(fid[rare], kind="stable")
        self._docs = doc_arr[rare][by_feature].astype(np.int32)
        self._tf = tf[rare][by_feature]
        self._starts = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(fid[rare], minlength=size), out=self._starts[1:])
        self._feats = fid[np.lexsort((fid, doc_arr))].astype(np.int32)
        self._fstarts = [0, *np.cumsum([len(d) for d in docs]).tolist()]

    # --- per message ----------------------------------------------------------------------

    def _parts(self, query: Counter[str], weights: dict[str, float]
               ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray] | None:
        """The rarer features' scores for every topic; the common features' rows, weights."""
        keys = list(query)
        found = np.fromiter([self.feature_id.get(k, -1) for k in keys], np.int64, len(keys))
        known = found >= 0
        if not known.any():
            return None
        f = found[known]
        scale = np.fromiter([weights.get(k[:2], 1.0) for k in keys], np.float64, len(keys))
        counts = np.minimum(np.fromiter(query.values(), np.float64, len(keys)), 2.0)
        w = self._idf[f] * scale[known] * counts[known]
        rows = self._row_of[f]
        common = rows >= 0
        sparse = None
        if not common.all():
            rare = ~common
            lo = self._starts[f[rare]]
            lens = self._starts[f[rare] + 1] - lo
            total = int(lens.sum())
            at = np.arange(total) + np.repeat(lo - (np.cumsum(lens) - lens), lens)
            sparse = np.bincount(self._docs[at], weights=self._tf[at] * np.repeat(w[rare], lens),
                                 minlength=len(self.topic_ids))
        return sparse, rows[common], w[common]

    def scores(self, query: Counter[str], weights: dict[str, float]) -> np.ndarray | None:
        """BM25 of every topic (0 where it shares no feature); None if none shares one."""
        parts = self._parts(query, weights)
        if parts is None:
            return None
        sparse, rows, row_w = parts
        scores = np.zeros(len(self.topic_ids)) if sparse is None else sparse
        if len(rows):
            scores += row_w @ self._dense[rows]
        return scores

    def shortlist(self, query: Counter[str], weights: dict[str, float], k: int
                  ) -> list[tuple[str, float]]:
        """The ``k`` best topics by BM25, best first (ties: knowledge-base order).

        The common features' part is first summed in single precision (half the
        memory to read); the best ``k + SHORTLIST_SLACK`` topics are then scored
        exactly, so rounding can only matter between topics less than a
        millionth apart, and only beyond the slack.
        """
        parts = self._parts(query, weights)
        if parts is None:
            return []
        sparse, rows, row_w = parts
        if len(rows):
            approx = row_w.astype(np.float32) @ self._dense32[rows]
            rough = approx if sparse is None else sparse + approx
        else:
            rough = sparse
        hits = np.flatnonzero(rough > 0)
        keep = k + SHORTLIST_SLACK
        if len(hits) > keep:
            hits = hits[np.argpartition(-rough[hits], keep - 1)[:keep]]
        exact = np.zeros(len(hits)) if sparse is None else sparse[hits]
        if len(rows):
            exact = exact + row_w @ self._dense[np.ix_(rows, hits)]
        order = np.lexsort((hits, -exact))[:k]
        return [(self.topic_ids[i], s)
                for i, s in zip(hits[order].tolist(), exact[order].tolist(), strict=True)]

    def bm25(self, query: Counter[str], weights: dict[str, float]) -> dict[str, float]:
        """Score every topic that shares a feature with the query."""
        scores = self.scores(query, weights)
        if scores is None:
            return {}
        hits = np.flatnonzero(scores > 0)
        return dict(zip([self.topic_ids[i] for i in hits.tolist()], scores[hits].tolist(),
                        strict=True))

    def feature_ids(self, feats: Iterable[str]) -> np.ndarray:
        """Ids of the features, -1 for one the knowledge base does not have."""
        ids = self.feature_id
        return np.fromiter((ids.get(f, -1) for f in feats), dtype=np.int64)

    def present(self, topic_ids: Sequence[str], fids: np.ndarray) -> np.ndarray:
        """Row t, column i: whether topic ``topic_ids[t]`` has the feature ``fids[i]``."""
        if not len(fids) or not topic_ids:
            return np.zeros((len(topic_ids), len(fids)), dtype=bool)
        # The topics' sorted feature lists, each shifted into its own range of numbers,
        # make one sorted array: a single search answers every (topic, feature) pair.
        size, starts = len(self.feature_id), self._fstarts
        spans = [(starts[d], starts[d + 1]) for d in map(self.position.__getitem__, topic_ids)]
        shift = np.arange(len(spans), dtype=np.int64) * size
        hay = np.concatenate([self._feats[lo:hi] for lo, hi in spans]).astype(np.int64)
        hay += np.repeat(shift, [hi - lo for lo, hi in spans])
        keys = shift[:, None] + fids[None, :]
        if not len(hay):
            return np.zeros(keys.shape, dtype=bool)
        at = np.minimum(np.searchsorted(hay, keys), len(hay) - 1)
        return (hay[at] == keys) & (fids >= 0)

    def has_feature(self, topic_id: str, feat: str) -> bool:
        f = self.feature_id.get(feat, -1)
        return bool(self.present([topic_id], np.array([f], dtype=np.int64))[0, 0])

    def topic_features(self, topic_id: str) -> frozenset[str]:
        """Every feature of one topic (for inspection and tests)."""
        d = self.position[topic_id]
        names = list(self.feature_id)
        return frozenset(names[f] for f in
                         self._feats[self._fstarts[d] : self._fstarts[d + 1]].tolist())

    def nbytes(self) -> int:
        """Size of the numpy arrays (the dictionaries and examples come on top)."""
        arrays = (self._docs, self._tf, self._feats, self._dense, self._dense32, self._idf)
        return sum(a.nbytes for a in arrays)


def _fields(topic: Topic) -> Iterable[tuple[str, str]]:
    yield "title", topic.title
    for kw in topic.keywords:
        yield "keywords", kw
    for q in topic.questions:
        yield "questions", q
    yield "summary", topic.summary
