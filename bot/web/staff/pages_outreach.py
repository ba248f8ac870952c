"""Outreach in the staff workspace: subscriber counts, campaigns, preview, review, effect.

Review follows the knowledge rules: with ``REVIEW_REQUIRED`` an editor's campaign
waits for a reviewer (or admin); a reviewer's own campaign, or any campaign when the
commune switched review off, is approved when submitted. Staff see how many people
subscribed per thôn — never who.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.channels.telegram.render import render as render_telegram
from bot.channels.zalo.render import render_chunks as render_zalo
from bot.outreach import campaigns as forms
from bot.outreach.effect import MIN_GROUP, effect_of
from bot.outreach.sender import announcement_for
from bot.storage import Storage
from bot.storage.outreach import CampaignInfo
from bot.web.staff.auth import PREFIX

if TYPE_CHECKING:
    from bot.web.staff.site import Ctx, StaffSite

STATUS = {
    "draft": "Bản nháp", "pending": "Chờ duyệt", "approved": "Đã duyệt, chờ gửi",
    "sending": "Đang gửi", "paused": "Tạm dừng", "done": "Đã gửi xong",
    "cancelled": "Đã huỷ", "rejected": "Không duyệt",
}
AUDIENCE = {"all": "Mọi người đã đăng ký", "area": "Một thôn/tổ",
            "topic": "Người đã hỏi về một thủ tục"}
DONE_FLASH = {
    "submit": "Đã gửi đi chờ duyệt.", "approve": "Đã duyệt. Thông báo sẽ được gửi đúng giờ.",
    "reject": "Đã không duyệt; người soạn có thể sửa lại.", "pause": "Đã tạm dừng gửi.",
    "resume": "Đã tiếp tục gửi.", "cancel": "Đã huỷ. Những người chưa nhận sẽ không nhận.",
}
REVIEW_ACTIONS = frozenset({"approve", "reject"})
GAP_HEADING = "ít người làm trực tuyến"  # bot.reports' uptake-gap section


def _storage(site: StaffSite) -> Storage:
    storage = site.runtime.storage
    assert storage is not None  # the guard answers 503 without a database
    return storage


def topic_titles(site: StaffSite) -> dict[str, str]:
    kb = site.runtime.knowledge.current.kb
    return {t.id: t.title for t in sorted(kb.topics.values(), key=lambda t: t.title)}


def _areas(site: StaffSite) -> list[str]:
    return list(site.runtime.knowledge.current.kb.commune.areas)


def _local_input(value: dt.datetime | None, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M") if value else ""


async def campaigns_page(site: StaffSite, ctx: Ctx) -> Response:
    storage = _storage(site)
    counts = await storage.subscriptions.counts_by_area()
    by_area = sorted(((area or "Chưa chọn thôn", n) for area, n in counts.items()),
                     key=lambda item: (-item[1], item[0]))
    return site.render(ctx.request, "campaigns.html", ctx, nav="campaigns",
                       campaigns=await storage.campaigns.all(), by_area=by_area,
                       subscribers=sum(counts.values()), status_names=STATUS)


def _form_values(site: StaffSite, info: CampaignInfo | None, params: dict[str, str]
                 ) -> dict[str, Any]:
    if info is not None:
        return {"title": info.title, "body": info.body, "topic_id": info.topic_id or "",
                "audience": info.audience.value, "audience_area": info.audience_area or "",
                "audience_topic": info.audience_topic or "",
                "audience_weeks": str(info.audience_weeks or 4),
                "send_at": _local_input(info.send_at, site.settings.timezone)}
    topic = params.get("topic", "")
    topic = topic if topic in topic_titles(site) else ""
    return {"title": "", "body": "", "topic_id": topic,
            "audience": "topic" if topic else "all", "audience_area": "",
            "audience_topic": topic, "audience_weeks": "4", "send_at": ""}


def _render_form(site: StaffSite, ctx: Ctx, values: dict[str, Any], *,
                 campaign: CampaignInfo | None = None, problems: list[str] | None = None,
                 status: int = 200) -> Response:
    return site.render(ctx.request, "campaign_form.html", ctx, nav="campaigns",
                       values=values, campaign=campaign, problems=problems or [],
                       topics=topic_titles(site), areas=_areas(site), audiences=AUDIENCE,
                       max_body=forms.MAX_BODY, holdback=site.settings.outreach_holdback_pct,
                       status=status)


async def new_form(site: StaffSite, ctx: Ctx) -> Response:
    return _render_form(site, ctx, _form_values(site, None, dict(ctx.request.query_params)))


def _check(site: StaffSite, ctx: Ctx) -> forms.Checked:
    fields = {name: ctx.field(name) for name in (
        "title", "body", "topic_id", "audience", "audience_area", "audience_topic",
        "audience_weeks", "send_at")}
    return forms.check(fields, topics=topic_titles(site), areas=_areas(site),
                       holdback_pct=site.settings.outreach_holdback_pct,
                       timezone=site.settings.timezone, now=site.now())


async def create(site: StaffSite, ctx: Ctx) -> Response:
    checked = _check(site, ctx)
    if checked.draft is None:
        values = {name: ctx.field(name) for name in _form_values(site, None, {})}
        return _render_form(site, ctx, values, problems=checked.problems, status=400)
    info = await _storage(site).campaigns.create(checked.draft, ctx.user.name)
    return site.redirect(ctx.request, f"{PREFIX}/campaigns/{info.id}",
                         ("ok", "Đã lưu bản nháp. Xem trước rồi bấm “Gửi duyệt”."))


async def edit_form(site: StaffSite, ctx: Ctx) -> Response:
    info = await _get(site, ctx)
    if info is None:
        return _missing(site, ctx)
    return _render_form(site, ctx, _form_values(site, info, {}), campaign=info)


async def edit(site: StaffSite, ctx: Ctx) -> Response:
    info = await _get(site, ctx)
    if info is None:
        return _missing(site, ctx)
    checked = _check(site, ctx)
    if checked.draft is None:
        values = {name: ctx.field(name) for name in _form_values(site, None, {})}
        return _render_form(site, ctx, values, campaign=info, problems=checked.problems,
                            status=400)
    back = f"{PREFIX}/campaigns/{info.id}"
    if not await _storage(site).campaigns.edit(info.id, checked.draft):
        return site.redirect(ctx.request, back, ("error", "Thông báo này không sửa được nữa."))
    return site.redirect(ctx.request, back, ("ok", "Đã lưu."))


async def _get(site: StaffSite, ctx: Ctx) -> CampaignInfo | None:
    return await _storage(site).campaigns.get(int(ctx.request.path_params["campaign_id"]))


def _missing(site: StaffSite, ctx: Ctx) -> Response:
    return site.problem(ctx.request, 404, "Không tìm thấy", "Không có thông báo này.", ctx)


def previews(site: StaffSite, info: CampaignInfo) -> dict[str, Any]:
    """The announcement as each platform shows it, from the channels' own renderers."""
    reply = announcement_for(info, site.runtime.knowledge)
    chunks, markup = render_telegram(reply)
    buttons = [b.text for row in (markup.inline_keyboard if markup else ()) for b in row]
    return {"telegram": chunks, "telegram_buttons": buttons, "zalo": render_zalo(reply)}


