"""A "Hỏi cán bộ" case no staff chat received stays visible in the workspace inbox."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.server import Runtime
from bot.storage.models import HandoffCase, utcnow
from tests.bot.web.staff.conftest import Login

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_unposted_cases_are_listed_in_the_inbox(login: Login, running: Runtime) -> None:
    assert running.storage is not None
    old = utcnow() - dt.timedelta(hours=1)
    async with running.storage.sessions() as session, session.begin():
        session.add_all([
            HandoffCase(case_no="HS-9001", channel="zalo", user_key="u1", chat_ref="c1",
                        question_redacted="xin giấy khai sinh", status="undelivered"),
            HandoffCase(case_no="HS-9002", channel="telegram", user_key="u2", chat_ref="c2",
                        question_redacted="hỏi lâu rồi", status="pending", created_at=old),
            HandoffCase(case_no="HS-9003", channel="telegram", user_key="u3", chat_ref="c3",
                        question_redacted="đang gửi", status="pending"),
            HandoffCase(case_no="HS-9004", channel="telegram", user_key="u4", chat_ref="c4",
                        question_redacted="đã tới", status="open", created_at=old),
        ])
    client = await login("reviewer")
    page = (await client.get("/staff/inbox")).text
    assert "chưa tới nhóm cán bộ" in page
    assert "HS-9001" in page and "xin giấy khai sinh" in page and "HS-9002" in page
    assert "HS-9003" not in page and "HS-9004" not in page  # on its way / delivered
    assert "c1" not in page.split('id="unposted"')[1].split("</section>")[0]
