"""The agent desk: agents, teams, tokens, notes, decisions, audit log; handoff assignment.

Revision ID: 0002_desk
Revises: 0001
Create Date: 2026-11-23

Written out in full (no model imports), like 0001. The new ``handoffs`` columns are plain
``ADD COLUMN``s (nullable, no foreign key), so SQLite keeps the table, and with it the partial
unique index, instead of rebuilding it in batch mode.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_desk"
down_revision = "0001"
branch_labels = None
depends_on = None

ROLES = ("agent", "supervisor", "admin")
PRESENCES = ("online", "away", "offline")
DECISIONS = ("handoff", "ticket", "offer", "offer_declined", "offer_accepted", "self_service")


def _enum(values: tuple, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    """Create the desk's tables and add assignment columns to ``handoffs``."""
    op.create_table(
        "teams",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_teams"),
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", _enum(ROLES, op.f("ck_agents_role")), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("max_chats", sa.Integer(), nullable=False),
        sa.Column("presence", _enum(PRESENCES, op.f("ck_agents_presence")), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agents"),
        sa.UniqueConstraint("username", name="uq_agents_username"),
    )
    op.create_table(
        "agent_teams",
        sa.Column("agent_id", sa.String(32), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name="fk_agent_teams_agent_id_agents", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team"], ["teams.name"], name="fk_agent_teams_team_teams", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("agent_id", "team", name="pk_agent_teams"),
    )
    op.create_table(
        "agent_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name="fk_agent_tokens_agent_id_agents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_agent_tokens"),
    )
    op.create_index("ix_agent_tokens_agent_id", "agent_tokens", ["agent_id"])
    op.create_table(
        "notes",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("handoff_id", sa.String(32), nullable=False),
        sa.Column("agent_id", sa.String(32), nullable=True),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["handoff_id"],
            ["handoffs.id"],
            name="fk_notes_handoff_id_handoffs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
    )
    op.create_index("ix_notes_handoff_id", "notes", ["handoff_id"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("decision", _enum(DECISIONS, op.f("ck_decisions_decision")), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("intent", sa.String(128), nullable=True),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("team", sa.String(64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_conversation_id", "decisions", ["conversation_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("handoff_id", sa.String(32), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_handoff_id_at", "audit_log", ["handoff_id", "at"])
    op.add_column("handoffs", sa.Column("assigned_agent_id", sa.String(32), nullable=True))
    op.add_column("handoffs", sa.Column("offered_agent_id", sa.String(32), nullable=True))
    op.add_column("handoffs", sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("handoffs", sa.Column("language", sa.String(16), nullable=True))
    op.create_index("ix_handoffs_assigned_agent_id", "handoffs", ["assigned_agent_id"])


def downgrade() -> None:
    """Drop the desk's tables and the assignment columns."""
    op.drop_index("ix_handoffs_assigned_agent_id", table_name="handoffs")
    with op.batch_alter_table("handoffs", recreate="never") as batch:
        for column in ("language", "claimed_at", "offered_agent_id", "assigned_agent_id"):
            batch.drop_column(column)
    op.drop_index("ix_audit_log_handoff_id_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_decisions_conversation_id", table_name="decisions")
    op.drop_table("decisions")
    op.drop_index("ix_notes_handoff_id", table_name="notes")
    op.drop_table("notes")
    op.drop_index("ix_agent_tokens_agent_id", table_name="agent_tokens")
    op.drop_table("agent_tokens")
    op.drop_table("agent_teams")
    op.drop_table("agents")
    op.drop_table("teams")
