"""Change the live knowledge safely: validate, store a new version, serve it.

Every edit goes through the same path whoever makes it (a chat command, the
staff pages, a spreadsheet, the CLI): derive the new documents from the version
being served, validate the whole knowledge base, store it as a new version
with author and source, then swap it in. An invalid edit changes nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from bot.storage import Storage
from bot.storage.knowledge import LIVE, KnowledgeStore
from knowledge.loader import Documents, KnowledgeError, parse, read_directory
from knowledge.service import KnowledgeService

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 300


class EditRejected(Exception):
    """The edit would make the knowledge base invalid; nothing was stored."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class KnowledgeEditor:
    def __init__(self, knowledge: KnowledgeService,
                 storage: Callable[[], Storage | None]) -> None:
        self.knowledge = knowledge
        self._storage = storage

    def _store(self) -> KnowledgeStore:
        storage = self._storage()
        if storage is None:
            raise EditRejected(["Cơ sở dữ liệu chưa sẵn sàng, vui lòng thử lại sau."])
        return storage.knowledge

    async def sync(self) -> bool:
        """Serve the newest live version; seed it from the starter files if empty.

        Returns True when a different version was installed.
        """
        store = self._store()
        live = await store.live_id()
        if live is None:
            documents, problems = read_directory(self.knowledge.content_dir)
            if problems:
                log.error("starter knowledge has problems; not seeding: %s", problems[:3])
                return False
            kb = parse(documents)
            live = await store.add(documents.to_json(), content_hash=kb.version,
                                   author="starter", source="starter",
                                   message="Nội dung khởi đầu từ các tệp YAML")
        if live == self.knowledge.stored_version:
            return False
        found = await store.get(live)
        if found is None:
            return False
        try:
            kb = parse(Documents.from_json(found[1]))
        except KnowledgeError as exc:
            log.error("stored knowledge #%s is invalid, keeping the current one: %s", live,
                      exc.problems[:3])
            return False
        await self.knowledge.install_in_background(kb, live)
        return True

    async def save(self, documents: Documents, *, author: str, source: str, message: str,
                   status: str = LIVE) -> int:
        """Validate and store; a live version is served at once in this worker."""
        try:
            kb = parse(documents)
        except KnowledgeError as exc:
            raise EditRejected([str(p) for p in exc.problems]) from None
        version = await self._store().add(documents.to_json(), content_hash=kb.version,
                                          author=author, source=source, message=message,
                                          status=status)
        if status == LIVE:
            await self.knowledge.install_in_background(kb, version)
        return version

    async def add_question(self, topic_id: str, question: str, *, author: str,
                           source: str) -> int:
        """Attach a citizen's wording to a topic as a new example question."""
        question = re.sub(r"\s+", " ", question).strip()[:MAX_QUESTION_CHARS]
        kb = self.knowledge.current.kb
        topic = kb.topic(topic_id)
        if topic is None or kb.documents is None:
            raise EditRejected([f"Không có chủ đề '{topic_id}'."])
        doc: dict[str, Any] = dict(kb.documents.topics[f"topics/{topic_id}.yaml"])
        existing = {q.lower() for q in doc.get("questions", [])}
        if not question or question.lower() in existing:
            raise EditRejected(["Câu hỏi này đã có trong chủ đề."])
        doc["questions"] = [*doc.get("questions", []), question]
        return await self.save(kb.documents.with_topic(doc), author=author, source=source,
                               message=f"Thêm câu hỏi mẫu vào '{topic_id}': {question}")

    async def attach_unanswered(self, key: str, topic_id: str, example: str, *, author: str,
                                source: str) -> int:
        """An unanswered group becomes an example question; the triage is recorded."""
        version = await self.add_question(topic_id, example, author=author, source=source)
        await self._store().triage(key, "example", author=author, source=source,
                                   topic_id=topic_id, knowledge_version=version)
        return version

    async def mark_out_of_scope(self, key: str, *, author: str, source: str) -> None:
        await self._store().triage(key, "out_of_scope", author=author, source=source)
