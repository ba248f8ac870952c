"""The channel-neutral handoff service against a real database and recording channels."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.storage import Storage
from bot.storage.models import ConversationState, HandoffCase, HandoffLink, utcnow
from bot.turns.handoff import (
    CITIZEN_ANSWER,
    STATE_PREFIX,
    HandoffDeliveryError,
    HandoffService,
    HandoffUnavailable,
)
from handlers.messages import Incoming, Reply
from knowledge.service import KnowledgeService


class RecordingChannel:
    """A channel that can post to staff chats (two messages per post) and push replies."""

    def __init__(self, name: str, *, fail_staff: bool | int = False, fail_push: bool = False,
                 gate: asyncio.Event | None = None) -> None:
        self.name = name
        self.staff_posts: list[tuple[str, str]] = []
        self.pushes: list[tuple[str, Reply]] = []
        self.fail_staff, self.fail_push = fail_staff, fail_push  # an int: the first n fail
        self.gate = gate  # staff posts wait for it (a slow chat, as slow as the test likes)
        self.tries = 0
        self.sending = self.most_at_once = 0
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
        self.tries += 1
        self.sending += 1
        self.most_at_once = max(self.most_at_once, self.sending)
        try:
            if self.gate is not None:
                await self.gate.wait()
        finally:
            self.sending -= 1
        if self.fail_staff is True or self.tries <= self.fail_staff:
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
    await service.drain()
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
    await service.drain()
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
    await service.drain()
    assert first == again and len(telegram.staff_posts) == 1
    await service.remember_question(msg, "câu hỏi hai")
    other = await service.open_case(msg, None, await service.last_question("telegram", "u1"))
    await service.drain()
    assert other != first and len(telegram.staff_posts) == 2


async def test_no_reachable_staff_chat_is_retried_then_recorded(
        storage: Storage, caplog: pytest.LogCaptureFixture) -> None:
    broken = RecordingChannel("telegram", fail_staff=True)
    service = HandoffService(storage, {"telegram": broken},
                             [("telegram", "-100"), ("zalo", "z")], retry_delays=(0.01,) * 3)
    case_no = await service.open_case(citizen(), None, "hỏi")  # the citizen has a number
    await service.drain()
    assert broken.tries == 4  # the first try and three retries
    async with storage.sessions() as session:
        case = (await session.execute(select(HandoffCase))).scalar_one()
    assert (case.case_no, case.status) == (case_no, "undelivered")
    assert "no staff chat reached" in caplog.text
    with pytest.raises(HandoffUnavailable):  # the web chat cannot receive answers
        await service.open_case(citizen("web", chat=None), None, "hỏi")
    with pytest.raises(HandoffUnavailable):  # no channel at all for the staff chats
        await HandoffService(storage, {}, [("zalo", "z")]).open_case(citizen(key="u2"), None,
                                                                     "hỏi")
    with pytest.raises(HandoffUnavailable):
        await HandoffService(storage, {}, []).open_case(citizen(), None, "hỏi")
    with pytest.raises(HandoffUnavailable):
        await HandoffService(lambda: None, {}, [("telegram", "1")]).open_case(
            citizen(), None, "hỏi")


async def test_a_failed_post_is_retried_and_reaches_staff_once(storage: Storage) -> None:
    flaky = RecordingChannel("telegram", fail_staff=2)
    service = HandoffService(storage, {"telegram": flaky}, [("telegram", "-100")],
                             retry_delays=(0.01,) * 3)
    case_no = await service.open_case(citizen(), None, "hỏi")
    await service.drain()
    assert [text.split("]")[0] for _, text in flaky.staff_posts] == [f"[{case_no}"]
    async with storage.sessions() as session:
        assert (await session.execute(select(HandoffCase.status))).scalar_one() == "open"
    assert await service.case_number("telegram", "-100", "101") == case_no


async def test_forty_handoffs_answer_at_once_while_a_slow_staff_chat_gets_each_once(
        storage: Storage) -> None:
    """The staff chat accepts nothing until the test lets it: the old code could not
    answer even the first citizen before that, the new one answers all 40."""
    release = asyncio.Event()
    slow = RecordingChannel("telegram", gate=release)
    service = HandoffService(storage, {"telegram": slow}, [("telegram", "-100")])
    asks = [service.open_case(citizen(key=f"u{n}", chat=str(n)), None, f"hỏi {n}")
            for n in range(40)]
    answered = await asyncio.wait_for(asyncio.gather(*asks), timeout=60)
    assert slow.staff_posts == [] and slow.sending == 1  # every reply came first
    release.set()
    await service.drain()
    posted = sorted(text.split("]")[0][1:] for _, text in slow.staff_posts)
    assert posted == sorted(answered) and len(set(answered)) == 40  # each exactly once
    assert slow.most_at_once == 1  # one post at a time: the chat's own pace
    assert await count(storage, HandoffLink) == 80
    async with storage.sessions() as session:
        statuses = set((await session.scalars(select(HandoffCase.status))).all())
    assert statuses == {"open"}
    await service.close()


async def test_citizen_unreachable_is_an_error_for_staff_to_see(storage: Storage) -> None:
    telegram = RecordingChannel("telegram", fail_push=True)
    service = HandoffService(storage, {"telegram": telegram}, [("telegram", "-100")])
    await service.open_case(citizen(), None, "hỏi")
    await service.drain()
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
