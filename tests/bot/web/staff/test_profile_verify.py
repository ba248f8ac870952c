"""Commune profile, first-run checklist, dated changes on the home page and the
verification queue, over HTTP against the real app (SQLite, real workflow)."""

from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo

import pytest

from bot.runtime import Runtime
from bot.storage.knowledge import PENDING
from handlers import texts
from knowledge.validity import open_checks, upcoming
from tests.bot.web.staff.conftest import Login

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _kb(runtime: Runtime):  # type: ignore[no-untyped-def]
    return runtime.knowledge.current.kb


async def test_home_shows_checklist_dates_and_open_checks(login: Login,
                                                          running: Runtime) -> None:
    editor = await login("editor")
    page = (await editor.get("/staff/")).text
    assert 'id="first-run"' in page
    for label in ("Số điện thoại hoặc thư điện tử", "Địa chỉ Trung tâm", "Giờ làm việc",
                  "Nhóm chat cán bộ"):
        assert label in page
    assert "STAFF_CHAT_IDS" in page and 'href="/staff/profile"' in page
    topics = list(_kb(running).topics.values())
    count = len(open_checks(topics))
    assert count > 0 and f'<span class="tile-number">{count}</span>' in page
    soon = upcoming(topics, dt.datetime.now(ZoneInfo(running.settings.timezone)).date())
    for change in soon:
        assert f'href="/staff/topics/{change.topic_id}"' in page


async def test_queue_lists_every_open_check_and_a_reviewer_marks_one_done(
        login: Login, running: Runtime) -> None:
    reviewer = await login("reviewer", "mai.lo")
    queue = html.unescape((await reviewer.get("/staff/verify")).text)
    topics = list(_kb(running).topics.values())
    before = open_checks(topics)
    assert all(check.what in queue for _, check in before)
    topic_id, check = before[0]
    index = _kb(running).topics[topic_id].verify.index(check)
    done = await reviewer.post("/staff/verify/done", data={
        "csrf": reviewer.csrf, "topic_id": topic_id, "index": str(index), "what": check.what,
        "next": f"/staff/topics/{topic_id}"})
    assert done.status_code == 303 and done.headers["location"] == f"/staff/topics/{topic_id}"
    closed = _kb(running).topics[topic_id].verify[index]
    assert not closed.open and closed.done_by == "Cán bộ mai.lo"
    assert len(open_checks(_kb(running).topics.values())) == len(before) - 1
    # Versioned like any edit: the change list names it, with who.
    assert running.storage is not None
    [latest] = await running.storage.knowledge.versions(limit=1)
    assert latest.author == "web:mai.lo" and "Đã xác minh" in latest.message
    topic_page = html.unescape((await reviewer.get(f"/staff/topics/{topic_id}")).text)
    assert "✓ Đã xác minh: Cán bộ mai.lo" in topic_page
    # Pressing again (an old page) does not create another version.
    again = await reviewer.post("/staff/verify/done", data={
        "csrf": reviewer.csrf, "topic_id": topic_id, "index": str(index), "what": check.what})
    assert again.status_code == 303
    [still] = await running.storage.knowledge.versions(limit=1)
    assert still.id == latest.id


async def test_an_editor_marking_done_waits_for_review(login: Login,
                                                      running: Runtime) -> None:
    editor = await login("editor")
    topic_id, check = open_checks(_kb(running).topics.values())[0]
    index = _kb(running).topics[topic_id].verify.index(check)
    await editor.post("/staff/verify/done", data={
        "csrf": editor.csrf, "topic_id": topic_id, "index": str(index), "what": check.what})
    assert _kb(running).topics[topic_id].verify[index].open  # not live yet
    assert running.storage is not None
    [latest] = await running.storage.knowledge.versions(limit=1)
    assert latest.status == PENDING


async def test_a_stale_check_is_refused(login: Login, running: Runtime) -> None:
    reviewer = await login("reviewer")
    topic_id, _ = open_checks(_kb(running).topics.values())[0]
    response = await reviewer.post("/staff/verify/done", data={
        "csrf": reviewer.csrf, "topic_id": topic_id, "index": "0", "what": "something else"})
    assert response.status_code == 303
    follow = await reviewer.get(response.headers["location"])
    assert "đã thay đổi hoặc không còn" in html.unescape(follow.text)


async def test_pick_commune_from_official_list_fills_names(login: Login,
                                                          running: Runtime) -> None:
    reviewer = await login("reviewer")
    page = html.unescape((await reviewer.get("/staff/profile?province=19")).text)
    assert page.count('<option value="') >= 34 + 90  # 34 provinces + Thái Nguyên's communes
    assert "Tỉnh Thái Nguyên" in page and "Xã Phủ Thông" in page
    # Another commune adopts the bot: Phường Ba Đình, Hà Nội (official code 00004).
    done = await reviewer.post("/staff/profile/pick", data={"csrf": reviewer.csrf,
                                                           "commune": "00004"})
    assert done.status_code == 303
    commune = _kb(running).commune
    assert (commune.name, commune.province) == ("Ba Đình", "Hà Nội")
    assert commune.centre_name == "Trung tâm Phục vụ hành chính công phường Ba Đình"
    assert commune.police_post == "Công an phường Ba Đình"
    # ... and back to Phủ Thông, Thái Nguyên.
    await reviewer.post("/staff/profile/pick", data={"csrf": reviewer.csrf,
                                                    "commune": "01969"})
    commune = _kb(running).commune
    assert (commune.name, commune.province) == ("Phủ Thông", "Thái Nguyên")
    assert commune.police_post == "Công an xã Phủ Thông"


async def test_profile_form_validates_and_saves_contact(login: Login,
                                                       running: Runtime) -> None:
    reviewer = await login("reviewer")
    base = {"csrf": reviewer.csrf, "centre_name": _kb(running).commune.centre_name,
            "police_post": "Công an xã Phủ Thông"}
    bad = await reviewer.post("/staff/profile", data={**base, "website": "xa-phu-thong"})
    assert bad.status_code == 400 and "không phải địa chỉ web đầy đủ" in html.unescape(bad.text)
    assert _kb(running).commune.website is None  # nothing stored
    # No staff chat, no phone yet: the web chat's "Hỏi cán bộ" says so and sends to the centre.
    before = (await reviewer.post("/api/chat", json={"client_id": "profile-test-0000",
                                                     "text": "hỏi cán bộ"})).text
    assert texts.HANDOFF_NOBODY in before and "trong giờ làm việc" in before
    good = await reviewer.post("/staff/profile", data={
        **base, "hotline": "0209 3 876 543", "centre_address": "Thôn Nà Phầy, xã Phủ Thông",
        "opening_hours": "Sáng 7h30–11h30, chiều 13h30–17h, thứ Hai đến thứ Sáu"})
    assert good.status_code == 303
    commune = _kb(running).commune
    assert commune.hotline == "0209 3 876 543" and commune.website is None
    home = (await reviewer.get("/staff/")).text
    checklist = home.split('id="first-run"')[1].split("</section>")[0]
    assert "Số điện thoại hoặc thư điện tử của Trung tâm</strong> — đã có" in checklist
    assert "Nhóm chat cán bộ cho “Hỏi cán bộ”</strong> — chưa có" in html.unescape(checklist)
    # The citizen's "Hỏi cán bộ" now gives the number.
    chat = await reviewer.post("/api/chat", json={"client_id": "profile-test-0001",
                                                  "text": "hỏi cán bộ"})
    assert "0209 3 876 543" in chat.text
