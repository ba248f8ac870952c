"""Campaign pages over HTTP: write, preview, review rules, counts without names."""

from __future__ import annotations

import re

import pytest

from bot.runtime import Runtime
from bot.storage.outreach import CampaignStatus
from handlers.subscription import WEB_CANNOT_PUSH
from tests.bot.web.staff.conftest import Login

pytestmark = pytest.mark.asyncio(loop_scope="module")


def form(csrf: str, **changes: str) -> dict[str, str]:
    values = {"csrf": csrf, "title": "Khai sinh trực tuyến",
              "body": "Từ tuần này, xã nhận hồ sơ khai sinh trên Cổng dịch vụ công.",
              "topic_id": "khai-sinh", "audience": "all", "audience_topic": "",
              "audience_weeks": "4", "send_at": ""}
    values.update(changes)
    return values


async def test_editor_writes_reviewer_approves(login: Login, running: Runtime) -> None:
    editor = await login("editor")
    blank = await editor.get("/staff/campaigns/new?topic=khai-sinh")
    assert blank.status_code == 200
    assert re.search(r'<option value="khai-sinh" selected>', blank.text)  # prefilled
    made = await editor.post("/staff/campaigns", data=form(editor.csrf))
    assert made.status_code == 303
    page_url = made.headers["location"]
    page = await editor.get(page_url)
    assert "Trên Telegram" in page.text and "Trên Zalo" in page.text
    assert "Xem hướng dẫn" in page.text  # the button on Telegram, a numbered line on Zalo
    assert "1. " in page.text
    campaign_id = int(page_url.rsplit("/", 1)[1])
    submitted = await editor.post(f"{page_url}/submit", data={"csrf": editor.csrf})
    assert submitted.status_code == 303
    assert running.storage is not None
    info = await running.storage.campaigns.get(campaign_id)
    assert info is not None and info.status is CampaignStatus.PENDING
    refused = await editor.post(f"{page_url}/approve", data={"csrf": editor.csrf})
    assert refused.status_code == 403
    reviewer = await login("reviewer")
    assert (await reviewer.post(f"{page_url}/approve", data={"csrf": reviewer.csrf})
            ).status_code == 303
    info = await running.storage.campaigns.get(campaign_id)
    assert info is not None and info.status is CampaignStatus.APPROVED
    assert info.reviewed_by == reviewer.staff_name  # type: ignore[attr-defined]
    # A reviewer's own campaign is approved when submitted (same rule as knowledge).
    own = await reviewer.post("/staff/campaigns", data=form(reviewer.csrf, title="Của tôi"))
    await reviewer.post(f"{own.headers['location']}/submit", data={"csrf": reviewer.csrf})
    mine = await running.storage.campaigns.get(int(own.headers["location"].rsplit("/", 1)[1]))
    assert mine is not None and mine.status is CampaignStatus.APPROVED
    assert (await reviewer.post(f"{own.headers['location']}/cancel",
                                data={"csrf": reviewer.csrf})).status_code == 303


async def test_too_long_or_unknown_topic_is_refused(login: Login) -> None:
    editor = await login("editor")
    long = await editor.post("/staff/campaigns", data=form(editor.csrf, body="x" * 700))
    assert long.status_code == 400 and "tối đa 600 ký tự" in long.text
    forged = await editor.post("/staff/campaigns", data=form(editor.csrf, topic_id="khong-co"))
    assert forged.status_code == 400 and "chủ đề không tồn tại" in forged.text
    unknown = await editor.post("/staff/campaigns/1/start", data={"csrf": editor.csrf})
    assert unknown.status_code == 404


async def test_counts_per_area_never_who(login: Login, running: Runtime) -> None:
    assert running.storage is not None
    subs = running.storage.subscriptions
    for i in range(3):
        await subs.subscribe("zalo", f"secret-key-{i}", f"secret-chat-{i}")
    await subs.set_area("zalo", "secret-key-0", "Thôn Nà Pài")
    editor = await login("editor")
    page = await editor.get("/staff/campaigns")
    assert "Thôn Nà Pài" in page.text and "Chưa chọn thôn" in page.text
    assert "secret" not in page.text


async def test_web_chat_says_it_cannot_push(login: Login) -> None:
    client = await login("editor")
    response = await client.post("/api/chat", json={"client_id": "outreach-web-0001",
                                                    "text": "nhận tin từ xã"})
    assert response.status_code == 200
    assert WEB_CANNOT_PUSH in response.text
