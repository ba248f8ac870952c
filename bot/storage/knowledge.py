"""Knowledge versions in the database: the live source after the first start.

Every change adds a row holding the complete documents, so history, diffs and
one-click restore are just reads, and nothing is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import KnowledgeVersion, Triage, utcnow
from bot.storage.rows import affected

LIVE, PENDING, REJECTED = "live", "pending", "rejected"


@dataclass(frozen=True)
class VersionInfo:
    id: int
    content_hash: str
    status: str
    author: str
    source: str
    message: str
    created_at: dt.datetime
    reviewed_by: str | None
    reviewed_at: dt.datetime | None

    @classmethod
    def of(cls, row: KnowledgeVersion) -> VersionInfo:
        return cls(row.id, row.content_hash, row.status, row.author, row.source, row.message,
                   row.created_at, row.reviewed_by, row.reviewed_at)


class KnowledgeStore:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    async def live_id(self) -> int | None:
        """The newest live version id: the cheap poll every worker runs."""
        async with self._sessions() as session:
            return await session.scalar(
                select(func.max(KnowledgeVersion.id)).where(KnowledgeVersion.status == LIVE))

    async def get(self, version_id: int) -> tuple[VersionInfo, dict[str, Any]] | None:
        async with self._sessions() as session:
            row = await session.get(KnowledgeVersion, version_id)
        return (VersionInfo.of(row), dict(row.documents)) if row else None

    async def add(self, documents: dict[str, Any], *, content_hash: str, author: str,
                  source: str, message: str = "", status: str = LIVE) -> int:
        row = KnowledgeVersion(content_hash=content_hash, documents=documents, status=status,
                               author=author[:80], source=source[:16], message=message)
        async with self._sessions() as session, session.begin():
            session.add(row)
        return row.id

    async def review(self, version_id: int, *, approve: bool, reviewer: str) -> bool:
        """Approve (make live) or reject a pending version; False if not pending."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(KnowledgeVersion)
                .where(KnowledgeVersion.id == version_id, KnowledgeVersion.status == PENDING)
                .values(status=LIVE if approve else REJECTED, reviewed_by=reviewer[:80],
                        reviewed_at=utcnow()))
        return bool(affected(result))

    async def live_before(self, version_id: int, created_at: dt.datetime) -> int | None:
        """The version that was live when ``version_id`` was made (its base, if unrecorded).

        A version is counted if it went live no later than ``created_at``: one approved
        afterwards was not live yet when the change was written.
        """
        async with self._sessions() as session:
            return await session.scalar(
                select(func.max(KnowledgeVersion.id)).where(
                    KnowledgeVersion.id < version_id, KnowledgeVersion.status == LIVE,
                    or_(KnowledgeVersion.reviewed_at.is_(None),
                        KnowledgeVersion.reviewed_at <= created_at)))

    async def versions(self, *, status: str | None = None, limit: int = 50, offset: int = 0,
                       ids: list[int] | None = None) -> list[VersionInfo]:
        """Version metadata, newest first, without loading the (large) documents."""
        cols = (KnowledgeVersion.id, KnowledgeVersion.content_hash, KnowledgeVersion.status,
                KnowledgeVersion.author, KnowledgeVersion.source, KnowledgeVersion.message,
                KnowledgeVersion.created_at, KnowledgeVersion.reviewed_by,
                KnowledgeVersion.reviewed_at)
        stmt = select(*cols).order_by(KnowledgeVersion.id.desc()).limit(limit).offset(offset)
        if status is not None:
            stmt = stmt.where(KnowledgeVersion.status == status)
        if ids is not None:
            stmt = stmt.where(KnowledgeVersion.id.in_(ids))
        async with self._sessions() as session:
            rows = (await session.execute(stmt)).all()
        return [VersionInfo(*row) for row in rows]

    async def history(self, limit: int = 50) -> list[VersionInfo]:
        async with self._sessions() as session:
            rows = (await session.scalars(
                select(KnowledgeVersion).order_by(KnowledgeVersion.id.desc()).limit(limit)
            )).all()
        return [VersionInfo.of(r) for r in rows]

    async def triage(self, key: str, action: str, *, author: str, source: str,
                     topic_id: str | None = None, knowledge_version: int | None = None) -> None:
        """Record staff's decision on an unanswered question group (who and when)."""
        async with self._sessions() as session, session.begin():
            session.add(Triage(text_normalized=key[:500], action=action, topic_id=topic_id,
                               knowledge_version=knowledge_version, author=author[:80],
                               source=source[:16]))
