"""The commune profile ("Thông tin xã") and the verification queue ("Cần xác minh").

Both change the knowledge the same way a topic edit does — through
:meth:`Workflow.propose` — so every change is validated, versioned, shown in
"Thay đổi" with who and when, and waits for a reviewer when review is required.
Marking a check done writes ``done_by``/``done_on`` into the topic's ``verify``
item: the record of who checked what lives with the fact it is about, and a
restore of an old version brings the check back with it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.editing import admin_units
from bot.editing.editor import EditRejected
from bot.web.staff.auth import PREFIX
from bot.web.staff.changes import Conflicting
from bot.web.staff.forms import COMMUNE_LABELS, LABELS, vietnamese
from bot.web.staff.knowledge_diff import topic_label
from bot.web.staff.pages_topics import _sync, outcome_flash
from knowledge.schema import CommuneProfile, Topic, Verify

if TYPE_CHECKING:
    from bot.web.staff.site import Ctx, StaffSite

# Fields typed on the profile page; name and province come from the official list.
PROFILE_FIELDS: tuple[tuple[str, str], ...] = (
    ("centre_name", "Tên đầy đủ của Trung tâm, như trên biển hiệu."),
    ("centre_address", "Thôn/xóm, xã, tỉnh — để người dân tìm đến."),
    ("opening_hours", "Ví dụ: Sáng 7h30–11h30, chiều 13h30–17h00, thứ Hai đến thứ Sáu."),
    ("hotline", "Số người dân gọi để hỏi thủ tục."),
    ("email", "Để trống nếu xã không dùng."),
    ("website", "Địa chỉ đầy đủ, bắt đầu bằng https://"),
    ("provincial_portal_url", "Cổng dịch vụ công của tỉnh, bắt đầu bằng https://"),
    ("police_post", "Tên công an xã, như người dân gọi."),
    ("police_phone", "Số trực của công an xã."),
)
FIELD_LABELS = {**LABELS, "other": "Khác (không nói với người dân)"}


@dataclass(frozen=True)
class OpenCheck:
    topic_id: str
    title: str
    index: int  # position in the topic's verify list
    check: Verify

    @property
    def field_label(self) -> str:
        return FIELD_LABELS.get(self.check.field.value, self.check.field.value)


def checks_of(topic: Topic) -> list[OpenCheck]:
    return [OpenCheck(topic.id, topic.title, i, v) for i, v in enumerate(topic.verify)]


def open_checks(topics: list[Topic]) -> list[OpenCheck]:
    return [c for t in topics for c in checks_of(t) if c.check.open]


async def _propose(site: StaffSite, ctx: Ctx, new_docs: dict[str, Any], message: str,
                   back: str) -> Response:
    live_id = site.runtime.knowledge.stored_version
    kb = site.runtime.knowledge.current.kb
    assert kb.documents is not None
    try:
        outcome = await site.workflow.propose(ctx.user, live_id, kb.documents.to_json(),
                                              new_docs, message)
    except (Conflicting, EditRejected) as exc:
        return site.redirect(ctx.request, back, ("error", f"Chưa lưu: {exc}"))
    return site.redirect(ctx.request, back, outcome_flash(outcome))


# --- verification queue -----------------------------------------------------------------


async def verify_page(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    kb = site.runtime.knowledge.current.kb
    checks = open_checks(list(kb.topics.values()))
    topics = len({c.topic_id for c in checks})
    return site.render(ctx.request, "verify.html", ctx, nav="verify", checks=checks,
                       topics=topics)


def _back(value: str, topic_id: str) -> str:
    return value if value in (f"{PREFIX}/verify", f"{PREFIX}/topics/{topic_id}") \
        else f"{PREFIX}/verify"


async def verify_done(site: StaffSite, ctx: Ctx) -> Response:
    """Close one check: who (the signed-in official) and when (today) go into the entry."""
    await _sync(site)
    topic_id, raw_index = ctx.field("topic_id"), ctx.field("index")
    back = _back(ctx.field("next"), topic_id)
    kb = site.runtime.knowledge.current.kb
    topic = kb.topics.get(topic_id)
    index = int(raw_index) if raw_index.isdigit() else -1
    if topic is None or kb.documents is None or not 0 <= index < len(topic.verify) \
            or topic.verify[index].what != ctx.field("what"):
        return site.redirect(ctx.request, back, (
            "error", "Việc cần xác minh này đã thay đổi hoặc không còn. Hãy xem lại danh "
                     "sách."))
    if not topic.verify[index].open:
        return site.redirect(ctx.request, back, ("info", "Việc này đã được xác minh rồi."))
    docs = kb.documents.to_json()
    doc = copy.deepcopy(docs["topics"][topic_label(topic_id)])
    items = [dict(v) for v in doc.get("verify") or []]
    if len(items) != len(topic.verify):  # legacy check_locally lines: write them out
        items = [v.model_dump(mode="json", exclude_defaults=True) for v in topic.verify]
        doc.pop("check_locally", None)
    items[index].update(done_by=ctx.user.label, done_on=site.today().isoformat())
    doc["verify"] = items
    docs["topics"][topic_label(topic_id)] = doc
    what = topic.verify[index].what
    message = f"Đã xác minh ({topic.title}): {what[:120]}"
    return await _propose(site, ctx, docs, message, back)


# --- the commune profile ---------------------------------------------------------------


def _profile_values(doc: dict[str, Any]) -> dict[str, str]:
    return {k: "" if doc.get(k) is None else str(doc.get(k))
            for k in ("name", "province", *(f for f, _ in PROFILE_FIELDS))}


def _render_profile(site: StaffSite, ctx: Ctx, values: dict[str, str], *,
                    errors: dict[str, list[str]] | None = None, status: int = 200
                    ) -> Response:
    wanted = ctx.request.query_params.get("province", "")
    current = admin_units.find(values.get("name", ""), values.get("province", ""))
    chosen_province = wanted or (current.province_code if current else "")
    return site.render(
        ctx.request, "profile.html", ctx, nav="profile", values=values, errors=errors or {},
        fields=PROFILE_FIELDS, labels=COMMUNE_LABELS, provinces=admin_units.provinces(),
        province_code=chosen_province,
        communes=admin_units.communes(chosen_province) if chosen_province else (),
        current=current, status=status, staff_chats=bool(site.settings.staff_targets))


async def profile_page(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    kb = site.runtime.knowledge.current.kb
    assert kb.documents is not None
    return _render_profile(site, ctx, _profile_values(dict(kb.documents.commune or {})))


def _commune_docs(site: StaffSite, update: dict[str, Any]) -> tuple[dict[str, Any],
                                                                  dict[str, Any]]:
    kb = site.runtime.knowledge.current.kb
    assert kb.documents is not None
    docs = kb.documents.to_json()
    doc = dict(docs.get("commune") or {})
    for key, value in update.items():
        doc[key] = value if value != "" or key not in ("website", "provincial_portal_url") \
            else None
    docs["commune"] = doc
    return docs, doc


async def profile_save(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    typed = {name: " ".join(ctx.field(name).split()) for name, _ in PROFILE_FIELDS}
    docs, doc = _commune_docs(site, typed)
    try:
        CommuneProfile.model_validate(doc)
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "__all__"
            errors.setdefault(name, []).append(vietnamese(err, doc))
        return _render_profile(site, ctx, {**_profile_values(doc), **typed}, errors=errors,
                               status=400)
    return await _propose(site, ctx, docs, "Sửa thông tin xã", f"{PREFIX}/profile")


async def profile_pick(site: StaffSite, ctx: Ctx) -> Response:
    """Choose the commune from the official list: its names fill the profile."""
    await _sync(site)
    chosen = admin_units.commune(ctx.field("commune"))
    if chosen is None:
        return site.redirect(ctx.request, f"{PREFIX}/profile",
                             ("error", "Hãy chọn tỉnh, rồi chọn xã trong danh sách."))
    names = admin_units.profile_names(chosen)
    kb = site.runtime.knowledge.current.kb
    old = kb.commune
    keep = {}
    # A centre or police name the commune typed itself stays, unless it named the old commune.
    for key in ("centre_name", "police_post"):
        typed = getattr(old, key)
        if typed and old.name and old.name not in typed:
            keep[key] = typed
    docs, _ = _commune_docs(site, {**names, **keep})
    place = admin_units.province(chosen.province_code)
    message = f"Chọn xã theo danh mục: {chosen.name}, {place.name if place else ''}"
    return await _propose(site, ctx, docs, message, f"{PREFIX}/profile")


def routes(site: StaffSite) -> list[BaseRoute]:
    g, bind = site.guard, site.bind
    return [
        Route("/verify", g(bind(verify_page)), methods=["GET"]),
        Route("/verify/done", g(bind(verify_done)), methods=["POST"]),
        Route("/profile", g(bind(profile_page)), methods=["GET"]),
        Route("/profile", g(bind(profile_save)), methods=["POST"]),
        Route("/profile/pick", g(bind(profile_pick)), methods=["POST"]),
    ]
