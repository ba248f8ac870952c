"""The live snapshot remembers match results, per knowledge version and bounded."""

from __future__ import annotations

import pytest

from knowledge import service as service_module
from knowledge.service import KnowledgeService, build_snapshot


def test_a_repeated_question_is_matched_once_per_snapshot(
        knowledge: KnowledgeService) -> None:
    snap = build_snapshot(knowledge.current.kb)
    first = snap.match("lam cccd cho con o dau")
    assert snap.match("lam cccd cho con o dau") is first  # served from the cache
    assert first == snap.matcher.match("lam cccd cho con o dau")  # and the same verdict
    fresh = build_snapshot(knowledge.current.kb)  # an edit builds a new snapshot
    assert fresh.match("lam cccd cho con o dau") is not first


def test_the_cache_keeps_only_the_most_recent_questions(
        knowledge: KnowledgeService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service_module, "MATCH_CACHE_SIZE", 2)
    snap = build_snapshot(knowledge.current.kb)
    kept = snap.match("đăng ký tạm trú")
    snap.match("gia hạn bhyt")
    assert snap.match("đăng ký tạm trú") is kept  # touched: now the most recent
    snap.match("chào bạn")  # evicts "gia hạn bhyt", the least recent
    assert list(snap._cache) == ["đăng ký tạm trú", "chào bạn"]
