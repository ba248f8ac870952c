"""Rank topics for a question and collect the evidence the answer decision looks at.

A :class:`Ranker` is a :class:`~knowledge.topic_model.TopicModel` plus what it was trained
on (each topic's example texts, the words seen), so cross-validation can build one per
fold and see exactly what the live matcher would see on a question it was not trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from rapidfuzz import fuzz, process

from knowledge.topic_model import Featurizer, TopicModel

# The evidence vector, in this order (knowledge/calibration.py learns a weight for each).
EVIDENCE = ("top", "second", "margin", "fuzzy", "oov", "length")
SHORTLIST = 8


@dataclass(frozen=True)
class Ranked:
    """The best topics (indices into ``topic_ids``), their scores, and the evidence."""

    order: tuple[int, ...]
    scores: tuple[float, ...]
    evidence: tuple[float, ...]


class Ranker:
    def __init__(self, texts: Sequence[str], labels: Sequence[str],
                 topic_ids: Sequence[str], *, featurizer: Featurizer | None = None,
                 matrix: sparse.csr_matrix | None = None) -> None:
        self.topic_ids = tuple(topic_ids)
        self.model = TopicModel(texts, labels, self.topic_ids, featurizer=featurizer,
                                matrix=matrix)
        position = {t: i for i, t in enumerate(self.topic_ids)}
        self.examples: list[list[str]] = [[] for _ in self.topic_ids]
        for text, label in zip(texts, labels, strict=True):
            self.examples[position[label]].append(text)
        self.vocabulary = frozenset(w for text in texts for w in text.split())

    def rank(self, folded: str, k: int = SHORTLIST) -> Ranked:
        return self._ranked(folded, self.model.scores(folded), k)

    def rank_many(self, folded: Sequence[str], k: int = SHORTLIST,
                  matrix: sparse.csr_matrix | None = None) -> list[Ranked]:
        """:meth:`rank` of many questions; ``matrix`` = their rows, if already computed."""
        if not folded:
            return []
        matrix = self.model.score_many(folded, matrix)
        return [self._ranked(text, row, k) for text, row in zip(folded, matrix, strict=True)]

    def _ranked(self, folded: str, scores: np.ndarray, k: int) -> Ranked:
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]
        best = scores[top].tolist()
        order = tuple(top.tolist())
        return Ranked(order, tuple(best), self._evidence(folded, order, best))

    def _evidence(self, folded: str, order: tuple[int, ...], best: list[float]
                  ) -> tuple[float, ...]:
        words = folded.split()
        second = best[1] if len(best) > 1 else best[0] - 1.0
        return (
            best[0],
            second,
            best[0] - second,
            self.fuzzy(folded, order[0]),
            sum(w not in self.vocabulary for w in words) / len(words) if words else 1.0,
            min(1.0, len(words) / 20.0),
        )

    def fuzzy(self, folded: str, topic: int) -> float:
        """How closely one of the topic's examples resembles the question (0–1)."""
        found = process.extractOne(folded, self.examples[topic], scorer=fuzz.token_set_ratio)
        return found[1] / 100.0 if found else 0.0
