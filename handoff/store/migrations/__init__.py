"""Alembic migrations of the handoff store (run by ``handoff.store.migrate``)."""
