"""👎 "Chưa đúng" on the web chat → one-tap reason → the staff inbox, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from bot.runtime import Runtime
from bot.storage.models import Feedback
from handlers import texts
from tests.bot.web.staff.conftest import Login, client_for

pytestmark = pytest.mark.asyncio(loop_scope="module")

# A question the matcher answers with a topic; staff decide it belonged elsewhere.
QUESTION = "làm căn cước cho con 14 tuổi cần gì, gọi 0912345678"


async def post(client: httpx.AsyncClient, who: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/chat", json={"client_id": who, **body})
    assert response.status_code == 200, response.text
    return response.json()["reply"]  # type: ignore[no-any-return]


def action(reply: dict[str, Any], prefix: str) -> str:
    return next(c["action"] for c in reply["choices"] if c["action"].startswith(prefix))


async def votes(runtime: Runtime) -> list[Feedback]:
    assert runtime.storage is not None
    await runtime.storage.events.flush()
    async with runtime.storage.sessions() as session:
        return list((await session.scalars(select(Feedback))).all())


async def test_reason_reaches_the_inbox_and_staff_attach_the_stored_question(
        login: Login, running: Runtime) -> None:
    citizen, reviewer = await login("editor"), await login("reviewer")
    answer = await post(citizen, "disputed-0001", text=QUESTION)
    given = action(answer, "handoff:").removeprefix("handoff:")
    asked = await post(citizen, "disputed-0001", action=action(answer, "fb:n:"))
    reasons = [c for c in asked["choices"] if c["action"].startswith("fr:")]
    assert [c["label"] for c in reasons] == list(texts.FEEDBACK_REASONS.values())
    event_id = action(answer, "fb:n:")[5:]
    # Another citizen cannot add a reason to someone else's answer.
    await post(citizen, "disputed-0002", action=f"fr:wrong:{event_id}")
    thanked = await post(citizen, "disputed-0001", action=f"fr:topic:{event_id}")
    assert texts.FEEDBACK_REASON_THANKS in str(thanked)
    [vote] = [v for v in await votes(running) if v.event_id == event_id]
    assert (vote.helpful, vote.reason, vote.resolution) == (False, "topic", None)

    page = await reviewer.get("/staff/inbox")
    assert "Bị đánh giá chưa đúng" in page.text
    section = page.text.split('id="disputed"')[1].split("</section>")[0]
    assert "Không đúng chủ đề" in section
    title = running.knowledge.current.kb.topics[given].title
    assert title in section and f"/staff/topics/{given}" in section
    assert "0912345678" not in section and "[số điện thoại]" in section  # stored, redacted
    assert event_id in section

    # The form's question field is ignored: the stored, redacted text is what is added.
    target = next(t for t in running.knowledge.current.kb.topics if t != given)
    attached = await reviewer.post("/staff/inbox/disputed/attach", data={
        "csrf": reviewer.csrf, "event_id": event_id, "topic_id": target,
        "question": "câu do trình duyệt gửi lên"})
    assert attached.status_code == 303
    questions = running.knowledge.current.kb.topics[target].questions
    assert "câu do trình duyệt gửi lên" not in questions
    added = [q for q in questions if q.startswith("làm căn cước cho con 14 tuổi")]
    assert added and "0912345678" not in added[0]
    [vote] = [v for v in await votes(running) if v.event_id == event_id]
    assert vote.resolution == "example" and vote.resolved_by == f"web:{reviewer.staff_name}"
    page = await reviewer.get("/staff/inbox")
    assert event_id not in page.text.split('id="disputed"')[1].split("</section>")[0]
    again = await reviewer.post("/staff/inbox/disputed/attach", data={
        "csrf": reviewer.csrf, "event_id": event_id, "topic_id": target})
    assert "đã được xử lý" in (await reviewer.get(again.headers["location"])).text


async def test_a_corrected_entry_leaves_the_list(login: Login, running: Runtime) -> None:
    citizen, editor = await login("editor"), await login("editor")
    answer = await post(citizen, "disputed-0003", text="đăng ký kết hôn cần giấy tờ gì")
    event_id = action(answer, "fb:n:")[5:]
    await post(citizen, "disputed-0003", action=f"fb:n:{event_id}")  # no reason given
    await votes(running)
    page = await editor.get("/staff/inbox")
    section = page.text.split('id="disputed"')[1].split("</section>")[0]
    assert event_id in section and "Không nói lý do" in section
    done = await editor.post("/staff/inbox/disputed/done",
                             data={"csrf": editor.csrf, "event_id": event_id})
    assert done.status_code == 303
    page = await editor.get("/staff/inbox")
    assert event_id not in page.text
    [vote] = [v for v in await votes(running) if v.event_id == event_id]
    assert vote.resolution == "fixed"


async def test_disputed_actions_need_a_signed_in_staff_member(app: Starlette,
                                                               running: Runtime) -> None:
    async with client_for(app) as client:
        for path in ("/staff/inbox/disputed/attach", "/staff/inbox/disputed/done"):
            response = await client.post(path, data={"csrf": "x", "event_id": "0" * 32})
            assert response.status_code == 401, path


async def test_a_button_answer_has_no_question_to_attach(login: Login,
                                                         running: Runtime) -> None:
    citizen, reviewer = await login("editor"), await login("reviewer")
    answer = await post(citizen, "disputed-0004", action="topic:khai-sinh")
    event_id = action(answer, "fb:n:")[5:]
    await post(citizen, "disputed-0004", action=f"fr:missing:{event_id}")
    await votes(running)
    page = await reviewer.get("/staff/inbox")
    item = page.text.split(event_id)[0].rsplit('<li class="inbox-item', 1)[1]
    assert "chọn từ danh sách, không gõ câu hỏi" in item and "Thiếu thông tin" in item
    attached = await reviewer.post("/staff/inbox/disputed/attach", data={
        "csrf": reviewer.csrf, "event_id": event_id, "topic_id": "ket-hon",
        "question": "câu do trình duyệt gửi lên"})
    assert "Không có câu hỏi gõ tay" in (await reviewer.get(attached.headers["location"])).text
    questions = running.knowledge.current.kb.topics["ket-hon"].questions
    assert "câu do trình duyệt gửi lên" not in questions
