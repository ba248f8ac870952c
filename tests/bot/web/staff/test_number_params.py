"""Numbers typed into staff query strings and forms: a page or a refusal, never a 500.

Found by the hostile-input suite (tests/fuzz/test_hostile_suite.py): ``str.isdigit``
admits "²", which ``int`` refuses, and numbers longer than SQLite's integers.
"""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from bot.web.staff.forms import small_number
from tests.bot.web.staff.conftest import Login, topic_form

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
ODD = ["²", "٣", "9" * 30, "9" * 5000, "-1", " 2", "1e3", ""]


def test_small_number() -> None:
    assert small_number("12") == 12 and small_number(" 7 ") == 7
    assert [small_number(raw) for raw in ODD if raw.strip() != "2"] == [None] * 7


@MODULE_LOOP
async def test_change_list_pages(login: Login, running: Runtime) -> None:
    editor = await login("editor")
    for raw in ODD:
        response = await editor.get("/staff/changes", params={"page": raw, "show": "all"})
        assert response.status_code == 200, raw
    for digits in (30, 5000):  # a version id no database holds
        assert (await editor.get("/staff/changes/" + "9" * digits)).status_code == 404


@MODULE_LOOP
async def test_topic_form_base_version(login: Login, running: Runtime) -> None:
    editor = await login("editor")
    topic = sorted(running.knowledge.current.kb.topics)[0]
    for raw in ODD:
        data = topic_form(running, topic, editor.csrf, title="")  # type: ignore[attr-defined]
        data["base_version"] = raw
        response = await editor.post(f"/staff/topics/{topic}", data=data)
        assert response.status_code == 400, raw  # the empty title, not the number
