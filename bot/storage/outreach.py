"""Outreach storage: subscriptions (consent), campaigns and their recipients.

Every state change is a conditional UPDATE (``… WHERE status/state IN sources``), so a
double click, two workers or a crash and restart can never move a row twice:

* a subscription is offered at most once per chat (a unique row per channel and user);
* a campaign starts once: the worker whose ``approved → sending`` update succeeds
  builds the recipient list in the same transaction (all of it or none);
* each recipient is claimed (``pending → claimed``, with a batch token) before it is
  sent to, by exactly one worker; the sender then records ``delivered`` or ``failed``.
  A claim that outlives :data:`STALE_CLAIM` (the worker died between claiming and
  recording) becomes ``unknown`` and is **not** resent: a duplicate announcement is
  worse than a missing one, and the page says how many are unknown.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import (
    Campaign,
    CampaignRecipient,
    Event,
    Followup,
    Subscription,
    utcnow,
)
from bot.storage.rows import affected

STALE_CLAIM = dt.timedelta(minutes=10)
ANSWER_WINDOW = dt.timedelta(days=7)
FOLLOWUP_WINDOW = dt.timedelta(days=30)


class SubStatus(StrEnum):
    OFFERED = "offered"
    ACTIVE = "active"
    DECLINED = "declined"
    STOPPED = "stopped"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # waiting for a reviewer
    APPROVED = "approved"  # waiting for its time
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


class Audience(StrEnum):
    ALL = "all"
    AREA = "area"
    TOPIC = "topic"


class RecipientState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNKNOWN = "unknown"
    HELD = "held"  # held back for comparison, never sent


C, R = CampaignStatus, RecipientState
# Campaign moves: action → (allowed sources, target).
CAMPAIGN_MOVES: dict[str, tuple[frozenset[CampaignStatus], CampaignStatus]] = {
    "submit": (frozenset({C.DRAFT, C.REJECTED}), C.PENDING),
    "approve": (frozenset({C.PENDING}), C.APPROVED),
    "reject": (frozenset({C.PENDING}), C.REJECTED),
    "start": (frozenset({C.APPROVED}), C.SENDING),
    "pause": (frozenset({C.SENDING, C.APPROVED}), C.PAUSED),
    "resume": (frozenset({C.PAUSED}), C.SENDING),
    "cancel": (frozenset({C.DRAFT, C.PENDING, C.APPROVED, C.SENDING, C.PAUSED}),
               C.CANCELLED),
    "finish": (frozenset({C.SENDING}), C.DONE),
}
EDITABLE = frozenset({C.DRAFT, C.REJECTED})


@dataclass(frozen=True, slots=True)
class SubscriptionInfo:
    channel: str
    user_key: str
    chat_ref: str
    area: str | None
    status: SubStatus


@dataclass(frozen=True, slots=True)
class CampaignDraft:
    """What an editor writes; validated by :mod:`bot.outreach.campaigns`."""

    title: str
    body: str
    topic_id: str | None
    audience: Audience
    audience_area: str | None = None
    audience_topic: str | None = None
    audience_weeks: int | None = None
    holdback_pct: int = 10
    send_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    id: int
    title: str
    body: str
    topic_id: str | None
    audience: Audience
    audience_area: str | None
    audience_topic: str | None
    audience_weeks: int | None
    holdback_pct: int
    status: CampaignStatus
    send_at: dt.datetime | None
    author: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    created_at: dt.datetime
    demo: bool

    @classmethod
    def of(cls, row: Campaign) -> CampaignInfo:
        return cls(row.id, row.title, row.body, row.topic_id, Audience(row.audience),
                   row.audience_area, row.audience_topic, row.audience_weeks,
                   row.holdback_pct, CampaignStatus(row.status), row.send_at, row.author,
                   row.reviewed_by, row.reviewed_at, row.started_at, row.finished_at,
                   row.created_at, row.demo)

    @property
    def measured_topic(self) -> str | None:
        """The topic whose questions and follow-ups show the effect."""
        return self.topic_id or self.audience_topic


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    channel: str
    chat_ref: str


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """One comparison group: its size and how many did each thing."""

    size: int
    asked: int  # typed a question about the topic within 7 days
    online: int  # answered a follow-up "đã làm trực tuyến" within 30 days


@dataclass(frozen=True, slots=True)
class CampaignCounts:
    states: dict[str, int]
    taps: int
    recipients: GroupCounts  # delivered
    held_back: GroupCounts

    def state(self, state: RecipientState) -> int:
        return self.states.get(state.value, 0)


class SubscriptionStore:
    """Consent per chat; staff see counts only."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, channel: str, user_key: str) -> SubscriptionInfo | None:
        async with self._sessions() as session:
            row = await session.scalar(select(Subscription).where(
                Subscription.channel == channel, Subscription.user_key == user_key))
        if row is None:
            return None
        return SubscriptionInfo(row.channel, row.user_key, row.chat_ref, row.area,
                                SubStatus(row.status))

    async def offer(self, channel: str, user_key: str, chat_ref: str) -> bool:
        """Record that the bot offered news to this chat; False if it ever did (or the
        chat already answered): the offer is made at most once."""
        now = utcnow()
        async with self._sessions() as session, session.begin():
            found = await session.scalar(select(Subscription.id).where(
                Subscription.channel == channel, Subscription.user_key == user_key))
            if found is not None:
                return False
            try:
                async with session.begin_nested():
                    session.add(Subscription(channel=channel, user_key=user_key,
                                             chat_ref=chat_ref, status=SubStatus.OFFERED,
                                             created_at=now, updated_at=now))
            except Exception:  # another worker offered at the same moment
                return False
        return True

    async def subscribe(self, channel: str, user_key: str, chat_ref: str) -> None:
        """Yes: active from now (a second yes changes nothing but the address)."""
        await self._set(channel, user_key, chat_ref, SubStatus.ACTIVE, stop_reason=None)

    async def decline(self, channel: str, user_key: str, chat_ref: str) -> None:
        await self._set(channel, user_key, chat_ref, SubStatus.DECLINED, stop_reason=None,
                        only_if={SubStatus.OFFERED, SubStatus.DECLINED})

    async def set_area(self, channel: str, user_key: str, area: str | None) -> bool:
        return bool(await self._update_active(
            Subscription.channel == channel, Subscription.user_key == user_key, area=area))

    async def stop(self, channel: str, user_key: str, reason: str = "citizen") -> bool:
        """End it at once; True if there was an active subscription."""
        return bool(await self._update_active(
            Subscription.channel == channel, Subscription.user_key == user_key,
            status=SubStatus.STOPPED.value, stop_reason=reason))

    async def stop_chat(self, channel: str, chat_ref: str, reason: str = "blocked") -> int:
        """The platform says this chat cannot be reached (blocked, gone)."""
        return await self._update_active(
            Subscription.channel == channel, Subscription.chat_ref == chat_ref,
            status=SubStatus.STOPPED.value, stop_reason=reason)

    async def _update_active(self, *where: ColumnElement[bool], **values: object) -> int:
        """Change the active subscriptions matching ``where``; how many changed."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Subscription)
                .where(*where, Subscription.status == SubStatus.ACTIVE.value)
                .values(updated_at=utcnow(), **values))
        return affected(result)

    async def _set(self, channel: str, user_key: str, chat_ref: str, status: SubStatus, *,
                   stop_reason: str | None, only_if: set[SubStatus] | None = None) -> None:
        now = utcnow()
        async with self._sessions() as session, session.begin():
            row = await session.scalar(select(Subscription).where(
                Subscription.channel == channel, Subscription.user_key == user_key))
            if row is None:
                session.add(Subscription(channel=channel, user_key=user_key,
                                         chat_ref=chat_ref, status=status.value,
                                         stop_reason=stop_reason, created_at=now,
                                         updated_at=now))
                return
            if only_if is not None and SubStatus(row.status) not in only_if:
                return
            row.status, row.stop_reason, row.chat_ref, row.updated_at = (
                status.value, stop_reason, chat_ref, now)

    async def add_many(self, rows: Iterable[tuple[str, str, str, str | None]]) -> int:
        """Active subscriptions (channel, user key, chat, thôn) in one go — demo data."""
        now = utcnow()
        values = [{"channel": c, "user_key": k, "chat_ref": r, "area": a,
                   "status": SubStatus.ACTIVE.value, "created_at": now, "updated_at": now}
                  for c, k, r, a in rows]
        if values:
            async with self._sessions() as session, session.begin():
                await session.execute(insert(Subscription), values)
        return len(values)

    async def delete_with_prefix(self, prefix: str) -> int:
        """Remove the subscriptions of demo users (their keys carry ``prefix``)."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                delete(Subscription).where(Subscription.user_key.startswith(prefix)))
        return affected(result)

    async def counts_by_area(self) -> dict[str | None, int]:
        """Active subscribers per thôn (None: not given); never who."""
        async with self._sessions() as session:
            rows = (await session.execute(
                select(Subscription.area, func.count())
                .where(Subscription.status == SubStatus.ACTIVE.value)
                .group_by(Subscription.area))).all()
        return {area: int(n) for area, n in rows}


