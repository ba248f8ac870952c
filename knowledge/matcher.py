"""Decide what a question is about, and how sure we are.

Ranking is a linear model learned from the knowledge base's own example questions
(``knowledge/topic_model.py``), retrained with every knowledge version. The answer /
suggest / fallback decision is a confidence learned the same way, on held-out questions
only (``knowledge/calibration.py``): cross-validated example questions, example questions
of topics left out entirely, and a list of off-topic questions. A confident answer needs
that confidence; otherwise the citizen gets two or three choices, or the menu and a person.
Two rules from data files staff can edit stay on top: a subject listed as not covered
(``knowledge/data/not_covered.yaml``) and a question of generic words only
(``generic_words.yaml``) never get a confident answer.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from knowledge.aspects import asks_something, refers_back
from knowledge.aspects import detect as detect_aspects
from knowledge.calibration import Confidence, fit_confidence, held_out_scores
from knowledge.emphasis import model_text
from knowledge.index import SearchIndex
from knowledge.normalize import Normalized
from knowledge.ranker import OFF_TOPIC, Ranked, Ranker
from knowledge.repair import Repairer
from knowledge.scope import ScopeGuard
from knowledge.smalltalk import SmalltalkDetector

# Longer questions are cut: the first few sentences carry the question.
MAX_QUERY_CHARS = 1500
# The learned ranker reads the first this many words (and the clause that asks, again:
# knowledge/emphasis.py): a pasted essay must not cost more than a question (p99 at 50,000
# examples).
MAX_MODEL_WORDS = 60
# Knowledge bases with more texts than this calibrate on 2 folds (seconds, not minutes).
LARGE_KB = 10_000
# Fields of a topic the model learns from (the summary is prose, not a question).
TRAINING_FIELDS = ("title", "keywords", "questions")


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
    """The matcher's verdict; ``topic`` is set only for a confident answer.

    ``also`` is a second topic the question names as well ("chứng thực bản sao sổ đỏ"):
    the handlers may offer it after the answer ("Có thể bạn cũng cần: …").
    """

    query: str
    decision: Decision
    topic: str | None
    score: float
    candidates: tuple[Candidate, ...]
    normalized: str = ""
    smalltalk: str | None = None
    gap: str | None = None  # a known uncovered subject the question names
    also: str | None = None
    named: frozenset[str] = frozenset()  # topics whose title or keyword the question holds

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
    """What is not learned: how many choices to offer, and which ones are close enough."""

    max_suggestions: int = 3
    # A suggestion offers the candidates whose share is at least this part of the first
    # one's. Under cross-validation (`citizen-bot eval --cv`) the right topic was among
    # those offered for 98.9% of questions at 0.5 and 99.2% at 0.2 (and at 0).
    suggest_ratio: float = 0.2
    folds: int = 4


@dataclass(frozen=True)
class TrainingSet:
    """What one knowledge version's model learns from, in knowledge-base order."""

    texts: tuple[str, ...]
    labels: tuple[str, ...]
    questions: tuple[bool, ...]  # False for titles and keywords (trained on, never held out)
    topic_ids: tuple[str, ...]
    negatives: tuple[str, ...]

    @classmethod
    def from_index(cls, index: SearchIndex, negatives: tuple[str, ...] = ()) -> TrainingSet:
        texts, labels, questions = [], [], []
        for topic_id, examples in index.examples.items():
            for ex in examples:
                if ex.field in TRAINING_FIELDS and ex.folded.strip():
                    texts.append(ex.model)
                    labels.append(topic_id)
                    questions.append(ex.field == "questions")
        return cls(tuple(texts), tuple(labels), tuple(questions), index.topic_ids, negatives)

    def key(self) -> str:
        digest = hashlib.blake2b(digest_size=16)
        for part in (self.texts, self.labels, self.questions, self.topic_ids, self.negatives):
            digest.update("\x1f".join(map(str, part)).encode())
            digest.update(b"\x1e")
        return digest.hexdigest()


@dataclass(frozen=True)
class Trained:
    ranker: Ranker
    confidence: Confidence


# The same knowledge version is often built more than once in a process (every worker
# installs the version it polls; tests build the starter one many times): training is
# deterministic, so the result is kept for the last few distinct training sets.
_TRAINED: OrderedDict[tuple[str, int], Trained] = OrderedDict()
_TRAINED_LOCK = threading.Lock()
_TRAINED_SIZE = 4


def clear_training_cache() -> None:
    """Forget trained models (benchmarks measuring a cold build or its memory)."""
    with _TRAINED_LOCK:
        _TRAINED.clear()


