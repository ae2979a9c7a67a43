"""Add ``handoffs.queued_at`` and what a queued customer was last told (``told_*``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

The waiting sweep (``handoff.desk.queue_sweep``) tells a queued customer when their place or
expected wait changed meaningfully, at most every ``desk.queue_update_minutes``. What was
told last, and when, is on the handoff: the sweep records a new update with one conditional
UPDATE on ``told_at``, so of two desk replicas only one sends it. Existing handoffs get nulls
(nothing told yet).

``queued_at``: when the handoff last joined a queue (opened, or transferred to another team's
queue), from which ``desk.queue_timeout_minutes`` counts; null for older rows, which count from
``created_at``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the four nullable columns."""
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("told_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("told_position", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("told_wait", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("told_wait")
        batch.drop_column("told_position")
        batch.drop_column("told_at")
        batch.drop_column("queued_at")
