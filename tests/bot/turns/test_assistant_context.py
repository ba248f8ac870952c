"""The conversation context through the runtime: stored per chat in the database,
shared by workers and restarts, expiring, and never in the way of a reply."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.config import Settings
from bot.storage import Storage
from bot.storage.models import Event
from bot.turns.assistant import Assistant
from handlers.conversation import Conversation
from handlers.messages import Incoming, ReplyKind
from knowledge.aspects import Aspect
from knowledge.service import KnowledgeService
from tests.handlers.helpers import led_with

FIRST = "làm hộ chiếu ở đâu"
FOLLOW_UP = "còn lệ phí thì sao"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = await Storage.open(Settings(data_dir=tmp_path))
    yield storage
    await storage.close()


def worker(knowledge: KnowledgeService, storage: Storage | None, clock: Clock) -> Assistant:
    return Assistant(Conversation(knowledge), storage, clock=clock)


async def test_a_follow_up_reaches_another_worker_through_the_database(
        knowledge: KnowledgeService, storage: Storage) -> None:
    clock = Clock()
    await worker(knowledge, storage, clock).handle(Incoming("web", "c1", text=FIRST))
    clock.now += dt.timedelta(minutes=2)
    turn = await worker(knowledge, storage, clock).handle(Incoming("web", "c1", text=FOLLOW_UP))
    assert turn.reply.kind is ReplyKind.ANSWER and turn.reply.topic_id == "ho-chieu"
    assert led_with(turn.reply, Aspect.FEE)
    # Logged as answered, so it does not land among the staff's unanswered questions.
    assert await storage.events.flush()
    async with storage.sessions() as session:
        rows = (await session.scalars(select(Event).order_by(Event.created_at))).all()
    assert [(r.decision, r.topic_id) for r in rows][-1] == ("answer", "ho-chieu")


async def test_the_context_expires_and_belongs_to_one_chat(
        knowledge: KnowledgeService, storage: Storage) -> None:
    clock = Clock()
    bot = worker(knowledge, storage, clock)
    await bot.handle(Incoming("web", "c1", text=FIRST))
    other = await bot.handle(Incoming("web", "c2", text=FOLLOW_UP))
    assert other.reply.topic_id != "ho-chieu"
    clock.now += dt.timedelta(minutes=31)
    late = await worker(knowledge, storage, clock).handle(Incoming("web", "c1", text=FOLLOW_UP))
    assert late.reply.topic_id != "ho-chieu"


async def test_context_does_not_touch_zalo_numbered_choices(
        knowledge: KnowledgeService, storage: Storage) -> None:
    await storage.state.put("zalo", "z1", {"choices": ["topic:khai-sinh", "menu"]})
    await worker(knowledge, storage, Clock()).handle(Incoming("zalo", "z1", text=FIRST))
    assert await storage.state.get("zalo", "z1") == {"choices": ["topic:khai-sinh", "menu"]}
    stored = await storage.state.get("ctx:zalo", "z1")
    assert stored is not None and stored["topic"] == "ho-chieu"


async def test_menu_clears_the_stored_context(knowledge: KnowledgeService,
                                              storage: Storage) -> None:
    clock = Clock()
    bot = worker(knowledge, storage, clock)
    await bot.handle(Incoming("web", "c1", text=FIRST))
    await bot.handle(Incoming("web", "c1", text="menu"))
    stored = await storage.state.get("ctx:web", "c1")
    assert stored is not None and stored["topic"] is None
    turn = await worker(knowledge, storage, clock).handle(Incoming("web", "c1", text=FOLLOW_UP))
    assert turn.reply.topic_id != "ho-chieu"


async def test_database_away_falls_back_to_memory(knowledge: KnowledgeService,
                                                  storage: Storage) -> None:
    async with storage.sessions() as session, session.begin():
        await session.execute(text("DROP TABLE conversation_state"))
    bot = worker(knowledge, storage, Clock())
    first = await bot.handle(Incoming("web", "c1", text=FIRST))
    assert first.reply.topic_id == "ho-chieu"
    turn = await bot.handle(Incoming("web", "c1", text=FOLLOW_UP))
    assert turn.reply.topic_id == "ho-chieu" and led_with(turn.reply, Aspect.FEE)


async def test_without_storage_memory_carries_the_context(knowledge: KnowledgeService) -> None:
    bot = worker(knowledge, None, Clock())
    await bot.handle(Incoming("cli", "me", text=FIRST))
    turn = await bot.handle(Incoming("cli", "me", text=FOLLOW_UP))
    assert turn.reply.topic_id == "ho-chieu"
