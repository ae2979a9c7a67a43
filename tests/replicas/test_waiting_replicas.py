"""Two replicas sweep one queue (PostgreSQL, Redis): each customer hears each thing once.

Both replicas run the waiting sweep every half second over the same store. The customer
behind another one gets exactly one "You're now number 1" when the one ahead is claimed (on
replica B), and exactly one ticket message when the queue timeout runs out: the conditional
UPDATEs let one replica win each time.
"""

from __future__ import annotations

import random
import time

import pytest

from tests.fakes.telegram_api import FakeTelegramApi
from tests.replicas.production import (
    TELEGRAM_TOKEN,
    Replicas,
    Stores,
    agent_token,
    hand_over,
    postgres_database,
    require_services,
    wait_for,
)

pytestmark = pytest.mark.integration

TIMEOUT_SECONDS = 60  # long enough to hand two customers over on a busy machine
DESK = {
    "queue_sweep_seconds": 0.5,
    "queue_update_minutes": 0,
    "queue_timeout_minutes": TIMEOUT_SECONDS / 60,
}
UPDATE, TICKET = "You're now number", "made it a ticket"


@pytest.fixture(scope="module")
def replicas(trained_model, tmp_path_factory):
    require_services()
    with postgres_database() as database:
        running = Replicas(
            trained_model,
            tmp_path_factory.mktemp("waiting-replicas"),
            Stores(database),
            FakeTelegramApi(TELEGRAM_TOKEN),
            desk_settings=DESK,
        )
        try:
            running.start_replica("a")
            running.start_replica("b")
            yield running
        finally:
            running.stop()


def test_one_update_and_one_ticket_message_with_two_replicas_sweeping(replicas):
    a, b = replicas.replicas
    telegram = replicas.telegram
    ahead, behind = (6_500_000_000 + random.randint(1, 10**8) for _ in range(2))
    first = hand_over(a, telegram, ahead)
    second = hand_over(a, telegram, behind)
    assert second["queue_position"] == 2

    token = agent_token(b, "walter", first["team"])
    claimed = b.desk("POST", f"/api/handoffs/{first['id']}/claim", token=token)
    assert claimed.status_code == 200, claimed.text

    def said(words: str) -> list:
        return [t for t in telegram.texts_to(behind) if words in t]

    wait_for(lambda: said(UPDATE), 30, "the queue update")
    wait_for(lambda: said(TICKET), TIMEOUT_SECONDS + 60, "the ticket message")
    time.sleep(2)  # four more sweeps on each replica: nothing is said twice
    assert len(said(UPDATE)) == 1
    assert len(said(TICKET)) == 1
    assert a.tracker(f"telegram:{behind}")["paused"] is False
