from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError

from handoff.store import (
    Handoff,
    HandoffStatus,
    SqlUnitOfWork,
    create_store_engine,
    upgrade_to_head,
)
from handoff.store.migrate import alembic_config
from handoff.store.models import metadata

T0 = datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)


def _differences(engine: Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def _handoff(conversation_id: str = "c1", **overrides) -> Handoff:
    values = dict(
        conversation_id=conversation_id,
        status=HandoffStatus.QUEUED,
        reason="explicit_request",
        context={"summary": "wants a refund"},
        created_at=T0,
        updated_at=T0,
    )
    return Handoff(**{**values, **overrides})


def test_migrations_create_the_schema_the_models_describe(store_engine: Engine) -> None:
    upgrade_to_head(store_engine)

    inspector = inspect(store_engine)
    assert "handoffs" in inspector.get_table_names()
    indexes = {index["name"]: index for index in inspector.get_indexes("handoffs")}
    assert indexes["uq_handoffs_open_conversation"]["unique"]
    assert _differences(store_engine) == []


def test_upgrade_is_idempotent_and_downgrade_reverts(store_engine: Engine) -> None:
    upgrade_to_head(store_engine)
    upgrade_to_head(store_engine)  # a restarted desk finds the schema current

    with store_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert "handoffs" not in inspect(store_engine).get_table_names()

    upgrade_to_head(store_engine)
    assert _differences(store_engine) == []


def test_sqlite_store_gets_its_directory_and_wal(tmp_path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path}/deep/er/handoff.db")
    try:
        upgrade_to_head(engine)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        assert (tmp_path / "deep" / "er" / "handoff.db").exists()
    finally:
        engine.dispose()


def test_one_open_handoff_per_conversation_is_enforced_by_the_database(
    unit_of_work,
) -> None:
    with unit_of_work() as uow:
        uow.handoffs.add(_handoff())
        uow.commit()
    with pytest.raises(IntegrityError), unit_of_work() as uow:
        uow.handoffs.add(_handoff(status=HandoffStatus.ASSIGNED))
        uow.commit()

    # Closed handoffs do not count: the history may hold many.
    with unit_of_work() as uow:
        uow.handoffs.add(_handoff(status=HandoffStatus.HANDED_BACK, closed_at=T0))
        uow.handoffs.add(_handoff(status=HandoffStatus.RESOLVED, closed_at=T0))
        uow.commit()
    with unit_of_work() as uow:
        assert len(uow.handoffs.list()) == 3


def test_unknown_status_is_refused(unit_of_work) -> None:
    with pytest.raises((StatementError, LookupError)), unit_of_work() as uow:
        uow.handoffs.add(_handoff(status="pending"))
        uow.commit()


def test_times_come_back_timezone_aware_utc(unit_of_work) -> None:
    in_berlin = datetime(2024, 5, 1, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    with unit_of_work() as uow:
        uow.handoffs.add(_handoff(id="h1", created_at=in_berlin, updated_at=in_berlin))
        uow.commit()

    with unit_of_work() as uow:
        handoff = uow.handoffs.get("h1")
        assert handoff is not None
        for moment in (handoff.created_at, handoff.updated_at):
            assert moment.tzinfo is not None
            assert moment.utcoffset() == timedelta(0)
            assert moment == T0
        assert handoff.closed_at is None


def test_naive_times_are_refused(unit_of_work) -> None:
    with pytest.raises(StatementError, match="naive"), unit_of_work() as uow:
        uow.handoffs.add(_handoff(created_at=datetime(2024, 5, 1, 9, 30)))
        uow.commit()


def test_leaving_without_commit_rolls_back(unit_of_work) -> None:
    with unit_of_work() as uow:
        uow.handoffs.add(_handoff("forgotten"))
    with pytest.raises(RuntimeError, match="boom"), unit_of_work() as uow:
        uow.handoffs.add(_handoff("failed"))
        uow.handoffs.list()  # flushed inside the transaction, then undone
        raise RuntimeError("boom")

    with unit_of_work() as uow:
        assert uow.handoffs.list() == []


def test_unit_of_work_outside_with_block_is_refused(sessions) -> None:
    with pytest.raises(RuntimeError, match="with"):
        SqlUnitOfWork(sessions).commit()


@pytest.mark.parametrize(
    "decision, accepted", [("guided", True), ("self_service", True), ("bogus", False)]
)
def test_the_decisions_check_allows_guided_after_migration_0009(
    store_engine: Engine, decision: str, accepted: bool
) -> None:
    # Raw SQL, past the model's enum: the database's CHECK itself must allow the new value.
    upgrade_to_head(store_engine)
    insert = text(
        "INSERT INTO decisions (conversation_id, decision, signals, at, recorded_at) "
        "VALUES ('c1', :decision, '[]', :at, :at)"
    )
    if accepted:
        with store_engine.begin() as connection:
            connection.execute(insert, {"decision": decision, "at": T0})
    else:
        with pytest.raises(IntegrityError), store_engine.begin() as connection:
            connection.execute(insert, {"decision": decision, "at": T0})
