"""Decide what a question is about, and how sure we are.

Two stages: BM25 retrieval over the whole knowledge base picks a handful of
candidate topics, then rapidfuzz compares the question with each candidate's
example questions, title and keywords. The decision is deliberately cautious:
a confident answer needs both enough evidence and a clear lead over the runner-up;
otherwise the citizen gets two or three choices, or the menu and a person.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import compress

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.index import SearchIndex, features
from knowledge.normalize import Normalized
from knowledge.repair import Repairer
from knowledge.scope import ScopeGuard
from knowledge.smalltalk import SmalltalkDetector

# Idf mass at which a fully contained example counts as full evidence.
CONTAIN_MASS = 6.0
# Longer questions are cut: the first few sentences carry the question.
MAX_QUERY_CHARS = 1500
# From this many distinct words on, token_set_ratio is bounded from word lengths first
# and computed only for the examples that could be a topic's best (see _ExampleWords).
BOUND_FUZZY_FROM = 20


class Decision(StrEnum):
    ANSWER = "answer"
    SUGGEST = "suggest"
    FALLBACK = "fallback"
    SMALLTALK = "smalltalk"


@dataclass(frozen=True)
class Candidate:
    topic: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    """The matcher's verdict; ``topic`` is set only for a confident answer."""

    query: str
    decision: Decision
    topic: str | None
    score: float
    candidates: tuple[Candidate, ...]
    normalized: str = ""
    smalltalk: str | None = None
    gap: str | None = None  # a known uncovered subject the question names

    def to_json(self) -> dict[str, object]:
        """The stable `citizen-bot match` contract."""
        return {
            "q": self.query,
            "decision": self.decision.value,
            "topic": self.topic,
            "score": round(self.score, 4),
            "candidates": [{"topic": c.topic, "score": round(c.score, 4)}
                           for c in self.candidates],
        }


@dataclass(frozen=True)
class MatchConfig:
    """Weights and thresholds, calibrated on labelled questions (see README).

    ``confidence_weights`` is a logistic model over the evidence for the best
    topic (see :meth:`Matcher.evidence`); it decides between a confident answer
    and offering choices. It was fitted with ``bench/calibrate.py``.
    """

    retrieve: int = 8
    feature_weights: dict[str, float] = field(
        default_factory=lambda: {"u:": 1.0, "b:": 1.2, "a:": 0.6}
    )
    w_bm25: float = 0.2
    w_fuzz: float = 0.7
    w_coverage: float = 0.1
    w_contain: float = 0.0
    confidence_weights: dict[str, float] = field(default_factory=lambda: dict(CONFIDENCE))
    answer_confidence: float = 0.45
    suggest_confidence: float = 0.12
    max_suggestions: int = 3
    suggest_ratio: float = 0.75


# Logistic-model weights for the answer decision (bench/calibrate.py prints them).
CONFIDENCE = {
    "bias": -9.289, "bm25_norm": 0.450, "bm25_log": 0.614, "bm25_gap": 2.017,
    "coverage": 0.825, "fuzzy": 8.719, "rank_gap": 4.497, "length": 0.992,
    "bigram_cov": -0.307, "bigram_mass": -0.116, "unexplained": 0.352, "gap": -4.762,
    "contain": 0.988, "oov": 1.508, "agree": -0.478,
}


@dataclass(frozen=True)
class _Scored:
    topic: str
    score: float
    bm25: float
    fuzzy: float
    coverage: float
    contain: float = 0.0


