"""Create the handoffs table.

Revision ID: 0001
Revises:
Create Date: 2024-11-23

Written out in full (no model imports), so this revision creates the same schema forever,
whatever the models become later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = ("queued", "assigned", "resolved", "handed_back", "ticket", "closed")
OPEN_STATUS_PREDICATE = "status IN ('queued', 'assigned')"


def upgrade() -> None:
    """Create ``handoffs`` with its lookup, queue and one-open-per-conversation indexes."""
    op.create_table(
        "handoffs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                *STATUSES,
                name=op.f("ck_handoffs_status"),  # the CHECK constraint's name, verbatim
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("team", sa.String(64), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_handoffs"),
    )
    op.create_index("ix_handoffs_conversation_id", "handoffs", ["conversation_id"])
    op.create_index("ix_handoffs_queue", "handoffs", ["status", "priority", "created_at"])
    op.create_index(
        "uq_handoffs_open_conversation",
        "handoffs",
        ["conversation_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_STATUS_PREDICATE),
        postgresql_where=sa.text(OPEN_STATUS_PREDICATE),
    )


def downgrade() -> None:
    """Drop ``handoffs`` and its indexes."""
    op.drop_index("uq_handoffs_open_conversation", table_name="handoffs")
    op.drop_index("ix_handoffs_queue", table_name="handoffs")
    op.drop_index("ix_handoffs_conversation_id", table_name="handoffs")
    op.drop_table("handoffs")
