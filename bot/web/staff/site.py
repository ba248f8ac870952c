"""The staff workspace core: guarded endpoints, page rendering, sign-in and accounts.

Every endpoint under ``/staff`` except the sign-in page and the static files goes
through :meth:`StaffSite.guard`: no valid session → a redirect to the sign-in
page (GET) or 401 (POST); a POST without the session's CSRF token → 403; a role
too low for the action → 403. Request bodies are size-limited before parsing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.editing.editor import EditRejected
from bot.safety.http_input import parse_json
from bot.storage.knowledge import LIVE, PENDING
from bot.storage.staff import (
    ADMIN,
    REVIEWER,
    ROLE_LABELS,
    ROLES,
    SignIn,
    StaffError,
    StaffStore,
)
from bot.web.staff.auth import CSRF_FIELD, PREFIX, Auth, StaffSession
from bot.web.staff.changes import SOURCE_LABELS, STATUS_LABELS, Workflow, who
from bot.web.staff.dashboard import Dashboard
from bot.web.staff.preview import DraftMatchers

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.storage.staff import StaffAccount

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
FORM_LIMIT = 512 * 1024
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
ROLE_RANK = {"editor": 0, REVIEWER: 1, ADMIN: 2}
NO_DATABASE = "Cơ sở dữ liệu chưa sẵn sàng. Vui lòng thử lại sau ít phút."


class TooLarge(Exception):
    pass


@dataclass
class Ctx:
    """One guarded request: who is asking, their CSRF token, and the parsed body."""

    request: Request
    session: StaffSession
    form: FormData | None = None
    data: dict[str, Any] | None = None  # a JSON body
    badge: int = 0  # changes waiting for review (shown to reviewers in the menu)

    @property
    def user(self) -> StaffAccount:
        return self.session.user

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else default


Handler = Callable[[Ctx], Awaitable[Response]]


class SecurityHeaders:
    """Strict headers on every staff response; pages are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith(f"{PREFIX}/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"same-origin",
                }
                if not static:
                    extra[b"cache-control"] = b"no-store"
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _localtime(value: dt.datetime | None, tz: str) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime("%H:%M %d/%m/%Y")


def safe_next(target: str | None) -> str:
    if target and target.startswith(PREFIX) and not target.startswith("//") \
            and "\\" not in target and "//" not in target:
        return target
    return f"{PREFIX}/"


async def _replayable(request: Request, limit: int) -> Request:
    length = request.headers.get("content-length")
    if length and (not length.isdigit() or int(length) > limit):
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    return Request(request.scope, receive)


