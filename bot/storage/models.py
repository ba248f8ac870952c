"""The demand log's tables (SQLAlchemy 2 typed declarative).

Portable types only, so the same models run on SQLite and PostgreSQL; the initial
Alembic migration mirrors this file exactly (a test runs the autogenerate comparison).
Times are stored in UTC: SQLite keeps no zone, so :class:`UTCDateTime` writes naive UTC
there and hands back aware datetimes on every backend.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Named constraints keep Alembic batch migrations on SQLite and autogenerate stable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    """Event ids are made by the app so a feedback button can name its event at once."""
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend; naive input is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect
                           ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware (UTC) datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect
                             ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Event(Base):
    """One incoming message and what the bot did with it."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(64))
    area: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    # Nulled by the retention job; everything below them stays for the aggregates.
    text_redacted: Mapped[str | None] = mapped_column(Text)
    text_normalized: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16))
    topic_id: Mapped[str | None] = mapped_column(String(80))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    candidates: Mapped[list[Any]] = mapped_column(default=list)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    redactions: Mapped[list[Any]] = mapped_column(default=list)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_events_created_at", "created_at"),
        Index("ix_events_topic_id_created_at", "topic_id", "created_at"),
    )


class Feedback(Base):
    """A helpful / not helpful vote on one answer: one per (answer, citizen), the last counts.

    ``user_key`` is the voter, which must be the event's own asker; rows written before
    votes were keyed (migration 0005) have none and are counted once per answer.
    """

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    user_key: Mapped[str | None] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # 👎 only: what the citizen said was wrong ("topic", "missing", "wrong"), if they said.
    reason: Mapped[str | None] = mapped_column(String(16))
    # Staff's handling in the inbox ("example": attached to a topic, "fixed": the entry
    # was corrected or the vote looked at); None while it waits.
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    __table_args__ = (UniqueConstraint("event_id", "user_key"),)


class Followup(Base):
    """The "did you manage to do it online?" question, one per topic per user."""

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    # The channel's address for the user (Telegram chat id, Zalo user id…), needed to
    # deliver the question later; opaque to storage and never shown in reports.
    chat_ref: Mapped[str] = mapped_column(String(128))
    topic_id: Mapped[str] = mapped_column(String(80))
    # A soft link: the offer is made while its event still waits in the write queue.
    event_id: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    due_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("user_key", "topic_id"),
        Index("ix_followups_state_due_at", "state", "due_at"),
    )


class UptakeFigure(Base):
    """Official online/total dossier counts for one procedure and period."""

    __tablename__ = "uptake_figures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic_id: Mapped[str] = mapped_column(String(80))
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    online_count: Mapped[int] = mapped_column(Integer)
    total_count: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    import_batch: Mapped[str] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("topic_id", "period_start", "period_end"),)


class ConversationState(Base):
    """Short-lived per-chat state (Zalo numbered choices, a pending question).

    Kept in the database rather than in memory so it survives restarts and is shared
    by every worker.
    """

    __tablename__ = "conversation_state"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProcessedUpdate(Base):
    """Webhook/polling updates already handled, so a redelivery is processed once.

    The key is the platform's own id (Telegram ``update_id``, Zalo ``message_id``);
    inserting it is the claim, so two workers receiving the same update can't both act.
    """

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class RateCounter(Base):
    """Messages from one sender in the current minute (the inbound flood limit).

    ``key`` is the channel and the sender's pseudonymous key; ``minute`` counts
    minutes since 1970, so a new minute restarts ``hits`` in the same upsert.
    """

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer, index=True)
    hits: Mapped[int] = mapped_column(Integer)


class Lease(Base):
    """A named lease so a scheduled job (the weekly report) runs once across workers."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[dt.datetime]


class HandoffCase(Base):
    """A citizen's question handed to commune staff ("Hỏi cán bộ")."""

    __tablename__ = "handoff_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The number staff and citizen both see, e.g. "HS-0042"; never the platform id.
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(64), index=True)
    chat_ref: Mapped[str] = mapped_column(String(128))
    topic_id: Mapped[str | None] = mapped_column(String(80))
    question_redacted: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HandoffLink(Base):
    """Which staff-chat message carries which case, so a staff reply finds its citizen."""

    __tablename__ = "handoff_links"

    staff_channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    staff_chat: Mapped[str] = mapped_column(String(128), primary_key=True)
    staff_message: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("handoff_cases.id", ondelete="CASCADE"),
                                         index=True)


