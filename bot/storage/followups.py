"""The uptake follow-up: "Bạn đã làm được thủ tục này trực tuyến chưa?" a few days later.

Consent is per user: the first answer about an online-capable procedure *offers*
follow-ups; a yes covers later topics too (scheduled without asking again), a no or
an ignored offer means the bot never asks again. At most one follow-up per topic per
user (a unique constraint, so two workers cannot both create one).

The legal moves live in one pure table (:data:`TRANSITIONS`, :func:`transition`); the
repository turns each move into one conditional UPDATE (``… WHERE state IN sources``),
so a double-clicked button or two workers sending the same reminder change nothing
the second time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.group_commit import GroupCommit
from bot.storage.models import Followup, utcnow
from bot.storage.rows import affected
from bot.storage.transactions import Transactions
from bot.storage.upsert import insert_for, prepared


class FollowupState(StrEnum):
    OFFERED = "offered"
    OPTED_IN = "opted_in"
    DECLINED = "declined"
    SCHEDULED = "scheduled"
    SENT = "sent"
    ANSWERED = "answered"
    EXPIRED = "expired"


class FollowupAction(StrEnum):
    OFFER = "offer"
    OPT_IN = "opt_in"
    DECLINE = "decline"
    SCHEDULE = "schedule"
    SEND = "send"
    ANSWER = "answer"
    EXPIRE = "expire"


class FollowupAnswer(StrEnum):
    """The four choices; the report counts them per topic."""

    ONLINE = "online"  # đã làm trực tuyến
    IN_PERSON = "in_person"  # đã làm trực tiếp
    NOT_YET = "not_yet"  # chưa làm
    DIFFICULTY = "difficulty"  # gặp khó khăn


class Consent(StrEnum):
    UNASKED = "unasked"
    PENDING = "pending"
    OPTED_IN = "opted_in"
    DECLINED = "declined"


S, A = FollowupState, FollowupAction
TRANSITIONS: dict[tuple[FollowupState | None, FollowupAction], FollowupState] = {
    (None, A.OFFER): S.OFFERED,
    (S.OFFERED, A.OPT_IN): S.OPTED_IN,
    (S.OFFERED, A.DECLINE): S.DECLINED,
    (S.OFFERED, A.EXPIRE): S.EXPIRED,  # the offer was ignored: do not ask again
    (S.OPTED_IN, A.SCHEDULE): S.SCHEDULED,
    (S.OPTED_IN, A.DECLINE): S.DECLINED,  # consent can be withdrawn until it is sent
    (S.SCHEDULED, A.DECLINE): S.DECLINED,
    (S.SCHEDULED, A.SEND): S.SENT,
    (S.SENT, A.ANSWER): S.ANSWERED,
    (S.SENT, A.EXPIRE): S.EXPIRED,
}
TERMINAL = frozenset({S.DECLINED, S.ANSWERED, S.EXPIRED})


class IllegalTransition(ValueError):
    def __init__(self, state: FollowupState | None, action: FollowupAction) -> None:
        super().__init__(f"cannot {action.value} a follow-up in state {state}")
        self.state, self.action = state, action


def transition(state: FollowupState | None, action: FollowupAction) -> FollowupState:
    """The state after ``action``; ``None`` is "no follow-up yet"."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransition(state, action) from None


def sources(action: FollowupAction) -> frozenset[FollowupState]:
    """The states from which ``action`` is legal (the WHERE of its UPDATE)."""
    return frozenset(s for (s, a) in TRANSITIONS if a is action and s is not None)


def consent_from(states_newest_first: list[tuple[FollowupState, bool]]) -> Consent:
    """A user's consent from their follow-ups, newest first, as (state, was_sent)."""
    for state, was_sent in states_newest_first:
        if state is S.OFFERED:
            return Consent.PENDING
        if state is S.DECLINED or (state is S.EXPIRED and not was_sent):
            return Consent.DECLINED
        return Consent.OPTED_IN
    return Consent.UNASKED


@dataclass(frozen=True, slots=True)
class FollowupInfo:
    """A detached view of a row, safe to hand to channels and the scheduler."""

    id: int
    user_key: str
    channel: str
    chat_ref: str
    topic_id: str
    event_id: str | None
    state: FollowupState
    due_at: dt.datetime | None
    sent_at: dt.datetime | None
    answer: FollowupAnswer | None
    answered_at: dt.datetime | None

    @classmethod
    def of(cls, row: Followup) -> FollowupInfo:
        return cls(row.id, row.user_key, row.channel, row.chat_ref, row.topic_id,
                   row.event_id, FollowupState(row.state), row.due_at, row.sent_at,
                   FollowupAnswer(row.answer) if row.answer else None, row.answered_at)


