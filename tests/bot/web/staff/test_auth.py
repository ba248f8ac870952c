"""Sign-in, sessions, CSRF, roles and the sign-in rate limit, over HTTP."""

from __future__ import annotations

import time

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from starlette.applications import Starlette

from bot.config import Settings
from bot.runtime import Runtime
from bot.storage.staff import MAX_ATTEMPTS_PER_ACCOUNT, MAX_ATTEMPTS_PER_ADDRESS
from tests.bot.web.staff.conftest import (
    BASE_URL,
    PASSWORD,
    Login,
    client_for,
    csrf_of,
    sign_in,
    store,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

PAGES = ["/staff/", "/staff/topics", "/staff/topics/khai-sinh", "/staff/topics/new",
         "/staff/changes", "/staff/changes/1", "/staff/inbox", "/staff/dashboard",
         "/staff/spreadsheet", "/staff/spreadsheet/download", "/staff/users", "/staff/account",
         "/staff/topics/khai-sinh/history"]
POSTS = ["/staff/topics/khai-sinh", "/staff/topics/new", "/staff/changes/1/approve",
         "/staff/changes/1/reject", "/staff/changes/1/restore", "/staff/inbox/attach",
         "/staff/inbox/out", "/staff/spreadsheet/upload", "/staff/users", "/staff/account",
         "/staff/logout", "/staff/dashboard/refresh", "/staff/api/preview", "/staff/api/try"]


async def test_without_a_session_everything_is_refused(app: Starlette, running: Runtime) -> None:
    async with client_for(app) as client:
        for path in PAGES:
            response = await client.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/staff/login?next=")
        for path in POSTS:
            response = await client.post(path, data={"csrf": "x"})
            assert response.status_code == 401, path
        api = await client.post("/staff/api/try", data={"question": "x"})
        assert api.json()["error"]
        # The sign-in page and its stylesheet are the only open doors.
        assert (await client.get("/staff/login")).status_code == 200
        assert (await client.get("/staff/static/staff.css")).status_code == 200


async def test_wrong_password_and_unknown_account_get_no_session(app: Starlette,
                                                                 running: Runtime) -> None:
    await store(running).add("lan", PASSWORD, "editor")
    async with client_for(app) as client:
        for name, password in [("lan", "sai-mat-khau"), ("khong-co", PASSWORD), ("lan", "")]:
            response = await sign_in(client, name, password)
            assert response.status_code == 401
            assert "Sai tên đăng nhập hoặc mật khẩu" in response.text
            assert "staff_session" not in response.cookies
        assert (await client.get("/staff/")).status_code == 303


async def test_session_cookie_is_signed_httponly_strict_and_scoped(app: Starlette,
                                                                   running: Runtime) -> None:
    await store(running).add("minh", PASSWORD, "reviewer")
    async with client_for(app) as client:
        response = await sign_in(client, "MINH ", PASSWORD)  # typed with caps and a space
        assert response.status_code == 303 and response.headers["location"] == "/staff/"
        cookie = response.headers["set-cookie"].lower()
        for part in ("staff_session=", "httponly", "samesite=strict", "path=/staff", "max-age="):
            assert part in cookie
        assert "secure" not in cookie  # plain http on this test server
        home = await client.get("/staff/")
        assert home.status_code == 200 and "Xin chào" in home.text
        for header in ("content-security-policy", "x-content-type-options", "x-frame-options"):
            assert header in home.headers
        assert home.headers["cache-control"] == "no-store"
        assert "script-src 'self'" in home.headers["content-security-policy"]
        # A tampered cookie is just no session.
        client.cookies.set("staff_session", client.cookies["staff_session"][:-2] + "xx",
                           domain="testserver.local", path="/staff")
        assert (await client.get("/staff/")).status_code == 303
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as secure:
        response = await sign_in(secure, "minh")
        assert "secure" in response.headers["set-cookie"].lower()


async def test_csrf_token_is_required_on_every_post(login: Login) -> None:
    client = await login("editor")
    ok = await client.post("/staff/api/try", data={"question": "làm giấy khai sinh",
                                                   "csrf": client.csrf})
    assert ok.status_code == 200 and ok.json()["decision"] == "answer"
    header = await client.post("/staff/api/try", data={"question": "khai sinh"},
                               headers={"X-CSRF-Token": client.csrf})
    assert header.status_code == 200
    for data in ({"question": "khai sinh"}, {"question": "khai sinh", "csrf": "sai"},
                 {"question": "khai sinh", "csrf": ""}):
        refused = await client.post("/staff/api/try", data=data)
        assert refused.status_code == 403
    page = await client.post("/staff/topics/khai-sinh", data={"fee": "0 đồng"})
    assert page.status_code == 403 and "mã bảo vệ không khớp" in page.text
    logout = await client.post("/staff/logout")
    assert logout.status_code == 403  # even signing out needs the token


async def test_sign_in_form_has_its_own_csrf_token(app: Starlette, running: Runtime) -> None:
    await store(running).add("hoa", PASSWORD, "editor")
    async with client_for(app) as client:
        await client.get("/staff/login")
        response = await client.post("/staff/login", data={"name": "hoa", "password": PASSWORD,
                                                           "csrf": "bịa"})
        assert response.status_code == 403 and "staff_session" not in response.cookies


async def test_roles_limit_what_each_account_can_do(login: Login) -> None:
    editor, reviewer, admin = await login("editor"), await login("reviewer"), \
        await login("admin")
    assert (await editor.get("/staff/users")).status_code == 403
    assert (await reviewer.get("/staff/users")).status_code == 403
    assert (await admin.get("/staff/users")).status_code == 200
    refused = await editor.post("/staff/changes/1/approve", data={"csrf": editor.csrf})
    assert refused.status_code == 403 and "Người duyệt" in refused.text
    assert (await editor.post("/staff/changes/1/reject",
                              data={"csrf": editor.csrf})).status_code == 403
    made = await reviewer.post("/staff/users", data={"csrf": reviewer.csrf, "name": "x1",
                                                     "password": PASSWORD, "role": "admin"})
    assert made.status_code == 403
    made = await admin.post("/staff/users", data={"csrf": admin.csrf, "name": "moi.nguoi",
                                                  "password": PASSWORD, "role": "editor",
                                                  "full_name": "Người Mới"})
    assert made.status_code == 303
    home = await editor.get("/staff/")
    assert "Tài khoản</a>" not in home.text  # the admin menu entry is not shown


async def test_sign_in_is_rate_limited_per_account_and_address(
        app: Starlette, running: Runtime) -> None:
    await store(running).add("tuan", PASSWORD, "editor")
    transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        for _ in range(MAX_ATTEMPTS_PER_ADDRESS):
            assert (await sign_in(client, "tuan", "sai")).status_code == 401
        blocked = await sign_in(client, "tuan", PASSWORD)  # even the right password now
        assert blocked.status_code == 429 and "quá nhiều lần" in blocked.text
        assert int(blocked.headers["retry-after"]) > 0
        assert "staff_session" not in blocked.cookies
    # One stranger's address does not keep the owner out: another address signs in.
    other = httpx.ASGITransport(app=app, client=("10.0.0.8", 5000))
    async with httpx.AsyncClient(transport=other, base_url=BASE_URL) as client:
        assert (await sign_in(client, "tuan")).status_code == 303


async def test_admin_lifts_an_accounts_sign_in_cool_down(
        app: Starlette, running: Runtime, login: Login) -> None:
    await store(running).add("hoa.cooldown", PASSWORD, "editor")
    for n in range(MAX_ATTEMPTS_PER_ACCOUNT // MAX_ATTEMPTS_PER_ADDRESS):
        transport = httpx.ASGITransport(app=app, client=(f"10.7.0.{n}", 5000))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            for _ in range(MAX_ATTEMPTS_PER_ADDRESS):
                assert (await sign_in(client, "hoa.cooldown", "sai")).status_code == 401
    owner = httpx.ASGITransport(app=app, client=("10.7.1.1", 5000))
    async with httpx.AsyncClient(transport=owner, base_url=BASE_URL) as client:
        assert (await sign_in(client, "hoa.cooldown")).status_code == 429
        admin = await login("admin")
        page = await admin.get("/staff/users")
        assert "Tạm chặn đăng nhập" in page.text and 'value="unlock"' in page.text
        done = await admin.post("/staff/users/hoa.cooldown", data={"csrf": admin.csrf,
                                                          "action": "unlock"})
        assert done.status_code == 303
        assert "Tạm chặn đăng nhập" not in (await admin.get("/staff/users")).text
        assert (await sign_in(client, "hoa.cooldown")).status_code == 303


async def test_expired_session_goes_back_to_sign_in(app: Starlette, running: Runtime,
                                                    settings: Settings,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    account = await store(running).add("cu", PASSWORD, "editor")
    serializer = URLSafeTimedSerializer(settings.staff_secret(),
                                        salt="citizen-bot/staff-session")
    real = time.time
    monkeypatch.setattr("itsdangerous.timed.time.time",
                        lambda: real() - settings.staff_session_hours * 3600 - 60)
    old = serializer.dumps({"u": account.id, "e": account.session_epoch, "c": "tok"})
    monkeypatch.undo()
    async with client_for(app) as client:
        client.cookies.set("staff_session", old, domain="testserver.local", path="/staff")
        response = await client.get("/staff/topics")
        assert response.status_code == 303
        assert response.headers["location"] == "/staff/login?next=/staff/topics&expired=1"
        page = await client.get(response.headers["location"])
        assert "Phiên làm việc đã hết hạn" in page.text
        posted = await client.post("/staff/topics/khai-sinh", data={"csrf": "tok"})
        assert posted.status_code == 401


async def test_sign_out_password_change_and_disabling_end_sessions(
        login: Login, running: Runtime) -> None:
    first = await login("editor", "ha")
    second = await login("editor", "ha")  # the same person on a second device
    out = await first.post("/staff/logout", data={"csrf": first.csrf})
    assert out.status_code == 303 and out.headers["location"] == "/staff/login?bye=1"
    assert (await first.get("/staff/")).status_code == 303
    assert (await second.get("/staff/")).status_code == 303  # signed out everywhere
    admin = await login("admin")
    victim = await login("editor", "khoa")
    disabled = await admin.post("/staff/users/khoa", data={"csrf": admin.csrf,
                                                           "action": "disable"})
    assert disabled.status_code == 303
    assert (await victim.get("/staff/")).status_code == 303
    async with client_for(running_app(admin)) as again:
        assert (await sign_in(again, "khoa")).status_code == 401


def running_app(client: httpx.AsyncClient) -> Starlette:
    return client._transport.app  # type: ignore[attr-defined]


async def test_change_own_password(login: Login) -> None:
    client = await login("reviewer", "doi.mk")
    page = await client.get("/staff/account")
    wrong = await client.post("/staff/account", data={
        "csrf": csrf_of(page.text), "current": "sai", "password": "mat-khau-moi-2",
        "password2": "mat-khau-moi-2"})
    assert wrong.status_code == 400 and "không đúng" in wrong.text
    done = await client.post("/staff/account", data={
        "csrf": client.csrf, "current": PASSWORD, "password": "mat-khau-moi-2",
        "password2": "mat-khau-moi-2"})
    assert done.status_code == 303
    assert (await client.get("/staff/")).status_code == 200  # this device stays signed in


async def test_next_parameter_cannot_leave_the_workspace(app: Starlette,
                                                         running: Runtime) -> None:
    await store(running).add("chi", PASSWORD, "editor")
    async with client_for(app) as client:
        page = await client.get("/staff/login?next=//evil.example/x")
        assert 'value="/staff/"' in page.text
        token = page.text.split('name="csrf" value="')[1].split('"')[0]
        response = await client.post("/staff/login", data={
            "csrf": token, "name": "chi", "password": PASSWORD, "next": "https://evil.example"})
        assert response.headers["location"] == "/staff/"


async def test_last_admin_cannot_lock_themselves_out(login: Login, running: Runtime) -> None:
    admin = await login("admin", "sole.admin")
    for other in await store(running).all():
        if other.role == "admin" and other.name != "sole.admin":
            await store(running).set_active(other.name, False)
    refused = await admin.post("/staff/users/sole.admin", data={"csrf": admin.csrf,
                                                                "action": "disable"})
    assert refused.status_code == 400 and "ít nhất một quản trị" in refused.text
