"""Changes (history, diff, approve, reject, restore) and the unanswered-questions inbox."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.editing.editor import EditRejected
from bot.storage.knowledge import PENDING
from bot.storage.models import utcnow
from bot.storage.staff import REVIEWER
from bot.web.staff.auth import PREFIX
from bot.web.staff.changes import Conflicting, NotPending, author_of
from bot.web.staff.forms import small_number
from bot.web.staff.knowledge_diff import CATEGORIES_KEY, COMMUNE_KEY, topic_label
from bot.web.staff.pages_topics import _sync, outcome_flash
from bot.web.staff.preview import verdict

if TYPE_CHECKING:
    from bot.web.staff.site import Ctx, StaffSite

# How staff read a citizen's reason for 👎 (the buttons say it in the citizen's words).
REASON_LABELS = {"topic": "Không đúng chủ đề", "missing": "Thiếu thông tin",
                 "wrong": "Thông tin sai", None: "Không nói lý do"}
PAGE_SIZE = 30
INBOX_LIMIT = 30
MAX_QUESTION_CHARS = 300


def _key_titles(site: StaffSite) -> dict[str, str]:
    kb = site.runtime.knowledge.current.kb
    titles = {t.id: t.title for t in kb.topics.values()}
    titles[COMMUNE_KEY] = "Thông tin xã"
    titles[CATEGORIES_KEY] = "Danh sách nhóm"
    return titles


async def changes_page(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    params = ctx.request.query_params
    page = max(1, small_number(params.get("page")) or 1)
    pending = await site.workflow.pending()
    show = params.get("show") or ("pending" if pending and ctx.user.can_review else "all")
    if show == "pending":
        versions = pending
    else:
        versions = await site.workflow.versions(limit=PAGE_SIZE + 1,
                                                offset=(page - 1) * PAGE_SIZE)
    more = len(versions) > PAGE_SIZE and show != "pending"
    versions = versions[:PAGE_SIZE] if show != "pending" else versions
    records = await site.workflow.ensure_records(versions)
    return site.render(ctx.request, "changes.html", ctx, nav="changes", versions=versions,
                       records=records, titles=_key_titles(site), show=show,
                       pending_count=len(pending), page=page, more=more,
                       current=site.runtime.knowledge.stored_version)


async def change_page(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    version_id = int(ctx.request.path_params["version_id"])
    found = await site.workflow.compare(version_id)
    if found is None:
        return site.problem(ctx.request, 404, "Không tìm thấy",
                            f"Không có phiên bản #{version_id}.", ctx)
    info, base_id, changes, docs = found
    current = site.runtime.knowledge.stored_version
    topics_in_version = {k.removeprefix("topics/").removesuffix(".yaml")
                         for k in (docs.get("topics") or {})}
    return site.render(ctx.request, "change.html", ctx, nav="changes", info=info,
                       base_id=base_id, changes=changes, current=current,
                       moved_on=info.status == PENDING and base_id != current,
                       can_review=ctx.user.can_review, topics_in_version=topics_in_version,
                       COMMUNE_KEY=COMMUNE_KEY, CATEGORIES_KEY=CATEGORIES_KEY)


async def approve(site: StaffSite, ctx: Ctx) -> Response:
    version_id = int(ctx.request.path_params["version_id"])
    back = f"{PREFIX}/changes/{version_id}"
    try:
        outcome = await site.workflow.approve(version_id, ctx.user)
    except NotPending:
        return site.redirect(ctx.request, back, ("info", "Thay đổi này đã được xử lý rồi."))
    except Conflicting as exc:
        return site.redirect(ctx.request, back, (
            "error", "Chưa duyệt được: sau khi đề xuất, chính các mục này đã được sửa khác đi: "
                     + "; ".join(exc.lines) + ". Hãy bấm “Không duyệt” và nhờ người soạn sửa "
                     "lại trên nội dung mới nhất."))
    except EditRejected as exc:
        return site.redirect(ctx.request, back, (
            "error", "Chưa duyệt được vì nội dung sẽ bị lỗi: " + "; ".join(exc.problems[:5])))
    return site.redirect(ctx.request, f"{PREFIX}/changes?show=pending", (
        "ok", f"Đã duyệt thay đổi #{version_id}. Nội dung mới đang được dùng "
              f"(phiên bản #{outcome.version})."))


async def reject(site: StaffSite, ctx: Ctx) -> Response:
    version_id = int(ctx.request.path_params["version_id"])
    try:
        await site.workflow.reject(version_id, ctx.user)
    except NotPending:
        return site.redirect(ctx.request, f"{PREFIX}/changes/{version_id}",
                             ("info", "Thay đổi này đã được xử lý rồi."))
    return site.redirect(ctx.request, f"{PREFIX}/changes?show=pending", (
        "ok", f"Đã không duyệt thay đổi #{version_id}. Nội dung vẫn được lưu trong lịch sử, "
              "có thể khôi phục bất cứ lúc nào."))


async def restore(site: StaffSite, ctx: Ctx) -> Response:
    version_id = int(ctx.request.path_params["version_id"])
    topic = ctx.field("topic") or None
    back = f"{PREFIX}/topics/{topic}" if topic else f"{PREFIX}/changes/{version_id}"
    try:
        outcome = await site.workflow.restore(version_id, ctx.user, topic)
    except EditRejected as exc:
        return site.redirect(ctx.request, f"{PREFIX}/changes/{version_id}", (
            "error", "Không khôi phục được: " + "; ".join(exc.problems[:5])))
    if outcome.version is None:
        return site.redirect(ctx.request, back, (
            "info", "Nội dung đang dùng đã giống hệt bản này, không cần khôi phục."))
    return site.redirect(ctx.request, back, outcome_flash(outcome))


# --- unanswered inbox ----------


async def inbox(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    days = 30 if ctx.request.query_params.get("days") == "30" else 7
    storage = site.runtime.storage
    groups: list[Any] = []
    if storage is not None:
        from bot.reports.from_storage import unanswered_groups

        groups = await unanswered_groups(storage, site.runtime.knowledge, days=days,
                                         limit=INBOX_LIMIT)
    kb = site.runtime.knowledge.current.kb
    options = []
    for category in kb.categories:
        topics = sorted(kb.by_category(category.id), key=lambda t: t.title)
        if topics:
            options.append((f"{category.icon} {category.label}".strip(),
                            [(t.id, t.title) for t in topics]))
    titles = {t.id: t.title for t in kb.topics.values()}
    handoff = site.runtime.handoff
    unposted = await handoff.unposted() if handoff is not None and storage is not None else []
    disputed = (await storage.disputes.pending(utcnow() - dt.timedelta(days=days),
                                               limit=INBOX_LIMIT)
                if storage is not None else [])
    return site.render(ctx.request, "inbox.html", ctx, nav="inbox", groups=groups, days=days,
                       options=options, titles=titles, unposted=unposted, disputed=disputed,
                       reasons=REASON_LABELS)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:MAX_QUESTION_CHARS]


async def _add_example(site: StaffSite, ctx: Ctx, topic_id: str, question: str,
                       back: str) -> tuple[Any, str] | Response:
    """Propose ``question`` as an example of ``topic_id`` through the validated edit
    path; the outcome and the topic's title, or the redirect that says why not."""
    live_id, live_docs = await site.workflow.live()
    label = topic_label(topic_id)
    doc = (live_docs.get("topics") or {}).get(label)
    if not question or doc is None:
        return site.redirect(ctx.request, back, ("error", "Hãy chọn một chủ đề và giữ lại "
                                                          "nội dung câu hỏi."))
    doc = dict(doc)
    existing = {_clean(q).lower() for q in doc.get("questions") or []}
    if question.lower() in existing:
        return site.redirect(ctx.request, back, ("info", "Câu hỏi này đã có trong chủ đề."))
    doc["questions"] = [*(doc.get("questions") or []), question]
    new_docs = copy.deepcopy(live_docs)
    new_docs["topics"][label] = doc
    title = str(doc.get("title") or topic_id)
    try:
        outcome = await site.workflow.propose(
            ctx.user, live_id, live_docs, new_docs,
            f"Thêm câu hỏi mẫu vào “{title}”: {question}")
    except (EditRejected, Conflicting) as exc:
        return site.redirect(ctx.request, back, ("error", f"Chưa thêm được: {exc}"))
    return outcome, title


