"""The channel-neutral handoff service against a real database and recording channels."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.handoff import (
    CITIZEN_ANSWER,
    STATE_PREFIX,
    HandoffDeliveryError,
    HandoffService,
    HandoffUnavailable,
)
from bot.storage import Storage
from bot.storage.models import ConversationState, HandoffCase, HandoffLink, utcnow
from handlers.messages import Incoming, Reply
from knowledge.service import KnowledgeService


class RecordingChannel:
    """A channel that can post to staff chats (two messages per post) and push replies."""

    def __init__(self, name: str, *, fail_staff: bool = False, fail_push: bool = False) -> None:
        self.name = name
        self.staff_posts: list[tuple[str, str]] = []
        self.pushes: list[tuple[str, Reply]] = []
        self.fail_staff, self.fail_push = fail_staff, fail_push
        self._next = 100

    def routes(self) -> list[Any]:
        return []

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def push(self, chat_ref: str, reply: Reply) -> None:
        if self.fail_push:
            raise RuntimeError("blocked by the user")
        self.pushes.append((chat_ref, reply))

    async def send_to_staff(self, chat_id: str, text: str) -> list[str]:
        if self.fail_staff:
            raise RuntimeError("chat not found")
        self.staff_posts.append((chat_id, text))
        self._next += 2
        return [str(self._next - 1), str(self._next)]


def citizen(channel: str = "telegram", key: str = "u1", chat: str | None = "555") -> Incoming:
    return Incoming(channel, key, text="…", chat_ref=chat)


async def count(storage: Storage, model: Any) -> int:
    async with storage.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_case_goes_to_every_staff_chat_and_the_answer_comes_back(
        storage: Storage, knowledge: KnowledgeService) -> None:
    telegram, zalo = RecordingChannel("telegram"), RecordingChannel("zalo")
    service = HandoffService(storage, {"telegram": telegram, "zalo": zalo},
                             [("telegram", "-100"), ("zalo", "staff-z")], knowledge=knowledge)
    msg = citizen()
    await service.remember_question(msg, "làm khai sinh cho con [số điện thoại] ở đâu")
    question = await service.last_question("telegram", "u1")
    case_no = await service.open_case(msg, "khai-sinh", question)
    assert case_no == "HS-0001"
    (chat, text), = telegram.staff_posts
    assert chat == "-100" and text.startswith("[HS-0001] làm khai sinh cho con [số điện thoại]")
    assert "(chủ đề “Đăng ký khai sinh" in text and "u1" not in text and "555" not in text
    assert zalo.staff_posts[0][1] == text
    assert await count(storage, HandoffLink) == 4  # two messages in each staff chat

    # A Zalo staff member answers the second Zalo message; the citizen is on Telegram.
    assert await service.relay_staff_reply("zalo", "staff-z", "102", "  Mang giấy chứng sinh. ",
                                           "Cán bộ A")
    (ref, reply), = telegram.pushes
    assert ref == "555"
    assert reply.blocks[0].text == CITIZEN_ANSWER.format(case_no="HS-0001",
                                                        text="Mang giấy chứng sinh.")
    assert "Cán bộ A" not in reply.blocks[0].text
    async with storage.sessions() as session:
        case = (await session.execute(select(HandoffCase))).scalar_one()
    assert case.status == "answered" and case.topic_id == "khai-sinh"
    assert await service.case_number("telegram", "-100", "101") == "HS-0001"


async def test_staff_chatter_and_other_chats_are_not_relayed(storage: Storage) -> None:
    telegram = RecordingChannel("telegram")
    service = HandoffService(storage, {"telegram": telegram}, [("telegram", "-100")])
    await service.open_case(citizen(), None, "hỏi")
    assert not await service.relay_staff_reply("telegram", "-100", "999", "ok", "A")
    assert not await service.relay_staff_reply("telegram", "-200", "101", "ok", "A")
    assert not await service.relay_staff_reply("zalo", "-100", "101", "ok", "A")
    assert not await service.relay_staff_reply("telegram", "-100", "101", "   ", "A")
    assert telegram.pushes == []


async def test_second_press_reuses_the_case_a_new_question_opens_another(
        storage: Storage) -> None:
    telegram = RecordingChannel("telegram")
    service = HandoffService(lambda: storage, {"telegram": telegram}, [("telegram", "-100")])
    msg = citizen()
    await service.remember_question(msg, "câu hỏi một")
    first = await service.open_case(msg, None, await service.last_question("telegram", "u1"))
    again = await service.open_case(msg, None, await service.last_question("telegram", "u1"))
    assert first == again and len(telegram.staff_posts) == 1
    await service.remember_question(msg, "câu hỏi hai")
    other = await service.open_case(msg, None, await service.last_question("telegram", "u1"))
    assert other != first and len(telegram.staff_posts) == 2


async def test_no_reachable_staff_chat_is_reported_and_recorded(storage: Storage) -> None:
    broken = RecordingChannel("telegram", fail_staff=True)
    service = HandoffService(storage, {"telegram": broken},
                             [("telegram", "-100"), ("zalo", "z")])
    with pytest.raises(HandoffUnavailable):
        await service.open_case(citizen(), None, "hỏi")
    async with storage.sessions() as session:
        case = (await session.execute(select(HandoffCase))).scalar_one()
    assert case.status == "undelivered"
    with pytest.raises(HandoffUnavailable):  # the web chat cannot receive answers
        await service.open_case(citizen("web", chat=None), None, "hỏi")
    with pytest.raises(HandoffUnavailable):
        await HandoffService(storage, {}, []).open_case(citizen(), None, "hỏi")
    with pytest.raises(HandoffUnavailable):
        await HandoffService(lambda: None, {}, [("telegram", "1")]).open_case(
            citizen(), None, "hỏi")


async def test_citizen_unreachable_is_an_error_for_staff_to_see(storage: Storage) -> None:
    telegram = RecordingChannel("telegram", fail_push=True)
    service = HandoffService(storage, {"telegram": telegram}, [("telegram", "-100")])
    await service.open_case(citizen(), None, "hỏi")
    with pytest.raises(HandoffDeliveryError):
        await service.relay_staff_reply("telegram", "-100", "101", "trả lời", "A")


async def test_last_question_is_per_channel_and_user_and_expires(storage: Storage) -> None:
    service = HandoffService(storage, {}, [("telegram", "-100")])
    await service.remember_question(citizen(key="a"), "  câu của a  ")
    await service.remember_question(citizen("zalo", key="a"), "câu zalo")
    await service.remember_question(citizen(key="b"), "   ")
    assert await service.last_question("telegram", "a") == "câu của a"
    assert await service.last_question("zalo", "a") == "câu zalo"
    assert await service.last_question("telegram", "b") is None
    # Another component's state for the same (channel, user) is not overwritten.
    await storage.state.put("telegram", "a", {"choices": ["x"]})
    assert await service.last_question("telegram", "a") == "câu của a"
    async with storage.sessions() as session, session.begin():
        row = await session.get(ConversationState, (STATE_PREFIX + "telegram", "a"))
        assert row is not None
        row.updated_at = utcnow() - dt.timedelta(hours=25)
    assert await service.last_question("telegram", "a") is None
