"""Unanswered inbox, spreadsheet round trip, dashboard and the topic list, over HTTP."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from bot.runtime import Runtime
from bot.storage.knowledge import LIVE, PENDING
from knowledge.workbook import (
    MAX_FILE_BYTES,
    QUESTIONS_SHEET,
    TOPICS_SHEET,
    XLSX_MEDIA_TYPE,
    export_xlsx,
    import_xlsx,
)
from tests.bot.web.staff.conftest import Login
from tests.knowledge.workbook.staff_edits import edit, headers, set_topic

pytestmark = pytest.mark.asyncio(loop_scope="module")

UNANSWERED = ["giá vàng hôm nay bao nhiêu", "gia vang hom nay bao nhieu",
              "giá vàng hôm nay bao nhiêu vậy"]


async def ask(app_client, text: str, n: int) -> None:  # type: ignore[no-untyped-def]
    response = await app_client.post("/api/chat", json={"client_id": f"inbox-test-{n:04d}",
                                                         "text": text})
    assert response.status_code == 200


async def count_versions(runtime: Runtime) -> int:
    assert runtime.storage is not None
    return len(await runtime.storage.knowledge.history(1000))


async def test_unanswered_inbox_actions(login: Login, running: Runtime) -> None:
    reviewer = await login("reviewer")
    for i, text in enumerate(UNANSWERED):
        await ask(reviewer, text, i)
    await ask(reviewer, "cho hỏi thủ tục nuôi chó mèo trong nhà", 9)
    assert running.storage is not None
    await running.storage.events.flush()
    page = await reviewer.get("/staff/inbox")
    assert page.status_code == 200
    assert "giá vàng hôm nay" in page.text and "3 lần hỏi" in page.text
    assert "Tạo chủ đề mới từ câu này" in page.text and "Ngoài phạm vi" in page.text
    key = page.text.split('name="key" value="')[1].split('"')[0]
    out = await reviewer.post("/staff/inbox/out", data={"csrf": reviewer.csrf, "key": key})
    assert out.status_code == 303
    page = await reviewer.get("/staff/inbox")
    assert "giá vàng hôm nay" not in page.text
    # The other group becomes an example question of a topic, live at once for a reviewer.
    assert "nuôi chó mèo" in page.text
    key = page.text.split('name="key" value="')[1].split('"')[0]
    attached = await reviewer.post("/staff/inbox/attach", data={
        "csrf": reviewer.csrf, "key": key, "topic_id": "thong-bao-luu-tru",
        "question": "cho hỏi thủ tục nuôi chó mèo trong nhà"})
    assert attached.status_code == 303
    questions = running.knowledge.current.kb.topics["thong-bao-luu-tru"].questions
    assert "cho hỏi thủ tục nuôi chó mèo trong nhà" in questions
    page = await reviewer.get("/staff/inbox")
    assert "Thử lại: trợ lý giờ trả lời câu này" in page.text  # the flash message
    assert 'inbox-question">“cho hỏi' not in page.text and "Không còn câu hỏi" in page.text
    new_topic = await reviewer.get("/staff/topics/new?question=abc&key=xyz")
    assert 'name="triage_key" value="xyz"' in new_topic.text


async def test_spreadsheet_download_is_the_live_knowledge(login: Login,
                                                          running: Runtime) -> None:
    editor = await login("editor")
    response = await editor.get("/staff/spreadsheet/download")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX_MEDIA_TYPE
    assert "attachment" in response.headers["content-disposition"]
    documents = import_xlsx(response.content)
    kb = running.knowledge.current.kb
    assert documents.to_json()["topics"].keys() == kb.documents.to_json()["topics"].keys()


def _drop_column(sheet: str, header: str):  # type: ignore[no-untyped-def]
    def change(wb: Workbook) -> None:
        wb[sheet].delete_cols(headers(wb, sheet).index(header) + 1)
    return change


def _rename_sheet(wb: Workbook) -> None:
    wb[QUESTIONS_SHEET].title = "Cau hoi"


def _duplicate_id(wb: Workbook) -> None:
    ws = wb[TOPICS_SHEET]
    ws.cell(3, 1).value = ws.cell(2, 1).value


BROKEN = {
    "bad sheet": (_rename_sheet, ["Câu hỏi mẫu"]),
    "missing column": (_drop_column(TOPICS_SHEET, "Lệ phí"), ["Chủ đề", "Lệ phí"]),
    "duplicate id": (_duplicate_id, ["Chủ đề, dòng 3", "trùng"]),
    "invalid date": (set_topic("khai-sinh", "Ngày kiểm tra", "31/02/2026"),
                     ["Chủ đề, dòng", "Ngày kiểm tra"]),
}


@pytest.mark.parametrize("case", list(BROKEN))
async def test_broken_spreadsheet_shows_every_error_and_applies_nothing(
        login: Login, running: Runtime, case: str) -> None:
    reviewer = await login("reviewer")
    change, expected = BROKEN[case]
    kb = running.knowledge.current.kb
    data = edit(export_xlsx(kb.documents), change)
    before = await count_versions(running)
    live = running.knowledge.stored_version
    response = await reviewer.post("/staff/spreadsheet/upload", data={"csrf": reviewer.csrf},
                                   files={"file": ("sua.xlsx", data, XLSX_MEDIA_TYPE)})
    assert response.status_code == 400
    assert "chưa nhập gì" in response.text
    for text in expected:
        assert text in response.text, (case, text)
    assert await count_versions(running) == before
    assert running.knowledge.stored_version == live


async def test_oversized_or_wrong_files_are_refused(login: Login, running: Runtime) -> None:
    reviewer = await login("reviewer")
    before = await count_versions(running)
    big = b"PK" + b"\0" * (MAX_FILE_BYTES + 10)
    response = await reviewer.post("/staff/spreadsheet/upload", data={"csrf": reviewer.csrf},
                                   files={"file": ("lon.xlsx", big, XLSX_MEDIA_TYPE)})
    assert response.status_code == 400 and "quá lớn" in response.text
    huge = b"PK" + b"\0" * (MAX_FILE_BYTES + 512 * 1024)
    response = await reviewer.post("/staff/spreadsheet/upload", data={"csrf": reviewer.csrf},
                                   files={"file": ("rat-lon.xlsx", huge, XLSX_MEDIA_TYPE)})
    assert response.status_code == 413 and "quá lớn" in response.text
    response = await reviewer.post("/staff/spreadsheet/upload", data={"csrf": reviewer.csrf},
                                   files={"file": ("cu.xls", b"\xd0\xcf\x11\xe0xxxx",
                                                   "application/vnd.ms-excel")})
    assert response.status_code == 400 and ".xls" in response.text
    assert await count_versions(running) == before


async def test_valid_spreadsheet_is_a_normal_reviewed_change(login: Login,
                                                             running: Runtime) -> None:
    editor, reviewer = await login("editor"), await login("reviewer")
    kb = running.knowledge.current.kb
    data = edit(export_xlsx(kb.documents), set_topic("khai-tu", "Lệ phí", "Phí từ bảng tính 66"))
    response = await editor.post("/staff/spreadsheet/upload", data={"csrf": editor.csrf},
                                 files={"file": ("sua.xlsx", data, XLSX_MEDIA_TYPE)})
    assert response.status_code == 200 and "sửa 1 chủ đề: khai-tu" in response.text
    assert running.storage is not None
    newest = (await running.storage.knowledge.history(1))[0]
    assert newest.status == PENDING and newest.source == "spreadsheet"
    assert running.knowledge.current.kb.topics["khai-tu"].fee != "Phí từ bảng tính 66"
    again = await reviewer.post("/staff/spreadsheet/upload", data={"csrf": reviewer.csrf},
                                files={"file": ("sua.xlsx", data, XLSX_MEDIA_TYPE)})
    assert again.status_code == 200 and "Hoàn tác lần nhập này" in again.text
    newest = (await running.storage.knowledge.history(1))[0]
    assert newest.status == LIVE
    assert running.knowledge.current.kb.topics["khai-tu"].fee == "Phí từ bảng tính 66"
    same = await reviewer.post("/staff/spreadsheet/upload", data={"csrf": reviewer.csrf},
                               files={"file": ("sua.xlsx", data, XLSX_MEDIA_TYPE)})
    assert "không có gì khác" in same.text


async def test_topic_list_search_and_filters(login: Login, running: Runtime) -> None:
    editor = await login("editor")
    page = await editor.get("/staff/topics?q=khai+sinh")
    assert "Đăng ký khai sinh" in page.text and "Đăng ký kết hôn" not in page.text
    page = await editor.get("/staff/topics?q=lam+giay+khai+sinh+cho+con")  # a citizen's words
    assert "/staff/topics/khai-sinh" in page.text
    page = await editor.get("/staff/topics?category=identity")
    assert "căn cước" in page.text.lower() and "/staff/topics/khai-sinh" not in page.text
    await ask(editor, "làm giấy khai sinh cho con ở đâu", 20)
    assert running.storage is not None
    await running.storage.events.flush()
    popular = await editor.get("/staff/topics?show=popular")
    assert "/staff/topics/khai-sinh" in popular.text and "lượt hỏi" in popular.text
    stale = await editor.get("/staff/topics?show=stale")
    assert stale.status_code == 200


async def test_dashboard_shows_the_weekly_summary_and_downloads(login: Login,
                                                                running: Runtime) -> None:
    editor = await login("editor")
    page = await editor.get("/staff/dashboard")
    assert page.status_code == 200 and "Báo cáo tuần" in page.text
    assert "/staff/dashboard/files/" in page.text and ".png" in page.text
    folder = page.text.split("/staff/dashboard/files/")[1].split("/")[0]
    image = await editor.get(f"/staff/dashboard/files/{folder}/questions_per_day.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    report = await editor.get(f"/staff/dashboard/files/{folder}/summary.html")
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    for bad in (f"{folder}/../../staff.sqlite3", "..%2F..%2Fx/summary.html",
                f"{folder}/evil.sh"):
        assert (await editor.get(f"/staff/dashboard/files/{bad}")).status_code == 404
    refreshed = await editor.post("/staff/dashboard/refresh", data={"csrf": editor.csrf,
                                                                    "week": "2026-W01"})
    assert refreshed.status_code == 303


async def test_the_inbox_proposes_the_topic_the_citizen_picked(login: Login,
                                                             running: Runtime) -> None:
    """A question answered with choices, then a choice tapped in the web chat: the inbox
    shows the pick and pre-selects it as the topic to attach the question to."""
    reviewer = await login("reviewer")
    client = {"client_id": "inbox-pick-0001"}
    question = "đổi bằng lái xe và đăng ký xe máy mới mua"  # two topics named: both offered
    asked = (await reviewer.post("/api/chat", json={**client, "text": question})).json()
    offered = [c["action"] for c in asked["reply"]["choices"]
               if c["action"].startswith("topic:")]
    assert len(offered) >= 2, asked
    picked = offered[1][len("topic:"):]
    tapped = await reviewer.post("/api/chat", json={**client, "action": offered[1]})
    assert tapped.status_code == 200
    assert running.storage is not None
    await running.storage.events.flush()
    page = await reviewer.get("/staff/inbox")
    title = running.knowledge.current.kb.topics[picked].title
    assert "Người dân đã chọn trong các gợi ý" in page.text
    assert f'<option value="{picked}" selected>' in page.text
    assert title in page.text.split("Người dân đã chọn")[1].split("</p>")[0]
    key = page.text.split('name="key" value="')[1].split('"')[0]
    out = await reviewer.post("/staff/inbox/out", data={"csrf": reviewer.csrf, "key": key})
    assert out.status_code == 303
