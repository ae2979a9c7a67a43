"""Join the desk's and the messaging channels' revisions into one head.

Revision ID: 0003
Revises: 0002_channels, 0002_desk
Create Date: 2026-11-24

The two were written side by side on top of 0001; later revisions build on this one, so the
store has a single head again. Changes nothing in the schema.
"""

from __future__ import annotations

revision = "0003"
down_revision = ("0002_channels", "0002_desk")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to do: both parents already ran."""


def downgrade() -> None:
    """Nothing to do: downgrading continues into both parents."""
