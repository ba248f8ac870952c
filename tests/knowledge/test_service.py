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


def test_installing_the_content_being_served_keeps_its_snapshot() -> None:
    """A worker starting on a new database stores the starter files as version 1 and
    installs it: the same content, so no second index and model build."""
    from knowledge.loader import Documents, parse

    service = KnowledgeService.from_directory()
    served = service.current
    kb = served.kb
    assert kb.documents is not None
    stored = parse(Documents.from_json(kb.documents.to_json()))  # as read back from storage
    service.install(stored, 1)
    assert service.current is served and service.stored_version == 1

    doc = dict(kb.documents.topics["topics/khai-sinh.yaml"])
    doc["questions"] = [*doc["questions"], "khai sinh cho cháu ngoại thì làm sao"]
    service.install(parse(kb.documents.with_topic(doc)), 2)
    assert service.current is not served and service.stored_version == 2
    assert "khai sinh cho cháu ngoại thì làm sao" in service.current.kb.topics[
        "khai-sinh"].questions
