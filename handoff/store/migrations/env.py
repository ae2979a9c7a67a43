"""Alembic environment of the handoff store.

Normally run by ``handoff.store.migrate.upgrade_to_head``, which passes its connection in
``config.attributes["connection"]``. Operators may also run the ``alembic`` command, with an
ini file saying ``script_location = handoff.store:migrations`` and the database given as
``-x url=<SQLAlchemy URL>`` (or ``sqlalchemy.url`` in the ini file).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from handoff.store.engine import create_store_engine
from handoff.store.models import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("no database: pass -x url=<SQLAlchemy URL> or set sqlalchemy.url")
    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("the handoff store migrates online only (no --sql mode)")
_run_online()
