"""Create ``ticket_forwards``: offline tickets copied to an external help desk.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

Written out in full (no model imports), so this revision creates the same schema forever.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table; ``handoff_id`` is unique (one forward per ticket)."""
    op.create_table(
        "ticket_forwards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("handoff_id", sa.String(32), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                name=op.f("ck_ticket_forwards_forward_status"),
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("external_url", sa.String(512), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_forwards")),
        sa.UniqueConstraint("handoff_id", name=op.f("uq_ticket_forwards_handoff_id")),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("ticket_forwards")