_offer = prepared(lambda dialect: insert_for(dialect, Followup).on_conflict_do_nothing()
                  .returning(Followup.id, Followup.user_key, Followup.topic_id))


@dataclass(frozen=True, slots=True)
class _Offer:
    user_key: str
    channel: str
    chat_ref: str
    topic_id: str
    event_id: str | None
    now: dt.datetime


def _info(values: dict[str, Any], row_id: int | None) -> FollowupInfo | None:
    if row_id is None:
        return None
    return FollowupInfo(row_id, values["user_key"], values["channel"], values["chat_ref"],
                        values["topic_id"], values["event_id"], S(values["state"]),
                        values["due_at"], None, None, None)


class FollowupRepository:
    """DB-backed follow-ups; every change is a conditional UPDATE guarded by the table."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *,
                 delay: dt.timedelta = dt.timedelta(days=3),
                 expire_after: dt.timedelta = dt.timedelta(days=14),
                 transactions: Transactions | None = None) -> None:
        self._sessions = session_factory
        self.delay = delay
        self._tx = transactions or Transactions(session_factory)
        self._offers: GroupCommit[_Offer, FollowupInfo | None] = GroupCommit(
            self._offer_many)
        self.expire_after = expire_after

    async def consent(self, user_key: str) -> Consent:
        async with self._sessions() as session:
            rows = (await session.execute(
                select(Followup.state, Followup.sent_at)
                .where(Followup.user_key == user_key)
                .order_by(Followup.updated_at.desc(), Followup.id.desc()))).all()
        return consent_from([(S(state), sent_at is not None) for state, sent_at in rows])

    async def get(self, user_key: str, topic_id: str) -> FollowupInfo | None:
        async with self._sessions() as session:
            row = await session.scalar(select(Followup).where(
                Followup.user_key == user_key, Followup.topic_id == topic_id))
        return FollowupInfo.of(row) if row else None

    async def on_answer(self, *, user_key: str, channel: str, chat_ref: str, topic_id: str,
                        event_id: str | None, now: dt.datetime | None = None,
                        ) -> FollowupInfo | None:
        """Called after an answer about an online-capable procedure.

        Returns an OFFERED follow-up (the channel should ask whether the user wants the
        reminder), a SCHEDULED one (the user already said yes once), or None (declined,
        an offer still open, or this topic already has its one follow-up). Answers
        given at the same moment share one transaction (group commit).
        """
        return await self._offers.submit(_Offer(user_key, channel, chat_ref, topic_id,
                                                event_id, now or utcnow()))

    async def _offer_many(self, offers: list[_Offer]) -> list[FollowupInfo | None]:
        return await self._tx.run(lambda session: self._offer_rows(session, offers))

    def _offer_rows(self, connection: Connection, offers: list[_Offer],
                    ) -> list[FollowupInfo | None]:
        rows = connection.execute(
            select(Followup.user_key, Followup.topic_id, Followup.state, Followup.sent_at)
            .where(Followup.user_key.in_({o.user_key for o in offers}))
            .order_by(Followup.updated_at.desc(), Followup.id.desc())).all()
        history: dict[str, list[tuple[FollowupState, bool]]] = defaultdict(list)
        taken = set()
        for user_key, topic_id, state, sent_at in rows:
            history[user_key].append((S(state), sent_at is not None))
            taken.add((user_key, topic_id))
        planned: list[dict[str, Any] | None] = []
        for offer in offers:  # in order: a second answer sees the first one's offer
            values = self._plan(offer, consent_from(history[offer.user_key]))
            if values is None or (offer.user_key, offer.topic_id) in taken:
                planned.append(None)
                continue
            taken.add((offer.user_key, offer.topic_id))
            history[offer.user_key].insert(0, (S(values["state"]), False))
            planned.append(values)
        new = [values for values in planned if values is not None]
        ids: dict[tuple[str, str], int] = {}
        if new:  # another worker may have made one meanwhile: then it stands
            ids = {(u, t): i for i, u, t in connection.execute(_offer(connection), new)}
        return [_info(values, ids.get((values["user_key"], values["topic_id"])))
                if values is not None else None for values in planned]

    def _plan(self, offer: _Offer, consent: Consent) -> dict[str, Any] | None:
        if consent is Consent.UNASKED:
            state = transition(None, A.OFFER)
        elif consent is Consent.OPTED_IN:
            state = transition(transition(transition(None, A.OFFER), A.OPT_IN), A.SCHEDULE)
        else:
            return None
        return {"user_key": offer.user_key, "channel": offer.channel,
                "chat_ref": offer.chat_ref, "topic_id": offer.topic_id,
                "event_id": offer.event_id, "state": state.value,
                "created_at": offer.now, "updated_at": offer.now,
                "due_at": offer.now + self.delay if state is S.SCHEDULED else None}

    async def respond_to_offer(self, user_key: str, topic_id: str, accept: bool, *,
                               now: dt.datetime | None = None) -> FollowupInfo | None:
        """Yes schedules the reminder in ``delay``; no records the refusal for good.

        None if the offer is no longer open (a second click on the same button).
        """
        now = now or utcnow()
        where = (Followup.user_key == user_key, Followup.topic_id == topic_id)
        if not accept:
            return await self._move(A.DECLINE, where, now, only_from={S.OFFERED})
        return await self._move(A.OPT_IN, where, now, then_schedule=True)

    async def withdraw(self, user_key: str) -> int:
        """The user asked to stop reminders: decline every one not yet sent."""
        now = utcnow()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Followup)
                .where(Followup.user_key == user_key,
                       Followup.state.in_([s.value for s in sources(A.DECLINE)]))
                .values(state=S.DECLINED.value, updated_at=now, due_at=None))
        return affected(result)

    async def due(self, now: dt.datetime | None = None, limit: int = 100,
                  ) -> list[FollowupInfo]:
        """Scheduled follow-ups whose time has come, oldest first."""
        now = now or utcnow()
        async with self._sessions() as session:
            rows = (await session.scalars(
                select(Followup)
                .where(Followup.state == S.SCHEDULED.value, Followup.due_at <= now)
                .order_by(Followup.due_at, Followup.id).limit(limit))).all()
        return [FollowupInfo.of(r) for r in rows]

    async def mark_sent(self, followup_id: int, *, now: dt.datetime | None = None) -> bool:
        """True for the one worker that moves it to SENT; it then delivers the question."""
        now = now or utcnow()
        info = await self._move(A.SEND, (Followup.id == followup_id,), now, sent_at=now)
        return info is not None

    async def record_answer(self, user_key: str, topic_id: str, answer: FollowupAnswer | str,
                            *, now: dt.datetime | None = None) -> FollowupInfo | None:
        """Store one of the four answers; None if nothing was asked or it was answered."""
        now = now or utcnow()
        choice = FollowupAnswer(answer)
        return await self._move(A.ANSWER,
                                (Followup.user_key == user_key, Followup.topic_id == topic_id),
                                now, answer=choice.value, answered_at=now)

    async def expire(self, now: dt.datetime | None = None) -> int:
        """Close offers and questions left unanswered for ``expire_after``."""
        now = now or utcnow()
        cutoff = now - self.expire_after
        stale = or_(and_(Followup.state == S.SENT.value, Followup.sent_at < cutoff),
                    and_(Followup.state == S.OFFERED.value, Followup.created_at < cutoff))
        assert sources(A.EXPIRE) == {S.SENT, S.OFFERED}
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Followup).where(stale)
                .values(state=transition(S.SENT, A.EXPIRE).value, updated_at=now))
        return affected(result)

    async def _move(self, action: FollowupAction, where: tuple, now: dt.datetime, *,
                    only_from: set[FollowupState] | None = None, then_schedule: bool = False,
                    **values: object) -> FollowupInfo | None:
        """Apply ``action`` (and optionally SCHEDULE right after) in one transaction."""
        async with self._sessions() as session, session.begin():
            if not await self._update(session, action, where, now, only_from, values):
                return None
            if then_schedule:
                await self._update(session, A.SCHEDULE, where, now, None,
                                   {"due_at": now + self.delay})
            row = await session.scalar(select(Followup).where(*where))
        return FollowupInfo.of(row) if row else None

    @staticmethod
    async def _update(session: AsyncSession, action: FollowupAction, where: tuple,
                      now: dt.datetime, only_from: set[FollowupState] | None,
                      values: dict[str, object]) -> int:
        allowed = sources(action) if only_from is None else sources(action) & only_from
        targets = {transition(s, action) for s in allowed}
        assert len(targets) == 1, "an action must lead to one state"
        result = await session.execute(
            update(Followup)
            .where(*where, Followup.state.in_([s.value for s in allowed]))
            .values(state=targets.pop().value, updated_at=now, **values)
            .execution_options(synchronize_session=False))
        return affected(result)
