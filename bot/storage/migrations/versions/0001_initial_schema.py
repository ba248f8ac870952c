"""Initial schema: events, feedback, follow-ups, uptake figures, conversation state.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=32), nullable=False),
        _utc("created_at"),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text_redacted", sa.Text(), nullable=True),
        sa.Column("text_normalized", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("topic_id", sa.String(length=80), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("redactions", sa.JSON(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_created_at", "events", ["created_at"])
    op.create_index("ix_events_topic_id_created_at", "events", ["topic_id", "created_at"])

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        _utc("created_at"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_feedback_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index(op.f("ix_feedback_event_id"), "feedback", ["event_id"])

    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_ref", sa.String(length=128), nullable=False),
        sa.Column("topic_id", sa.String(length=80), nullable=False),
        sa.Column("event_id", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        _utc("created_at"),
        _utc("due_at", nullable=True),
        _utc("sent_at", nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=True),
        _utc("answered_at", nullable=True),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
        sa.UniqueConstraint("user_key", "topic_id", name=op.f("uq_followups_user_key_topic_id")),
    )
    op.create_index("ix_followups_state_due_at", "followups", ["state", "due_at"])

    op.create_table(
        "uptake_figures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("topic_id", sa.String(length=80), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("online_count", sa.Integer(), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        _utc("imported_at"),
        sa.Column("import_batch", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uptake_figures")),
        sa.UniqueConstraint("topic_id", "period_start", "period_end",
                            name=op.f("uq_uptake_figures_topic_id_period_start_period_end")),
    )

    op.create_table(
        "conversation_state",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("channel", "user_key", name=op.f("pk_conversation_state")),
    )


def downgrade() -> None:
    op.drop_table("conversation_state")
    op.drop_table("uptake_figures")
    op.drop_index("ix_followups_state_due_at", table_name="followups")
    op.drop_table("followups")
    op.drop_index(op.f("ix_feedback_event_id"), table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_events_topic_id_created_at", table_name="events")
    op.drop_index("ix_events_created_at", table_name="events")
    op.drop_table("events")
