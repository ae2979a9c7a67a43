"""Migration 0008 on SQLite and PostgreSQL: handoffs queued before it keep their places.

Older handoffs get no queue (null) and go on counting their places among themselves; a
handoff opened after the upgrade in a named queue of the same team is first in its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alembic import command
from sqlalchemy import bindparam, inspect, text
from sqlalchemy.engine import Engine

from handoff.desk import service as desk_service
from handoff.store import SqlUnitOfWork, session_factory, upgrade_to_head
from handoff.store.migrate import alembic_config
from handoff.store.models import UtcDateTime

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)


def _columns(engine: Engine) -> set:
    return {column["name"] for column in inspect(engine).get_columns("handoffs")}


def test_0008_adds_the_queue_and_old_handoffs_keep_their_places(store_engine: Engine) -> None:
    with store_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0007")
        for n in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO handoffs (id, conversation_id, status, reason, team, priority,"
                    " context, created_at, updated_at, opened_as_ticket)"
                    " VALUES (:id, :c, 'queued', 'explicit_request', 'billing', 0, '{}', :t, :t,"
                    " false)"
                ).bindparams(bindparam("t", type_=UtcDateTime)),  # stored as the mapping does
                {"id": f"h{n}", "c": f"c{n}", "t": T0 + timedelta(seconds=n)},
            )
    assert "queue" not in _columns(store_engine)

    upgrade_to_head(store_engine)
    with SqlUnitOfWork(session_factory(store_engine)) as uow:
        old = [uow.handoffs.get(f"h{n}") for n in (1, 2)]
        assert [h.queue for h in old] == [None, None]
        assert [uow.handoffs.queue_position(h) for h in old] == [1, 2]
        opened = desk_service.open_handoff(
            uow,
            conversation_id="c3",
            reason="explicit_request",
            context={},
            team="billing",
            queue="senior",
            now=T0 + timedelta(seconds=3),
        )
        assert (opened.queue, opened.queue_position) == ("senior", 1)

    with store_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007")
    assert "queue" not in _columns(store_engine)
