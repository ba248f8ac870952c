"""Each rule of a citizen turn, tested once and channel-neutrally on a real database.

The channels' own tests then check only that a Telegram, Zalo or web message reaches
this pipeline and that its reply is rendered (one end-to-end test each).
"""

from __future__ import annotations

import asyncio

import pytest

from bot.storage import Storage
from bot.turns.assistant import Assistant
from bot.turns.handoff import HandoffService
from bot.turns.locks import ChatLocks
from bot.turns.pipeline import TurnPipeline
from handlers import texts
from handlers.conversation import Conversation
from handlers.messages import Incoming, MessageKind, ReplyKind
from knowledge.service import KnowledgeService
from tests.bot.minute import freeze_minute
from tests.bot.turns.test_handoff import RecordingChannel

QUESTION = "làm căn cước cho con ở đâu, số em 0912 345 678"


def pipeline_for(knowledge: KnowledgeService, storage: Storage | None, *,
                 staff: list[tuple[str, str]] | None = None,
                 rate_limit: int = 0) -> tuple[TurnPipeline, RecordingChannel]:
    channel = RecordingChannel("telegram")
    conversation = Conversation(knowledge, handoff_available=bool(staff))
    assistant = Assistant(conversation, storage)
    handoff = HandoffService(lambda: storage, {"telegram": channel}, staff or [],
                             knowledge=knowledge)
    return TurnPipeline(assistant, handoff, rate_limit_per_minute=rate_limit), channel


def text(body: str, user: str = "u1") -> Incoming:
    return Incoming("telegram", user, text=body, chat_ref="555")


def press(action: str, user: str = "u1") -> Incoming:
    return Incoming("telegram", user, kind=MessageKind.ACTION, action=action, chat_ref="555")


async def test_an_update_is_processed_once(storage: Storage,
                                           knowledge: KnowledgeService) -> None:
    pipeline, _ = pipeline_for(knowledge, storage)
    assert await pipeline.claim("telegram", "42")
    assert not await pipeline.claim("telegram", "42")
    assert await pipeline.claim("zalo", "42")  # another platform's id space


async def test_without_a_database_duplicates_are_still_caught(
        knowledge: KnowledgeService) -> None:
    pipeline, _ = pipeline_for(knowledge, None)
    assert await pipeline.claim("zalo", "m1")
    assert not await pipeline.claim("zalo", "m1")


async def test_flood_limit_one_notice_then_silence_staff_exempt(
        storage: Storage, knowledge: KnowledgeService, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline, _ = pipeline_for(knowledge, storage, rate_limit=2)
    freeze_minute(monkeypatch)
    outcomes = [await pipeline.handle(text("hộ chiếu")) for _ in range(5)]
    assert [o.limited for o in outcomes] == [False, False, True, True, True]
    notice = outcomes[2].reply
    assert notice is not None and notice.blocks[0].text == texts.FLOOD_NOTICE
    assert outcomes[3].reply is None and outcomes[4].reply is None
    assert not (await pipeline.handle(text("hộ chiếu", user="u2"))).limited  # others unaffected
    staff = [await pipeline.handle(text("hộ chiếu", user="admin"), staff=True)
             for _ in range(5)]
    assert not any(o.limited for o in staff)


async def test_the_question_is_remembered_redacted_and_handed_to_staff(
        storage: Storage, knowledge: KnowledgeService) -> None:
    pipeline, channel = pipeline_for(knowledge, storage, staff=[("telegram", "-100")])
    asked = await pipeline.handle(text(QUESTION))
    assert asked.reply is not None and asked.turn is not None and asked.turn.is_question
    outcome = await pipeline.handle(press("handoff"))
    reply = outcome.reply
    assert reply is not None and reply.kind is ReplyKind.HANDOFF
    assert "handoff" not in reply.actions  # carried out here, not by the channel
    assert any(b.text == texts.HANDOFF_CASE.format(case_no="HS-0001") for b in reply.blocks)
    assert pipeline.handoff is not None
    await pipeline.handoff.drain()  # staff chats are posted to in the background
    [(chat, post)] = channel.staff_posts
    assert chat == "-100" and "0912" not in post and "[số điện thoại]" in post
    assert "làm căn cước cho con" in post


async def test_greetings_are_not_remembered_as_the_question(
        storage: Storage, knowledge: KnowledgeService) -> None:
    pipeline, channel = pipeline_for(knowledge, storage, staff=[("telegram", "-100")])
    await pipeline.handle(text("làm hộ chiếu ở đâu"))
    thanks = await pipeline.handle(text("cảm ơn nhé"))
    assert thanks.turn is not None and not thanks.turn.is_question
    await pipeline.handle(press("handoff"))
    assert pipeline.handoff is not None
    await pipeline.handoff.drain()
    [(_, post)] = channel.staff_posts
    assert "hộ chiếu" in post and "cảm ơn" not in post


async def test_a_case_that_cannot_be_opened_gives_the_commune_contact(
        knowledge: KnowledgeService) -> None:
    pipeline, _ = pipeline_for(knowledge, None, staff=[("telegram", "-100")])  # no database
    await pipeline.handle(text("làm hộ chiếu ở đâu"))
    reply = (await pipeline.handle(press("handoff"))).reply
    assert reply is not None and reply.blocks[0].text == texts.HANDOFF_NOBODY
    assert [c.action for c in reply.choices] == ["menu"]


async def test_one_chat_in_order_other_chats_in_parallel() -> None:
    locks, order = ChatLocks(), []

    async def work(chat: str, n: int, delay: float) -> None:
        async with locks.hold(chat):
            await asyncio.sleep(delay)
            order.append((chat, n))

    await asyncio.gather(work("a", 0, 0.05), work("a", 1, 0.0), work("b", 0, 0.01))
    assert [n for chat, n in order if chat == "a"] == [0, 1]
    assert order[0] == ("b", 0)  # b did not wait for a
    assert len(locks) == 0


@pytest.mark.parametrize("body", ["", "   "])
async def test_empty_text_is_answered_politely(knowledge: KnowledgeService, body: str) -> None:
    pipeline, _ = pipeline_for(knowledge, None)
    reply = (await pipeline.handle(text(body))).reply
    assert reply is not None and reply.blocks[0].text == texts.EMPTY