def train(data: TrainingSet, folds: int) -> Trained:
    """Fit the ranker on everything and its confidence on held-out scores."""
    key = (data.key(), folds)
    with _TRAINED_LOCK:
        if key in _TRAINED:
            _TRAINED.move_to_end(key)
            return _TRAINED[key]
    if len(data.texts) > LARGE_KB:
        folds = min(folds, 2)
    held = held_out_scores(data.texts, data.labels, data.questions, data.topic_ids,
                           data.negatives, folds)
    ranker = Ranker([*data.texts, *data.negatives],
                    [*data.labels, *[OFF_TOPIC] * len(data.negatives)], data.topic_ids,
                    names=[*(not q for q in data.questions), *[False] * len(data.negatives)])
    trained = Trained(ranker, fit_confidence(held))
    with _TRAINED_LOCK:
        _TRAINED[key] = trained
        while len(_TRAINED) > _TRAINED_SIZE:
            _TRAINED.popitem(last=False)
    return trained


class Matcher:
    """Stateless over an immutable model, so one instance serves all coroutines."""

    def __init__(self, index: SearchIndex, smalltalk: SmalltalkDetector,
                 config: MatchConfig | None = None, scope: ScopeGuard | None = None,
                 negatives: tuple[str, ...] = (), trained: Trained | None = None) -> None:
        self.index = index
        self.smalltalk = smalltalk
        self.scope = scope
        self.config = config or MatchConfig()
        self.repairer = Repairer(index.vocabulary)
        self._example_texts = {t: [e.folded for e in ex] for t, ex in index.examples.items()}
        if trained is None:
            folded = tuple(self.model_text(q) for q in negatives)
            trained = train(TrainingSet.from_index(index, folded), self.config.folds)
        self.ranker = trained.ranker
        self.confidence = trained.confidence

    def with_training(self, trained: Trained) -> Matcher:
        """The same matcher over another model (cross-validation folds)."""
        return Matcher(self.index, self.smalltalk, self.config, self.scope, trained=trained)

    def topic_text(self, topic_id: str) -> str:
        """A topic's title, keywords and example questions, folded, as one string."""
        return " ".join(self._example_texts[topic_id])

    def normalize(self, text: str) -> Normalized:
        return self.repairer.repair(self.index.normalizer.normalize(text[:MAX_QUERY_CHARS]))

    def model_text(self, text: str, norm: Normalized | None = None) -> str:
        """What the learned ranker reads of a message: its first ``MAX_MODEL_WORDS`` words
        folded and the clause it asks in (knowledge/emphasis.py), as for its examples."""
        text = text[:MAX_QUERY_CHARS]
        norm = norm or self.normalize(text)
        return model_text(text, norm.folded, lambda clause: self.normalize(clause).folded,
                          MAX_MODEL_WORDS)

    def match(self, text: str) -> MatchResult:
        norm = self.normalize(text)
        kind = self.smalltalk.detect(norm) or self._thanks_and_a_remark(text, norm)
        if kind:
            return MatchResult(text, Decision.SMALLTALK, None, 1.0, (), norm.folded, kind)
        if not norm.folded.strip() or not self.ranker.topic_ids:
            return MatchResult(text, Decision.FALLBACK, None, 0.0, (), norm.folded)
        model_text = self.model_text(text, norm)
        ranked = self.ranker.rank(model_text)
        known = self.ranker.known(model_text)
        # Titles and keywords the question contains: a topic's name makes a question specific
        # even when each of its words is generic ("nộp hồ sơ trực tuyến"; "so do").
        named = ranked.named
        named_topics = frozenset(t for ids in named.values() for t in ids)
        if known is not None:
            return replace(self._known_answer(text, norm, ranked, known), named=named_topics)
        confidence = self.confidence(ranked.evidence)
        best = self.ranker.topic_ids[ranked.order[0]]
        gap = None
        if self.scope:
            gap = ScopeGuard.first_gap(self.scope.find(norm), self.topic_text(best))
            if gap:
                confidence = min(confidence, self.confidence.answer - 1e-3)
            elif self.scope.vague(norm) and not named:
                # which procedure? offer the closest ones
                confidence = max(self.confidence.suggest,
                                 min(confidence, self.confidence.answer - 1e-3))
        result = self._decide(text, norm, ranked, confidence, named)
        if result.decision is Decision.FALLBACK:
            kind = self._meta_within(text, norm)
            if kind:
                return MatchResult(text, Decision.SMALLTALK, None, 1.0, (), norm.folded, kind)
        return replace(result, gap=gap, named=named_topics)

    def _meta_within(self, text: str, norm: Normalized) -> str | None:
        """A message the bot cannot place that holds a marked meta phrase ("bot trả lời
        như không, hỏi hoài chẳng đúng ý gì") is that meta message — unless it asks about
        an aspect or points back, which a follow-up might answer."""
        if detect_aspects(text) or refers_back(text):
            return None
        return self.smalltalk.within(norm)

    def _thanks_and_a_remark(self, text: str, norm: Normalized) -> str | None:
        """"thanks" for thanks followed by a remark that asks nothing ("cám ơn nhiều, để mai
        em lên công an làm"): no question mark or question word, no pointer back, no short
        aspect, and nothing the matcher would answer or offer on its own. Thanks followed
        by a question stays a question."""
        rest = self.smalltalk.after_thanks(norm)
        if rest is None or "?" in text or asks_something(rest):
            return None
        if self.match(rest).decision in (Decision.ANSWER, Decision.SUGGEST):
            return None
        return "thanks"

    def _known_answer(self, text: str, norm: Normalized, ranked: Ranked, topic: int
                      ) -> MatchResult:
        """An example question of one topic, asked word for word: that topic, answered."""
        cands = self._candidates(ranked)
        topic_id = self.ranker.topic_ids[topic]
        first = next((c for c in cands if c.topic == topic_id), Candidate(topic_id, 1.0))
        ordered = (first, *(c for c in cands if c.topic != topic_id))
        return MatchResult(text, Decision.ANSWER, topic_id, 1.0,
                           ordered[: self.config.max_suggestions], norm.folded)

    @staticmethod
    def _second_named(named: Mapping[str, frozenset[str]], cands: tuple[Candidate, ...]
                      ) -> str | None:
        """A runner-up the question names by a title or keyword of its own, when the
        first topic is named by another one ("chứng thực bản sao sổ đỏ")."""
        if len(named) < 2 or not cands:
            return None
        first = cands[0].topic
        own = [p for p, ids in named.items() if first in ids]
        for cand in cands[1:3]:
            theirs = [p for p, ids in named.items() if cand.topic in ids and first not in ids]
            if own and any(p not in q and q not in p for p in theirs for q in own):
                return cand.topic
        return None

    def _candidates(self, ranked: Ranked) -> tuple[Candidate, ...]:
        """Up to three topics with a softmax share of the scores (best first, sums ≤ 1)."""
        scores = ranked.scores
        temperature = max(1e-6, self.confidence.spread)  # spread of the top scores
        exps = [math.exp((s - scores[0]) / temperature) for s in scores]
        total = sum(exps)
        ids = self.ranker.topic_ids
        return tuple(Candidate(ids[i], e / total) for i, e in
                     zip(ranked.order[: self.config.max_suggestions], exps, strict=False))

    def _close(self, cands: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
        """The candidates worth offering: those near enough to the first."""
        best = cands[0].score
        return tuple(c for c in cands if c.score >= best * self.config.suggest_ratio)

    def _decide(self, text: str, norm: Normalized, ranked: Ranked, confidence: float,
                named: Mapping[str, frozenset[str]]) -> MatchResult:
        conf = self.confidence
        cands = self._candidates(ranked)
        named_second = self._second_named(named, cands) if len(cands) > 1 else None
        second = named_second
        if second is None and len(cands) > 1 and ranked.scores[1] >= conf.also:
            second = cands[1].topic
        if second and conf.answer <= confidence < (1 + conf.answer) / 2:
            # Two topics claimed, the lead not decisive: offer both rather than guess.
            return self._both(text, norm, cands, second, confidence)
        if confidence >= conf.answer:
            return MatchResult(text, Decision.ANSWER, cands[0].topic, confidence, cands,
                               norm.folded, also=second)
        if named_second:
            # Each of two topics named by its own title or keyword: whatever the ranker's
            # doubt about which comes first, both are worth offering.
            return self._both(text, norm, cands, named_second, confidence)
        if confidence >= conf.suggest:
            return MatchResult(text, Decision.SUGGEST, None, confidence, self._close(cands),
                               norm.folded)
        return MatchResult(text, Decision.FALLBACK, None, confidence, cands, norm.folded)

    def _both(self, text: str, norm: Normalized, cands: tuple[Candidate, ...], second: str,
              confidence: float) -> MatchResult:
        """The first two topics offered, and a third as close as any suggestion must be."""
        both = (cands[0], *(c for c in cands if c.topic == second))
        rest = tuple(c for c in self._close(cands) if c not in both)
        return MatchResult(text, Decision.SUGGEST, None, confidence, both + rest, norm.folded)
