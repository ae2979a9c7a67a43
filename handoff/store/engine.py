"""Engines and sessions for the handoff store: SQLite by default, PostgreSQL by URL.

SQLite is tuned for a desk that several threads (and the migration) use at once: WAL so
readers never block the writer, and a busy timeout so a second writer waits for the lock
instead of failing with "database is locked".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_MS = 5000  # how long a writer waits for another writer's lock


def create_store_engine(url: str, *, connect_args: Optional[Mapping[str, Any]] = None) -> Engine:
    """Create a SQLAlchemy 2.0-style (``future=True``) engine for the handoff store.

    For a SQLite file the parent directory is created (``sqlite:///var/handoff.db`` works on
    a fresh checkout) and every connection gets WAL and a busy timeout. Other databases get
    a connection pool that pings connections before use, so a restarted PostgreSQL does not
    fail the first request. ``connect_args`` go to the DB-API driver unchanged.
    """
    parsed = make_url(url)
    arguments = dict(connect_args or {})
    if parsed.get_backend_name() == "sqlite":
        _create_parent_directory(parsed)
        pooling: dict = {}
        if not _in_memory(parsed):
            # SQLAlchemy 1.4 gives a SQLite file a NullPool: every unit of work would connect,
            # tune the connection and close it again (closing the last WAL connection
            # checkpoints), which cost a few milliseconds on each of a turn's transactions.
            # A pool keeps connections open; the pool hands each to one thread at a time.
            arguments.setdefault("check_same_thread", False)
            pooling = {"poolclass": QueuePool, "pool_size": 5, "max_overflow": 10}
        engine = create_engine(parsed, future=True, connect_args=arguments, **pooling)
        event.listen(engine, "connect", _tune_sqlite_connection)
        return engine
    return create_engine(parsed, future=True, pool_pre_ping=True, connect_args=arguments)


def session_factory(engine: Engine) -> sessionmaker:
    """Return the session factory a unit of work opens its sessions from.

    ``expire_on_commit=False``: a handoff returned by a desk service stays readable after the
    unit of work has committed and closed, without another round trip to the database.
    """
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


def _in_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in database


def _create_parent_directory(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite_connection(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # The busy timeout first: switching to WAL itself needs the lock.
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()
