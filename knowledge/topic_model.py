"""Which topic a question is about: a linear model learned from the example questions.

Every knowledge version trains its own model (``knowledge/service.py`` builds one per
snapshot), so an example question or a topic a staff member adds counts from the next
version on, with no retraining step for anyone to run.

Features are TF-IDF weights of character n-grams (2–5, inside word boundaries) and word
uni/bigrams of the normalised, accent-folded text: folded text makes a question typed
without diacritics look exactly like one typed with them, and character n-grams absorb the
typos and odd spellings that word features miss. The classifier is scikit-learn's
``LinearSVC`` (one-vs-rest), which held out better than hand-set BM25/fuzzy weights.
Its weights are one dense row per feature, so a knowledge base with very many topics
(beyond ``SVC_MAX_TOPICS`` or ``SVC_MAX_WEIGHTS``) uses the L2-normalised class centroids
in the same feature space instead: as linear, sparse and trained in one pass however large
the catalogue (held out, about 7 points less accurate first-topic ranking than LinearSVC).

Scoring one question does not go through scikit-learn's per-call machinery (too slow for
one short string): the fitted analyzers, vocabularies and idf weights are applied directly,
which gives the same vector as ``transform`` (tests/knowledge/test_topic_model.py checks).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

try:  # scipy's C++ sparse kernels (private: see _sparse_rows_times for the fallback)
    from scipy.sparse import _sparsetools
except ImportError:  # pragma: no cover - a scipy that moved them
    _sparsetools = None

# Beyond this many topics, or this many dense weights (features × topics, float32: 80 MB),
# the one-vs-rest weights and the training time (topics × examples) grow too large:
# centroids take over.
SVC_MAX_TOPICS = 150
SVC_MAX_WEIGHTS = 20_000_000
SVC_C = 0.5
# The solver visits examples in a random order: a fixed seed makes every knowledge version's
# model, and the cross-validated figures, the same from run to run.
SVC_SEED = 14
# Centroid weights below this are dropped. The n-grams shared by many topics ("thu tuc",
# " th") carry small, nearly equal weights in each of their centroids: they barely change
# which topic wins, yet their long posting lists were most of the scoring time at 50,000
# examples. At 0.01 about 45% of the weights go, first-topic ranking of perturbed
# questions at 50,000 examples moves by under half a point (bench/matching.py).
CENTROID_MIN_WEIGHT = 0.01
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)


def _vectorizers() -> list[TfidfVectorizer]:
    return [
        TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True,
                        dtype=np.float32),
        TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, sublinear_tf=True,
                        token_pattern=r"(?u)\b\w+\b", dtype=np.float32),  # noqa: S106 - a regex
    ]


# Words whose character n-grams a featurizer part remembers (a folded Vietnamese text is
# made of a few thousand distinct syllables, so nearly every word of a question is known).
WORD_CACHE_MAX = 50_000


@dataclass(frozen=True)
class _Part:
    """One fitted vectorizer, unpacked for fast single-question use."""

    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int
    # char_wb n-grams never cross a space, so a text's are the sum of its words': each
    # word's known n-gram indices are remembered instead of cut and looked up again.
    per_word: bool = False
    _words: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False,
                                              repr=False)

    def indices_values(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's TF-IDF row of this part: (feature indices, weights), L2-normalised."""
        if self.per_word:
            found = np.fromiter(itertools.chain.from_iterable(
                self._word_indices(w) for w in text.split()), dtype=np.int64)
            idx, counts = np.unique(found, return_counts=True)
        else:  # count every n-gram in C, then look up the distinct ones only
            vocabulary = self.vocabulary
            known = {vocabulary[g]: c for g, c in Counter(self.analyze(text)).items()
                     if g in vocabulary}
            idx = np.fromiter(known, dtype=np.int64, count=len(known))
            counts = np.fromiter(known.values(), dtype=np.int64, count=len(known))
        if not len(idx):
            return idx, np.zeros(0)
        vals = (1.0 + np.log(counts)) * self.idf[idx]
        return idx + self.offset, vals / math.sqrt(float(vals @ vals))

    def _word_indices(self, word: str) -> tuple[int, ...]:
        found = self._words.get(word)
        if found is None:
            vocabulary = self.vocabulary
            found = tuple(vocabulary[g] for g in self.analyze(word) if g in vocabulary)
            if len(self._words) >= WORD_CACHE_MAX:
                self._words.clear()
            self._words[word] = found
        return found


