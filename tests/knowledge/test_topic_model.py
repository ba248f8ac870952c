"""The learned topic model: fast scoring equals scikit-learn's, both model kinds rank."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse

from knowledge import topic_model
from knowledge.topic_model import Featurizer, TopicModel

TEXTS = ["lam can cuoc cho con o dau", "cap can cuoc lan dau cho tre em",
         "dang ky tam tru o tro", "gia han tam tru online",
         "dang ky khai sinh cho con", "lam giay khai sinh qua han"]
LABELS = ["can-cuoc", "can-cuoc", "tam-tru", "tam-tru", "khai-sinh", "khai-sinh"]
TOPICS = ["can-cuoc", "tam-tru", "khai-sinh", "empty"]


def test_one_question_is_featurized_as_scikit_learn_would() -> None:
    featurizer = Featurizer(TEXTS)
    texts = ["lam can cuoc cho be", "tam tru tam tru o dau", "xyz", " Lam\tCAN  cuoc\n"]
    for text in texts * 2:  # the second time from the parts' remembered words
        idx, vals = featurizer.one(text)
        expected = featurizer.transform([text]).toarray()[0]
        got = np.zeros(featurizer.size)
        got[idx] = vals
        assert np.allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize("kind_limit", [150, 1])  # LinearSVC, and the centroids beyond it
def test_each_kind_ranks_the_right_topic_first(monkeypatch: pytest.MonkeyPatch,
                                               kind_limit: int) -> None:
    monkeypatch.setattr(topic_model, "SVC_MAX_TOPICS", kind_limit)
    model = TopicModel(TEXTS, LABELS, TOPICS)
    assert model.kind == ("svc" if kind_limit > 1 else "centroid")
    for question, topic in [("can cuoc cho con", "can-cuoc"), ("tam tru online", "tam-tru"),
                            ("khai sinh qua han", "khai-sinh")]:
        scores = model.scores(question)
        assert TOPICS[int(np.argmax(scores))] == topic
        assert np.allclose(scores, model.score_many([question])[0], atol=1e-5)
    # A topic with no example can never come first.
    assert np.argmax(model.scores("empty")) != TOPICS.index("empty")


def test_restricted_rows_forget_columns_the_training_rows_lack() -> None:
    featurizer = Featurizer(TEXTS)
    matrix = featurizer.transform(TEXTS)
    columns = np.asarray(matrix[:4].getnnz(axis=0) > 0)
    held = featurizer.restrict(matrix[4:], columns)
    assert not held[:, ~columns].nnz
    # Each vectorizer's part stays unit length, as a featurizer fitted on rows 0–3 gives.
    bounds = [p.offset for p in featurizer.parts] + [featurizer.size]
    for lo, hi in itertools.pairwise(bounds):
        norms = np.sqrt(np.asarray(held[:, lo:hi].multiply(held[:, lo:hi]).sum(axis=1)))
        assert np.allclose(norms[norms > 0], 1.0, atol=1e-5)


def test_centroids_drop_small_weights_and_still_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topic_model, "SVC_MAX_TOPICS", 1)
    full = TopicModel(TEXTS, LABELS, TOPICS)
    monkeypatch.setattr(topic_model, "CENTROID_MIN_WEIGHT", 0.1)
    pruned = TopicModel(TEXTS, LABELS, TOPICS)
    weights, full_weights = pruned._weights, full._weights
    assert isinstance(weights, sparse.csr_matrix)
    assert isinstance(full_weights, sparse.csr_matrix)
    assert weights.nnz < full_weights.nnz
    assert np.abs(weights.data).min() >= 0.1
    for question, topic in [("can cuoc cho con", "can-cuoc"), ("tam tru online", "tam-tru")]:
        assert TOPICS[int(np.argmax(pruned.scores(question)))] == topic


@pytest.mark.parametrize("kind_limit", [150, 1])
def test_character_and_word_parts_add_up_to_the_score(monkeypatch: pytest.MonkeyPatch,
                                                      kind_limit: int) -> None:
    monkeypatch.setattr(topic_model, "SVC_MAX_TOPICS", kind_limit)
    model = TopicModel(TEXTS, LABELS, TOPICS)
    questions = ["can cuoc cho con", "tam tru online", "xyz", ""]
    many = model.part_scores_many(model.featurizer.transform(questions))
    for row, question in enumerate(questions):
        parts = model.part_scores(*model.featurizer.one(question))
        assert len(parts) == len(model.featurizer.parts) == 2
        weights = model._weights
        dense = weights if isinstance(weights, np.ndarray) else weights.toarray()
        expected = model.featurizer.transform([question]).toarray()[0] @ dense + model.bias
        assert np.allclose(sum(parts, model.bias), expected, atol=1e-5)
        for part, batch in zip(parts, many, strict=True):
            assert np.allclose(part, batch[row], atol=1e-5)
    # The word part alone knows nothing of a question of unknown words.
    assert not model.part_scores(*model.featurizer.one("xyz"))[1].any()


def test_centroid_parts_equal_scipys_public_product(monkeypatch: pytest.MonkeyPatch) -> None:
    """The private-kernel shortcut and the public product agree (and the fallback works)."""
    monkeypatch.setattr(topic_model, "SVC_MAX_TOPICS", 1)
    model = TopicModel(TEXTS, LABELS, TOPICS)
    fast = model.part_scores(*model.featurizer.one("lam can cuoc tam tru"))
    monkeypatch.setattr(topic_model, "_sparsetools", None)
    slow = model.part_scores(*model.featurizer.one("lam can cuoc tam tru"))
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(fast, slow, strict=True))
    assert any(p.any() for p in fast)


def test_training_twice_gives_the_same_model() -> None:
    """The solver's example order is seeded: figures and answers repeat from run to run."""
    texts = [f"{t} {w}" for t in TEXTS for w in ("o dau", "bao nhieu tien", "can gi", "")]
    labels = [label for label in LABELS for _ in range(4)]
    first, second = TopicModel(texts, labels, TOPICS), TopicModel(texts, labels, TOPICS)
    for question in ("can cuoc cho be", "tam tru bao nhieu tien", "khai sinh"):
        assert np.array_equal(first.scores(question), second.scores(question))