class CampaignStore:
    """Campaigns, their audiences, the exactly-once sending claims and the effect counts."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *,
                 rng: random.Random | None = None) -> None:
        self._sessions = sessions
        self._rng = rng or random.SystemRandom()

    # --- editing and review -------------------------------------------------------------

    async def create(self, draft: CampaignDraft, author: str, *, demo: bool = False
                     ) -> CampaignInfo:
        now = utcnow()
        async with self._sessions() as session, session.begin():
            row = Campaign(**_draft_values(draft), status=C.DRAFT.value, author=author,
                           demo=demo, created_at=now, updated_at=now)
            session.add(row)
            await session.flush()
            return CampaignInfo.of(row)

    async def edit(self, campaign_id: int, draft: CampaignDraft) -> bool:
        """Only drafts (and rejected ones) can be changed."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id,
                       Campaign.status.in_([s.value for s in EDITABLE]))
                .values(**_draft_values(draft), status=C.DRAFT.value, updated_at=utcnow()))
        return bool(affected(result))

    async def move(self, campaign_id: int, action: str, *, by: str | None = None,
                   now: dt.datetime | None = None) -> bool:
        """Apply one move of :data:`CAMPAIGN_MOVES`; False when it is no longer legal."""
        sources, target = CAMPAIGN_MOVES[action]
        now = now or utcnow()
        values: dict[str, Any] = {"status": target.value, "updated_at": now}
        if action in {"approve", "reject"}:
            values.update(reviewed_by=by, reviewed_at=now)
        if action in {"finish", "cancel"}:
            values["finished_at"] = now
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id,
                       Campaign.status.in_([s.value for s in sources]))
                .values(**values))
        return bool(affected(result))

    async def get(self, campaign_id: int) -> CampaignInfo | None:
        async with self._sessions() as session:
            row = await session.get(Campaign, campaign_id)
        return CampaignInfo.of(row) if row else None

    async def all(self, limit: int = 100) -> list[CampaignInfo]:
        async with self._sessions() as session:
            rows = (await session.scalars(
                select(Campaign).order_by(Campaign.id.desc()).limit(limit))).all()
        return [CampaignInfo.of(r) for r in rows]

    # --- audience -----------------------------------------------------------------------

    def _audience(self, info: CampaignInfo | CampaignDraft, now: dt.datetime) -> Any:
        query = select(Subscription.channel, Subscription.user_key, Subscription.chat_ref
                       ).where(Subscription.status == SubStatus.ACTIVE.value)
        if info.audience is Audience.AREA:
            query = query.where(Subscription.area == info.audience_area)
        elif info.audience is Audience.TOPIC:
            since = now - dt.timedelta(weeks=info.audience_weeks or 4)
            asked = exists().where(Event.channel == Subscription.channel,
                                   Event.user_key == Subscription.user_key,
                                   Event.topic_id == info.audience_topic,
                                   Event.created_at >= since)
            query = query.where(asked)
        return query.order_by(Subscription.id)

    async def audience_size(self, draft: CampaignInfo | CampaignDraft,
                            now: dt.datetime | None = None) -> int:
        query = self._audience(draft, now or utcnow()).subquery()
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(query)) or 0)

    # --- sending ------------------------------------------------------------------------

    async def due(self, now: dt.datetime | None = None) -> list[int]:
        """Approved campaigns whose time has come, and those already sending."""
        now = now or utcnow()
        async with self._sessions() as session:
            rows = (await session.scalars(select(Campaign.id).where(
                ((Campaign.status == C.APPROVED.value)
                 & ((Campaign.send_at.is_(None)) | (Campaign.send_at <= now)))
                | (Campaign.status == C.SENDING.value)).order_by(Campaign.id))).all()
        return list(rows)

    async def start(self, campaign_id: int, now: dt.datetime | None = None) -> int | None:
        """Move an approved campaign to sending and fix its recipients, in one
        transaction; the number of recipients, or None if another worker started it."""
        now = now or utcnow()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id, Campaign.status == C.APPROVED.value,
                       (Campaign.send_at.is_(None)) | (Campaign.send_at <= now))
                .values(status=C.SENDING.value, started_at=now, updated_at=now))
            if not affected(result):
                return None
            row = await session.get(Campaign, campaign_id)
            assert row is not None
            audience = (await session.execute(self._audience(CampaignInfo.of(row), now))).all()
            rows = self._split(campaign_id, audience, row.holdback_pct)
            for start in range(0, len(rows), 500):
                await session.execute(insert(CampaignRecipient), rows[start:start + 500])
        return len(rows)

    def _split(self, campaign_id: int, audience: Sequence[Any], pct: int
               ) -> list[dict[str, Any]]:
        """Everyone once; a random ``pct`` % held back (never sent) for comparison."""
        held = set(self._rng.sample(range(len(audience)),
                                    round(len(audience) * max(0, min(pct, 50)) / 100)))
        return [{"campaign_id": campaign_id, "channel": channel, "user_key": user_key,
                 "chat_ref": chat_ref,
                 "state": (R.HELD if index in held else R.PENDING).value}
                for index, (channel, user_key, chat_ref) in enumerate(audience)]

    async def claim(self, campaign_id: int, channel: str, limit: int,
                    now: dt.datetime | None = None) -> tuple[str, list[Claimed]]:
        """Take up to ``limit`` pending recipients of a sending campaign for this worker.

        One conditional UPDATE: a row another worker took meanwhile no longer matches
        ``state = 'pending'`` (PostgreSQL re-checks it after the other commit; SQLite has
        one writer), so each recipient is claimed exactly once.
        """
        now = now or utcnow()
        token = uuid.uuid4().hex
        sending = select(Campaign.id).where(Campaign.id == campaign_id,
                                            Campaign.status == C.SENDING.value)
        ids = (select(CampaignRecipient.id)
               .where(CampaignRecipient.campaign_id == campaign_id,
                      CampaignRecipient.channel == channel,
                      CampaignRecipient.state == R.PENDING.value)
               .order_by(CampaignRecipient.id).limit(limit)
               .with_for_update(skip_locked=True))
        async with self._sessions() as session, session.begin():
            chosen: Any = ids.scalar_subquery()
            if session.get_bind().dialect.name == "postgresql":
                # Lock the rows first: PostgreSQL may re-run a LIMIT subquery inside an
                # UPDATE and take more rows than asked; SKIP LOCKED lets workers share.
                chosen = list(await session.scalars(ids))
                if not chosen:
                    return token, []
            await session.execute(
                update(CampaignRecipient)
                .where(CampaignRecipient.id.in_(chosen),
                       CampaignRecipient.state == R.PENDING.value,
                       CampaignRecipient.campaign_id.in_(sending.scalar_subquery()))
                .values(state=R.CLAIMED.value, claim=token, claimed_at=now)
                .execution_options(synchronize_session=False))
            rows = (await session.execute(
                select(CampaignRecipient.id, CampaignRecipient.channel,
                       CampaignRecipient.chat_ref)
                .where(CampaignRecipient.claim == token,
                       CampaignRecipient.state == R.CLAIMED.value)
                .order_by(CampaignRecipient.id))).all()
        return token, [Claimed(*row) for row in rows]

    async def record(self, token: str, recipient_id: int, state: RecipientState, *,
                     error: str | None = None, now: dt.datetime | None = None) -> bool:
        """The outcome of one claimed recipient (only by the claim's holder)."""
        now = now or utcnow()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(CampaignRecipient)
                .where(CampaignRecipient.id == recipient_id, CampaignRecipient.claim == token,
                       CampaignRecipient.state == R.CLAIMED.value)
                .values(state=state.value, sent_at=now, error=(error or None) and error[:120]))
        return bool(affected(result))

    async def record_delivered(self, token: str, ids: Iterable[int],
                               now: dt.datetime | None = None) -> int:
        """Many deliveries of one batch in one transaction (a commit per message would
        make the database, not the platform, the limit)."""
        return await self._update_claimed(token, ids, state=R.DELIVERED.value,
                                           sent_at=now or utcnow())

    async def release(self, token: str, ids: Iterable[int]) -> int:
        """Give back claimed recipients that were certainly not sent (e.g. after a 429)."""
        return await self._update_claimed(token, ids, state=R.PENDING.value, claim=None,
                                           claimed_at=None)

    async def _update_claimed(self, token: str, ids: Iterable[int], **values: object) -> int:
        """Change recipients this claim still holds; how many changed."""
        ids = list(ids)
        if not ids:
            return 0
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(CampaignRecipient)
                .where(CampaignRecipient.id.in_(ids), CampaignRecipient.claim == token,
                       CampaignRecipient.state == R.CLAIMED.value)
                .values(**values))
        return affected(result)

    async def expire_claims(self, now: dt.datetime | None = None,
                            older_than: dt.timedelta = STALE_CLAIM) -> int:
        """Claims left by a dead worker: maybe sent, maybe not — marked unknown, never
        resent."""
        now = now or utcnow()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(CampaignRecipient)
                .where(CampaignRecipient.state == R.CLAIMED.value,
                       CampaignRecipient.claimed_at < now - older_than)
                .values(state=R.UNKNOWN.value, error="worker stopped while sending"))
        return affected(result)

    async def finish_if_complete(self, campaign_id: int) -> bool:
        """Sending → done once nothing is pending or claimed."""
        open_rows = exists().where(
            CampaignRecipient.campaign_id == campaign_id,
            CampaignRecipient.state.in_([R.PENDING.value, R.CLAIMED.value]))
        now = utcnow()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id, Campaign.status == C.SENDING.value,
                       ~open_rows)
                .values(status=C.DONE.value, finished_at=now, updated_at=now))
        return bool(affected(result))

    async def pending_channels(self, campaign_id: int) -> list[str]:
        async with self._sessions() as session:
            rows = (await session.scalars(
                select(CampaignRecipient.channel).distinct()
                .where(CampaignRecipient.campaign_id == campaign_id,
                       CampaignRecipient.state == R.PENDING.value))).all()
        return list(rows)

    async def record_tap(self, campaign_id: int, channel: str, user_key: str,
                         now: dt.datetime | None = None) -> bool:
        """The first tap on the campaign's "Xem hướng dẫn" by one of its recipients."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(CampaignRecipient)
                .where(CampaignRecipient.campaign_id == campaign_id,
                       CampaignRecipient.channel == channel,
                       CampaignRecipient.user_key == user_key,
                       CampaignRecipient.tapped_at.is_(None))
                .values(tapped_at=now or utcnow()))
        return bool(affected(result))

    async def tap_share(self, campaign_id: int, share: float, rng: random.Random,
                        now: dt.datetime) -> int:
        """Demo data only: a random ``share`` of the delivered recipients tapped."""
        async with self._sessions() as session, session.begin():
            ids = list(await session.scalars(select(CampaignRecipient.id).where(
                CampaignRecipient.campaign_id == campaign_id,
                CampaignRecipient.state == R.DELIVERED.value).order_by(CampaignRecipient.id)))
            tapped = [i for i in ids if rng.random() < share]
            if tapped:
                await session.execute(update(CampaignRecipient)
                                      .where(CampaignRecipient.id.in_(tapped))
                                      .values(tapped_at=now))
        return len(tapped)

    # --- effect -------------------------------------------------------------------------

    async def counts(self, campaign_id: int) -> CampaignCounts | None:
        """Sent/delivered/failed/taps, and the two comparison groups' outcomes."""
        info = await self.get(campaign_id)
        if info is None:
            return None
        base = CampaignRecipient.campaign_id == campaign_id
        async with self._sessions() as session:
            states = dict((await session.execute(
                select(CampaignRecipient.state, func.count()).where(base)
                .group_by(CampaignRecipient.state))).all())
            taps = int(await session.scalar(select(func.count()).where(
                base, CampaignRecipient.tapped_at.is_not(None))) or 0)
            delivered = await self._group(session, info, R.DELIVERED)
            held = await self._group(session, info, R.HELD)
        return CampaignCounts({k: int(v) for k, v in states.items()}, taps, delivered, held)

    async def _group(self, session: AsyncSession, info: CampaignInfo,
                     state: RecipientState) -> GroupCounts:
        """A group's size and outcomes, each person counted once.

        Windows start when the campaign started (for both groups, so they are
        comparable); only typed questions count as "asked" — a tap on the campaign's own
        button would otherwise count for recipients only.
        """
        member = and_(CampaignRecipient.campaign_id == info.id,
                      CampaignRecipient.state == state.value)
        size = int(await session.scalar(select(func.count()).where(member)) or 0)
        topic, start = info.measured_topic, info.started_at
        if topic is None or start is None or size == 0:
            return GroupCounts(size, 0, 0)
        asked = exists().where(Event.channel == CampaignRecipient.channel,
                               Event.user_key == CampaignRecipient.user_key,
                               Event.topic_id == topic, Event.kind == "text",
                               Event.created_at >= start,
                               Event.created_at < start + ANSWER_WINDOW)
        online = exists().where(Followup.channel == CampaignRecipient.channel,
                                Followup.user_key == CampaignRecipient.user_key,
                                Followup.topic_id == topic, Followup.answer == "online",
                                Followup.answered_at >= start,
                                Followup.answered_at < start + FOLLOWUP_WINDOW)
        n_asked = int(await session.scalar(select(func.count()).where(member, asked)) or 0)
        n_online = int(await session.scalar(select(func.count()).where(member, online)) or 0)
        return GroupCounts(size, n_asked, n_online)

    async def delete_demo(self) -> int:
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(Campaign).where(Campaign.demo.is_(True)))
        return affected(result)


def _draft_values(draft: CampaignDraft) -> dict[str, Any]:
    return {"title": draft.title, "body": draft.body, "topic_id": draft.topic_id,
            "audience": draft.audience.value, "audience_area": draft.audience_area,
            "audience_topic": draft.audience_topic, "audience_weeks": draft.audience_weeks,
            "holdback_pct": draft.holdback_pct, "send_at": draft.send_at}
