"""The handoff store's database fixtures (SQLite file, PostgreSQL schema) for the channel tables."""

from tests.handoff.conftest import postgres_admin, sessions, store_engine

__all__ = ["postgres_admin", "sessions", "store_engine"]
