"""Rate counters: the inbound flood limit counted atomically across workers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_counters")),
    )
    op.create_index(op.f("ix_rate_counters_minute"), "rate_counters", ["minute"])
    # The counters used to live in conversation_state; those rows are now dead.
    op.execute(sa.text("DELETE FROM conversation_state WHERE channel = 'tg-rate'"))


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_counters_minute"), table_name="rate_counters")
    op.drop_table("rate_counters")
