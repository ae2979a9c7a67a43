"""Migration 0007 on SQLite and PostgreSQL: a queue of handoffs from before it keeps working.

Handoffs queued before the upgrade have told nothing yet (nulls); the waiting sweep's
conditional UPDATE records their first update, and a downgrade drops the columns again.
"""

from __future__ import annotations

from datetime import datetime, timezone

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from handoff.store import SqlUnitOfWork, session_factory, upgrade_to_head
from handoff.store.migrate import alembic_config

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)
TOLD = ("queued_at", "told_at", "told_position", "told_wait")


def _columns(engine: Engine) -> set:
    return {column["name"] for column in inspect(engine).get_columns("handoffs")}


def test_0007_adds_what_was_told_and_an_old_queued_handoff_gets_its_first_update(
    store_engine: Engine,
) -> None:
    with store_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0006")
        connection.execute(
            text(
                "INSERT INTO handoffs (id, conversation_id, status, reason, priority, context,"
                " created_at, updated_at, opened_as_ticket)"
                " VALUES ('h1', 'c1', 'queued', 'explicit_request', 0, '{}', :t, :t, false)"
            ),
            {"t": T0},
        )
    assert not set(TOLD) & _columns(store_engine)

    upgrade_to_head(store_engine)
    with SqlUnitOfWork(session_factory(store_engine)) as uow:
        old = uow.handoffs.get("h1")
        assert (old.told_at, old.told_position, old.told_wait) == (None, None, None)
        assert uow.handoffs.record_told("h1", None, 1, 120, T0)
        uow.commit()
        assert not uow.handoffs.record_told("h1", None, 1, 120, T0)  # told already: no twice
        assert uow.handoffs.record_told("h1", T0, 1, 60, T0)

    with store_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0006")
    assert not set(TOLD) & _columns(store_engine)
