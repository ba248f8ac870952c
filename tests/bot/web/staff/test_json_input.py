"""The staff workspace's JSON bodies go through the shared bounded reader: hostile JSON
is a polite 400, never a 500, and the workspace keeps working."""

from __future__ import annotations

import pytest

from tests.bot.hostile_bodies import MALFORMED
from tests.bot.web.staff.conftest import Login

pytestmark = pytest.mark.asyncio(loop_scope="module")
JSON_CASES = [(name, body) for name, body, kind in MALFORMED
              if kind == "application/json" and body not in (b'"text"', b"")]


async def test_hostile_json_is_a_polite_400(login: Login) -> None:
    editor = await login("editor")
    for name, body in JSON_CASES:
        response = await editor.post("/staff/spreadsheet/upload", content=body,
                                     headers={"Content-Type": "application/json"})
        assert response.status_code == 400, name
        assert "Không đọc được nội dung gửi lên" in response.text, name
    assert (await editor.get("/staff/")).status_code == 200
