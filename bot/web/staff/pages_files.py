"""The dashboard (weekly summary and downloads) and the spreadsheet round-trip."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from bot.editing.editor import EditRejected
from bot.web.staff.auth import PREFIX
from bot.web.staff.changes import Conflicting
from bot.web.staff.dashboard import DOWNLOADS, render_markdown, valid_week, week_choices
from bot.web.staff.pages_outreach import compose_links, topic_titles
from bot.web.staff.pages_topics import _sync, outcome_flash
from knowledge.loader import Documents

if TYPE_CHECKING:
    from bot.web.staff.site import Ctx, StaffSite

_FOLDER_RE = re.compile(r"^\d{4}-W\d{2}(?:-demo)?$")
_PNG_RE = re.compile(r"^[a-z0-9_]+\.png$")
UPLOAD_SLACK = 256 * 1024


def _spreadsheet() -> Any:
    from knowledge import workbook

    return workbook


# --- dashboard ----------


async def dashboard(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    params = ctx.request.query_params
    weeks = week_choices(site.now(), site.settings.timezone)
    week = params.get("week", "")
    if not valid_week(week):
        week = weeks[0][0]
    demo_events = await site.dashboard.demo_events()
    demo = params.get("demo") == "1" and demo_events > 0
    error = ""
    blocks: list[Any] = []
    folder = site.dashboard.folder(week, demo)
    try:
        folder = await site.dashboard.ensure(week, demo=demo)
        blocks = render_markdown((folder / "summary.md").read_text(encoding="utf-8"))
    except (ValueError, RuntimeError, OSError) as exc:
        error = f"Chưa làm được báo cáo tuần này: {exc}"
    downloads = [(name, label) for name, (label, _) in DOWNLOADS.items()
                 if (folder / name).exists()]
    updated = ""
    if (folder / "summary.md").exists():
        stamp = dt.datetime.fromtimestamp((folder / "summary.md").stat().st_mtime, dt.UTC)
        updated = stamp.astimezone(ZoneInfo(site.settings.timezone)).strftime("%H:%M %d/%m")
    return site.render(ctx.request, "dashboard.html", ctx, nav="dashboard", weeks=weeks,
                       week=week, demo=demo, demo_events=demo_events, blocks=blocks,
                       folder=folder.name, downloads=downloads, error=error, updated=updated,
                       compose=compose_links(blocks, topic_titles(site)))


async def dashboard_refresh(site: StaffSite, ctx: Ctx) -> Response:
    week = ctx.field("week")
    demo = ctx.field("demo") == "1"
    if not valid_week(week):
        week = week_choices(site.now(), site.settings.timezone)[0][0]
    try:
        await site.dashboard.ensure(week, demo=demo, force=True)
    except (ValueError, RuntimeError, OSError) as exc:
        return site.redirect(ctx.request, f"{PREFIX}/dashboard?week={week}",
                             ("error", f"Chưa cập nhật được: {exc}"))
    query = f"week={week}" + ("&demo=1" if demo else "")
    return site.redirect(ctx.request, f"{PREFIX}/dashboard?{query}",
                         ("ok", "Đã cập nhật số liệu."))


async def dashboard_file(site: StaffSite, ctx: Ctx) -> Response:
    folder = str(ctx.request.path_params["folder"])
    name = str(ctx.request.path_params["name"])
    if not _FOLDER_RE.match(folder) or not (name in DOWNLOADS or _PNG_RE.match(name)):
        return site.problem(ctx.request, 404, "Không tìm thấy", "Không có tệp này.", ctx)
    path = site.dashboard.root / folder / name
    if not path.is_file():
        return site.problem(ctx.request, 404, "Không tìm thấy", "Không có tệp này.", ctx)
    if name.endswith(".png"):
        return FileResponse(path, media_type="image/png")
    media = DOWNLOADS[name][1]
    return FileResponse(path, media_type=f"{media}; charset=utf-8",
                        filename=f"bao-cao-{folder}-{name}")


# --- spreadsheet ----------


def _spreadsheet_page(site: StaffSite, ctx: Ctx, *, status: int = 200, **values: Any
                      ) -> Response:
    sheet = _spreadsheet()
    values.setdefault("problems", [])
    values.setdefault("changes", [])
    values.setdefault("outcome", None)
    values.setdefault("filename", "")
    return site.render(ctx.request, "spreadsheet.html", ctx, nav="spreadsheet", status=status,
                       max_mb=sheet.MAX_FILE_BYTES // (1024 * 1024),
                       goes_live=site.workflow.status_for(ctx.user) == "live", **values)


async def spreadsheet_page(site: StaffSite, ctx: Ctx) -> Response:
    return _spreadsheet_page(site, ctx)


async def spreadsheet_download(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    knowledge = site.runtime.knowledge
    kb = knowledge.current.kb
    assert kb.documents is not None
    now = site.now().astimezone(ZoneInfo(site.settings.timezone))
    origin = f"phiên bản #{knowledge.stored_version}" if knowledge.stored_version \
        else "nội dung khởi đầu"
    data = await asyncio.to_thread(_spreadsheet().export_xlsx, kb.documents,
                                   note=f"Xuất từ {origin} lúc {now:%H:%M ngày %d/%m/%Y}.")
    filename = f"kho-kien-thuc-{now:%Y-%m-%d}.xlsx"
    return Response(data, media_type=_spreadsheet().XLSX_MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


async def spreadsheet_upload(site: StaffSite, ctx: Ctx) -> Response:
    sheet = _spreadsheet()
    upload = ctx.form.get("file") if ctx.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _spreadsheet_page(site, ctx, status=400, problems=[
            "Tệp: hãy chọn tệp bảng tính .xlsx trước khi bấm “Kiểm tra và nhập”."])
    filename = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:120]
    data = await upload.read(sheet.MAX_FILE_BYTES + 1)
    try:
        documents: Documents = await asyncio.to_thread(sheet.import_xlsx, data)
    except sheet.SpreadsheetError as exc:
        return _spreadsheet_page(site, ctx, status=400, problems=[str(p) for p in exc.problems],
                                 filename=filename)
    from knowledge.export import describe_changes

    live_id, live_docs = await site.workflow.live()
    changes = describe_changes(Documents.from_json(live_docs), documents)
    if not changes:
        return _spreadsheet_page(site, ctx, filename=filename, outcome="unchanged")
    try:
        outcome = await site.workflow.propose(ctx.user, live_id, live_docs, documents.to_json(),
                                              f"Nhập từ bảng tính {filename}",
                                              source="spreadsheet")
    except (EditRejected, Conflicting) as exc:
        return _spreadsheet_page(site, ctx, status=400, filename=filename,
                                 problems=[f"Tệp: {exc}"])
    _, text = outcome_flash(outcome)
    return _spreadsheet_page(site, ctx, filename=filename, changes=changes,
                             outcome=outcome, outcome_text=text, previous=live_id)


def routes(site: StaffSite) -> list[BaseRoute]:
    g = site.guard

    bind = site.bind

    upload_limit = _spreadsheet().MAX_FILE_BYTES + UPLOAD_SLACK
    return [
        Route("/dashboard", g(bind(dashboard)), methods=["GET"]),
        Route("/dashboard/refresh", g(bind(dashboard_refresh)), methods=["POST"]),
        Route("/dashboard/files/{folder}/{name}", g(bind(dashboard_file)), methods=["GET"]),
        Route("/spreadsheet", g(bind(spreadsheet_page)), methods=["GET"]),
        Route("/spreadsheet/download", g(bind(spreadsheet_download)), methods=["GET"]),
        Route("/spreadsheet/upload", g(bind(spreadsheet_upload), limit=upload_limit),
              methods=["POST"]),
    ]
