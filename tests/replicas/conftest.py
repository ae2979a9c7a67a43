"""Two Rasa replicas on different ports over one PostgreSQL database and one Redis."""

from __future__ import annotations

import uuid

import pytest

from tests.fakes.telegram_api import FakeTelegramApi
from tests.replicas.production import (
    RABBITMQ_HOST,
    TELEGRAM_TOKEN,
    Replicas,
    Stores,
    postgres_database,
    require_services,
)


@pytest.fixture(scope="module")
def replicas(trained_model, tmp_path_factory):
    """Replica A (with the action server) and replica B, sharing every store.

    Tracker events also go to RabbitMQ (``Replicas.event_broker``), as an analytics
    consumer would read them.
    """
    require_services()
    with postgres_database() as database:
        queue = f"handoff_events_{uuid.uuid4().hex[:8]}"
        running = Replicas(
            trained_model,
            tmp_path_factory.mktemp("replicas"),
            Stores(database),
            FakeTelegramApi(TELEGRAM_TOKEN),
            event_broker={
                "type": "pika",
                "url": RABBITMQ_HOST,
                "username": "guest",
                "password": "guest",
                "queues": [queue],
            },
        )
        try:
            running.start_replica("a")
            running.start_replica("b")
            yield running
        finally:
            running.stop()
