"""Live knowledge in the database: seeding, edits, other workers, bad versions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.editing.editor import EditRejected, KnowledgeEditor
from bot.storage import Storage
from bot.storage.models import Triage
from knowledge.matcher import Decision
from knowledge.service import KnowledgeService

NEW_WORDING = "đi xin cái thẻ chíp cho đứa nhỏ mới đẻ"


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = await Storage.open(Settings(data_dir=tmp_path))
    yield storage
    await storage.close()


def worker(storage: Storage) -> tuple[KnowledgeService, KnowledgeEditor]:
    knowledge = KnowledgeService.from_directory()
    return knowledge, KnowledgeEditor(knowledge, lambda: storage)


async def test_first_sync_seeds_the_starter_content_once(storage: Storage) -> None:
    knowledge, editor = worker(storage)
    assert await editor.sync() is True
    first = knowledge.stored_version
    assert first is not None
    assert await editor.sync() is False
    history = await storage.knowledge.history()
    assert [(v.id, v.author, v.source) for v in history] == [(first, "starter", "starter")]


async def test_added_question_matches_at_once_and_reaches_other_workers(
        storage: Storage) -> None:
    knowledge, editor = worker(storage)
    await editor.sync()
    before = knowledge.current.matcher.match(NEW_WORDING)
    assert not (before.decision is Decision.ANSWER and before.topic == "can-cuoc-cap-moi")
    version = await editor.add_question("can-cuoc-cap-moi", NEW_WORDING,
                                        author="telegram:staff1", source="telegram")
    after = knowledge.current.matcher.match(NEW_WORDING)
    assert after.decision is Decision.ANSWER and after.topic == "can-cuoc-cap-moi"
    assert knowledge.stored_version == version

    other, other_editor = worker(storage)
    assert await other_editor.sync() is True
    assert other.stored_version == version
    assert other.current.matcher.match(NEW_WORDING).topic == "can-cuoc-cap-moi"
    newest = (await storage.knowledge.history())[0]
    assert (newest.author, newest.source) == ("telegram:staff1", "telegram")
    assert NEW_WORDING in newest.message


async def test_invalid_edits_change_nothing(storage: Storage) -> None:
    knowledge, editor = worker(storage)
    await editor.sync()
    version = knowledge.stored_version
    with pytest.raises(EditRejected):
        await editor.add_question("khong-co", "abc", author="x", source="cli")
    existing = knowledge.current.kb.topics["khai-sinh"].questions[0]
    with pytest.raises(EditRejected):
        await editor.add_question("khai-sinh", existing.upper(), author="x", source="cli")
    docs = knowledge.current.kb.documents
    broken = docs.with_topic({**docs.topics["topics/khai-sinh.yaml"], "fee": ""})
    with pytest.raises(EditRejected) as info:
        await editor.save(broken, author="x", source="cli", message="xóa lệ phí")
    assert any("topics/khai-sinh.yaml" in p and "fee" in p for p in info.value.problems)
    assert knowledge.stored_version == version
    assert len(await storage.knowledge.history()) == 1


async def test_a_corrupt_stored_version_is_not_served(storage: Storage) -> None:
    knowledge, editor = worker(storage)
    await editor.sync()
    good = knowledge.current.version
    await storage.knowledge.add({"topics": {}, "commune": None, "categories": []},
                                content_hash="bad", author="x", source="cli")
    assert await editor.sync() is False
    assert knowledge.current.version == good


async def test_triage_is_recorded_with_who_and_when(storage: Storage) -> None:
    knowledge, editor = worker(storage)
    await editor.sync()
    await editor.attach_unanswered("lam the chip cho be", "can-cuoc-cap-moi", NEW_WORDING,
                                   author="telegram:a", source="telegram")
    await editor.mark_out_of_scope("gia vang hom nay", author="telegram:b", source="telegram")
    async with storage.sessions() as session:
        rows = (await session.scalars(select(Triage).order_by(Triage.id))).all()
    assert [(r.action, r.topic_id, r.author) for r in rows] == [
        ("example", "can-cuoc-cap-moi", "telegram:a"), ("out_of_scope", None, "telegram:b")]
    assert rows[0].knowledge_version == knowledge.stored_version
    assert all(r.created_at is not None for r in rows)
