"""One feedback vote per citizen per answer; atomic staff sign-in limits.

* ``feedback.user_key`` and a unique (event_id, user_key): a vote is an upsert, so
  repeated presses replace the citizen's vote instead of adding to it. Older rows keep
  a NULL voter (NULLs never collide) and the report counts them once per answer.
* ``staff_login_limits`` replaces ``staff_login_failures``: one counter row per
  account and per address, checked and counted in one statement before a password is
  verified. The old rows were only a 15-minute rate-limit memory; nothing is lost.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("user_key", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_feedback_event_id_user_key"),
                                       ["event_id", "user_key"])
    op.create_table(
        "staff_login_limits",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("window_start", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_staff_login_limits")),
    )
    op.drop_index("ix_staff_login_failures_account_created_at",
                  table_name="staff_login_failures")
    op.drop_table("staff_login_failures")


def downgrade() -> None:
    op.create_table(
        "staff_login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_login_failures")),
    )
    op.create_index("ix_staff_login_failures_account_created_at", "staff_login_failures",
                    ["account", "created_at"])
    op.drop_table("staff_login_limits")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint(op.f("uq_feedback_event_id_user_key"), type_="unique")
        batch.drop_column("user_key")
