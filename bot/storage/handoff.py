"""Handoff cases and the staff-chat messages that carry them ("Hỏi cán bộ").

A case row is the citizen's side (pseudonymous key, the chat to answer, the redacted
question); a link row ties one staff-chat message to it, so a staff member's reply to
that message finds its citizen. :class:`bot.turns.handoff.HandoffService` decides what
happens; this module only stores it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import HandoffCase, HandoffLink

PENDING, OPEN, UNDELIVERED, ANSWERED = "pending", "open", "undelivered", "answered"


class HandoffStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(self, *, channel: str, user_key: str, chat_ref: str,
                     topic_id: str | None, question: str | None,
                     status: str) -> tuple[int, str]:
        """A new case; its row id and its number (``HS-0042``, from the id)."""
        async with self._sessions() as session, session.begin():
            case = HandoffCase(case_no=uuid.uuid4().hex, channel=channel, user_key=user_key,
                               chat_ref=chat_ref, topic_id=topic_id,
                               question_redacted=question, status=status)
            session.add(case)
            await session.flush()
            case.case_no = f"HS-{case.id:04d}"
            return case.id, case.case_no

    async def link(self, case_id: int, staff_channel: str, staff_chat: str,
                   message_ids: list[str]) -> None:
        """The staff-chat messages that now carry the case."""
        async with self._sessions() as session, session.begin():
            for message_id in message_ids:
                session.add(HandoffLink(staff_channel=staff_channel, staff_chat=staff_chat,
                                        staff_message=str(message_id), case_id=case_id))

    async def finish_posting(self, case_id: int, status: str) -> None:
        """``open`` or ``undelivered`` once every staff chat had its try (only if the
        case is still ``pending``: a staff answer may already have come)."""
        async with self._sessions() as session, session.begin():
            await session.execute(update(HandoffCase).where(
                HandoffCase.id == case_id, HandoffCase.status == PENDING).values(status=status))

    async def set_status(self, case_id: int, status: str) -> None:
        async with self._sessions() as session, session.begin():
            case = await session.get(HandoffCase, case_id)
            if case is not None:
                case.status = status

    async def case_of(self, staff_channel: str, staff_chat: str,
                      message_id: str) -> HandoffCase | None:
        """The case a staff-chat message carries, if any."""
        stmt = (select(HandoffCase).join(HandoffLink, HandoffLink.case_id == HandoffCase.id)
                .where(HandoffLink.staff_channel == staff_channel,
                       HandoffLink.staff_chat == str(staff_chat),
                       HandoffLink.staff_message == str(message_id)))
        async with self._sessions() as session:
            return (await session.execute(stmt)).scalar_one_or_none()

    async def unposted(self, older_than: dt.timedelta, limit: int) -> list[HandoffCase]:
        """Cases no staff chat has received: ``undelivered``, or still ``pending`` after
        ``older_than`` (their worker stopped)."""
        cutoff = dt.datetime.now(dt.UTC) - older_than
        async with self._sessions() as session:
            return list((await session.scalars(
                select(HandoffCase).where(
                    (HandoffCase.status == UNDELIVERED)
                    | ((HandoffCase.status == PENDING) & (HandoffCase.created_at < cutoff)))
                .order_by(HandoffCase.id.desc()).limit(limit))).all())