def _added_flash(site: StaffSite, outcome: Any, question: str, topic_id: str,
                 title: str) -> tuple[str, str]:
    kind, text = outcome_flash(outcome)
    if outcome.live:
        check = verdict(site.runtime.knowledge.current, question)
        if check["topic"] == topic_id:
            text += f" Thử lại: trợ lý giờ trả lời câu này bằng “{title}”."
    return kind, f"“{question}” → “{title}”. {text}"


async def inbox_attach(site: StaffSite, ctx: Ctx) -> Response:
    key, topic_id, question = ctx.field("key")[:500], ctx.field("topic_id"), \
        _clean(ctx.field("question"))
    back = f"{PREFIX}/inbox"
    if not key:
        return site.redirect(ctx.request, back, ("error", "Hãy chọn một chủ đề và giữ lại "
                                                          "nội dung câu hỏi."))
    added = await _add_example(site, ctx, topic_id, question, back)
    if isinstance(added, Response):
        return added
    outcome, title = added
    storage = site.runtime.storage
    if storage is not None:
        await storage.knowledge.triage(key, "example", author=author_of(ctx.user),
                                       source="web", topic_id=topic_id,
                                       knowledge_version=outcome.version)
    return site.redirect(ctx.request, back,
                         _added_flash(site, outcome, question, topic_id, title))


