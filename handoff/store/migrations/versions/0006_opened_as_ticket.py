"""Add ``handoffs.opened_as_ticket`` and ``handoffs.outcome``.

``opened_as_ticket``: whether a handoff began as an offline ticket.
Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

A ticket that an agent claims and closes ends ``resolved`` like a live chat, and its
overnight wait then looked like a live pick-up time in the expected wait promised to queued
customers. The flag keeps tickets out of that median for good. Existing open tickets are
marked; tickets already resolved before this revision cannot be told apart any more.

``outcome``: how the agent ended a chat they handed back (``resolved``, ``not_resolved``,
``follow_up``; null when they did not say), for analytics.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns (false / null for existing handoffs) and mark today's tickets."""
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(
            sa.Column("opened_as_ticket", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=True))
    op.execute("UPDATE handoffs SET opened_as_ticket = true WHERE status = 'ticket'")


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("outcome")
        batch.drop_column("opened_as_ticket")