class Featurizer:
    """TF-IDF of character and word n-grams, fitted on one knowledge version's texts."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._vectorizers = _vectorizers()
        self.parts: list[_Part] = []
        offset = 0
        for vec in self._vectorizers:
            vec.fit(texts)
            vocab = dict(vec.vocabulary_)
            self.parts.append(_Part(vec.build_analyzer(), vocab,
                                    np.asarray(vec.idf_, dtype=np.float64), offset,
                                    per_word=vec.analyzer == "char_wb"))
            offset += len(vocab)
        self.size = offset

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Many texts at once (training, cross-validation)."""
        return sparse.hstack([v.transform(texts) for v in self._vectorizers], format="csr")

    def restrict(self, matrix: sparse.csr_matrix, columns: np.ndarray) -> sparse.csr_matrix:
        """Rows as a featurizer that never saw the masked-out columns would give them.

        Cross-validation fits one featurizer on every text; a held-out question must not
        keep n-grams only held-out texts have, so those are dropped and each vectorizer's
        part renormalised, as a featurizer fitted on the training rows alone would do
        (up to the idf values, which still count every text).
        """
        kept = (matrix @ sparse.diags(columns.astype(np.float32))).tocsc()
        bounds = [p.offset for p in self.parts] + [self.size]
        blocks = [_normalize_rows(kept[:, lo:hi].tocsr()) for lo, hi in
                  itertools.pairwise(bounds)]
        return sparse.hstack(blocks, format="csr")

    def one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """One text: (feature indices, weights), equal to a row of :meth:`transform`."""
        rows = [part.indices_values(text) for part in self.parts]
        return (np.concatenate([i for i, _ in rows]),
                np.concatenate([v for _, v in rows]).astype(np.float32))


