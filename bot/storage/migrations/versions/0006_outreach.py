"""Outreach: subscriptions with consent, campaigns and their recipients.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("chat_ref", sa.String(length=128), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stop_reason", sa.String(length=16), nullable=True),
        _utc("created_at"),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("channel", "user_key", name=op.f("uq_subscriptions_channel_user_key")),
    )
    op.create_index("ix_subscriptions_status_area", "subscriptions", ["status", "area"])
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("topic_id", sa.String(length=80), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("audience_area", sa.String(length=64), nullable=True),
        sa.Column("audience_topic", sa.String(length=80), nullable=True),
        sa.Column("audience_weeks", sa.Integer(), nullable=True),
        sa.Column("holdback_pct", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _utc("send_at", nullable=True),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("reviewed_by", sa.String(length=80), nullable=True),
        _utc("reviewed_at", nullable=True),
        _utc("started_at", nullable=True),
        _utc("finished_at", nullable=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index("ix_campaigns_status_send_at", "campaigns", ["status", "send_at"])
    op.create_table(
        "campaign_recipients",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("chat_ref", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        _utc("claimed_at", nullable=True),
        _utc("sent_at", nullable=True),
        sa.Column("error", sa.String(length=120), nullable=True),
        _utc("tapped_at", nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE",
                                name=op.f("fk_campaign_recipients_campaign_id_campaigns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_recipients")),
        sa.UniqueConstraint("campaign_id", "channel", "user_key",
                            name=op.f("uq_campaign_recipients_campaign_id_channel_user_key")),
    )
    op.create_index("ix_campaign_recipients_campaign_id_state", "campaign_recipients",
                    ["campaign_id", "state"])
    op.create_index("ix_campaign_recipients_user_key", "campaign_recipients", ["user_key"])


def downgrade() -> None:
    op.drop_index("ix_campaign_recipients_user_key", table_name="campaign_recipients")
    op.drop_index("ix_campaign_recipients_campaign_id_state", table_name="campaign_recipients")
    op.drop_table("campaign_recipients")
    op.drop_index("ix_campaigns_status_send_at", table_name="campaigns")
    op.drop_table("campaigns")
    op.drop_index("ix_subscriptions_status_area", table_name="subscriptions")
    op.drop_table("subscriptions")
