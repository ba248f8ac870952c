"""The weekly report and the staff views redact citizen text again on the way out.

Rows are written straight into the database with the raw personal data in them, as an
older version (or an older rule set) would have stored them; nothing of it may reach
``summary.md``, ``summary.html``, the CSVs, the staff's unanswered list or a staff chat.
"""

from __future__ import annotations

import csv
import uuid
from pathlib import Path
from typing import Any

from bot.reports.from_storage import generate_report, unanswered_groups
from bot.storage import Storage
from bot.storage.models import Event
from bot.turns.handoff import HandoffService
from handlers.messages import Incoming
from knowledge.service import KnowledgeService
from tests.bot.privacy_corpus import SENSITIVE, leaked
from tests.bot.reports.conftest import WEEK, at


async def store_raw(storage: Storage, knowledge: KnowledgeService, *, days: range) -> None:
    """Every corpus text as an unanswered question, unredacted in both text columns."""
    async with storage.sessions() as session, session.begin():
        for n, row in enumerate(SENSITIVE):
            session.add(Event(
                id=uuid.uuid4().hex, created_at=at(days[n % len(days)], 9), channel="zalo",
                user_key=f"u{n}", kind="text", decision="fallback", topic_id=None, score=0.1,
                text_redacted=row.text, text_normalized=knowledge.current.match(row.text)
                .normalized, candidates=[]))


async def test_report_files_carry_no_stored_personal_data(
        storage: Storage, knowledge: KnowledgeService, tmp_path: Path) -> None:
    await store_raw(storage, knowledge, days=range(23, 30))
    written = await generate_report(storage, knowledge, WEEK, tmp_path)
    texts = {p.name: p.read_text(encoding="utf-8") for p in written if p.suffix != ".png"}
    assert set(texts) == {"summary.md", "summary.html", "topics.csv", "unanswered.csv"}
    for name, text in texts.items():
        assert not leaked(text), (name, leaked(text))
    with (tmp_path / "unanswered.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert sum(int(r["count"]) for r in rows) == len(SENSITIVE)  # every question is there
    assert any("[số" in r["example"] for r in rows), "examples are shown, redacted"


async def test_staff_unanswered_list_carries_no_stored_personal_data(
        storage: Storage, knowledge: KnowledgeService) -> None:
    await store_raw(storage, knowledge, days=range(27, 29))
    groups = await unanswered_groups(storage, knowledge, limit=1000,
                                     now=at(29, 12).astimezone())
    assert sum(g.count for g in groups) == len(SENSITIVE)
    for group in groups:
        assert not leaked(group.example) and not leaked(group.key), group


class StaffChat:
    name = "telegram"

    def __init__(self) -> None:
        self.posts: list[str] = []

    async def push(self, chat_ref: str, reply: Any) -> None: ...

    async def send_to_staff(self, chat_id: str, text: str) -> list[str]:
        self.posts.append(text)
        return [str(len(self.posts))]


async def test_staff_chat_post_is_redacted_again(
        storage: Storage, knowledge: KnowledgeService) -> None:
    staff = StaffChat()
    service = HandoffService(storage, {"telegram": staff}, [("telegram", "-100")],
                             knowledge=knowledge)
    for n, row in enumerate(SENSITIVE):  # a question stored raw by an older version
        await service.open_case(Incoming("telegram", f"u{n}", chat_ref=str(n)), None, row.text)
    await service.drain()  # staff chats are posted to in the background
    assert len(staff.posts) == len(SENSITIVE)
    for post in staff.posts:
        assert not leaked(post), post
    assert staff.posts[0].startswith("[HS-0001] CCCD của tôi là [số căn cước]")