class StaffSite:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.auth = Auth(runtime.settings)
        self.workflow = Workflow(runtime)
        self.drafts = DraftMatchers(runtime.settings.dictionary_dir)
        self.dashboard = Dashboard(runtime)
        self.env = Environment(loader=FileSystemLoader(TEMPLATES),
                               autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
        tz = runtime.settings.timezone
        self.env.filters["localtime"] = lambda v: _localtime(v, tz)
        self.env.filters["who"] = who
        self.env.globals.update(
            prefix=PREFIX, csrf_field=CSRF_FIELD, role_labels=ROLE_LABELS, roles=ROLES,
            source_labels=SOURCE_LABELS, status_labels=STATUS_LABELS, LIVE=LIVE,
            PENDING=PENDING, static_version=self._static_version())

    @staticmethod
    def _static_version() -> str:
        stamps = [int(p.stat().st_mtime) for p in STATIC.glob("*") if p.is_file()]
        return str(max(stamps, default=0))

    # --- plumbing ----------

    @property
    def staff(self) -> StaffStore | None:
        storage = self.runtime.storage
        return StaffStore(storage.sessions) if storage is not None else None

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().astimezone(ZoneInfo(self.settings.timezone)).date()

    def render(self, request: Request, template: str, ctx: Ctx | None = None, *,
               status: int = 200, **values: Any) -> HTMLResponse:
        flash = self.auth.read_flash(request)
        page = self.env.get_template(template).render(
            request=request, user=ctx.user if ctx else None,
            csrf=ctx.session.csrf if ctx else "", flash=flash, badge=ctx.badge if ctx else 0,
            review_required=self.settings.review_required, path=request.url.path, **values)
        response = HTMLResponse(page, status_code=status)
        if flash:
            self.auth.clear_flash(response)
        return response

    def redirect(self, request: Request, path: str, flash: tuple[str, str] | None = None
                 ) -> RedirectResponse:
        response = RedirectResponse(path, status_code=303)
        if flash:
            self.auth.flash(response, request, *flash)
        return response

    def problem(self, request: Request, status: int, title: str, text: str,
                ctx: Ctx | None = None) -> Response:
        if request.url.path.startswith(f"{PREFIX}/api/"):
            return JSONResponse({"error": text}, status_code=status)
        return self.render(request, "problem.html", ctx, status=status, title=title, text=text)

    def bind(self, page: Callable[..., Awaitable[Response]]) -> Handler:
        """Turn a page function ``page(site, ctx)`` into a guarded handler ``(ctx)``."""

        async def handler(ctx: Ctx) -> Response:
            return await page(self, ctx)

        return handler

    def guard(self, handler: Handler, *, role: str | None = None,
              limit: int = FORM_LIMIT) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            store = self.staff
            if store is None:
                return self.problem(request, 503, "Chưa sẵn sàng", NO_DATABASE)
            state = await self.auth.session(request, store)
            if state.session is None:
                if request.method == "GET":
                    target = f"{PREFIX}/login?next={quote(request.url.path)}"
                    if state.expired:
                        target += "&expired=1"
                    response = RedirectResponse(target, status_code=303)
                    if state.expired:
                        self.auth.end(response)
                    return response
                return self.problem(request, 401, "Cần đăng nhập lại",
                                    "Phiên làm việc đã hết hoặc bạn chưa đăng nhập. Nội dung "
                                    "đang sửa vẫn được giữ trong trình duyệt: hãy đăng nhập "
                                    "lại rồi mở lại trang để khôi phục.")
            ctx = Ctx(request, state.session)
            if request.method == "GET" and ctx.user.can_review:
                ctx.badge = await self.pending_count()
            if request.method == "POST":
                try:
                    ctx = await self._parse(ctx, limit)
                except TooLarge:
                    return self.problem(request, 413, "Nội dung quá lớn",
                                        f"Nội dung gửi lên quá lớn (tối đa "
                                        f"{limit // 1024 // 1024 or 1} MB).", ctx)
                except (MultiPartException, ValueError, UnicodeDecodeError):
                    return self.problem(request, 400, "Yêu cầu không hợp lệ",
                                        "Không đọc được nội dung gửi lên.", ctx)
                if not self.auth.csrf_ok(ctx.session, request, ctx.form):
                    if ctx.form is not None:
                        await ctx.form.close()
                    return self.problem(request, 403, "Không thực hiện",
                                        "Trang đã cũ hoặc yêu cầu không đến từ trang cán bộ "
                                        "(mã bảo vệ không khớp). Hãy tải lại trang rồi thử "
                                        "lại.", ctx)
            if role is not None and ROLE_RANK.get(ctx.user.role, -1) < ROLE_RANK[role]:
                return self.problem(request, 403, "Không có quyền",
                                    f"Việc này cần vai trò “{ROLE_LABELS[role]}”. Hãy nhờ "
                                    "người quản trị nếu bạn cần làm.", ctx)
            try:
                return await handler(ctx)
            finally:
                if ctx.form is not None:
                    await ctx.form.close()

        return endpoint

    async def _parse(self, ctx: Ctx, limit: int) -> Ctx:
        request = await _replayable(ctx.request, limit)
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            data = parse_json(await request.body() or b"{}")  # InputRejected is a ValueError
            return Ctx(request, ctx.session, None, data if isinstance(data, dict) else {})
        form = await request.form(max_files=2, max_fields=600, max_part_size=limit)
        return Ctx(request, ctx.session, form, badge=ctx.badge)

    async def pending_count(self) -> int:
        try:
            return len(await self.workflow.versions(status=PENDING, limit=500))
        except EditRejected:
            return 0

    # --- sign-in --------------------------------------------------------------------------------

    def _login_page(self, request: Request, *, status: int = 200, error: str = "",
                    name: str = "") -> Response:
        token = self.auth.login_token(request)
        notice = ""
        if request.query_params.get("expired"):
            notice = "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."
        elif request.query_params.get("bye"):
            notice = "Bạn đã đăng xuất."
        response = self.render(request, "login.html", status=status, login_token=token,
                               error=error, notice=notice, name=name,
                               next=safe_next(request.query_params.get("next")))
        self.auth.set_login_token(response, request, token)
        return response

    async def login_form(self, request: Request) -> Response:
        return self._login_page(request)

    async def login(self, request: Request) -> Response:
        store = self.staff
        if store is None:
            return self.problem(request, 503, "Chưa sẵn sàng", NO_DATABASE)
        try:
            request = await _replayable(request, 16 * 1024)
            form = await request.form(max_files=0, max_fields=10)
        except (TooLarge, MultiPartException, ValueError):
            return self.problem(request, 400, "Yêu cầu không hợp lệ", "Không đọc được biểu mẫu.")
        name = str(form.get("name") or "").strip()[:80]
        password = str(form.get("password") or "")[:512]
        if not self.auth.login_token_ok(request, str(form.get(CSRF_FIELD) or "")):
            return self._login_page(request, status=403, name=name,
                                    error="Trang đăng nhập đã cũ. Vui lòng nhập lại.")
        ip = self.auth.client_ip(request)
        result = await store.sign_in(name, password, ip) if name else SignIn()
        if result.limited:
            minutes = max(1, -(-result.retry_after // 60))
            response = self._login_page(
                request, status=429, name=name,
                error=f"Bạn đã nhập sai quá nhiều lần. Vui lòng chờ {minutes} phút rồi thử "
                      "lại, hoặc nhờ người quản trị mở khoá.")
            response.headers["Retry-After"] = str(result.retry_after)
            return response
        user = result.account
        if user is None:
            return self._login_page(request, status=401, name=name,
                                    error="Sai tên đăng nhập hoặc mật khẩu.")
        log.info("staff %s signed in", user.name)
        response = RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)
        self.auth.start(response, request, user)
        return response

    async def logout(self, ctx: Ctx) -> Response:
        store = self.staff
        if store is not None:
            await store.end_sessions(ctx.user.id)
        response = RedirectResponse(f"{PREFIX}/login?bye=1", status_code=303)
        self.auth.end(response)
        return response

    # --- own account and (admin) accounts ----------

    async def account(self, ctx: Ctx) -> Response:
        return self.render(ctx.request, "account.html", ctx, nav="account", error="")

    async def account_save(self, ctx: Ctx) -> Response:
        store = self.staff
        assert store is not None
        current, new, again = (ctx.field("current"), ctx.field("password"),
                               ctx.field("password2"))
        error = ""
        if await store.authenticate(ctx.user.name, current) is None:
            error = "Mật khẩu hiện tại không đúng."
        elif new != again:
            error = "Hai lần nhập mật khẩu mới không giống nhau."
        else:
            try:
                user = await store.set_password(ctx.user.name, new)
            except StaffError as exc:
                error = str(exc)
            else:
                response = self.redirect(ctx.request, f"{PREFIX}/",
                                         ("ok", "Đã đổi mật khẩu. Các thiết bị khác đã được "
                                                "đăng xuất."))
                self.auth.start(response, ctx.request, user)
                return response
        return self.render(ctx.request, "account.html", ctx, nav="account", error=error,
                           status=400)

    async def users(self, ctx: Ctx, *, error: str = "", status: int = 200) -> Response:
        store = self.staff
        assert store is not None
        accounts = await store.all()
        cooling = await store.cooling_down([a.name for a in accounts])
        return self.render(ctx.request, "users.html", ctx, nav="users", accounts=accounts,
                           cooling=cooling, error=error, status=status)

    async def users_add(self, ctx: Ctx) -> Response:
        store = self.staff
        assert store is not None
        try:
            account = await store.add(ctx.field("name"), ctx.field("password"),
                                      ctx.field("role"), ctx.field("full_name"))
        except StaffError as exc:
            return await self.users(ctx, error=str(exc), status=400)
        return self.redirect(ctx.request, f"{PREFIX}/users",
                             ("ok", f"Đã tạo tài khoản “{account.name}”. Hãy báo mật khẩu tạm "
                                    "cho người đó và nhắc họ đổi ngay."))

    async def users_change(self, ctx: Ctx) -> Response:
        store = self.staff
        assert store is not None
        name = str(ctx.request.path_params["name"])
        action = ctx.field("action")
        target = await store.by_name(name)
        if target is None:
            return await self.users(ctx, error=f"Không có tài khoản “{name}”.", status=404)
        try:
            if action in ("role", "disable") and target.role == ADMIN and target.active and \
                    await store.count_active(ADMIN) <= 1 and \
                    (action == "disable" or ctx.field("role") != ADMIN):
                raise StaffError("Phải còn ít nhất một quản trị đang hoạt động.")
            if action == "role":
                await store.set_role(name, ctx.field("role"))
                text = f"Đã đổi vai trò của “{name}”."
            elif action == "disable":
                await store.set_active(name, False)
                text = f"Đã khoá tài khoản “{name}”; mọi phiên đăng nhập của họ đã kết thúc."
            elif action == "enable":
                await store.set_active(name, True)
                text = f"Đã mở lại tài khoản “{name}”."
            elif action == "password":
                await store.set_password(name, ctx.field("password"))
                text = f"Đã đặt mật khẩu mới cho “{name}”. Hãy báo cho họ và nhắc đổi ngay."
            elif action == "unlock":
                await store.unlock(name)
                log.warning("staff %s lifted the sign-in cool-down of %s", ctx.user.name,
                            target.name)  # the audit line: who, whom, when (log time)
                text = f"“{name}” có thể đăng nhập lại ngay."
            else:
                raise StaffError("Không rõ việc cần làm.")
        except StaffError as exc:
            return await self.users(ctx, error=str(exc), status=400)
        if target.id == ctx.user.id and action in ("role", "password"):
            response = self.redirect(ctx.request, f"{PREFIX}/", ("ok", text))
            fresh = await store.get(target.id)
            if fresh is not None and fresh.active:
                self.auth.start(response, ctx.request, fresh)
            return response
        return self.redirect(ctx.request, f"{PREFIX}/users", ("ok", text))

    # --- routes ----------

    def routes(self) -> list[BaseRoute]:
        from bot.web.staff import (
            pages_files,
            pages_outreach,
            pages_profile,
            pages_review,
            pages_topics,
            pages_uptake,
        )

        g = self.guard

        async def users_page(ctx: Ctx) -> Response:
            return await self.users(ctx)

        routes: list[BaseRoute] = [
            Route("/login", self.login_form, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", g(self.logout), methods=["POST"]),
            Route("/account", g(self.account), methods=["GET"]),
            Route("/account", g(self.account_save), methods=["POST"]),
            Route("/users", g(users_page, role=ADMIN), methods=["GET"]),
            Route("/users", g(self.users_add, role=ADMIN), methods=["POST"]),
            Route("/users/{name}", g(self.users_change, role=ADMIN), methods=["POST"]),
            *pages_topics.routes(self),
            *pages_review.routes(self),
            *pages_files.routes(self),
            *pages_profile.routes(self),
            *pages_outreach.routes(self),
            *pages_uptake.routes(self),
            Mount("/static", StaticFiles(directory=STATIC), name="staff-static"),
        ]
        async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
            response = PlainTextResponse("Không tìm thấy trang này.", status_code=404)
            await response(scope, receive, send)

        return [Mount(PREFIX, app=SecurityHeaders(Router(routes, default=not_found)))]


def staff_routes(runtime: Runtime) -> list[BaseRoute]:
    """The ``/staff`` workspace, to add to the app's routes."""
    return StaffSite(runtime).routes()
