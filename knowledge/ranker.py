"""Rank topics for a question and collect the evidence the answer decision looks at.

A :class:`Ranker` is a :class:`~knowledge.topic_model.TopicModel` plus what it was trained
on (each topic's example texts, the words seen), so cross-validation can build one per
fold and see exactly what the live matcher would see on a question it was not trained on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse

from knowledge.names import Names
from knowledge.topic_model import Featurizer, TopicModel

# The evidence vector, in this order (knowledge/calibration.py learns a weight for each).
EVIDENCE = ("top", "second", "margin", "fuzzy", "fuzzy_margin", "nearest", "nearest_margin",
            "oov", "length", "char_agrees", "word_agrees", "uncovered", "off_topic", "named",
            "named_second")
# The label of the off-topic examples (not a topic id: ids are slugs without "_").
OFF_TOPIC = "_off_topic"
SHORTLIST = 8
# rapidfuzz rates a question against this many of a topic's nearest training texts.
FUZZY_AMONG = 10
# A name of this many words or more counts as fully naming its topic ("named" evidence).
NAMED_WORDS = 4


@dataclass(frozen=True)
class Ranked:
    """The best topics (indices into ``topic_ids``), their scores, and the evidence.

    ``named``: each title or keyword of a trained topic the question contains → the topic
    ids it names (the matcher's two-subject and vague-question rules read it too).
    """

    order: tuple[int, ...]
    scores: tuple[float, ...]
    evidence: tuple[float, ...]
    named: Mapping[str, frozenset[str]] = field(default_factory=dict)


_Vector = tuple[np.ndarray, np.ndarray]  # a question's feature indices and weights


class _Rows:
    """One topic's training rows, for the best dot product with a dense question vector."""

    def __init__(self, rows: sparse.csr_matrix) -> None:
        self.indices = rows.indices
        self.data = rows.data
        self.row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
        self.n = rows.shape[0]

    def nearest(self, dense: np.ndarray, k: int) -> tuple[float, np.ndarray]:
        """The best similarity and the ``k`` most similar rows (best first)."""
        sums = np.bincount(self.row_of, weights=self.data * dense[self.indices],
                           minlength=self.n)
        if not len(sums):
            return 0.0, np.zeros(0, dtype=np.int64)
        top = np.argpartition(-sums, k - 1)[:k] if k < len(sums) else np.arange(len(sums))
        top = top[np.argsort(-sums[top], kind="stable")]
        return float(sums[top[0]]), top


class Ranker:
    """Ranks the real topics; the off-topic class only adds evidence.

    Texts labelled :data:`OFF_TOPIC` (knowledge/data/off_topic.yaml) train one more class
    of the model, so a question that resembles them more than any topic says so; it is
    never offered as a topic.

    ``names`` flags the texts that name their topic (titles and keywords, not questions):
    a question containing one of them word for word is evidence the decision weighs.
    """

    def __init__(self, texts: Sequence[str], labels: Sequence[str],
                 topic_ids: Sequence[str], *, names: Sequence[bool] | None = None,
                 featurizer: Featurizer | None = None,
                 matrix: sparse.csr_matrix | None = None) -> None:
        self.topic_ids = tuple(topic_ids)
        self.model = TopicModel(texts, labels, (*self.topic_ids, OFF_TOPIC),
                                featurizer=featurizer, matrix=matrix)
        position = {t: i for i, t in enumerate(self.topic_ids)}
        self.examples: list[list[str]] = [[] for _ in self.topic_ids]
        rows: list[list[int]] = [[] for _ in self.topic_ids]
        for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
            if label == OFF_TOPIC:
                continue
            self.examples[position[label]].append(text)
            rows[position[label]].append(i)
        self.names = Names((text, label) for text, label, is_name in
                           zip(texts, labels, names or [False] * len(texts), strict=True)
                           if is_name and label != OFF_TOPIC)
        self._known = _known_texts(texts, labels, position)
        self.vocabulary = frozenset(w for text in texts for w in text.split())
        self._topic_words = [frozenset(w for text in ex for w in text.split())
                             for ex in self.examples]
        words = self.model.featurizer.parts[-1]
        self._rare = max(words.idf, default=1.0)
        self._idf = {w: float(words.idf[i]) for w, i in words.vocabulary.items()
                     if " " not in w}
        trained = self.model.training_rows
        self._rows = [_Rows(trained[r]) if r else None for r in rows]
        self._size = self.model.featurizer.size

    def known(self, folded: str) -> int | None:
        """The topic one of whose own training texts this question is, word for word.

        A question a staff member attached to a topic (or any example) is answered with
        that topic from the next knowledge version on, whatever the model's margin: the
        confidence is learned on new wordings, and an exact example is not one.
        """
        return self._known.get(" ".join(folded.split()))

    def rank(self, folded: str, k: int = SHORTLIST) -> Ranked:
        idx, vals = self.model.featurizer.one(folded)
        return self._ranked(folded, self.model.part_scores(idx, vals), (idx, vals), k)

    def rank_many(self, folded: Sequence[str], k: int = SHORTLIST,
                  matrix: sparse.csr_matrix | None = None) -> list[Ranked]:
        """:meth:`rank` of many questions; ``matrix`` = their rows, if already computed."""
        if not folded:
            return []
        if matrix is None:
            matrix = self.model.featurizer.transform(folded)
        parts = self.model.part_scores_many(matrix)
        out = []
        for i, text in enumerate(folded):
            lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
            vector = (matrix.indices[lo:hi].astype(np.int64), matrix.data[lo:hi])
            out.append(self._ranked(text, [part[i] for part in parts], vector, k))
        return out

    def _ranked(self, folded: str, parts: list[np.ndarray], vector: _Vector,
                k: int) -> Ranked:
        """Best ``k`` topics by the model's score (the sum of ``parts`` and the bias)."""
        bias = self.model.bias
        total = sum(parts, bias)
        off, scores = float(total[-1]), total[:-1]
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]
        best = scores[top].tolist()
        order = tuple(top.tolist())
        # The character and the word n-grams each on their own: do they pick the same topic?
        agrees = [float(np.argmax(part[:-1] + bias[:-1]) == order[0]) for part in parts]
        words = folded.split()
        named = self.names.find(words)
        evidence = (*self._evidence(folded, words, order, best, vector), *agrees,
                    self.uncovered(words, order[0]), off - best[0],
                    *self._named(named, order[:2]))
        return Ranked(order, tuple(best), evidence, named)

    def _evidence(self, folded: str, words: list[str], order: tuple[int, ...],
                  best: list[float], vector: _Vector) -> tuple[float, ...]:
        second = best[1] if len(best) > 1 else best[0] - 1.0
        dense = np.zeros(self._size, dtype=np.float32)
        dense[vector[0]] = vector[1]
        nearest, fuzzy = self._closest(folded, dense, order[0])
        near_2, fuzzy_2 = (self._closest(folded, dense, order[1]) if len(order) > 1
                           else (0.0, 0.0))
        return (
            best[0],
            second,
            best[0] - second,
            fuzzy,
            fuzzy - fuzzy_2,
            nearest,
            nearest - near_2,
            sum(w not in self.vocabulary for w in words) / len(words) if words else 1.0,
            min(1.0, len(words) / 20.0),
        )

    def _named(self, found: Mapping[str, frozenset[str]], topics: tuple[int, ...]
               ) -> tuple[float, float]:
        """How fully the question names the first and the second topic (0–1 each).

        Held out, a question that contains its topic's name is rarely about a subject the
        knowledge base lacks, so this separates new wordings from uncovered subjects better
        than the scores alone (answered right under `citizen-bot eval --cv`: 82.5% → 85%
        at the same share of uncovered subjects answered).
        """
        first, second = (*(min(NAMED_WORDS, Names.longest(found, self.topic_ids[t]))
                           / NAMED_WORDS for t in topics), 0.0, 0.0)[:2]
        return first, second

    def uncovered(self, words: list[str], topic: int) -> float:
        """Share of the question's weight (idf) in words the topic's examples never use.

        A question about a subject the knowledge base lacks ("nhận con nuôi") still ranks
        some neighbour first; the rare word that names the subject is what the neighbour
        does not have.
        """
        known = self._topic_words[topic]
        weights = [(self._idf.get(w, self._rare), w in known) for w in set(words)]
        total = sum(wt for wt, _ in weights)
        return sum(wt for wt, hit in weights if not hit) / total if total else 1.0

    def _closest(self, folded: str, dense: np.ndarray, topic: int) -> tuple[float, float]:
        """How close the topic's closest training texts are: their similarity in the
        model's features (0–2: two unit-length parts), and how closely the nearest
        ``FUZZY_AMONG`` of them resemble the question as strings (rapidfuzz, 0–1).

        rapidfuzz over every example of a topic was the largest single cost of a long
        question; the text it rates highest is nearly always among the nearest few.
        """
        rows = self._rows[topic]
        if rows is None:
            return 0.0, 0.0
        nearest, top = rows.nearest(dense, FUZZY_AMONG)
        examples = self.examples[topic]  # built in the same order as the topic's rows
        found = process.extractOne(folded, [examples[i] for i in top],
                                   scorer=fuzz.token_set_ratio)
        return nearest, found[1] / 100.0 if found else 0.0


def _known_texts(texts: Sequence[str], labels: Sequence[str],
                 position: dict[str, int]) -> dict[str, int]:
    """Training text → its topic, for texts only one topic has (none off-topic)."""
    owners: dict[str, set[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        owners.setdefault(" ".join(text.split()), set()).add(label)
    return {text: position[next(iter(ids))] for text, ids in owners.items()
            if len(ids) == 1 and OFF_TOPIC not in ids}
