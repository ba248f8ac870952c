"""Home, the topic list, the topic form (edit and new), topic history, preview and "try" APIs."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.editing.editor import EditRejected
from bot.storage.knowledge import LIVE
from bot.web.staff.auth import PREFIX
from bot.web.staff.changes import Conflicting, Outcome
from bot.web.staff.forms import (
    CHANNEL_CHOICES,
    FIELDS_BY_NAME,
    LABELS,
    MAX_PLACES,
    ONLINE_CHOICES,
    STALE_MONTHS,
    TOPIC_FIELDS,
    TopicForm,
    doc_from_form,
    form_from_doc,
    form_from_post,
    is_stale,
    small_number,
    validate_topic,
)
from bot.web.staff.knowledge_diff import topic_label
from bot.web.staff.preview import preview, verdict
from knowledge.loader import Documents
from knowledge.schema import SLUG_RE, Topic
from knowledge.vietnamese import fold

if TYPE_CHECKING:
    from bot.web.staff.site import Ctx, StaffSite

ASKED_DAYS = 7
MAX_TRY_CHARS = 500
_PROBLEM_RE = re.compile(r"^topics/(?P<id>[^:]+)\.yaml: (?P<field>[a-z_]+)[^:]*: (?P<msg>.*)$")


@dataclass(frozen=True)
class TopicRow:
    id: str
    title: str
    category: str
    reviewed: dt.date
    stale: bool
    asked: int
    pending: bool


def _fold(text: str) -> str:
    return " ".join(fold(text.lower()).split())


async def asked_counts(site: StaffSite, days: int = ASKED_DAYS) -> dict[str, int]:
    """Questions answered per topic over the last ``days`` days (demo data left out)."""
    storage = site.runtime.storage
    if storage is None:
        return {}
    return await storage.demand.asked_per_topic(site.now() - dt.timedelta(days=days))


async def _pending_topics(site: StaffSite) -> set[str]:
    pending = await site.workflow.pending()
    if not pending:
        return set()
    records = await site.workflow.ensure_records(pending)
    return {key for keys in records.values() for key in keys}


async def _sync(site: StaffSite) -> None:
    """Serve the newest live version in this worker before showing or editing it."""
    if site.runtime.storage is not None:
        with contextlib.suppress(EditRejected):
            await site.runtime.editor.sync()


def _categories(kb: Any) -> list[tuple[str, str]]:
    return [(c.id, f"{c.icon} {c.label}".strip()) for c in kb.categories]


# --- home ----------


async def home(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    kb = site.runtime.knowledge.current.kb
    today = site.today()
    stale = sum(1 for t in kb.topics.values() if is_stale(t.reviewed, today))
    pending = await site.workflow.pending()
    mine = [v for v in pending if v.author == f"web:{ctx.user.name}"]
    unanswered = 0
    try:
        from bot.reports.from_storage import unanswered_groups

        storage = site.runtime.storage
        if storage is not None:
            unanswered = len(await unanswered_groups(storage, site.runtime.knowledge,
                                                     days=7, limit=50))
    except ImportError:  # pragma: no cover - the reports package ships with the bot
        pass
    return site.render(ctx.request, "home.html", ctx, nav="home", stale=stale,
                       stale_months=STALE_MONTHS, pending=len(pending), mine=len(mine),
                       unanswered=unanswered, topics=len(kb.topics),
                       commune=kb.commune.name, **_watch(site, kb, today))


def _watch(site: StaffSite, kb: Any, today: dt.date) -> dict[str, Any]:
    """The first-run checklist, dates that change within 30 days, and open checks."""
    from bot.editing.profile_checklist import checklist
    from knowledge.validity import WATCH_DAYS, needs_review, open_checks, upcoming

    topics = list(kb.topics.values())
    titles = {t.id: t.title for t in topics}
    items = checklist(kb.commune, staff_chats=bool(site.settings.staff_targets))
    return {
        "checklist": items if not all(i.done for i in items) else [],
        "changes": [(c, titles.get(c.topic_id, c.topic_id)) for c in upcoming(topics, today)],
        "reviews": [(r, titles.get(r.topic_id, r.topic_id)) for r in needs_review(topics, today)],
        "watch_days": WATCH_DAYS,
        "checks": len(open_checks(topics)),
    }


# --- topic list ----------


async def topic_list(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    kb = site.runtime.knowledge.current.kb
    params = ctx.request.query_params
    q, category, show = params.get("q", "").strip()[:100], params.get("category", ""), \
        params.get("show", "all")
    counts = await asked_counts(site)
    pending = await _pending_topics(site)
    today = site.today()
    labels = dict(_categories(kb))
    needle = _fold(q)
    rank: dict[str, int] = {}
    rows = []
    for topic in kb.topics.values():
        if category and topic.category != category:
            continue
        if needle:
            places = [_fold(f"{topic.id} {topic.title}"), _fold(" ".join(topic.keywords)),
                      _fold(" ".join(topic.questions))]
            found = [i for i, hay in enumerate(places) if needle in hay]
            if not found:
                continue
            rank[topic.id] = found[0]
        row = TopicRow(topic.id, topic.title, labels.get(topic.category, topic.category),
                       topic.reviewed, is_stale(topic.reviewed, today), counts.get(topic.id, 0),
                       topic.id in pending)
        if show == "stale" and not row.stale:
            continue
        if show == "popular" and not row.asked:
            continue
        rows.append(row)
    if show == "popular":
        rows.sort(key=lambda r: (-r.asked, r.title))
    elif show == "stale":
        rows.sort(key=lambda r: (r.reviewed, r.title))
    else:  # best matches first (title, then keywords, then example questions)
        order = {c.id: i for i, c in enumerate(kb.categories)}
        rows.sort(key=lambda r: (rank.get(r.id, 0), order.get(kb.topics[r.id].category, 99),
                                 r.title))
    return site.render(ctx.request, "topics.html", ctx, nav="topics", rows=rows, q=q,
                       category=category, show=show, categories=_categories(kb),
                       total=len(kb.topics), stale_months=STALE_MONTHS, asked_days=ASKED_DAYS)


# --- the topic form ----------


def _form_page(site: StaffSite, ctx: Ctx, form: TopicForm, *, topic_id: str | None,
               base_version: int | None, status: int = 200, problems: list[str] | None = None,
               conflicts: list[str] | None = None, pending: list[Any] | None = None,
               triage_key: str = "", asked: int = 0, preview_data: Any = None) -> Response:
    kb = site.runtime.knowledge.current.kb
    places = list(form.values.get("where") or [])
    shown = len(places)
    while len(places) < MAX_PLACES:
        places.append({"channel": "", "name": "", "url": "", "note": ""})
    others = sorted(((t.id, t.title) for t in kb.topics.values() if t.id != topic_id),
                    key=lambda x: x[1])
    return site.render(
        ctx.request, "topic_form.html", ctx, nav="topics", form=form, fields=TOPIC_FIELDS,
        fields_by_name=FIELDS_BY_NAME, topic_id=topic_id, base_version=base_version,
        categories=_categories(kb), online_choices=ONLINE_CHOICES,
        channel_choices=CHANNEL_CHOICES, places=places, places_shown=max(shown, 1),
        others=others, problems=problems or [], conflicts=conflicts or [],
        pending=pending or [], triage_key=triage_key, asked=asked, status=status,
        preview=preview_data, can_review=ctx.user.can_review,
        goes_live=site.workflow.status_for(ctx.user) == LIVE, today=site.today().isoformat(),
        checks=_checks(kb, topic_id))


def _checks(kb: Any, topic_id: str | None) -> list[Any]:
    """The topic's staff checks, open first (the verification queue's items)."""
    from bot.web.staff.pages_profile import checks_of

    topic = kb.topics.get(topic_id) if topic_id else None
    return sorted(checks_of(topic), key=lambda c: not c.check.open) if topic else []


def _initial_preview(site: StaffSite, doc: dict[str, Any]) -> Any:
    try:
        topic = Topic.model_validate(doc)
    except ValueError:
        return None
    return preview(site.runtime.knowledge, site.runtime.knowledge.current.kb, topic)


async def topic_page(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    topic_id = str(ctx.request.path_params["topic_id"])
    kb = site.runtime.knowledge.current.kb
    if topic_id not in kb.topics or kb.documents is None:
        return site.problem(ctx.request, 404, "Không tìm thấy",
                            f"Không có chủ đề “{topic_id}”.", ctx)
    doc = dict(kb.documents.topics[topic_label(topic_id)])
    counts = await asked_counts(site)
    return _form_page(site, ctx, form_from_doc(doc), topic_id=topic_id,
                      base_version=site.runtime.knowledge.stored_version,
                      pending=await site.workflow.pending_for(topic_id),
                      asked=counts.get(topic_id, 0), preview_data=_initial_preview(site, doc))


def _field_problems(form: TopicForm, problems: list[str], topic_id: str) -> list[str]:
    """Put whole-knowledge problems about this topic on its fields; return the rest."""
    rest = []
    for text in problems:
        match = _PROBLEM_RE.match(text)
        if match and match["id"] == topic_id and match["field"] in FIELDS_BY_NAME:
            message = match["msg"]
            if match["field"] == "related" and "không tồn tại" in message:
                message = "có chủ đề liên quan không còn tồn tại"
            if match["field"] == "category":
                message = "nhóm này không còn tồn tại"
            form.error(match["field"], message)
        else:
            rest.append(text)
    return rest


async def _save(site: StaffSite, ctx: Ctx, form: TopicForm, *, topic_id: str | None,
                new: bool) -> Response:
    kb = site.runtime.knowledge.current.kb
    assert kb.documents is not None
    live_docs = kb.documents.to_json()
    tid = form.values["id"] if new else topic_id
    assert tid is not None
    label = topic_label(tid)
    if new and re.fullmatch(SLUG_RE, tid or "") and label in live_docs["topics"]:
        form.error("id", f"Đã có chủ đề mã “{tid}”. Hãy chọn mã khác, hoặc sửa chủ đề đó.")
    base_id = small_number(ctx.field("base_version"))
    if base_id is None:
        base_id = site.runtime.knowledge.stored_version
    base_docs: dict[str, Any] | None = None
    if base_id is not None and base_id != site.runtime.knowledge.stored_version:
        found = await site.workflow.documents(base_id)
        base_docs = found[1] if found else None
        if base_docs is None:
            base_id = site.runtime.knowledge.stored_version
    if base_docs is None:
        base_docs = live_docs
    original = base_docs["topics"].get(label) or live_docs["topics"].get(label)
    doc = doc_from_form(form, original)
    validate_topic(form, doc)
    triage_key = ctx.field("triage_key")[:500]
    if not form.ok:
        return _form_page(site, ctx, form, topic_id=topic_id, base_version=base_id, status=400,
                          triage_key=triage_key)
    new_docs = copy.deepcopy(base_docs)
    new_docs["topics"][label] = doc
    title = str(doc.get("title") or tid)
    message = form.message or (f"Tạo chủ đề mới “{title}”" if new else f"Sửa “{title}”")
    try:
        outcome: Outcome = await site.workflow.propose(ctx.user, base_id, base_docs, new_docs,
                                                       message)
    except Conflicting as exc:
        live_id = site.runtime.knowledge.stored_version
        return _form_page(site, ctx, form, topic_id=topic_id, base_version=live_id,
                          status=409, conflicts=exc.lines, triage_key=triage_key)
    except EditRejected as exc:
        rest = _field_problems(form, exc.problems, tid)
        return _form_page(site, ctx, form, topic_id=topic_id, base_version=base_id,
                          status=400, problems=rest, triage_key=triage_key)
    if triage_key and outcome.version is not None and site.runtime.storage is not None:
        await site.runtime.storage.knowledge.triage(
            triage_key, "new_topic", author=f"web:{ctx.user.name}", source="web",
            topic_id=tid, knowledge_version=outcome.version)
    return site.redirect(ctx.request, f"{PREFIX}/topics/{tid}", outcome_flash(outcome))


def outcome_flash(outcome: Outcome) -> tuple[str, str]:
    if outcome.version is None:
        return ("info", "Không có gì thay đổi so với nội dung đang dùng, nên không lưu thêm.")
    if outcome.live:
        return ("ok", f"Đã lưu và áp dụng ngay (phiên bản #{outcome.version}). Người dân hỏi "
                      "từ bây giờ sẽ nhận nội dung mới.")
    return ("ok", f"Đã gửi thay đổi #{outcome.version} để duyệt. Nội dung mới sẽ được dùng "
                  "khi người duyệt đồng ý.")


async def topic_save(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    topic_id = str(ctx.request.path_params["topic_id"])
    if topic_id not in site.runtime.knowledge.current.kb.topics:
        return site.problem(ctx.request, 404, "Không tìm thấy",
                            f"Không có chủ đề “{topic_id}”.", ctx)
    form = form_from_post(ctx.form, topic_id=topic_id)
    return await _save(site, ctx, form, topic_id=topic_id, new=False)


async def topic_new(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    params = ctx.request.query_params
    question = " ".join(params.get("question", "").split())[:300]
    values: dict[str, Any] = {f.name: "" for f in TOPIC_FIELDS}
    values.update(where=[{"channel": "commune-centre", "name": "", "url": "", "note": ""}],
                  related=[], questions=question, reviewed_on=site.today().isoformat(),
                  category=params.get("category", ""))
    return _form_page(site, ctx, TopicForm(values), topic_id=None,
                      base_version=site.runtime.knowledge.stored_version,
                      triage_key=params.get("key", "")[:500])


async def topic_create(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    form = form_from_post(ctx.form, topic_id=None)
    return await _save(site, ctx, form, topic_id=None, new=True)


async def topic_history(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    topic_id = str(ctx.request.path_params["topic_id"])
    kb = site.runtime.knowledge.current.kb
    recent = await site.workflow.versions(limit=200)
    records = await site.workflow.ensure_records(recent)
    versions = [v for v in recent if topic_id in records.get(v.id, [])]
    topic = kb.topics.get(topic_id)
    return site.render(ctx.request, "topic_history.html", ctx, nav="topics", topic_id=topic_id,
                       title=topic.title if topic else topic_id, versions=versions,
                       current=site.runtime.knowledge.stored_version)


# --- JSON: preview and "try a question" ----------


def _draft(site: StaffSite, ctx: Ctx) -> tuple[TopicForm, dict[str, Any], str | None]:
    raw_id = ctx.field("topic_id")
    kb = site.runtime.knowledge.current.kb
    topic_id = raw_id if raw_id in kb.topics else None
    form = form_from_post(ctx.form, topic_id=topic_id)
    assert kb.documents is not None
    original = kb.documents.topics.get(topic_label(topic_id)) if topic_id else None
    return form, doc_from_form(form, original), topic_id


async def api_preview(site: StaffSite, ctx: Ctx) -> Response:
    form, doc, _ = _draft(site, ctx)
    topic = validate_topic(form, doc)
    if topic is None:
        errors = {LABELS.get(k, "Khác"): v for k, v in form.errors.items()}
        return JSONResponse({"ok": False, "errors": errors})
    return JSONResponse({"ok": True, **preview(site.runtime.knowledge,
                                               site.runtime.knowledge.current.kb, topic)})


async def api_try(site: StaffSite, ctx: Ctx) -> Response:
    question = " ".join(ctx.field("question").split())[:MAX_TRY_CHARS]
    if not question:
        return JSONResponse({"error": "Hãy gõ một câu hỏi để thử."}, status_code=400)
    snapshot, source = site.runtime.knowledge.current, "live"
    if ctx.field("draft") == "1":
        form, doc, _ = _draft(site, ctx)
        kb = snapshot.kb
        if validate_topic(form, doc) is not None and kb.documents is not None:
            docs = kb.documents.to_json()
            docs["topics"][topic_label(doc["id"])] = doc
            draft = await site.drafts.snapshot(Documents.from_json(docs))
            if draft is not None:
                snapshot, source = draft, "draft"
        if source != "draft":
            source = "live-draft-invalid"
    result = verdict(snapshot, question)
    result["source"] = source
    return JSONResponse(result)


def routes(site: StaffSite) -> list[BaseRoute]:
    g = site.guard

    bind = site.bind

    return [
        Route("/", g(bind(home)), methods=["GET"]),
        Route("/topics", g(bind(topic_list)), methods=["GET"]),
        Route("/topics/new", g(bind(topic_new)), methods=["GET"]),
        Route("/topics/new", g(bind(topic_create)), methods=["POST"]),
        Route("/topics/{topic_id}", g(bind(topic_page)), methods=["GET"]),
        Route("/topics/{topic_id}", g(bind(topic_save)), methods=["POST"]),
        Route("/topics/{topic_id}/history", g(bind(topic_history)), methods=["GET"]),
        Route("/api/preview", g(bind(api_preview)), methods=["POST"]),
        Route("/api/try", g(bind(api_try)), methods=["POST"]),
    ]