async def campaign_page(site: StaffSite, ctx: Ctx) -> Response:
    info = await _get(site, ctx)
    if info is None:
        return _missing(site, ctx)
    storage = _storage(site)
    counts = await storage.campaigns.counts(info.id)
    effect = effect_of(counts) if counts is not None and info.started_at else None
    audience = None if info.started_at else await storage.campaigns.audience_size(info)
    topics = topic_titles(site)
    return site.render(ctx.request, "campaign.html", ctx, nav="campaigns", c=info,
                       preview=previews(site, info), effect=effect, audience_size=audience,
                       status_names=STATUS, audiences=AUDIENCE, topics=topics,
                       topic_title=topics.get(info.measured_topic or ""),
                       can_review=ctx.user.can_review, min_group=MIN_GROUP)


async def act(site: StaffSite, ctx: Ctx) -> Response:
    info = await _get(site, ctx)
    if info is None:
        return _missing(site, ctx)
    action = str(ctx.request.path_params["action"])
    back = f"{PREFIX}/campaigns/{info.id}"
    if action not in DONE_FLASH:  # "start" and "finish" belong to the sender
        return _missing(site, ctx)
    if action in REVIEW_ACTIONS and not ctx.user.can_review:
        return site.problem(ctx.request, 403, "Không có quyền",
                            "Chỉ người duyệt mới duyệt được thông báo.", ctx)
    store = _storage(site).campaigns
    moved = await store.move(info.id, action, by=ctx.user.name)
    if moved and action == "submit" and (not site.settings.review_required
                                         or ctx.user.can_review):
        await store.move(info.id, "approve", by=ctx.user.name)  # same rule as knowledge
        return site.redirect(ctx.request, back, ("ok", DONE_FLASH["approve"]))
    if not moved:
        return site.redirect(ctx.request, back, ("info", "Việc này đã được làm hoặc không "
                                                         "còn làm được."))
    return site.redirect(ctx.request, back, ("ok", DONE_FLASH[action]))


def compose_links(blocks: list[Any], titles: dict[str, str]) -> dict[int, dict[int, str]]:
    """For the weekly summary on the dashboard: block → item → topic id of each line of
    the uptake-gap list, so each gets a "soạn thông báo" link into the campaign form.

    The summary is Markdown written by ``bot.reports``; a line starts with the topic's
    title (possibly cut with "…") and a colon.
    """
    by_title = {title: topic_id for topic_id, title in titles.items()}
    links: dict[int, dict[int, str]] = {}
    in_gaps = False
    for index, block in enumerate(blocks):
        if block.kind in {"h1", "h2"}:
            in_gaps = GAP_HEADING in "".join(span.text for span in block.spans)
        elif block.kind == "ol" and in_gaps:
            links[index] = {}
            for number, item in enumerate(block.items):
                head = "".join(span.text for span in item).split(": ", 1)[0].rstrip("…")
                found = by_title.get(head) or next(
                    (tid for title, tid in by_title.items() if head and title.startswith(head)),
                    None)
                if found is not None:
                    links[index][number] = found
    return links


def routes(site: StaffSite) -> list[BaseRoute]:
    g, bind = site.guard, site.bind
    actions = "{action:str}"
    return [
        Route("/campaigns", g(bind(campaigns_page)), methods=["GET"]),
        Route("/campaigns", g(bind(create)), methods=["POST"]),
        Route("/campaigns/new", g(bind(new_form)), methods=["GET"]),
        Route("/campaigns/{campaign_id:int}", g(bind(campaign_page)), methods=["GET"]),
        Route("/campaigns/{campaign_id:int}/edit", g(bind(edit_form)), methods=["GET"]),
        Route("/campaigns/{campaign_id:int}/edit", g(bind(edit)), methods=["POST"]),
        Route(f"/campaigns/{{campaign_id:int}}/{actions}", g(bind(act)), methods=["POST"]),
    ]

