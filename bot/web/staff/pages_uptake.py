"""Official uptake figures (online vs all dossiers, from the public-service portal),
uploaded from the workspace instead of ``citizen-bot uptake import``.

The same parser and the same all-or-nothing import as the command line
(:func:`bot.storage.uptake.import_uptake_csv`): every problem is listed as
"dòng N: cột X: …" and nothing is written unless the whole file is valid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.storage.uptake import UptakeImportError, import_uptake_csv, recent_figures
from bot.web.staff.pages_topics import _sync

if TYPE_CHECKING:
    from bot.web.staff.site import Ctx, StaffSite

MAX_FILE_BYTES = 2 * 1024 * 1024  # a year of monthly figures for every topic is ~50 KB
UPLOAD_SLACK = 64 * 1024


async def _page(site: StaffSite, ctx: Ctx, *, status: int = 200, **values: Any) -> Response:
    storage = site.runtime.storage
    figures = await recent_figures(storage.sessions) if storage is not None else []
    kb = site.runtime.knowledge.current.kb
    values.setdefault("problems", [])
    values.setdefault("summary", None)
    values.setdefault("filename", "")
    return site.render(ctx.request, "uptake.html", ctx, nav="dashboard", status=status,
                       figures=figures, titles={t.id: t.title for t in kb.topics.values()},
                       max_mb=MAX_FILE_BYTES // (1024 * 1024), **values)


async def uptake_page(site: StaffSite, ctx: Ctx) -> Response:
    return await _page(site, ctx)


async def uptake_upload(site: StaffSite, ctx: Ctx) -> Response:
    await _sync(site)
    upload = ctx.form.get("file") if ctx.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _page(site, ctx, status=400, problems=[
            "Tệp: hãy chọn tệp .csv trước khi bấm “Kiểm tra và nhập”."])
    filename = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:120]
    data = await upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return await _page(site, ctx, status=400, filename=filename, problems=[
            f"Tệp: lớn hơn {MAX_FILE_BYTES // (1024 * 1024)} MB."])
    storage = site.runtime.storage
    if storage is None:
        return site.problem(ctx.request, 503, "Chưa sẵn sàng", "Chưa có cơ sở dữ liệu.", ctx)
    try:
        summary = await import_uptake_csv(
            storage.sessions, data, known_topics=site.runtime.knowledge.current.kb.topics,
            source=filename)
    except UptakeImportError as exc:
        return await _page(site, ctx, status=400, filename=filename, problems=exc.errors)
    return await _page(site, ctx, filename=filename, summary=summary)


def routes(site: StaffSite) -> list[BaseRoute]:
    g, bind = site.guard, site.bind
    return [
        Route("/uptake", g(bind(uptake_page)), methods=["GET"]),
        Route("/uptake/upload", g(bind(uptake_upload), limit=MAX_FILE_BYTES + UPLOAD_SLACK),
              methods=["POST"]),
    ]
