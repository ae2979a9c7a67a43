"""Create the messaging channels' inbox and outbox.

Revision ID: 0002_channels
Revises: 0001
Create Date: 2026-11-24

Written out in full (no model imports), so this revision creates the same schema forever.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_channels"
down_revision = "0001"
branch_labels = None
depends_on = None

OUTBOUND_STATUSES = ("pending", "sent", "failed")


def upgrade() -> None:
    """Create ``channel_inbox`` and ``channel_outbox`` with their indexes."""
    op.create_table(
        "channel_inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("delivery_key", sa.String(255), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("customer_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_channel_inbox"),
        sa.UniqueConstraint("account", "delivery_key", name="uq_channel_inbox_delivery"),
    )
    op.create_index("ix_channel_inbox_pending", "channel_inbox", ["account", "processed_at", "id"])
    op.create_index(
        "ix_channel_inbox_conversation", "channel_inbox", ["conversation_id", "customer_sent_at"]
    )
    op.create_table(
        "channel_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                *OUTBOUND_STATUSES,
                name=op.f("ck_channel_outbox_status"),
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("provider_message_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_channel_outbox"),
    )
    op.create_index(
        "ix_channel_outbox_provider_message_id", "channel_outbox", ["provider_message_id"]
    )
    op.create_index(
        "ix_channel_outbox_pending", "channel_outbox", ["channel", "status", "conversation_id"]
    )


def downgrade() -> None:
    """Drop both tables and their indexes."""
    op.drop_index("ix_channel_outbox_pending", table_name="channel_outbox")
    op.drop_index("ix_channel_outbox_provider_message_id", table_name="channel_outbox")
    op.drop_table("channel_outbox")
    op.drop_index("ix_channel_inbox_conversation", table_name="channel_inbox")
    op.drop_index("ix_channel_inbox_pending", table_name="channel_inbox")
    op.drop_table("channel_inbox")