class Matcher:
    """Stateless over an immutable index, so one instance serves all coroutines."""

    def __init__(self, index: SearchIndex, smalltalk: SmalltalkDetector,
                 config: MatchConfig | None = None, scope: ScopeGuard | None = None) -> None:
        self.index = index
        self.smalltalk = smalltalk
        self.scope = scope
        self._example_texts = {t: [e.folded for e in ex] for t, ex in index.examples.items()}
        self._example_words = _ExampleWords(self._example_texts)
        self.config = config or MatchConfig()
        self.repairer = Repairer(index.vocabulary)

    def topic_text(self, topic_id: str) -> str:
        """A topic's title, keywords and example questions, folded, as one string."""
        return " ".join(self._example_texts[topic_id])

    def normalize(self, text: str) -> Normalized:
        return self.repairer.repair(self.index.normalizer.normalize(text[:MAX_QUERY_CHARS]))

    def match(self, text: str) -> MatchResult:
        norm = self.normalize(text)
        kind = self.smalltalk.detect(norm)
        if kind:
            return MatchResult(text, Decision.SMALLTALK, None, 1.0, (), norm.folded, kind)
        scored, feats = self._rank(norm)
        if not scored:
            return MatchResult(text, Decision.FALLBACK, None, 0.0, (), norm.folded)
        subjects = self.scope.find(norm) if self.scope else []
        gap = ScopeGuard.first_gap(subjects, self.topic_text(scored[0].topic))
        confidence = self.confidence(self.evidence(scored, feats, norm, gap=gap))
        if self.scope and self.scope.vague(norm):
            confidence = min(confidence, self.config.answer_confidence - 0.01)
        result = self._decide(text, norm, scored, confidence)
        return replace(result, gap=gap) if gap else result

    def _decide(self, text: str, norm: Normalized, scored: list[_Scored],
                confidence: float) -> MatchResult:
        cfg = self.config
        cands = tuple(Candidate(s.topic, s.score) for s in scored[: cfg.max_suggestions])
        if confidence >= cfg.answer_confidence:
            return MatchResult(text, Decision.ANSWER, scored[0].topic, confidence, cands,
                               norm.folded)
        if confidence >= cfg.suggest_confidence:
            best = scored[0].score
            close = tuple(c for c in cands if c.score >= best * cfg.suggest_ratio)
            return MatchResult(text, Decision.SUGGEST, None, confidence, close, norm.folded)
        return MatchResult(text, Decision.FALLBACK, None, confidence, cands, norm.folded)

    def evidence(self, scored: list[_Scored], feats: Counter[str], norm: Normalized, *,
                 gap: str | None = None) -> dict[str, float]:
        """What the answer decision looks at, each roughly on a 0–1 scale."""
        best = scored[0]
        second = scored[1] if len(scored) > 1 else None
        ceiling = self._bm25_ceiling(feats)
        return {
            "bm25_norm": min(1.0, best.bm25 / ceiling) if ceiling else 0.0,
            "bm25_log": math.log1p(best.bm25) / 5.0,
            "bm25_gap": 1.0 - (second.bm25 / best.bm25 if second and best.bm25 else 0.0),
            "coverage": best.coverage,
            "fuzzy": best.fuzzy,
            "contain": best.contain,
            "rank_gap": best.score - (second.score if second else 0.0),
            "length": min(1.0, len(norm.tokens) / 40.0),
            **self._anchors(feats, norm, best.topic),
            "gap": 1.0 if gap else 0.0,
            "oov": self._oov(norm),
            "agree": 1.0 if best.bm25 >= max(s.bm25 for s in scored) else 0.0,
        }

    def _oov(self, norm: Normalized) -> float:
        """Share of the question's words the knowledge base has never seen."""
        words = [t.folded for t in norm.tokens if t.core]
        if not words:
            return 1.0
        vocab = self.index.vocabulary
        return sum(w not in vocab for w in words) / len(words)

    def _anchors(self, feats: Counter[str], norm: Normalized, topic_id: str
                 ) -> dict[str, float]:
        """Phrase-level evidence and the rarest word the topic does not explain.

        Out-of-scope questions often share single common words with a topic
        ("đá" vs "đã" once accents are gone) but no two-word phrase, and leave
        a rare word unexplained ("con nuôi", "thất nghiệp").
        """
        index = self.index
        idf, top = index.idf, index.max_idf
        bigrams = [(f, idf.get(f, top)) for f in feats if f.startswith("b:")]
        keys = self._coverage_keys(norm)
        have = index.present([topic_id], index.feature_ids(
            [f for f, _ in bigrams] + [key for key, _ in keys]))[0].tolist()
        total = sum(w for _, w in bigrams)
        matched = sum(w for (_, w), ok in zip(bigrams, have, strict=False) if ok)
        unexplained = [w for (_, w), ok in zip(keys, have[len(bigrams):], strict=True)
                       if not ok]
        return {
            "bigram_cov": matched / total if total else 0.0,
            "bigram_mass": math.log1p(matched) / 4.0,
            "unexplained": max(unexplained, default=0.0) / top,
        }

    def confidence(self, evidence: dict[str, float]) -> float:
        w = self.config.confidence_weights
        z = w.get("bias", 0.0) + sum(w.get(k, 0.0) * v for k, v in evidence.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def _bm25_ceiling(self, feats: Counter[str]) -> float:
        """The score of a topic that had every query feature: normalises for length."""
        weights = self.config.feature_weights
        idf = self.index.idf
        total = 0.0
        for f, c in feats.items():
            rarity = idf.get(f)
            if rarity is not None:
                total += rarity * weights.get(f[:2], 1.0) * min(c, 2) * 1.6
        return total

    def _rank(self, norm: Normalized) -> tuple[list[_Scored], Counter[str]]:
        cfg = self.config
        feats = features(norm, accented=norm.accented)
        shortlist = self.index.shortlist(feats, cfg.feature_weights, cfg.retrieve)
        if not shortlist:
            return [], feats
        top_bm25 = shortlist[0][1]
        query = norm.folded
        keys = self._coverage_keys(norm)
        coverage = self._coverage(keys, [t for t, _ in shortlist])
        scored = []
        words = {"u:" + t.folded for t in norm.tokens}
        fuzzy = self._fuzzy_all(query, [t for t, _ in shortlist])
        for (topic_id, score), cov, fz in zip(shortlist, coverage, fuzzy, strict=True):
            contain = self._containment(words, topic_id) if cfg.w_contain else 0.0
            combined = (cfg.w_bm25 * (score / top_bm25) + cfg.w_fuzz * fz
                        + cfg.w_coverage * cov + cfg.w_contain * contain)
            scored.append(_Scored(topic_id, combined, score, fz, cov, contain))
        scored.sort(key=lambda c: c.score, reverse=True)
        if not cfg.w_contain:  # only the best topic's containment is evidence
            scored[0] = replace(scored[0], contain=self._containment(words, scored[0].topic))
        return scored, feats

    def _fuzzy(self, query: str, topic_id: str) -> float:
        best = process.extractOne(query, self._example_texts[topic_id],
                                  scorer=fuzz.token_set_ratio)
        return best[1] / 100.0 if best else 0.0

    def _fuzzy_all(self, query: str, topic_ids: list[str]) -> list[float]:
        """:meth:`_fuzzy` of each topic; for a long question, only where it can matter.

        A long question against short examples costs rapidfuzz a long string
        comparison per example, yet the score is then nearly always decided by word
        lengths alone; those bounds pick the few examples worth comparing. The
        result is exactly :meth:`_fuzzy`'s.
        """
        words = set(query.split())
        if len(words) < BOUND_FUZZY_FROM:
            return [self._fuzzy(query, t) for t in topic_ids]
        out = []
        for topic_id, (low, high) in zip(
                topic_ids, self._example_words.bounds(words, topic_ids), strict=True):
            texts = self._example_texts[topic_id]
            if not texts:
                out.append(0.0)
                continue
            floor = max(low) - _BOUND_SLACK
            keep = [text for text, top in zip(texts, high, strict=True) if top >= floor]
            best = process.extractOne(query, keep, scorer=fuzz.token_set_ratio)
            out.append(best[1] / 100.0 if best else 0.0)
        return out

    def _containment(self, words: set[str], topic_id: str) -> float:
        """How completely the question contains one of the topic's examples.

        Weighted by rarity, and scaled by how much rare vocabulary the example
        has (an example of common words only proves little), capped at 1.
        """
        idf = self.index.idf
        best = 0.0
        for ex in self.index.examples[topic_id]:
            if not ex.mass:
                continue
            got = sum(idf.get(w, 0.0) for w in ex.words if w in words)
            best = max(best, (got / ex.mass) * min(1.0, ex.mass / CONTAIN_MASS))
        return best

    def _coverage_keys(self, norm: Normalized) -> list[tuple[str, float]]:
        """Each core word of the question with its weight (rare words weigh more).

        With diacritics, the accented word must match ("vàng" is not "vắng"); a
        word the knowledge base has never seen weighs the most.
        """
        idf = self.index.idf
        keys = []
        for token in norm.tokens:
            if not token.core:
                continue
            accented = norm.accented and token.text != token.folded
            key = ("a:" + token.text) if accented else ("u:" + token.folded)
            keys.append((key, idf.get(key, self.index.max_idf)))
        return keys

    def _coverage(self, keys: list[tuple[str, float]], topic_ids: list[str]) -> list[float]:
        """Share of the question's (rarity-weighted) core words each topic has."""
        total = sum(w for _, w in keys)
        if not total:
            return [0.0] * len(topic_ids)
        weights = [w for _, w in keys]
        have = self.index.present(topic_ids, self.index.feature_ids(k for k, _ in keys))
        return [sum(compress(weights, row)) / total for row in have.tolist()]


# Bounds are compared with this much room, far above floating-point noise.
_BOUND_SLACK = 1e-6


class _ExampleWords:
    """Each example's distinct words, to bound rapidfuzz's ``token_set_ratio``.

    For word sets A (question) and E (example), with I = A ∩ E, the score is 100 if
    I is not empty and A ⊆ E or E ⊆ A; otherwise the best of three ratios: two
    that depend only on the lengths of the joined words of I, A − E and E − A, and
    one built on an edit distance that is at least the difference of the last two
    lengths. So every example gets a lower bound (the two length ratios) and an
    upper bound (the edit distance at its smallest) from word lengths alone; an
    example whose upper bound is below another's lower bound cannot be the best.
    """

    def __init__(self, texts: dict[str, list[str]]) -> None:
        vocab: dict[str, int] = {}
        ids: list[int] = []
        starts = [0]
        counts: list[int] = []
        chars: list[int] = []
        self.span: dict[str, tuple[int, int]] = {}
        for topic_id, examples in texts.items():
            first = len(counts)
            for text in examples:
                words = set(text.split())
                ids.extend(vocab.setdefault(w, len(vocab)) for w in words)
                starts.append(len(ids))
                counts.append(len(words))
                chars.append(sum(map(len, words)))
            self.span[topic_id] = (first, len(counts))
        self.vocab = vocab
        self.ids = np.asarray(ids, dtype=np.int32)
        self.starts = np.asarray(starts, dtype=np.int64)
        self.counts = np.asarray(counts, dtype=np.float64)
        self.chars = np.asarray(chars, dtype=np.float64)
        self.lengths = np.asarray([len(w) for w in vocab], dtype=np.float64)

    def bounds(self, words: set[str], topic_ids: list[str]
               ) -> list[tuple[list[float], list[float]]]:
        """(lower, upper) bounds of token_set_ratio for each example of each topic."""
        known = np.zeros(len(self.vocab), dtype=bool)
        known[[self.vocab[w] for w in words if w in self.vocab]] = True
        spans = [self.span[t] for t in topic_ids]
        ex = np.concatenate([np.arange(a, b) for a, b in spans]) if spans else np.zeros(0, int)
        lo = self.starts[ex]
        size = self.starts[ex + 1] - lo
        at = np.arange(int(size.sum())) + np.repeat(lo - (np.cumsum(size) - size), size)
        word = self.ids[at]
        hit = known[word]
        seg = np.repeat(np.arange(len(ex)), size)
        sect_n = np.bincount(seg, weights=hit, minlength=len(ex))
        sect_c = np.bincount(seg, weights=hit * self.lengths[word], minlength=len(ex))
        a_n, a_c = len(words), sum(map(len, words))
        ba_n, ba_c = self.counts[ex] - sect_n, self.chars[ex] - sect_c
        ab_n, ab_c = a_n - sect_n, a_c - sect_c

        def joined(n: np.ndarray, c: np.ndarray) -> np.ndarray:
            return np.where(n > 0, c + n - 1, 0.0)

        sect, ab, ba = joined(sect_n, sect_c), joined(ab_n, ab_c), joined(ba_n, ba_c)
        has = (sect > 0).astype(np.float64)
        sect_ab, sect_ba = sect + has + ab, sect + has + ba
        total = sect_ab + sect_ba
        with np.errstate(divide="ignore", invalid="ignore"):
            edit_top = np.where(total > 0, 100 - 100 * np.abs(ab - ba) / total, 100.0)
            r_ab = np.where(sect > 0, 100 - 100 * (has + ab) / (sect + sect_ab), 0.0)
            r_ba = np.where(sect > 0, 100 - 100 * (has + ba) / (sect + sect_ba), 0.0)
        low = np.maximum(r_ab, r_ba)
        high = np.maximum(low, edit_top)
        whole = (sect_n > 0) & ((ab_n == 0) | (ba_n == 0))
        empty = self.counts[ex] == 0
        low = np.where(whole, 100.0, np.where(empty, 0.0, low)).tolist()
        high = np.where(whole, 100.0, np.where(empty, 0.0, high)).tolist()
        out = []
        for a, b in spans:
            n = b - a
            out.append((low[:n], high[:n]))
            low, high = low[n:], high[n:]
        return out
