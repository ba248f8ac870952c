"""Hostile workbooks through the staff upload page: a clear 400, nothing applied."""

from __future__ import annotations

import pytest

from bot.server import Runtime
from knowledge.workbook import XLSX_MEDIA_TYPE, export_xlsx
from tests.bot.web.staff.conftest import Login
from tests.knowledge.workbook.hostile_xlsx import HOSTILE

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_hostile_workbooks_are_refused_clearly(login: Login, running: Runtime) -> None:
    reviewer = await login("reviewer")
    exported = export_xlsx(running.knowledge.current.kb.documents)
    assert running.storage is not None
    before = len(await running.storage.knowledge.history(500))
    live = running.knowledge.stored_version
    for case, (build, words) in HOSTILE.items():
        response = await reviewer.post(
            "/staff/spreadsheet/upload", data={"csrf": reviewer.csrf},
            files={"file": ("tan-cong.xlsx", build(exported), XLSX_MEDIA_TYPE)})
        assert response.status_code == 400, case
        assert words in response.text and "chưa nhập gì" in response.text, case
    assert len(await running.storage.knowledge.history(500)) == before
    assert running.knowledge.stored_version == live
    assert (await reviewer.get("/staff/spreadsheet")).status_code == 200
