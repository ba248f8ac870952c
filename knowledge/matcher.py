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
        self._topic_text = {t: " ".join(e.folded for e in ex)
                            for t, ex in index.examples.items()}
        self._example_texts = {t: [e.folded for e in ex] for t, ex in index.examples.items()}
        self.config = config or MatchConfig()
        self._topic_features = index.topic_features()
        self.repairer = Repairer(index.vocabulary)

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
        gap = ScopeGuard.first_gap(subjects, self._topic_text[scored[0].topic])
        confidence = self.confidence(self.evidence(scored, feats, norm, gap=gap))
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
        have = self._topic_features[topic_id]
        idf, top = self.index.idf, self.index.max_idf
        bigrams = [(f, idf.get(f, top)) for f in feats if f.startswith("b:")]
        total = sum(w for _, w in bigrams)
        matched = sum(w for f, w in bigrams if f in have)
        unexplained = [w for key, w in self._coverage_keys(norm) if key not in have]
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
        return sum(idf[f] * weights.get(f[:2], 1.0) * min(c, 2) * 1.6
                   for f, c in feats.items() if f in idf)

    def _rank(self, norm: Normalized) -> tuple[list[_Scored], Counter[str]]:
        cfg = self.config
        feats = features(norm, accented=norm.accented)
        bm25 = self.index.bm25(feats, cfg.feature_weights)
        if not bm25:
            return [], feats
        shortlist = sorted(bm25.items(), key=lambda kv: kv[1], reverse=True)[: cfg.retrieve]
        top_bm25 = shortlist[0][1]
        query = norm.folded
        keys = self._coverage_keys(norm)
        scored = []
        words = {"u:" + t.folded for t in norm.tokens}
        for topic_id, score in shortlist:
            fz = self._fuzzy(query, topic_id)
            cov = self._coverage(keys, topic_id)
            contain = self._containment(words, topic_id)
            combined = (cfg.w_bm25 * (score / top_bm25) + cfg.w_fuzz * fz
                        + cfg.w_coverage * cov + cfg.w_contain * contain)
            scored.append(_Scored(topic_id, combined, score, fz, cov, contain))
        scored.sort(key=lambda c: c.score, reverse=True)
        return scored, feats

    def _fuzzy(self, query: str, topic_id: str) -> float:
        best = process.extractOne(query, self._example_texts[topic_id],
                                  scorer=fuzz.token_set_ratio)
        return best[1] / 100.0 if best else 0.0

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
            got = sum(idf.get(w, 0.0) for w in ex.words & words)
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

    def _coverage(self, keys: list[tuple[str, float]], topic_id: str) -> float:
        have = self._topic_features[topic_id]
        total = sum(w for _, w in keys)
        if not total:
            return 0.0
        return sum(w for key, w in keys if key in have) / total
