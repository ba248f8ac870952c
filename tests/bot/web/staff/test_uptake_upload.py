"""Official uptake figures uploaded from the workspace: the CLI's validation, all or nothing."""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from bot.storage.uptake import recent_figures
from tests.bot.web.staff.conftest import Login

pytestmark = pytest.mark.asyncio(loop_scope="module")

GOOD = ("topic_id;period_start;period_end;online;total\n"
        "khai-sinh;01/10/2026;31/10/2026;1.234;2.000\n"
        "ket-hon;2026-10-01;2026-10-31;5;40\n")
# One bad row among good ones: nothing may be written.
BAD = ("topic_id,period_start,period_end,online,total\n"
       "khai-sinh,2026-09-01,2026-09-30,10,20\n"
       "khong-co-chu-de,2026-09-01,2026-09-30,3,4\n"
       "ket-hon,2026-09-01,2026-09-30,50,40\n")


async def upload(client, name: str, body: str):  # type: ignore[no-untyped-def]
    return await client.post("/staff/uptake/upload", data={"csrf": client.csrf},
                             files={"file": (name, body.encode("utf-8-sig"), "text/csv")})


async def test_a_bad_file_imports_nothing_and_lists_every_error(login: Login,
                                                                running: Runtime) -> None:
    editor = await login("editor")
    assert running.storage is not None
    before = await recent_figures(running.storage.sessions)
    response = await upload(editor, "cong-dvc-thang-9.csv", BAD)
    assert response.status_code == 400
    assert "có 2 lỗi — chưa nhập dòng nào" in response.text
    assert "dòng 3: cột topic_id" in response.text and "khong-co-chu-de" in response.text
    assert "dòng 4: cột online" in response.text
    assert await recent_figures(running.storage.sessions) == before


async def test_a_valid_file_is_imported_and_shown(login: Login, running: Runtime) -> None:
    editor = await login("editor")
    response = await upload(editor, "cong-dvc-thang-10.csv", GOOD)
    assert response.status_code == 200, response.text
    assert "Đã nhập “cong-dvc-thang-10.csv”" in response.text
    assert "2 dòng mới, 0 dòng cập nhật" in response.text
    assert running.storage is not None
    figures = {(f.topic_id, f.online, f.total, f.source)
               for f in await recent_figures(running.storage.sessions)}
    assert ("khai-sinh", 1234, 2000, "cong-dvc-thang-10.csv") in figures
    again = await upload(editor, "cong-dvc-thang-10.csv", GOOD)  # re-importing is safe
    assert "0 dòng mới, 2 dòng cập nhật" in again.text
    page = await editor.get("/staff/uptake")
    assert "<strong>1234</strong>/2000" in page.text


async def test_the_dashboard_points_to_the_upload_page_not_a_command(
        login: Login, running: Runtime) -> None:
    editor = await login("editor")
    page = await editor.get("/staff/dashboard")
    assert page.status_code == 200
    assert 'href="/staff/uptake"' in page.text
    assert "citizen-bot uptake" not in page.text


async def test_upload_needs_a_signed_in_staff_member(app, running: Runtime) -> None:  # type: ignore[no-untyped-def]
    from tests.bot.web.staff.conftest import client_for

    async with client_for(app) as client:
        response = await client.post("/staff/uptake/upload", data={"csrf": "x"},
                                     files={"file": ("a.csv", b"x", "text/csv")})
        assert response.status_code == 401
