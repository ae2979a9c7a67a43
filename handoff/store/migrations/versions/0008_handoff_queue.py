"""Add ``handoffs.queue``: the desk queue the customer's tier chose within the team.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

Routing has always named a queue per customer tier (``routing.queues``, e.g. enterprise →
``senior``), but only the context package kept it. Stored on the handoff, a queued customer's
place and expected wait count the handoffs ahead in the same team *and* queue, and the desk
lists and filters by it. Existing handoffs get null (no queue of their own): they keep sharing
the team's place count among themselves, as before the upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable column."""
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("queue", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("queue")
