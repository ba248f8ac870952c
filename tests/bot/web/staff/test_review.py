"""Versions over HTTP: edit → pending → approve → live at once; diff, reject, restore, merge."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from bot.runtime import Runtime
from bot.server import create_app
from bot.storage.knowledge import LIVE, PENDING, REJECTED
from handlers import texts
from knowledge.matcher import Decision
from tests.bot.web.staff.conftest import (
    Login,
    client_for,
    sign_in,
    staff_settings,
    store,
    topic_form,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

NEW_STEP = "Bước thử nghiệm 7421: mở ứng dụng VNeID, chọn mục Thủ tục hành chính"
NEW_QUESTION = "thủ tục cho đứa nhỏ mới đẻ ra giấy tờ đầu tiên 9137"


def steps_of(runtime: Runtime, topic_id: str) -> tuple[str, ...]:
    return tuple(runtime.knowledge.current.kb.topics[topic_id].steps)


async def chat(client: httpx.AsyncClient, text: str) -> str:
    response = await client.post("/api/chat", json={"client_id": "staff-test-0001",
                                                     "text": text})
    assert response.status_code == 200
    reply = response.json()["reply"]
    return str(reply)


async def versions(runtime: Runtime) -> dict[int, str]:
    assert runtime.storage is not None
    return {v.id: v.status for v in await runtime.storage.knowledge.history(500)}


async def latest(runtime: Runtime) -> tuple[int, str]:
    history = await versions(runtime)
    newest = max(history)
    return newest, history[newest]


async def test_editor_change_waits_for_review_then_is_live_at_once(
        login: Login, running: Runtime, app: Starlette) -> None:
    editor, reviewer = await login("editor"), await login("reviewer")
    before = steps_of(running, "khai-sinh")
    live_before = running.knowledge.stored_version
    data = topic_form(running, "khai-sinh", editor.csrf,
                      steps=[*before[:1], NEW_STEP, *before[1:]],
                      message="thêm bước mở VNeID")
    saved = await editor.post("/staff/topics/khai-sinh", data=data)
    assert saved.status_code == 303 and saved.headers["location"] == "/staff/topics/khai-sinh"
    pending_id, status = await latest(running)
    assert status == PENDING
    page = await editor.get("/staff/topics/khai-sinh")
    assert "Đã gửi thay đổi" in page.text and "chờ duyệt" in page.text
    # Not live yet: the bot still answers with the old steps.
    assert steps_of(running, "khai-sinh") == before
    assert running.knowledge.stored_version == live_before
    async with client_for(app) as citizen:
        assert NEW_STEP not in await chat(citizen, "làm giấy khai sinh cho con")

    # The reviewer sees it waiting, with a readable diff.
    listing = await reviewer.get("/staff/changes?show=pending")
    assert f"#{pending_id}" in listing.text and "thêm bước mở VNeID" in listing.text
    diff = await reviewer.get(f"/staff/changes/{pending_id}")
    assert diff.status_code == 200
    assert f"<ins>{NEW_STEP}" not in diff.text  # list items are whole lines, not word diffs
    assert NEW_STEP in diff.text and "item-add" in diff.text and "Các bước làm" in diff.text
    assert "Duyệt và áp dụng" in diff.text

    approved = await reviewer.post(f"/staff/changes/{pending_id}/approve",
                                   data={"csrf": reviewer.csrf})
    assert approved.status_code == 303
    assert (await versions(running))[pending_id] == LIVE
    assert running.knowledge.stored_version == pending_id
    assert NEW_STEP in steps_of(running, "khai-sinh")
    async with client_for(app) as citizen:
        assert NEW_STEP in await chat(citizen, "làm giấy khai sinh cho con")
    # Approving twice is harmless.
    again = await reviewer.post(f"/staff/changes/{pending_id}/approve",
                                data={"csrf": reviewer.csrf})
    assert again.status_code == 303 and again.headers["location"].endswith(f"/{pending_id}")


async def test_new_example_question_matches_right_after_approval(
        login: Login, running: Runtime, app: Starlette) -> None:
    editor, reviewer = await login("editor"), await login("reviewer")
    matcher = running.knowledge.current.matcher
    before = matcher.match(NEW_QUESTION)
    assert not (before.decision is Decision.ANSWER and before.topic == "khai-sinh")
    questions = list(running.knowledge.current.kb.topics["khai-sinh"].questions)
    await editor.post("/staff/topics/khai-sinh", data=topic_form(
        running, "khai-sinh", editor.csrf, questions=[*questions, NEW_QUESTION]))
    pending_id, status = await latest(running)
    assert status == PENDING
    tried = await editor.post("/staff/api/try", data={"csrf": editor.csrf,
                                                      "question": NEW_QUESTION})
    assert not (tried.json()["decision"] == "answer" and tried.json()["topic"] == "khai-sinh")
    await reviewer.post(f"/staff/changes/{pending_id}/approve", data={"csrf": reviewer.csrf})
    after = running.knowledge.current.matcher.match(NEW_QUESTION)
    assert after.decision is Decision.ANSWER and after.topic == "khai-sinh"
    async with client_for(app) as citizen:
        response = await citizen.post("/api/chat", json={"client_id": "staff-test-0002",
                                                         "text": NEW_QUESTION})
        reply = response.json()["reply"]
    assert reply["kind"] == "answer" and reply["topic"] == "khai-sinh"


async def test_try_box_uses_the_unsaved_draft(login: Login, running: Runtime) -> None:
    editor = await login("editor")
    question = "giấy chứng nhận cho con mới chào đời làm sao 5521"
    questions = list(running.knowledge.current.kb.topics["khai-sinh"].questions)
    data = topic_form(running, "khai-sinh", editor.csrf, questions=[*questions, question])
    data.update(question=question, draft="1")
    result = (await editor.post("/staff/api/try", data=data)).json()
    assert result["source"] == "draft"
    assert result["decision"] == "answer" and result["topic"] == "khai-sinh"
    assert result["title"] == running.knowledge.current.kb.topics["khai-sinh"].title


async def test_preview_shows_telegram_and_zalo_exactly(login: Login, running: Runtime) -> None:
    editor = await login("editor")
    data = topic_form(running, "trich-luc-ho-tich", editor.csrf, fee="Lệ phí <b>9.999</b> đồng")
    preview = (await editor.post("/staff/api/preview", data=data)).json()
    assert preview["ok"] is True
    telegram = "\n".join(preview["telegram"]["messages"])
    assert "<b>Lệ phí:</b> Lệ phí &lt;b&gt;9.999&lt;/b&gt; đồng" in telegram
    assert [texts.BUTTON_HELPFUL, texts.BUTTON_NOT_HELPFUL] in preview["telegram"]["buttons"]
    zalo = preview["zalo"]["messages"]
    assert all(len(m) <= 2000 for m in zalo)
    assert "Lệ phí: Lệ phí <b>9.999</b> đồng" in "\n".join(zalo)
    assert re.search(r"\n1\. .*\n2\. ", zalo[-1]) and "để chọn" in zalo[-1]
    bad = topic_form(running, "trich-luc-ho-tich", editor.csrf, steps=[])
    errors = (await editor.post("/staff/api/preview", data=bad)).json()
    assert errors["ok"] is False and "Các bước làm" in errors["errors"]


async def test_invalid_edit_is_refused_with_the_input_kept(login: Login,
                                                           running: Runtime) -> None:
    reviewer = await login("reviewer")
    before = await versions(running)
    data = topic_form(running, "khai-sinh", reviewer.csrf, steps=[],
                      sources=["dichvucong.gov.vn không có https"],
                      fee="Phí tôi vừa gõ 1234")
    response = await reviewer.post("/staff/topics/khai-sinh", data=data)
    assert response.status_code == 400
    assert "Chưa lưu" in response.text and "không được để trống" in response.text
    assert "không phải địa chỉ web" in response.text
    assert "Phí tôi vừa gõ 1234" in response.text  # nothing typed is lost
    assert await versions(running) == before


async def test_reviewer_edit_is_live_and_restore_brings_it_back(login: Login,
                                                                running: Runtime) -> None:
    reviewer = await login("reviewer")
    old_fee = running.knowledge.current.kb.topics["dang-ky-tam-tru"].fee
    await reviewer.post("/staff/topics/dang-ky-tam-tru", data=topic_form(
        running, "dang-ky-tam-tru", reviewer.csrf, fee="Phí mới 777 đồng"))
    edited_id, status = await latest(running)
    assert status == LIVE and running.knowledge.stored_version == edited_id
    assert running.knowledge.current.kb.topics["dang-ky-tam-tru"].fee == "Phí mới 777 đồng"
    history = await reviewer.get("/staff/topics/dang-ky-tam-tru/history")
    assert f"#{edited_id}" in history.text
    before_edit = max(v for v in await versions(running) if v < edited_id)
    restored = await reviewer.post(f"/staff/changes/{before_edit}/restore",
                                   data={"csrf": reviewer.csrf, "topic": "dang-ky-tam-tru"})
    assert restored.status_code == 303
    restore_id, status = await latest(running)
    assert restore_id > edited_id and status == LIVE
    assert running.knowledge.current.kb.topics["dang-ky-tam-tru"].fee == old_fee
    # Nothing is lost: the edited version is still there, and restorable in turn.
    assert (await versions(running))[edited_id] == LIVE
    diff = await reviewer.get(f"/staff/changes/{restore_id}")
    assert "Phí mới 777 đồng" in diff.text and "Khôi phục" in diff.text


async def test_restore_by_an_editor_is_a_pending_change(login: Login,
                                                        running: Runtime) -> None:
    editor = await login("editor")
    response = await editor.post("/staff/changes/1/restore", data={"csrf": editor.csrf})
    assert response.status_code == 303
    newest, status = await latest(running)
    assert status == PENDING
    assert running.knowledge.stored_version != newest


async def test_rejected_change_is_kept_and_never_served(login: Login,
                                                        running: Runtime) -> None:
    editor, reviewer = await login("editor"), await login("reviewer")
    await editor.post("/staff/topics/ly-lich-tu-phap", data=topic_form(
        running, "ly-lich-tu-phap", editor.csrf, fee="Phí bịa đặt 31337"))
    pending_id, _ = await latest(running)
    rejected = await reviewer.post(f"/staff/changes/{pending_id}/reject",
                                   data={"csrf": reviewer.csrf})
    assert rejected.status_code == 303
    assert (await versions(running))[pending_id] == REJECTED
    assert "31337" not in running.knowledge.current.kb.topics["ly-lich-tu-phap"].fee
    page = await reviewer.get(f"/staff/changes/{pending_id}")
    assert "Không duyệt" in page.text and "31337" in page.text


async def test_approval_merges_onto_newer_edits_or_reports_a_clash(
        login: Login, running: Runtime) -> None:
    editor, reviewer = await login("editor"), await login("reviewer")
    topic = "ket-hon"
    await editor.post(f"/staff/topics/{topic}", data=topic_form(
        running, topic, editor.csrf, processing_time="Trong ngày (đề xuất 1)"))
    first, _ = await latest(running)
    await editor.post(f"/staff/topics/{topic}", data=topic_form(
        running, topic, editor.csrf, fee="Phí đề xuất 2"))
    second, _ = await latest(running)
    # Meanwhile a reviewer changes another field of the same topic directly.
    await reviewer.post(f"/staff/topics/{topic}", data=topic_form(
        running, topic, reviewer.csrf, summary="Tóm tắt mới của người duyệt."))
    await reviewer.post(f"/staff/changes/{first}/approve", data={"csrf": reviewer.csrf})
    kb_topic = running.knowledge.current.kb.topics[topic]
    assert kb_topic.processing_time == "Trong ngày (đề xuất 1)"
    assert kb_topic.summary == "Tóm tắt mới của người duyệt."  # not undone by the approval
    await reviewer.post(f"/staff/changes/{second}/approve", data={"csrf": reviewer.csrf})
    kb_topic = running.knowledge.current.kb.topics[topic]
    assert (kb_topic.fee, kb_topic.processing_time) == ("Phí đề xuất 2",
                                                        "Trong ngày (đề xuất 1)")
    # A clash: a proposal and a newer live edit of the same field.
    await editor.post(f"/staff/topics/{topic}", data=topic_form(
        running, topic, editor.csrf, fee="Phí của người soạn"))
    clash, _ = await latest(running)
    await reviewer.post(f"/staff/topics/{topic}", data=topic_form(
        running, topic, reviewer.csrf, fee="Phí của người duyệt"))
    refused = await reviewer.post(f"/staff/changes/{clash}/approve",
                                  data={"csrf": reviewer.csrf})
    page = await reviewer.get(refused.headers["location"])
    assert "Chưa duyệt được" in page.text and "Lệ phí" in page.text
    assert (await versions(running))[clash] == PENDING
    assert running.knowledge.current.kb.topics[topic].fee == "Phí của người duyệt"


async def test_editing_from_a_stale_page_never_undoes_a_newer_edit(
        login: Login, running: Runtime) -> None:
    first, second = await login("reviewer"), await login("reviewer")
    topic = "can-cuoc-cap-doi-cap-lai"
    stale_form = topic_form(running, topic, first.csrf, fee="Phí của người thứ nhất")
    stale_clash = topic_form(running, topic, first.csrf, processing_time="Hạn của A")
    await second.post(f"/staff/topics/{topic}", data=topic_form(
        running, topic, second.csrf, processing_time="Hạn của người thứ hai"))
    merged = await first.post(f"/staff/topics/{topic}", data=stale_form)
    assert merged.status_code == 303
    kb_topic = running.knowledge.current.kb.topics[topic]
    assert (kb_topic.fee, kb_topic.processing_time) == ("Phí của người thứ nhất",
                                                        "Hạn của người thứ hai")
    clash = await first.post(f"/staff/topics/{topic}", data=stale_clash)
    assert clash.status_code == 409
    assert "người khác đã sửa chính các mục này" in clash.text and "Hạn của A" in clash.text
    assert running.knowledge.current.kb.topics[topic].processing_time == "Hạn của người thứ hai"


async def test_new_topic_from_the_form(login: Login, running: Runtime) -> None:
    reviewer = await login("reviewer")
    page = await reviewer.get("/staff/topics/new?question=xin+giấy+phép+karaoke")
    assert page.status_code == 200 and "xin giấy phép karaoke" in page.text
    base = topic_form(running, "khai-sinh", reviewer.csrf)
    data = {k: v for k, v in base.items() if k not in ("topic_id", "related")}
    questions = [f"câu hỏi karaoke số {i}" for i in range(8)]
    data.update(id="giay-phep-karaoke", title="Giấy phép kinh doanh karaoke",
                questions="\n".join(questions))
    data.pop("reviewed_on", None)
    refused = await reviewer.post("/staff/topics/new", data=data)
    assert refused.status_code == 400 and "reviewed_on" in refused.text  # when was it checked?
    data["reviewed_on"] = "2026-12-01"
    created = await reviewer.post("/staff/topics/new", data=data)
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/staff/topics/giay-phep-karaoke"
    assert "giay-phep-karaoke" in running.knowledge.current.kb.topics
    duplicate = await reviewer.post("/staff/topics/new", data=data)
    assert duplicate.status_code == 400 and "Đã có chủ đề mã" in duplicate.text


async def test_review_can_be_turned_off_for_tiny_communes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(staff_settings(tmp_path, review_required=False))
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        await store(runtime).add("mot.nguoi", "mat-khau-thu-1", "editor")
        async with client_for(app) as client:
            assert (await sign_in(client, "mot.nguoi")).status_code == 303
            page = await client.get("/staff/topics/khai-sinh")
            assert "Lưu và áp dụng ngay" in page.text
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
            await client.post("/staff/topics/khai-sinh", data=topic_form(
                runtime, "khai-sinh", csrf, fee="Miễn phí (thử)"))
        assert runtime.knowledge.current.kb.topics["khai-sinh"].fee == "Miễn phí (thử)"
        history = await runtime.storage.knowledge.history()
        assert history[0].status == LIVE and history[0].author == "web:mot.nguoi"


async def test_whole_loop_on_the_configured_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Uses DATABASE_URL when set (the PostgreSQL run of the suite), else SQLite."""
    from bot.config import Settings

    app = create_app(Settings(data_dir=tmp_path, knowledge_poll_seconds=3600))
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        await store(runtime).add("pg.soan", "mat-khau-thu-1", "editor")
        await store(runtime).add("pg.duyet", "mat-khau-thu-1", "reviewer")
        async with client_for(app) as editor, client_for(app) as reviewer:
            for client, name in ((editor, "pg.soan"), (reviewer, "pg.duyet")):
                assert (await sign_in(client, name)).status_code == 303
            csrf = {}
            for client in (editor, reviewer):
                page = await client.get("/staff/")
                csrf[id(client)] = re.search(r'name="csrf-token" content="([^"]+)"',
                                             page.text).group(1)
            await editor.post("/staff/topics/khai-tu", data=topic_form(
                runtime, "khai-tu", csrf[id(editor)], fee="Phí thử PG 42"))
            pending = (await runtime.storage.knowledge.history(1))[0]
            assert pending.status == PENDING
            assert "Phí thử PG 42" in (await reviewer.get(f"/staff/changes/{pending.id}")).text
            await reviewer.post(f"/staff/changes/{pending.id}/approve",
                                data={"csrf": csrf[id(reviewer)]})
            assert runtime.knowledge.current.kb.topics["khai-tu"].fee == "Phí thử PG 42"
            await reviewer.post(f"/staff/changes/{pending.id - 1}/restore",
                                data={"csrf": csrf[id(reviewer)], "topic": "khai-tu"})
            assert runtime.knowledge.current.kb.topics["khai-tu"].fee != "Phí thử PG 42"
            assert (await reviewer.get("/staff/topics/khai-tu/history")).status_code == 200
            assert (await reviewer.get("/staff/changes")).status_code == 200
