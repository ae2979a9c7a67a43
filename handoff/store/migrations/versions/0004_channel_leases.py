"""Leases on the channels' inbox and outbox rows, for several Rasa replicas on one store.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

A replica that processes a delivery or sends an outbound message first takes a lease on the
row with a conditional UPDATE (``lease_owner``, ``lease_until``); another replica skips a row
whose lease has not expired, and picks it up once it has (the holder was killed). Written out
in full (no model imports), so this revision creates the same schema forever.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("channel_inbox", "channel_outbox")


def upgrade() -> None:
    """Add ``lease_owner`` and ``lease_until`` to ``channel_inbox`` and ``channel_outbox``."""
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("lease_owner", sa.String(64), nullable=True))
            batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop the lease columns again."""
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lease_until")
            batch.drop_column("lease_owner")