class KnowledgeVersion(Base):
    """One complete version of the knowledge base; the newest live one is served.

    The YAML files are the starter content: the first start stores them as version 1,
    and every later edit (web, spreadsheet, chat command, CLI) adds a version, so
    nothing is ever lost and any version can be restored. Workers poll the newest id.
    """

    __tablename__ = "knowledge_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(32))
    documents: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="live")  # live|pending|rejected
    author: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(16))  # starter|cli|web|telegram|spreadsheet
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_knowledge_versions_status_id", "status", "id"),)


class Triage(Base):
    """Staff's decision on an unanswered question group, with who and when.

    "example" attached it to a topic (a new knowledge version carries the question);
    "out_of_scope" says the bot is not meant to answer it. Either way the group
    leaves the unanswered inbox.
    """

    __tablename__ = "triage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text_normalized: Mapped[str] = mapped_column(String(500), index=True)
    action: Mapped[str] = mapped_column(String(16))
    topic_id: Mapped[str | None] = mapped_column(String(80))
    knowledge_version: Mapped[int | None] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StaffUser(Base):
    """A commune official who signs in to the staff workspace (``/staff``).

    ``session_epoch`` is part of every session cookie: bumping it (log out, new
    password, account disabled) ends that user's sessions on every device at once.
    """

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)  # login name, lower case
    full_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16))  # editor|reviewer|admin
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[dt.datetime | None]


class StaffLoginLimit(Base):
    """Sign-in attempts of one staff account or one client address, counted atomically.

    ``key`` is ``account:<name>`` or ``address:<ip>``. Times are whole seconds since 1970
    so the single upsert that checks and counts an attempt compares plain integers on
    both backends. ``locked_until`` is set when the limit is reached (the cool-down).
    """

    __tablename__ = "staff_login_limits"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[int | None] = mapped_column(Integer)


class StaffChange(Base):
    """What a knowledge version changed, relative to the version it was made from.

    ``base_version`` is the live version the change was built on: approving a
    pending change merges it onto whatever is live by then, so a later edit is
    never silently undone. ``changed`` lists topic ids (and ``@commune`` /
    ``@categories``) for the history pages.
    """

    __tablename__ = "staff_changes"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("knowledge_versions.id", ondelete="CASCADE"), primary_key=True)
    base_version: Mapped[int | None] = mapped_column(Integer)
    changed: Mapped[list[Any]] = mapped_column(default=list)


class Subscription(Base):
    """A citizen's consent to news from the commune ("Nhận tin từ xã"), one per chat.

    Pseudonymous like everything else: the channel's user key, plus the chat address
    needed to push (opaque, never shown to staff). ``status`` is offered (asked once,
    not answered), active, declined or stopped (``stop_reason``: citizen or blocked).
    """

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(64))
    chat_ref: Mapped[str] = mapped_column(String(128))
    area: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    stop_reason: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("channel", "user_key"),
        Index("ix_subscriptions_status_area", "status", "area"),
    )


class Campaign(Base):
    """A short announcement staff send to subscribers (written, reviewed, sent once)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    topic_id: Mapped[str | None] = mapped_column(String(80))  # the "Xem hướng dẫn" link
    audience: Mapped[str] = mapped_column(String(16))  # all | area | topic
    audience_area: Mapped[str | None] = mapped_column(String(64))
    audience_topic: Mapped[str | None] = mapped_column(String(80))
    audience_weeks: Mapped[int | None] = mapped_column(Integer)
    holdback_pct: Mapped[int] = mapped_column(Integer, default=10)
    status: Mapped[str] = mapped_column(String(16))
    send_at: Mapped[dt.datetime | None]
    author: Mapped[str] = mapped_column(String(80))
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_campaigns_status_send_at", "status", "send_at"),)


class CampaignRecipient(Base):
    """One audience member of one campaign: sent to, or held back for comparison.

    ``state``: pending → claimed (a worker took it, before sending) → delivered | failed;
    claimed rows left behind by a crash become unknown (never resent); held rows are
    the held-back comparison group and are never sent.
    """

    __tablename__ = "campaign_recipients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(64))
    chat_ref: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(String(120))
    tapped_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("campaign_id", "channel", "user_key"),
        Index("ix_campaign_recipients_campaign_id_state", "campaign_id", "state"),
        Index("ix_campaign_recipients_user_key", "user_key"),
    )
