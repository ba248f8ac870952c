"""The runtime path of a message: redaction, demand log, feedback, follow-ups."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import jobs
from bot.config import Settings
from bot.privacy import SENSITIVE_WARNING
from bot.storage import Storage
from bot.storage.models import Event, Feedback, Followup
from bot.turns.assistant import Assistant
from handlers import texts
from handlers.conversation import Conversation
from handlers.messages import BlockKind, Incoming, MessageKind, Reply, ReplyKind
from knowledge.service import KnowledgeService

QUESTION = "lam can cuoc cho con o dau"


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = await Storage.open(Settings(data_dir=tmp_path))
    yield storage
    await storage.close()


@pytest.fixture
def assistant(knowledge: KnowledgeService, storage: Storage) -> Assistant:
    return Assistant(Conversation(knowledge), storage)


async def events(storage: Storage) -> list[Event]:
    assert await storage.events.flush()
    async with storage.sessions() as session:
        return list((await session.scalars(select(Event).order_by(Event.created_at))).all())


async def test_personal_data_is_redacted_before_matching_and_storage(
        assistant: Assistant, storage: Storage) -> None:
    turn = await assistant.handle(Incoming(
        "web", "u1", text="số cccd của tôi 001234567890, sđt 0912 345 678, làm lại căn cước"))
    assert turn.reply.blocks[0].kind is BlockKind.NOTE
    assert turn.reply.blocks[0].text == SENSITIVE_WARNING
    assert "001234567890" not in (turn.match.normalized if turn.match else "")
    [row] = await events(storage)
    assert "001234567890" not in row.text_redacted and "0912" not in row.text_redacted
    assert "[số căn cước]" in row.text_redacted
    assert "001234567890" not in (row.text_normalized or "")
    assert set(row.redactions) == {"cccd", "phone"}


async def test_every_turn_is_logged_with_decision_and_feedback_links(
        assistant: Assistant, storage: Storage) -> None:
    answer = await assistant.handle(Incoming("web", "u1", text=QUESTION))
    await assistant.handle(Incoming("web", "u1", text="giá vàng hôm nay"))
    await assistant.handle(Incoming("web", "u1", kind=MessageKind.ACTION,
                                    action=f"fb:n:{answer.event_id}"))
    await assistant.handle(Incoming("web", "u1", kind=MessageKind.STICKER))
    rows = await events(storage)
    assert [r.decision for r in rows][:2] == ["answer", rows[1].decision]
    assert rows[0].topic_id == "can-cuoc-cap-moi" and rows[0].candidates
    assert rows[1].decision in {"fallback", "suggest"} and rows[1].topic_id is None
    assert rows[3].kind == "sticker" and rows[3].decision == "unsupported"
    async with storage.sessions() as session:
        votes = (await session.scalars(select(Feedback))).all()
    assert [(v.event_id, v.helpful) for v in votes] == [(answer.event_id, False)]


class RecordingChannel:
    """Stands in for a platform at the process boundary: records pushes."""

    name = "telegram"

    def __init__(self) -> None:
        self.pushed: list[tuple[str, Reply]] = []

    def routes(self) -> list:
        return []

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def push(self, chat_ref: str, reply: Reply) -> None:
        self.pushed.append((chat_ref, reply))


async def test_follow_up_is_offered_once_scheduled_sent_once_and_answered(
        assistant: Assistant, storage: Storage, knowledge: KnowledgeService) -> None:
    msg = Incoming("telegram", "u2", text=QUESTION, chat_ref="chat-9")
    first = await assistant.handle(msg)
    assert "fu:y:can-cuoc-cap-moi" in [c.action for c in first.reply.choices]
    again = await assistant.handle(msg)
    assert "fu:y:can-cuoc-cap-moi" not in [c.action for c in again.reply.choices]
    web = await assistant.handle(Incoming("web", "u3", text=QUESTION))
    assert not any(c.action.startswith("fu:") for c in web.reply.choices)

    ok = await assistant.handle(Incoming("telegram", "u2", kind=MessageKind.ACTION,
                                         action="fu:y:can-cuoc-cap-moi", chat_ref="chat-9"))
    assert ok.reply.kind is ReplyKind.FEEDBACK
    channel = RecordingChannel()
    assert await jobs.send_due_followups(storage, {"telegram": channel}, knowledge) == 0
    async with storage.sessions() as session, session.begin():
        row = await session.scalar(select(Followup))
        row.due_at = row.due_at - dt.timedelta(days=30)
    assert await jobs.send_due_followups(storage, {"telegram": channel}, knowledge) == 1
    assert await jobs.send_due_followups(storage, {"telegram": channel}, knowledge) == 0
    [(chat_ref, question)] = channel.pushed
    assert chat_ref == "chat-9" and "fa:on:can-cuoc-cap-moi" in [c.action for c in
                                                                  question.choices]
    done = await assistant.handle(Incoming("telegram", "u2", kind=MessageKind.ACTION,
                                           action="fa:hd:can-cuoc-cap-moi"))
    assert "handoff:can-cuoc-cap-moi" in [c.action for c in done.reply.choices]
    info = await storage.followups.get("u2", "can-cuoc-cap-moi")
    assert info is not None and info.answer is not None and info.answer.value == "difficulty"


async def test_database_failure_never_costs_the_reply(knowledge: KnowledgeService,
                                                      storage: Storage) -> None:
    await storage.engine.dispose()
    broken = Assistant(Conversation(knowledge), storage)

    async def boom(**_: object) -> None:
        raise RuntimeError("database gone")

    storage.followups.on_answer = boom  # type: ignore[method-assign]
    turn = await broken.handle(Incoming("telegram", "u", text=QUESTION, chat_ref="c"))
    assert turn.reply.kind is ReplyKind.ANSWER


async def test_text_is_cut_to_the_limit_before_redaction(
        knowledge: KnowledgeService, storage: Storage) -> None:
    assistant = Assistant(Conversation(knowledge, max_chars=100), storage)
    long = await assistant.handle(Incoming("web", "u1", text="làm căn cước " + "1." * 5000))
    assert long.truncated and long.reply.blocks[0].text == texts.TOO_LONG
    # Placeholders are longer than what they replace; the text was not too long.
    phones = " ".join(["0912345678"] * 9)
    short = await assistant.handle(Incoming("web", "u1", text=phones))
    assert len(phones) <= 100 and not short.truncated
    rows = await events(storage)
    assert len(rows[0].text_redacted) <= 100
    assert rows[1].text_redacted.count("[số điện thoại]") == 9
