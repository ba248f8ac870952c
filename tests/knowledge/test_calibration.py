"""The answer confidence is learned on held-out questions and honours its limits."""

from __future__ import annotations

from collections import Counter

import numpy as np

from knowledge.calibration import (
    FALLBACK,
    MAX_OFF_TOPIC,
    MAX_UNSEEN,
    MAX_WRONG,
    fit_confidence,
    held_out_scores,
    stratified_folds,
)
from knowledge.matcher import TrainingSet
from knowledge.off_topic import load_off_topic
from knowledge.service import KnowledgeService


def test_folds_split_every_topic_evenly() -> None:
    labels = ["a"] * 10 + ["b"] * 7 + ["c"] * 3
    folds = stratified_folds(labels, 4)
    for topic in "abc":
        counts = Counter(f for f, label in zip(folds, labels, strict=True) if label == topic)
        assert max(counts.values()) - min(counts.values()) <= 1


def test_a_question_added_to_one_topic_moves_no_other_topics_rows() -> None:
    """Folds dealt by text: a staff member's new example re-deals its own topic only, so
    the next version's confidence is refitted on nearly the same held-out scores."""
    labels = ["a"] * 9 + ["b"] * 8 + ["c"] * 7
    texts = [f"{label} câu {i}" for i, label in enumerate(labels)]
    before = stratified_folds(labels, 4, keys=texts)
    after = stratified_folds(["a", *labels], 4, keys=["a câu mới", *texts])[1:]
    moved = {label for label, x, y in zip(labels, before, after, strict=True) if x != y}
    assert moved <= {"a"}
    assert stratified_folds(labels, 4, keys=texts) == before  # the same every run


def test_thresholds_keep_the_limits_on_held_out_questions(
        knowledge: KnowledgeService) -> None:
    matcher = knowledge.current.matcher
    negatives = tuple(matcher.model_text(q) for q in load_off_topic())
    data = TrainingSet.from_index(matcher.index, negatives)
    held = held_out_scores(data.texts, data.labels, data.questions, data.topic_ids,
                           data.negatives, folds=4)  # as live: no fold above MAX_PER_FOLD
    kinds = Counter(held.kind)
    assert kinds["in"] == sum(data.questions) and kinds["off"] == len(negatives)
    assert kinds["unseen"] > 0
    # A held-out question is never found verbatim among the texts its ranker learned.
    assert all(r.evidence[3] <= 1.0 for r in held.ranked)
    conf = fit_confidence(held)
    p = np.array([conf(r.evidence) for r in held.ranked])
    right = np.array([t is not None and r.order[0] == t
                      for r, t in zip(held.ranked, held.truth, strict=True)])
    kind = np.array(held.kind)
    answered = p >= conf.answer
    assert (answered & (kind == "in") & ~right).sum() <= MAX_WRONG * (kind == "in").sum()
    assert (answered & (kind == "off")).sum() <= MAX_OFF_TOPIC * (kind == "off").sum()
    assert (answered & (kind == "unseen")).sum() <= MAX_UNSEEN * (kind == "unseen").sum()
    assert (answered & (kind == "in") & right).sum() > 0.5 * (kind == "in").sum()
    assert 0 < conf.suggest < conf.answer < 1


def test_without_an_off_topic_list_the_other_limits_still_hold(
        knowledge: KnowledgeService) -> None:
    """A knowledge base with no off-topic questions is still calibrated, not left with
    the "nearly certain only" fallback: only the off-topic model lets everything through."""
    matcher = knowledge.current.matcher
    data = TrainingSet.from_index(matcher.index)
    held = held_out_scores(data.texts, data.labels, data.questions, data.topic_ids, (),
                           folds=3)
    assert "off" not in held.kind
    conf = fit_confidence(held)
    assert conf is not FALLBACK and conf.covered > 0
    kind = np.array(held.kind)
    answered = np.array([conf(r.evidence) >= conf.answer for r in held.ranked])
    assert (answered & (kind == "unseen")).sum() <= MAX_UNSEEN * (kind == "unseen").sum()
    assert answered[kind == "in"].mean() > 0.5
