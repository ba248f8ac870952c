"""Runtime tables: processed updates, leases, handoff, knowledge versions, triage.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("channel", "key", name=op.f("pk_processed_updates")),
    )
    op.create_index(op.f("ix_processed_updates_created_at"), "processed_updates",
                    ["created_at"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=False),
        _utc("expires_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    op.create_table(
        "handoff_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_no", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("chat_ref", sa.String(length=128), nullable=False),
        sa.Column("topic_id", sa.String(length=80), nullable=True),
        sa.Column("question_redacted", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_cases")),
        sa.UniqueConstraint("case_no", name=op.f("uq_handoff_cases_case_no")),
    )
    op.create_index(op.f("ix_handoff_cases_user_key"), "handoff_cases", ["user_key"])
    op.create_table(
        "handoff_links",
        sa.Column("staff_channel", sa.String(length=16), nullable=False),
        sa.Column("staff_chat", sa.String(length=128), nullable=False),
        sa.Column("staff_message", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["handoff_cases.id"], ondelete="CASCADE",
                                name=op.f("fk_handoff_links_case_id_handoff_cases")),
        sa.PrimaryKeyConstraint("staff_channel", "staff_chat", "staff_message",
                                name=op.f("pk_handoff_links")),
    )
    op.create_index(op.f("ix_handoff_links_case_id"), "handoff_links", ["case_id"])
    op.create_table(
        "knowledge_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _utc("created_at"),
        sa.Column("reviewed_by", sa.String(length=80), nullable=True),
        _utc("reviewed_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_versions")),
    )
    op.create_index("ix_knowledge_versions_status_id", "knowledge_versions", ["status", "id"])
    op.create_table(
        "triage",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("text_normalized", sa.String(length=500), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("topic_id", sa.String(length=80), nullable=True),
        sa.Column("knowledge_version", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        _utc("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage")),
    )
    op.create_index(op.f("ix_triage_text_normalized"), "triage", ["text_normalized"])


def downgrade() -> None:
    op.drop_index(op.f("ix_triage_text_normalized"), table_name="triage")
    op.drop_table("triage")
    op.drop_index("ix_knowledge_versions_status_id", table_name="knowledge_versions")
    op.drop_table("knowledge_versions")
    op.drop_index(op.f("ix_handoff_links_case_id"), table_name="handoff_links")
    op.drop_table("handoff_links")
    op.drop_index(op.f("ix_handoff_cases_user_key"), table_name="handoff_cases")
    op.drop_table("handoff_cases")
    op.drop_table("leases")
    op.drop_index(op.f("ix_processed_updates_created_at"), table_name="processed_updates")
    op.drop_table("processed_updates")
