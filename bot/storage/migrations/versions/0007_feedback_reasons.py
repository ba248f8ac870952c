"""What was wrong with an answer, and staff's handling of it.

* ``feedback.reason``: after 👎 "Chưa đúng" the citizen taps one of "không đúng chủ
  đề" / "thiếu thông tin" / "thông tin sai"; NULL when they did not say (or 👍).
* ``feedback.resolution``/``resolved_by``/``resolved_at``: the staff inbox's "Bị đánh
  giá chưa đúng" list shows a 👎 until staff attach the question to the right topic
  or correct the entry. Existing rows keep NULLs, i.e. they wait in the inbox.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("resolution", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("resolved_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("resolved_at")
        batch.drop_column("resolved_by")
        batch.drop_column("resolution")
        batch.drop_column("reason")
