"""Every way of writing personal data in the corpus is redacted; ordinary numbers are not.

The corpora are data files (``tests/bot/data/privacy_*.jsonl``) so that a format found in
the field is one line to add. The same corpus goes through the real :class:`Assistant`
and a real :class:`Storage` (SQLite, and PostgreSQL in the PostgreSQL run), and through
the handoff service, and every stored text is scanned for the raw values.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.privacy import redact
from bot.storage import Storage
from bot.storage.models import ConversationState, Event, HandoffCase
from bot.turns.assistant import Assistant
from bot.turns.handoff import HandoffService
from handlers.conversation import Conversation
from handlers.messages import Incoming
from knowledge.service import KnowledgeService
from knowledge.vietnamese import clean
from tests.bot.privacy_corpus import BENIGN, SENSITIVE, Sensitive, survives


def test_the_corpora_cover_enough_formats() -> None:
    assert len({row.text for row in SENSITIVE}) >= 100
    assert len(set(BENIGN)) >= 60
    kinds = {kind for row in SENSITIVE for kind in row.kinds}
    assert kinds == {"cccd", "cmnd", "phone", "email", "otp", "password", "card", "account"}


@pytest.mark.parametrize("row", SENSITIVE, ids=lambda row: row.text[:40])
def test_no_sensitive_value_survives(row: Sensitive) -> None:
    result = redact(row.text)
    assert not [s for s in row.secrets if survives(result.text, s)], result.text
    assert set(row.kinds) <= set(result.kinds), result.kinds
    assert not redact(result.text).found, "a second pass finds nothing more"


@pytest.mark.parametrize("text", BENIGN)
def test_ordinary_numbers_survive(text: str) -> None:
    result = redact(text)
    assert result.text == clean(text)
    assert result.kinds == ()


class StaffChat:
    """A staff chat at the process boundary: records what would be posted."""

    name = "telegram"

    def __init__(self) -> None:
        self.posts: list[str] = []

    def routes(self) -> list[Any]:
        return []

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def push(self, chat_ref: str, reply: Any) -> None: ...

    async def send_to_staff(self, chat_id: str, text: str) -> list[str]:
        self.posts.append(text)
        return [str(len(self.posts))]


async def test_no_raw_value_reaches_the_database_or_a_staff_chat(
        storage: Storage, knowledge: KnowledgeService) -> None:
    assistant = Assistant(Conversation(knowledge), storage)
    staff = StaffChat()
    handoff = HandoffService(storage, {"telegram": staff}, [("telegram", "-100")],
                             knowledge=knowledge)
    ids: dict[str, Sensitive] = {}
    for n, row in enumerate(SENSITIVE):
        msg = Incoming("telegram", f"citizen-{n}", text=row.text, chat_ref=str(n))
        turn = await assistant.handle(msg)
        ids[turn.event_id] = row
        # What a channel does for "Hỏi cán bộ": remember the redacted question, open a case.
        await handoff.remember_question(msg, redact(row.text).text)
        await handoff.open_case(msg, None, await handoff.last_question("telegram", msg.user_key))
    assert await storage.events.flush()
    async with storage.sessions() as session:
        events = (await session.scalars(select(Event))).all()
        states = (await session.scalars(select(ConversationState))).all()
        cases = (await session.scalars(select(HandoffCase))).all()
    assert len(events) == len(SENSITIVE) and len(cases) == len(SENSITIVE)
    for event in events:
        row = ids[event.id]
        for column in (event.text_redacted, event.text_normalized):
            assert not [s for s in row.secrets if survives(column, s)], (row.text, column)
        assert set(row.kinds) <= set(event.redactions)
    by_user = {f"citizen-{n}": row for n, row in enumerate(SENSITIVE)}
    for state in states:
        stored = str(state.data)
        assert not [s for s in by_user[state.user_key].secrets if survives(stored, s)], stored
    for case in cases:
        secrets = by_user[case.user_key].secrets
        assert not [s for s in secrets if survives(case.question_redacted, s)]
    assert len(staff.posts) == len(SENSITIVE)
    for post, row in zip(staff.posts, SENSITIVE, strict=True):
        assert not [s for s in row.secrets if survives(post, s)], post