# --- answers marked 👎 "Chưa đúng" ----------


async def disputed_attach(site: StaffSite, ctx: Ctx) -> Response:
    """Attach a disputed question to the right topic. The text is the stored (redacted)
    question of the event voted on, never what the form sends."""
    back = f"{PREFIX}/inbox#disputed"
    storage = site.runtime.storage
    found = await storage.disputes.find(ctx.field("event_id")) if storage else None
    if found is None:
        return site.redirect(ctx.request, back, ("info", "Phản hồi này đã được xử lý rồi."))
    if not found.question:
        return site.redirect(ctx.request, back, (
            "error", "Không có câu hỏi gõ tay để gắn vào chủ đề; hãy mở chủ đề để sửa."))
    topic_id, question = ctx.field("topic_id"), _clean(found.question)
    added = await _add_example(site, ctx, topic_id, question, back)
    if isinstance(added, Response):
        return added
    outcome, title = added
    assert storage is not None
    await storage.disputes.resolve(found.event_id, "example", author=author_of(ctx.user))
    return site.redirect(ctx.request, back,
                         _added_flash(site, outcome, question, topic_id, title))


async def disputed_done(site: StaffSite, ctx: Ctx) -> Response:
    """The entry was corrected (or the answer was right after all): take it off the list."""
    storage = site.runtime.storage
    done = storage is not None and await storage.disputes.resolve(
        ctx.field("event_id"), "fixed", author=author_of(ctx.user))
    return site.redirect(ctx.request, f"{PREFIX}/inbox#disputed", (
        ("ok", "Đã xong: phản hồi này không còn trong danh sách.") if done
        else ("info", "Phản hồi này đã được xử lý rồi.")))


async def inbox_out(site: StaffSite, ctx: Ctx) -> Response:
    key = ctx.field("key")[:500]
    if not key:
        return site.redirect(ctx.request, f"{PREFIX}/inbox", ("error", "Thiếu câu hỏi."))
    try:
        await site.runtime.editor.mark_out_of_scope(key, author=author_of(ctx.user),
                                                    source="web")
    except EditRejected as exc:
        return site.redirect(ctx.request, f"{PREFIX}/inbox", ("error", str(exc)))
    return site.redirect(ctx.request, f"{PREFIX}/inbox", (
        "ok", "Đã đánh dấu “ngoài phạm vi”: nhóm câu hỏi này sẽ không hiện ở đây nữa."))


class _VersionId(Convertor[int]):
    """A version id in a path: at most 9 digits. A longer one is no version, and used to
    answer 500 (``int`` refuses over 4,300 digits, SQLite over 19)."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("version_id", _VersionId())


def routes(site: StaffSite) -> list[BaseRoute]:
    g = site.guard

    bind = site.bind

    return [
        Route("/changes", g(bind(changes_page)), methods=["GET"]),
        Route("/changes/{version_id:version_id}", g(bind(change_page)), methods=["GET"]),
        Route("/changes/{version_id:version_id}/approve", g(bind(approve), role=REVIEWER),
              methods=["POST"]),
        Route("/changes/{version_id:version_id}/reject", g(bind(reject), role=REVIEWER),
              methods=["POST"]),
        Route("/changes/{version_id:version_id}/restore", g(bind(restore)), methods=["POST"]),
        Route("/inbox", g(bind(inbox)), methods=["GET"]),
        Route("/inbox/attach", g(bind(inbox_attach)), methods=["POST"]),
        Route("/inbox/out", g(bind(inbox_out)), methods=["POST"]),
        Route("/inbox/disputed/attach", g(bind(disputed_attach)), methods=["POST"]),
        Route("/inbox/disputed/done", g(bind(disputed_done)), methods=["POST"]),
    ]
