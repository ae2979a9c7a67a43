"""Real handoff stores for the tests: a SQLite file and a PostgreSQL schema of their own.

PostgreSQL (``HANDOFF_TEST_POSTGRES_URL``, default a trust-auth server on 127.0.0.1) is
skipped when unreachable on a developer machine, but under ``CI`` an unreachable server fails
the run, so the PostgreSQL half of the suite cannot silently disappear.
"""

from __future__ import annotations

import os
import uuid
from typing import Callable, Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.schema import CreateSchema, DropSchema

from handoff.store import SqlUnitOfWork, create_store_engine, session_factory, upgrade_to_head

POSTGRES_URL = os.environ.get(
    "HANDOFF_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
# Not UTC on purpose: times read back must still come out as UTC.
POSTGRES_SESSION_TIME_ZONE = "America/New_York"


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    engine = create_engine(
        POSTGRES_URL, future=True, connect_args={"connect_timeout": 3}, pool_pre_ping=True
    )
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        engine.dispose()
        message = f"PostgreSQL is unreachable at {POSTGRES_URL}: {error.orig}"
        if _running_in_ci():
            pytest.fail(f"{message} (CI is set, so PostgreSQL tests must run)")
        pytest.skip(message)
    yield engine
    engine.dispose()


def _sqlite_engine(tmp_path) -> Iterator[Engine]:
    engine = create_store_engine(f"sqlite:///{tmp_path}/var/handoff.db")
    yield engine
    engine.dispose()


def _postgres_engine(admin: Engine) -> Iterator[Engine]:
    schema = f"handoff_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(CreateSchema(schema))
    engine = create_store_engine(
        POSTGRES_URL,
        connect_args={
            "options": f"-csearch_path={schema} -ctimezone={POSTGRES_SESSION_TIME_ZONE}",
            "connect_timeout": 3,
        },
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(DropSchema(schema, cascade=True))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """An empty, unmigrated store on each database."""
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path)
    else:
        yield from _postgres_engine(request.getfixturevalue("postgres_admin"))


@pytest.fixture
def sessions(store_engine: Engine) -> sessionmaker:
    """Sessions on a store migrated to the latest schema."""
    upgrade_to_head(store_engine)
    return session_factory(store_engine)


@pytest.fixture
def unit_of_work(sessions: sessionmaker) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(sessions)
