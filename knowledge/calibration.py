"""Learn, per knowledge version, how sure the matcher may be — on questions it has not seen.

The confidence is a logistic model over the ranker's evidence (``ranker.EVIDENCE``). It is
fitted only on held-out scores, so it learns how the ranker behaves on new questions
rather than on the examples it memorised:

- each example question is scored by a ranker trained on the other folds (stratified by
  topic): right first → a positive, wrong first → a negative;
- the example questions of a group of topics are scored by a ranker trained without those
  topics at all: a question about a subject the knowledge base lacks, the hardest
  out-of-scope case (it looks like a neighbour);
- the off-topic questions in ``knowledge/data/off_topic.yaml`` (written for this purpose,
  never taken from the dev set), each scored by one fold's ranker.

The answer threshold is the lowest confidence at which, on those held-out scores, at most
``MAX_WRONG`` of in-scope questions are answered with a wrong topic and at most
``MAX_OFF_TOPIC`` of off-topic ones are answered at all.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from knowledge.ranker import EVIDENCE, Ranked, Ranker
from knowledge.topic_model import Featurizer

FOLDS = 4
MAX_WRONG = 0.02
MAX_OFF_TOPIC = 0.02
MAX_UNSEEN_TOPIC = 0.15
# Each held-out topic contributes at most this many questions as "unseen subject" negatives.
UNSEEN_PER_TOPIC = 4
# The runner-up is offered as well ("Có thể bạn cũng cần") when its score is above this
# share of the runner-up scores seen on correctly answered held-out questions.
ALSO_QUANTILE = 0.97
SEED = 14


@dataclass(frozen=True)
class Confidence:
    """A fitted logistic model with the thresholds chosen on held-out scores."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    answer: float
    suggest: float
    also: float

    def __call__(self, evidence: Sequence[float]) -> float:
        z = self.bias + sum(w * (x - m) / s for w, x, m, s in
                            zip(self.weights, evidence, self.mean, self.scale, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# A knowledge base too small to cross-validate answers only what is nearly certain.
FALLBACK = Confidence(mean=(0.0,) * len(EVIDENCE), scale=(1.0,) * len(EVIDENCE),
                      weights=(0.0, 0.0, 4.0, 4.0, -2.0, 0.0), bias=-4.0,
                      answer=0.9, suggest=0.1, also=math.inf)


@dataclass
class HeldOut:
    """Held-out scores: per question, the ranking and its true topic (None = off-topic)."""

    ranked: list[Ranked]
    truth: list[int | None]
    kind: list[str]  # "in" (in scope), "unseen" (topic left out), "off" (off-topic list)

    def extend(self, ranked: list[Ranked], truth: Sequence[int | None], kind: str) -> None:
        self.ranked += ranked
        self.truth += list(truth)
        self.kind += [kind] * len(ranked)


def stratified_folds(labels: Sequence[str], folds: int, seed: int = SEED) -> list[int]:
    """A fold number per row: each topic's rows dealt round-robin after a fixed shuffle."""
    rng = random.Random(seed)
    by_topic: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_topic.setdefault(label, []).append(i)
    fold = [0] * len(labels)
    start = 0
    for rows in by_topic.values():
        rng.shuffle(rows)
        for j, i in enumerate(rows):
            fold[i] = (start + j) % folds
        start += len(rows)
    return fold


def held_out_scores(texts: Sequence[str], labels: Sequence[str], trainable: Sequence[bool],
                    topic_ids: Sequence[str], negatives: Sequence[str],
                    folds: int = FOLDS) -> HeldOut:
    """Score every question with rankers that never saw it (see the module docstring).

    ``trainable`` rows that are False (titles, keywords) are always trained on and never
    held out: they are not questions.
    """
    position = {t: i for i, t in enumerate(topic_ids)}
    questions = [i for i, ok in enumerate(trainable) if ok]
    fold_of = dict(zip(questions, stratified_folds([labels[i] for i in questions], folds),
                       strict=True))
    folds_of = [fold_of.get(i, -1) for i in range(len(texts))]
    fold = _Folds(texts, labels, topic_ids, negatives)
    out = HeldOut([], [], [])
    for k in range(folds):
        train = [i for i in range(len(texts)) if folds_of[i] != k]
        test = [i for i in questions if folds_of[i] == k]
        off = [j for j in range(len(negatives)) if j % folds == k]
        ranker, score = fold.train(train)
        out.extend(score(ranker, test), [position[labels[i]] for i in test], "in")
        out.extend(score(ranker, off, negative=True), [None] * len(off), "off")
    for group in _topic_groups(topic_ids, folds):
        left_out = set(group)
        train = [i for i in range(len(texts)) if labels[i] not in left_out]
        if len({labels[i] for i in train}) < 2:
            continue
        ranker, score = fold.train(train)
        unseen = _sample_per_topic([i for i in questions if labels[i] in left_out], labels)
        out.extend(score(ranker, unseen), [None] * len(unseen), "unseen")
    return out


class _Folds:
    """One featurizer and matrix for every fold: vectorizing is most of the cost."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str],
                 topic_ids: Sequence[str], negatives: Sequence[str]) -> None:
        self.texts, self.labels, self.topic_ids = texts, labels, topic_ids
        self.negatives = negatives
        self.featurizer = Featurizer(texts)
        self.matrix = self.featurizer.transform(texts)
        self.negative_matrix = self.featurizer.transform(list(negatives))

    def train(self, rows: list[int]) -> tuple[Ranker, Callable[..., list[Ranked]]]:
        columns = np.asarray(self.matrix[rows].getnnz(axis=0) > 0)
        ranker = Ranker([self.texts[i] for i in rows], [self.labels[i] for i in rows],
                        self.topic_ids, featurizer=self.featurizer,
                        matrix=self.featurizer.restrict(self.matrix[rows], columns))

        def score(model: Ranker, ids: list[int], negative: bool = False) -> list[Ranked]:
            source = self.negative_matrix if negative else self.matrix
            texts = self.negatives if negative else self.texts
            return model.rank_many([texts[i] for i in ids], matrix=self.featurizer.restrict(
                source[ids], columns)) if ids else []

        return ranker, score


def _topic_groups(topic_ids: Sequence[str], folds: int) -> list[list[str]]:
    order = list(topic_ids)
    random.Random(SEED).shuffle(order)
    return [order[g::folds] for g in range(folds)]


def _sample_per_topic(rows: list[int], labels: Sequence[str]) -> list[int]:
    taken: dict[str, int] = {}
    out = []
    for i in rows:
        if taken.get(labels[i], 0) < UNSEEN_PER_TOPIC:
            taken[labels[i]] = taken.get(labels[i], 0) + 1
            out.append(i)
    return out


def fit_confidence(held: HeldOut) -> Confidence:
    """The logistic model and thresholds (module docstring) from held-out scores."""
    x = np.array([r.evidence for r in held.ranked], dtype=np.float64)
    right = np.array([t is not None and r.order[0] == t
                      for r, t in zip(held.ranked, held.truth, strict=True)])
    kinds = np.array(held.kind)
    if len(x) < 20 or right.all() or not right.any():
        return FALLBACK
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / scale, right)
    conf = Confidence(tuple(mean.tolist()), tuple(scale.tolist()),
                      tuple(model.coef_[0].tolist()), float(model.intercept_[0]), 1.0, 0.0,
                      math.inf)
    p = np.array([conf(e) for e in x])
    answer = _answer_threshold(p, right, kinds)
    in_scope = kinds == "in"
    top3 = np.array([t is not None and t in r.order[:3]
                     for r, t in zip(held.ranked, held.truth, strict=True)])
    keep = p[in_scope & top3]
    suggest = min(answer * 0.5, float(np.quantile(keep, 0.02))) if len(keep) else 0.1
    seconds = x[in_scope & right & (p >= answer), EVIDENCE.index("second")]
    also = float(np.quantile(seconds, ALSO_QUANTILE)) if len(seconds) >= 20 else math.inf
    return Confidence(conf.mean, conf.scale, conf.weights, conf.bias, answer, suggest, also)


def _answer_threshold(p: np.ndarray, right: np.ndarray, kinds: np.ndarray) -> float:
    in_scope = kinds == "in"
    limits = {"off": MAX_OFF_TOPIC, "unseen": MAX_UNSEEN_TOPIC}
    for t in np.unique(np.concatenate([[0.5], np.round(p, 4)])):
        answered = p >= t
        wrong = (answered & in_scope & ~right).sum() / max(1, in_scope.sum())
        if wrong > MAX_WRONG:
            continue
        if all((answered & (kinds == k)).sum() <= limit * (kinds == k).sum()
               for k, limit in limits.items()):
            return float(max(t, 0.3))
    return 0.99