class TopicModel:
    """Scores every topic for a folded question; higher is more likely."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str],
                 topic_ids: Sequence[str], *, featurizer: Featurizer | None = None,
                 matrix: sparse.csr_matrix | None = None) -> None:
        """Fit on ``texts``; cross-validation passes a shared featurizer and its rows."""
        self.topic_ids = tuple(topic_ids)
        self.featurizer = featurizer or Featurizer(texts)
        if matrix is None:
            matrix = self.featurizer.transform(texts)
        self.training_rows = matrix.tocsr()
        position = {t: i for i, t in enumerate(self.topic_ids)}
        y = np.fromiter((position[label] for label in labels), dtype=np.int64,
                        count=len(labels))
        present = np.unique(y)
        small = matrix.shape[1] * len(self.topic_ids) <= SVC_MAX_WEIGHTS
        self.kind = "svc" if 2 <= len(present) <= SVC_MAX_TOPICS and small else "centroid"
        if self.kind == "svc":
            self._weights, self._bias = _fit_svc(matrix, y, len(self.topic_ids))
        else:
            self._weights, self._bias = _fit_centroids(matrix, y, len(self.topic_ids))

    @property
    def bias(self) -> np.ndarray:
        """Per-topic bias (very low for a topic with no training row)."""
        return self._bias

    def scores(self, text: str) -> np.ndarray:
        """One score per topic (in ``topic_ids`` order) for one folded question."""
        return self.scores_of(*self.featurizer.one(text))

    def scores_of(self, idx: np.ndarray, vals: np.ndarray) -> np.ndarray:
        """:meth:`scores` of a question already featurized (:meth:`Featurizer.one`)."""
        return sum(self.part_scores(idx, vals), self._bias.copy())

    def part_scores(self, idx: np.ndarray, vals: np.ndarray) -> list[np.ndarray]:
        """Each featurizer part's share of the score; their sum + :attr:`bias` is the score.

        The character and the word n-grams are two views of one question; where they
        disagree on the best topic, the answer is less sure (knowledge/ranker.py).
        """
        starts = [p.offset for p in self.featurizer.parts]
        part_of = np.searchsorted(starts, idx, side="right") - 1
        n_parts, n_topics = len(starts), len(self.topic_ids)
        weights = self._weights
        if isinstance(weights, np.ndarray):
            out = np.zeros((n_parts, n_topics))
            for k in range(n_parts):
                keep = part_of == k
                if keep.any():
                    out[k] = vals[keep] @ weights[idx[keep]]
            return list(out)
        # Centroids: one sparse product, one row per part (single-threaded C++, its cost
        # the posting lengths of the question's features; a dense BLAS product spiked past
        # 10 ms when BLAS threads share one busy core).
        order = np.argsort(part_of, kind="stable")
        indptr = np.searchsorted(part_of[order], np.arange(n_parts + 1))
        return list(_sparse_rows_times(indptr, idx[order], vals[order], weights))

    def part_scores_many(self, matrix: sparse.csr_matrix) -> list[np.ndarray]:
        """:meth:`part_scores` of many featurized questions (rows of ``matrix``)."""
        out = []
        for lo, hi in self._bounds():
            part = matrix[:, lo:hi] @ self._weights[lo:hi]
            part = part.toarray() if sparse.issparse(part) else np.asarray(part)
            out.append(part.astype(np.float64))
        return out

    def _bounds(self) -> list[tuple[int, int]]:
        bounds = [p.offset for p in self.featurizer.parts] + [self.featurizer.size]
        return list(itertools.pairwise(bounds))

    def score_many(self, texts: Sequence[str],
                   matrix: sparse.csr_matrix | None = None) -> np.ndarray:
        """:meth:`scores` of many questions at once (cross-validation)."""
        if matrix is None:
            matrix = self.featurizer.transform(texts)
        return sum(self.part_scores_many(matrix), self._bias.copy())

    def nbytes(self) -> int:
        w = self._weights
        if isinstance(w, np.ndarray):
            return w.nbytes
        return w.data.nbytes + w.indices.nbytes + w.indptr.nbytes


# A topic with no training row can never be the best one.
_ABSENT = -1e3


def _sparse_rows_times(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                       weights: sparse.csr_matrix) -> np.ndarray:
    """Dense (rows × topics) product of a few sparse rows with the sparse weights.

    scipy's product first makes a whole pass over the postings only to size its output,
    about 40% of the time per question at 50,000 examples; here the output is at most
    rows × topics, so its kernel is called with buffers of that size. Should the private
    kernel be missing or change, the public product gives the same numbers.
    """
    rows, topics = len(indptr) - 1, weights.shape[1]
    kernel = getattr(_sparsetools, "csr_matmat", None) if _sparsetools else None
    itype = weights.indices.dtype
    if kernel is not None and weights.indptr.dtype == itype:
        out_ptr = np.empty(rows + 1, dtype=itype)
        out_idx = np.empty(rows * topics, dtype=itype)
        out_val = np.empty(rows * topics, dtype=weights.dtype)
        try:
            kernel(rows, topics, indptr.astype(itype), indices.astype(itype),
                   data.astype(weights.dtype), weights.indptr, weights.indices, weights.data,
                   out_ptr, out_idx, out_val)
        except (TypeError, ValueError):
            pass
        else:
            dense = np.zeros((rows, topics))
            nnz = int(out_ptr[-1])
            dense[np.repeat(np.arange(rows), np.diff(out_ptr)), out_idx[:nnz]] = out_val[:nnz]
            return dense
    question = sparse.csr_matrix((data, indices, indptr), shape=(rows, weights.shape[0]))
    return (question @ weights).toarray().astype(np.float64)


def _normalize_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return (sparse.diags((1.0 / norms).astype(np.float32)) @ matrix).tocsr()


def _fit_svc(matrix: sparse.csr_matrix, y: np.ndarray, n_topics: int
             ) -> tuple[np.ndarray, np.ndarray]:
    svc = LinearSVC(C=SVC_C, dual=True, max_iter=2000, random_state=SVC_SEED).fit(matrix, y)
    weights = np.zeros((matrix.shape[1], n_topics), dtype=np.float32)
    bias = np.full(n_topics, _ABSENT, dtype=np.float64)
    if len(svc.classes_) == 2:  # binary: one weight vector, the second class positive
        coef = np.vstack([-svc.coef_[0], svc.coef_[0]])
        intercept = np.array([-svc.intercept_[0], svc.intercept_[0]])
    else:
        coef, intercept = svc.coef_, svc.intercept_
    weights[:, svc.classes_] = coef.T
    bias[svc.classes_] = intercept
    return np.ascontiguousarray(weights), bias


def _fit_centroids(matrix: sparse.csr_matrix, y: np.ndarray, n_topics: int
                   ) -> tuple[sparse.csr_matrix, np.ndarray]:
    onehot = sparse.csr_matrix((np.ones(len(y), dtype=np.float32), (y, np.arange(len(y)))),
                               shape=(n_topics, len(y)))
    sums = (onehot @ matrix).tocsr()
    norms = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    centroids = (sparse.diags(1.0 / norms).astype(np.float32) @ sums).tocsr()
    centroids.data[np.abs(centroids.data) < CENTROID_MIN_WEIGHT] = 0.0
    centroids.eliminate_zeros()
    bias = np.where(np.bincount(y, minlength=n_topics) > 0, 0.0, _ABSENT)
    return centroids.T.tocsr().astype(np.float32), bias
