"""The customer's tier picks their queue, and each queue counts its own places (real servers).

Website customers (the widget's metadata may carry ``customer_tier``) ask for a person: the
enterprise customer goes to the ``senior`` queue (handoff.yml ``routing.queues``) and is number
1 there, however many customers of the team wait in ``standard``.
"""

from __future__ import annotations

import pytest

from tests.e2e.assistant import start_assistant
from tests.e2e.test_website_chat import WebsiteCustomer

pytestmark = pytest.mark.integration

QUEUED = "passed our conversation"


@pytest.fixture(scope="module")
def tier_assistant(trained_model, tmp_path_factory):
    running = start_assistant(
        trained_model,
        tmp_path_factory.mktemp("tiers"),
        extra_credentials={"connectors.website.WebsiteInput": {"store_url": "${DESK_STORE_URL}"}},
    )
    yield running
    running.stop()


def _hand_off(url: str, metadata: dict) -> WebsiteCustomer:
    customer = WebsiteCustomer(url)
    for text, expect in [
        ("I want to talk to a human", "order number"),
        ("I don't have one", "e-mail"),
        ("jane.doe@example.com", QUEUED),
    ]:
        sent = customer.say(text, metadata=metadata)
        customer.wait_for(sent, lambda said, expect=expect: expect in said)
    return customer


def test_an_enterprise_customer_is_first_in_their_own_queue(tier_assistant) -> None:
    desk = tier_assistant
    customers = [
        _hand_off(desk.rasa_url, {}),
        _hand_off(desk.rasa_url, {}),
        _hand_off(desk.rasa_url, {"customer_tier": "enterprise"}),
    ]
    try:
        listed = desk.desk("GET", "/api/handoffs").json()["handoffs"]
        mine = {h["conversation_id"]: h for h in listed}
        first, second, vip = (mine[c.session_id] for c in customers)

        assert [h["status"] for h in (first, second, vip)] == ["queued"] * 3
        assert first["team"] == second["team"] == vip["team"]
        assert [first["queue"], second["queue"], vip["queue"]] == ["standard", "standard", "senior"]
        assert (first["queue_position"], second["queue_position"]) == (1, 2)
        assert vip["queue_position"] == 1  # not third: its own queue
        assert vip["expected_wait_seconds"] == first["expected_wait_seconds"]
        # The desk's list is still priority first across the team's queues.
        assert [h["conversation_id"] for h in listed][0] == vip["conversation_id"]

        senior = desk.desk("GET", "/api/handoffs", params={"queue": "senior"}).json()["handoffs"]
        assert [h["id"] for h in senior] == [vip["id"]]
    finally:
        for customer in customers:
            customer.close()
