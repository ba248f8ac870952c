"""The array-based search index against a plain-Python reference of the same BM25."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pytest

import knowledge.index as index_module
from knowledge.index import FEATURE_WEIGHTS, FIELD_WEIGHTS, K1, B, SearchIndex, _fields, features
from knowledge.service import KnowledgeService

QUESTIONS = [
    "lam can cuoc cho con o dau", "Làm lại căn cước bị mất cần giấy tờ gì?",
    "đăng ký khai sinh cho bé online", "thủ tục", "xyz qwerty", "ho chieu het han",
    "đăng ký tạm trú cho người thuê trọ trên VNeID được không",
]


_DOCS: dict[int, list[Counter[str]]] = {}


def _documents(index: SearchIndex) -> list[Counter[str]]:
    docs = []
    for topic_id in index.topic_ids:
        doc: Counter[str] = Counter()
        for field, text in _fields(index.kb.topics[topic_id]):
            norm = index.normalizer.normalize(text)
            for feat, count in features(norm, accented=True).items():
                doc[feat] += count * FIELD_WEIGHTS[field]
        docs.append(doc)
    return docs


def reference_scores(index: SearchIndex, query: Counter[str], weights: dict[str, float]
                     ) -> dict[str, float]:
    """BM25 exactly as the index used to compute it: one Python loop per posting."""
    if id(index) not in _DOCS:
        _DOCS[id(index)] = _documents(index)
    docs = _DOCS[id(index)]
    n = len(docs)
    lengths = [sum(d.values()) for d in docs]
    avg = sum(lengths) / n
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.keys())
    idf = {f: math.log(1 + (n - c + 0.5) / (c + 0.5)) for f, c in df.items()}
    scores: dict[int, float] = defaultdict(float)
    for feat, qtf in query.items():
        if feat not in idf:
            continue
        w = idf[feat] * weights.get(feat[:2], 1.0) * min(qtf, 2)
        for i, doc in enumerate(docs):
            if feat in doc:
                tf = doc[feat]
                scores[i] += w * (tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[i] / avg)))
    return {index.topic_ids[i]: s for i, s in scores.items()}


@pytest.fixture(scope="module", params=["sparse", "dense"])
def index(request: pytest.FixtureRequest, knowledge: KnowledgeService) -> SearchIndex:
    """The real index, and one where every shared feature takes the dense-row path."""
    snap = knowledge.current
    if request.param == "sparse":
        return snap.index
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(index_module, "DENSE_MIN_DF", 2)
        mp.setattr(index_module, "DENSE_SHARE", 0.0)
        built = SearchIndex(snap.kb, snap.index.normalizer)
    assert built._dense.shape[0] > 0
    return built


@pytest.mark.parametrize("question", QUESTIONS)
def test_scores_and_shortlist_match_the_reference(index: SearchIndex, question: str) -> None:
    weights = FEATURE_WEIGHTS
    norm = index.normalizer.normalize(question)
    query = features(norm, accented=norm.accented)
    want = reference_scores(index, query, weights)
    assert index.bm25(query, weights) == pytest.approx(want, rel=1e-12)
    best = sorted(want.items(), key=lambda kv: (-kv[1], index.topic_ids.index(kv[0])))[:8]
    got = index.shortlist(query, weights, 8)
    assert [t for t, _ in got] == [t for t, _ in best]
    assert [s for _, s in got] == pytest.approx([s for _, s in best], rel=1e-12)


def test_no_shared_feature_means_no_candidates(index: SearchIndex) -> None:
    query = Counter({"u:zzzqqq": 1, "b:zzz_qqq": 1})
    assert index.shortlist(query, {}, 8) == []
    assert index.bm25(query, {}) == {}


def test_presence_matrix_matches_each_topics_features(index: SearchIndex) -> None:
    topics = list(index.topic_ids[:5])
    feats = ["u:can", "u:cuoc", "b:can_cuoc", "a:căn", "u:nosuchword", "b:khai_sinh"]
    have = index.present(topics, index.feature_ids(feats))
    for row, topic in zip(have.tolist(), topics, strict=True):
        own = index.topic_features(topic)
        assert row == [f in own for f in feats]
        assert [index.has_feature(topic, f) for f in feats] == row
    assert index.present([], index.feature_ids(feats)).shape == (0, len(feats))
    assert index.present(topics, index.feature_ids([])).shape == (len(topics), 0)


def test_examples_carry_words_and_rarity(index: SearchIndex) -> None:
    topic = index.topic_ids[0]
    for ex in index.examples[topic]:
        assert len(set(ex.words)) == len(ex.words)
        assert all(w.startswith("u:") for w in ex.words)
        assert ex.mass == pytest.approx(sum(index.idf.get(w, 0.0) for w in ex.words))
    assert index.nbytes() > 0
