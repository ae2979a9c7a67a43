"""Allow the decision ``guided``: a guided self-service path instead of a person.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

``routing.handling`` in handoff.yml can serve a handoff by a guided path (a form a designer
wrote, e.g. a return label); ``action_handoff`` records it as the decision ``guided`` for
analytics. The ``decisions.decision`` column is a VARCHAR with a CHECK constraint
(``handoff.store.models.enum_type``), so the CHECK is replaced; rows are unchanged.
Written out in full (no model imports), so this revision means the same forever.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BEFORE = ("handoff", "ticket", "offer", "offer_declined", "offer_accepted", "self_service")
AFTER = (*BEFORE, "guided")
CONSTRAINT = "ck_decisions_decision"


def _replace_check(values: tuple) -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch.create_check_constraint(op.f(CONSTRAINT), sa.column("decision").in_(values))


def upgrade() -> None:
    """Allow ``guided``."""
    _replace_check(AFTER)


def downgrade() -> None:
    """Disallow ``guided`` again (delete its rows first: the old CHECK refuses them)."""
    op.execute(sa.text("DELETE FROM decisions WHERE decision = 'guided'"))
    _replace_check(BEFORE)
