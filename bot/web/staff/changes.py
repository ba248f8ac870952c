"""Versions, review and restore for the staff workspace; nothing is ever overwritten.

Every change is a complete new knowledge version built on the live version it
started from (its *base*). A change becomes live at once (reviewers, or a
commune that turned review off) or waits as *pending* until a reviewer
approves it. Approving merges the change onto whatever is live by then, field
by field, so someone else's newer edit is never silently undone; if both
changed the same field differently, the reviewer is told instead. Restoring
an old version is just another change, so it can itself be undone.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from bot.knowledge_editor import EditRejected
from bot.storage.knowledge import LIVE, PENDING, VersionInfo
from bot.storage.models import KnowledgeVersion
from bot.storage.staff import StaffAccount, StaffStore
from bot.web.staff.forms import COMMUNE_LABELS, LABELS, TOPIC_FIELDS, place_line
from knowledge.loader import TOPICS_SUBDIR, Documents, KnowledgeError, parse

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.storage import Storage

COMMUNE_KEY, CATEGORIES_KEY = "@commune", "@categories"
SOURCE_LABELS = {"web": "trang cán bộ", "telegram": "Telegram", "spreadsheet": "bảng tính",
                 "cli": "dòng lệnh", "starter": "nội dung khởi đầu"}
STATUS_LABELS = {LIVE: "Đang dùng / đã áp dụng", PENDING: "Chờ duyệt",
                 "rejected": "Không duyệt"}
CONTEXT_ITEMS = 2  # unchanged list items shown around a change
RECORDS_PER_PAGE = 25  # change records computed lazily per page view


def topic_label(topic_id: str) -> str:
    return f"{TOPICS_SUBDIR}/{topic_id}.yaml"


def topic_id_of(label: str) -> str:
    return PurePosixPath(label).stem


def author_of(user: StaffAccount) -> str:
    return f"web:{user.name}"


def who(author: str) -> str:
    """``web:lan`` → ``lan``; other sources keep their prefix readable."""
    source, sep, name = author.partition(":")
    return name if sep and source == "web" else author


def _topics(docs: Mapping[str, Any]) -> dict[str, Any]:
    return dict(docs.get("topics") or {})


def changed_keys(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Topic ids (and ``@commune``/``@categories``) that differ between two versions."""
    before = before or {}
    old, new = _topics(before), _topics(after)
    keys = sorted(topic_id_of(k) for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    if before.get("commune") != after.get("commune"):
        keys.append(COMMUNE_KEY)
    if before.get("categories") != after.get("categories"):
        keys.append(CATEGORIES_KEY)
    return keys


# --- three-way merge -------------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    key: str  # topic id or @commune / @categories
    field: str | None  # None: the whole document (added/removed on one side)

    def describe(self, titles: Mapping[str, str]) -> str:
        if self.key == COMMUNE_KEY:
            what = "thông tin xã"
            name = COMMUNE_LABELS.get(self.field or "", self.field or "")
        elif self.key == CATEGORIES_KEY:
            return "danh sách nhóm"
        else:
            what = f"chủ đề “{titles.get(self.key, self.key)}”"
            name = LABELS.get(self.field or "", self.field or "")
        return f"{what}, mục “{name}”" if self.field else what


# Lists where two people's additions can simply be combined (order carries no meaning):
# several unanswered questions attached to one topic must not clash with each other.
UNION_FIELDS = frozenset({"questions", "keywords"})


def _merge_list(base: list[Any], mine: list[Any], live: list[Any]) -> list[Any]:
    removed = [x for x in base if x not in mine]
    kept = [x for x in live if x not in removed]
    return kept + [x for x in mine if x not in base and x not in kept]


def _merge_doc(key: str, base: Any, mine: Any, live: Any, clashes: list[Clash],
               prefer_mine: bool) -> Any:
    if mine in (base, live):
        return live
    if live == base:
        return mine
    if not all(isinstance(d, dict) for d in (base, mine, live)):
        if not prefer_mine:
            clashes.append(Clash(key, None))
        return mine
    out = dict(live)
    for name in base.keys() | mine.keys() | live.keys():
        b, m, lv = base.get(name), mine.get(name), live.get(name)
        if m in (b, lv):
            continue
        if lv != b and name in UNION_FIELDS and all(isinstance(x, list) for x in (b, m, lv)):
            out[name] = _merge_list(b, m, lv)
            continue
        if lv != b and not prefer_mine:
            clashes.append(Clash(key, name))
        if m is None:
            out.pop(name, None)
        else:
            out[name] = m
    return out


def merge(base: Mapping[str, Any], mine: Mapping[str, Any], live: Mapping[str, Any], *,
          prefer_mine: bool = False) -> tuple[dict[str, Any], list[Clash]]:
    """Apply what changed from ``base`` to ``mine`` onto ``live``; report clashes."""
    clashes: list[Clash] = []
    out = copy.deepcopy(dict(live))
    topics = _topics(live)
    b_topics, m_topics = _topics(base), _topics(mine)
    for label in sorted(b_topics.keys() | m_topics.keys()):
        b, m = b_topics.get(label), m_topics.get(label)
        if b == m:
            continue
        merged = _merge_doc(topic_id_of(label), b, m, topics.get(label), clashes, prefer_mine)
        if merged is None:
            topics.pop(label, None)
        else:
            topics[label] = merged
    out["topics"] = topics
    out["commune"] = _merge_doc(COMMUNE_KEY, base.get("commune"), mine.get("commune"),
                                live.get("commune"), clashes, prefer_mine)
    out["categories"] = _merge_doc(CATEGORIES_KEY, base.get("categories"),
                                   mine.get("categories"), live.get("categories"), clashes,
                                   prefer_mine)
    return out, clashes


# --- readable diffs ----------


@dataclass(frozen=True)
class Segment:
    op: str  # same | add | del | skip
    text: str


@dataclass
class FieldChange:
    name: str
    label: str
    kind: str  # text | list
    before: list[Segment] = field(default_factory=list)  # text: old words
    after: list[Segment] = field(default_factory=list)  # text: new words
    items: list[Segment] = field(default_factory=list)  # list: items in order


@dataclass
class DocChange:
    key: str
    title: str
    status: str  # added | removed | changed
    fields: list[FieldChange] = field(default_factory=list)


def _as_items(name: str, value: Any) -> list[str]:
    if value is None:
        return []
    if name == "where":
        return [place_line(p) if isinstance(p, Mapping) else str(p) for p in value]
    if name == "categories":
        return [f"{c.get('icon', '')} {c.get('label', '')} ({c.get('id', '')})".strip()
                if isinstance(c, Mapping) else str(c) for c in value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _words(text: str) -> list[str]:
    """Words with their trailing spaces, so a changed phrase stays one readable piece."""
    return re.findall(r"^\s+|\S+\s*", text)


def _join(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for seg in segments:
        if out and out[-1].op == seg.op:
            out[-1] = Segment(seg.op, out[-1].text + seg.text)
        else:
            out.append(seg)
    return out


def _text_change(name: str, label: str, old: Any, new: Any) -> FieldChange:
    a = "" if old is None else str(old)
    b = "" if new is None else str(new)
    wa, wb = _words(a), _words(b)
    change = FieldChange(name, label, "text")
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if op == "equal":
            change.before.append(Segment("same", "".join(wa[i1:i2])))
            change.after.append(Segment("same", "".join(wb[j1:j2])))
            continue
        if i2 > i1:
            change.before.append(Segment("del", "".join(wa[i1:i2])))
        if j2 > j1:
            change.after.append(Segment("add", "".join(wb[j1:j2])))
    change.before, change.after = _join(change.before), _join(change.after)
    return change


def _list_change(name: str, label: str, old: list[str], new: list[str]) -> FieldChange:
    change = FieldChange(name, label, "list")
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(ops):
        if op == "equal":
            same = old[i1:i2]
            head = same[:CONTEXT_ITEMS] if index > 0 else []
            tail = same[-CONTEXT_ITEMS:] if index < len(ops) - 1 else []
            if len(same) <= len(head) + len(tail) + 1:
                change.items += [Segment("same", s) for s in same]
                continue
            change.items += [Segment("same", s) for s in head]
            change.items.append(Segment("skip", f"… {len(same) - len(head) - len(tail)} mục "
                                                "không đổi …"))
            change.items += [Segment("same", s) for s in tail]
            continue
        change.items += [Segment("del", s) for s in old[i1:i2]]
        change.items += [Segment("add", s) for s in new[j1:j2]]
    return change


def _doc_fields(old: Mapping[str, Any], new: Mapping[str, Any],
                labels: Mapping[str, str], order: Iterable[str]) -> list[FieldChange]:
    names = list(order) + sorted((old.keys() | new.keys()) - set(order))
    changes = []
    for name in names:
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        label = labels.get(name, name)
        if isinstance(a, list) or isinstance(b, list):
            changes.append(_list_change(name, label, _as_items(name, a), _as_items(name, b)))
        else:
            changes.append(_text_change(name, label, a, b))
    return changes


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[DocChange]:
    """What changed between two versions, topic by topic and field by field."""
    before = before or {}
    old, new = _topics(before), _topics(after)
    order = [f.name for f in TOPIC_FIELDS]
    out: list[DocChange] = []
    for label in sorted(old.keys() | new.keys()):
        a, b = old.get(label), new.get(label)
        if a == b:
            continue
        key = topic_id_of(label)
        title = str((b or a or {}).get("title") or key)
        if a is None:
            out.append(DocChange(key, title, "added", _doc_fields({}, b, LABELS, order)))
        elif b is None:
            out.append(DocChange(key, title, "removed"))
        else:
            out.append(DocChange(key, title, "changed", _doc_fields(a, b, LABELS, order)))
    if before.get("commune") != after.get("commune"):
        out.append(DocChange(COMMUNE_KEY, "Thông tin xã", "changed", _doc_fields(
            before.get("commune") or {}, after.get("commune") or {}, COMMUNE_LABELS,
            list(COMMUNE_LABELS))))
    if before.get("categories") != after.get("categories"):
        out.append(DocChange(CATEGORIES_KEY, "Danh sách nhóm", "changed", [_list_change(
            "categories", "Nhóm", _as_items("categories", before.get("categories")),
            _as_items("categories", after.get("categories")))]))
    return out


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
        return StaffStore(self.storage.sessions)

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
                for k, v in _topics(docs).items() if isinstance(v, Mapping)}

    async def base_of(self, info: VersionInfo) -> int | None:
        """The live version a version was built on (recorded, else the one live then)."""
        records = await self.staff.changes([info.id])
        if info.id in records:
            return records[info.id][0]
        async with self.storage.sessions() as session:
            return await session.scalar(
                select(func.max(KnowledgeVersion.id)).where(
                    KnowledgeVersion.id < info.id, KnowledgeVersion.status == LIVE,
                    or_(KnowledgeVersion.reviewed_at.is_(None),
                        KnowledgeVersion.reviewed_at <= info.created_at)))

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
            old = _topics(docs).get(label)
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
        cols = (KnowledgeVersion.id, KnowledgeVersion.content_hash, KnowledgeVersion.status,
                KnowledgeVersion.author, KnowledgeVersion.source, KnowledgeVersion.message,
                KnowledgeVersion.created_at, KnowledgeVersion.reviewed_by,
                KnowledgeVersion.reviewed_at)
        stmt = select(*cols).order_by(KnowledgeVersion.id.desc()).limit(limit).offset(offset)
        if status is not None:
            stmt = stmt.where(KnowledgeVersion.status == status)
        if ids is not None:
            stmt = stmt.where(KnowledgeVersion.id.in_(ids))
        async with self.storage.sessions() as session:
            rows = (await session.execute(stmt)).all()
        return [VersionInfo(*row) for row in rows]

    async def pending(self, limit: int = 200) -> list[VersionInfo]:
        return await self.versions(status=PENDING, limit=limit)

    async def pending_for(self, topic_id: str) -> list[VersionInfo]:
        pending = await self.pending()
        if not pending:
            return []
        records = await self.ensure_records(pending)
        return [v for v in pending if topic_id in records.get(v.id, [])]
