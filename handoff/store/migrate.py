"""Bring a handoff store's schema to the latest Alembic revision, from code.

The desk runs this when it starts, so no operator step (and no ``alembic.ini`` at the repo
root) is needed. The migration scripts ship inside the package (``handoff/store/migrations``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent / "migrations"

# Any constant: PostgreSQL replicas starting at once take turns migrating.
_MIGRATION_LOCK_KEY = 0x68616E64  # "hand"


def alembic_config(connection: Optional[Connection] = None) -> Config:
    """Return an Alembic config for the store's migrations, bound to ``connection`` if given.

    ``env.py`` uses the given connection (``config.attributes["connection"]``), so the
    migration runs in the caller's transaction on the caller's engine.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Migrate the store to the newest schema, in one transaction; a no-op when up to date.

    On PostgreSQL a transaction-scoped advisory lock serialises replicas that start together,
    so only the first one creates the tables and the others find them there.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))
        command.upgrade(alembic_config(connection), "heads")
