"""Versions, review and restore for the staff workspace; nothing is ever overwritten.

Every change is a complete new knowledge version built on the live version it
started from (its *base*). A change becomes live at once (reviewers, or a
commune that turned review off) or waits as *pending* until a reviewer
approves it. Approving merges the change onto whatever is live by then, field
by field, so someone else's newer edit is never silently undone; if both
changed the same field differently, the reviewer is told instead. Restoring
an old version is just another change, so it can itself be undone.

This module is the workflow only: the merge and diff themselves are pure
(:mod:`bot.web.staff.knowledge_diff`), the versions and change records are read
and written through :class:`~bot.storage.Storage` (``knowledge`` and ``staff``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.editing.editor import EditRejected
from bot.storage.knowledge import LIVE, PENDING, VersionInfo
from bot.storage.staff import StaffAccount, StaffStore
from bot.web.staff.knowledge_diff import (
    Clash,
    DocChange,
    changed_keys,
    diff,
    merge,
    topic_id_of,
    topic_label,
    topics_of,
)
from knowledge.loader import Documents, KnowledgeError, parse

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.storage import Storage

SOURCE_LABELS = {"web": "trang cán bộ", "telegram": "Telegram", "spreadsheet": "bảng tính",
                 "cli": "dòng lệnh", "starter": "nội dung khởi đầu"}
STATUS_LABELS = {LIVE: "Đang dùng / đã áp dụng", PENDING: "Chờ duyệt",
                 "rejected": "Không duyệt"}
RECORDS_PER_PAGE = 25  # change records computed lazily per page view


def author_of(user: StaffAccount) -> str:
    return f"web:{user.name}"


def who(author: str) -> str:
    """``web:lan`` → ``lan``; other sources keep their prefix readable."""
    source, sep, name = author.partition(":")
    return name if sep and source == "web" else author


# --- the workflow ----------


class NotPending(Exception):
    """The version was already reviewed (perhaps by someone else a moment ago)."""


class Conflicting(Exception):
    """The same field was changed differently meanwhile; nothing was stored."""

    def __init__(self, clashes: list[Clash], titles: Mapping[str, str]) -> None:
        self.clashes = clashes
        self.lines = sorted({c.describe(titles) for c in clashes})
        super().__init__("; ".join(self.lines))


@dataclass(frozen=True)
class Outcome:
    version: int | None  # None: nothing to change
    status: str  # live | pending | unchanged

    @property
    def live(self) -> bool:
        return self.status == LIVE


class Workflow:
    """Every knowledge change made from the staff pages goes through here."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @property
    def storage(self) -> Storage:
        storage = self.runtime.storage
        if storage is None:
            raise EditRejected(["Cơ sở dữ liệu chưa sẵn sàng, vui lòng thử lại sau ít phút."])
        return storage

    @property
    def staff(self) -> StaffStore:
        return self.storage.staff

    def status_for(self, user: StaffAccount) -> str:
        if not self.runtime.settings.review_required or user.can_review:
            return LIVE
        return PENDING

    async def live(self) -> tuple[int | None, dict[str, Any]]:
        """The newest live version (installed in this worker first) and its documents."""
        await self.runtime.editor.sync()
        kb = self.runtime.knowledge.current.kb
        assert kb.documents is not None
        return self.runtime.knowledge.stored_version, kb.documents.to_json()

    async def documents(self, version_id: int) -> tuple[VersionInfo, dict[str, Any]] | None:
        return await self.storage.knowledge.get(version_id)

    async def propose(self, user: StaffAccount, base_id: int | None,
                      base_docs: Mapping[str, Any] | None, new_docs: Mapping[str, Any],
                      message: str, *, source: str = "web") -> Outcome:
        """Store ``new_docs`` (built on ``base_id``) as a live or pending version."""
        live_id, live_docs = await self.live()
        if base_docs is None or base_id == live_id:
            merged = json.loads(json.dumps(new_docs))
        else:
            merged, clashes = merge(base_docs, new_docs, live_docs)
            if clashes:
                raise Conflicting(clashes, self.titles(live_docs))
        if merged == live_docs:
            return Outcome(None, "unchanged")
        status = self.status_for(user)
        version = await self.runtime.editor.save(
            Documents.from_json(merged), author=author_of(user), source=source,
            message=message, status=status)
        await self.staff.record_change(version, live_id, changed_keys(live_docs, merged))
        return Outcome(version, status)

    @staticmethod
    def titles(docs: Mapping[str, Any]) -> dict[str, str]:
        return {topic_id_of(k): str(v.get("title") or topic_id_of(k))
                for k, v in topics_of(docs).items() if isinstance(v, Mapping)}

    async def base_of(self, info: VersionInfo) -> int | None:
        """The live version a version was built on (recorded, else the one live then)."""
        records = await self.staff.changes([info.id])
        if info.id in records:
            return records[info.id][0]
        return await self.storage.knowledge.live_before(info.id, info.created_at)

    async def compare(self, version_id: int
                      ) -> tuple[VersionInfo, int | None, list[DocChange], dict[str, Any]] | None:
        """A version, the one it was built on, and what it changed."""
        found = await self.documents(version_id)
        if found is None:
            return None
        info, docs = found
        base_id = await self.base_of(info)
        base = await self.documents(base_id) if base_id is not None else None
        if base is None:  # the starter content: everything is "new", say so in one line
            return info, None, [], docs
        return info, base_id, diff(base[1], docs), docs

    async def ensure_records(self, versions: list[VersionInfo]) -> dict[int, list[str]]:
        """Changed topics of each listed version, computing (once) any not yet recorded."""
        ids = [v.id for v in versions]
        records = await self.staff.changes(ids)
        missing = [v for v in versions if v.id not in records][:RECORDS_PER_PAGE]
        for info in missing:
            base_id = await self.base_of(info)
            found = await self.documents(info.id)
            base = await self.documents(base_id) if base_id is not None else None
            if found is None:
                continue
            keys = changed_keys(base[1] if base else None, found[1])
            await self.staff.record_change(info.id, base_id, keys)
            records[info.id] = (base_id, keys)
        return {vid: rec[1] for vid, rec in records.items()}

    async def approve(self, version_id: int, reviewer: StaffAccount) -> Outcome:
        found = await self.documents(version_id)
        if found is None or found[0].status != PENDING:
            raise NotPending
        info, docs = found
        base_id = await self.base_of(info)
        base = await self.documents(base_id) if base_id is not None else None
        base_docs = base[1] if base else {}
        live_id, live_docs = await self.live()
        if base_id != live_id:
            merged, clashes = merge(base_docs, docs, live_docs)
            if clashes:
                raise Conflicting(clashes, self.titles(live_docs))
            try:
                parse(Documents.from_json(merged))
            except KnowledgeError as exc:
                raise EditRejected([str(p) for p in exc.problems]) from None
        if not await self.storage.knowledge.review(version_id, approve=True,
                                                   reviewer=author_of(reviewer)):
            raise NotPending
        if await self.storage.knowledge.live_id() == version_id:
            await self.runtime.editor.sync()  # serve it in this worker now
            return Outcome(version_id, LIVE)
        # Something newer is live: serve the change merged onto it.
        now_id, now_docs = await self.live()
        merged, _ = merge(base_docs, docs, now_docs, prefer_mine=True)
        if merged == now_docs:
            return Outcome(version_id, LIVE)
        version = await self.runtime.editor.save(
            Documents.from_json(merged), author=info.author, source=info.source,
            message=f"Áp dụng đề xuất #{version_id} (duyệt: {reviewer.name}) — {info.message}",
            status=LIVE)
        await self.staff.record_change(version, now_id, changed_keys(now_docs, merged))
        return Outcome(version, LIVE)

    async def reject(self, version_id: int, reviewer: StaffAccount) -> None:
        if not await self.storage.knowledge.review(version_id, approve=False,
                                                   reviewer=author_of(reviewer)):
            raise NotPending

    async def restore(self, version_id: int, user: StaffAccount,
                      topic_id: str | None = None) -> Outcome:
        found = await self.documents(version_id)
        if found is None:
            raise EditRejected([f"Không có phiên bản #{version_id}."])
        _, docs = found
        live_id, live_docs = await self.live()
        if topic_id is None:
            new_docs = docs
            message = f"Khôi phục toàn bộ nội dung về phiên bản #{version_id}"
        else:
            label = topic_label(topic_id)
            old = topics_of(docs).get(label)
            if old is None:
                raise EditRejected([f"Phiên bản #{version_id} không có chủ đề '{topic_id}'."])
            new_docs = copy.deepcopy(live_docs)
            new_docs["topics"][label] = old
            message = f"Khôi phục chủ đề “{old.get('title', topic_id)}” về bản ở phiên bản " \
                      f"#{version_id}"
        return await self.propose(user, live_id, live_docs, new_docs, message)

    async def versions(self, *, status: str | None = None, limit: int = 50, offset: int = 0,
                       ids: list[int] | None = None) -> list[VersionInfo]:
        """Version metadata, newest first, without loading the (large) documents."""
        return await self.storage.knowledge.versions(status=status, limit=limit,
                                                     offset=offset, ids=ids)

    async def pending(self, limit: int = 200) -> list[VersionInfo]:
        return await self.versions(status=PENDING, limit=limit)

    async def pending_for(self, topic_id: str) -> list[VersionInfo]:
        pending = await self.pending()
        if not pending:
            return []
        records = await self.ensure_records(pending)
        return [v for v in pending if topic_id in records.get(v.id, [])]
