"""``/webhooks/agent_desk/metrics`` on the real servers: who may read it, and what a handoff moves.

The scripted handoff runs first: the next test puts an agent at the desk, which changes
routing. A Telegram customer (pointed at the fake Bot API) declines an offer, asks something out of
scope, then asks for a person through the intake; an agent claims and hands back. Scrapes
before and after must show exactly that: six webhooks and bot turns of this process, the
turns' readings, the handoff opened and finished, the decisions, one pick-up and one handling
time of the right length, the queue back where it was, the inbox and outbox drained.
"""

from __future__ import annotations

import itertools
import random

import pytest
from prometheus_client.utils import floatToGoString

from handoff.analytics.metrics import PICKUP_BUCKETS
from tests.e2e.assistant import RunningAssistant
from tests.e2e.scrape import (
    CUSTOMER_TURNS,
    expected_readings,
    metrics_response,
    scrape,
    scripted_handoff,
    seconds_between,
    settled,
)
from tests.fakes.telegram_api import BOT_ID
from tests.replicas.production import agent_token, wait_for

pytestmark = pytest.mark.integration

_chats = itertools.count(random.randint(1, 10**6) * 1000 + 7_000_000_000)


@pytest.fixture(scope="module")
def desk(start_desk) -> RunningAssistant:
    return start_desk("metrics", keepalive_seconds=15.0)


def test_a_scripted_handoff_moves_the_counters_and_histograms(desk, telegram):
    before = scrape(desk)
    done = scripted_handoff(desk, desk, telegram, next(_chats), "metrics-agent")
    after = settled(desk, before, CUSTOMER_TURNS)
    telegram_only = {"channel": "telegram"}

    # this process: every webhook and bot turn of the script, and the turns' readings
    assert after.moved(before, "handoff_process_webhook_seconds_count", **telegram_only) == 6
    assert after.moved(before, "handoff_process_bot_turn_seconds_count", **telegram_only) == 6
    assert after.moved(before, "handoff_process_bot_turn_seconds_sum") > 0
    out_of_scope, unsure = expected_readings(desk, done.conversation_id)
    # the weather at least (the model may read the gibberish as out of scope too); the
    # counters must then move by exactly what the tracker shows
    assert out_of_scope >= 1 and unsure >= 1
    assert after.moved(before, "handoff_process_out_of_scope_turns_total") == out_of_scope
    assert after.moved(before, "handoff_process_low_confidence_turns_total") == unsure

    # the store: the handoff, its outcome, the assistant's decisions
    handoff = {"reason": "explicit_request", "channel": "telegram"}
    assert after.moved(before, "handoff_handoffs_opened_total", **handoff) == 1
    assert after.moved(before, "handoff_handoffs_opened_total") == 1
    assert after.moved(
        before, "handoff_handoffs_finished_total", outcome="handed_back", **handoff
    ) == 1  # fmt: skip
    for decision in ("offer", "offer_declined", "handoff"):
        assert after.moved(before, "handoff_decisions_total", decision=decision) == 1, decision
    assert after.moved(before, "handoff_decisions_total") == 3

    # the queue while it waited, and after
    team = {"team": done.team}
    assert done.queued.moved(before, "handoff_queue_length", **team) == 1
    assert done.queued.sum("handoff_queue_oldest_wait_seconds", **team) >= 0
    assert after.sum("handoff_queue_length", **team) == before.sum("handoff_queue_length", **team)

    # one pick-up and one handling time, each of exactly the handoff's length
    view = done.view
    pickup = seconds_between(view, "created_at", "claimed_at")
    handling = seconds_between(view, "claimed_at", "closed_at")
    assert pickup >= 1
    assert after.moved(before, "handoff_time_to_pickup_seconds_count") == 1
    assert after.moved(before, "handoff_time_to_pickup_seconds_sum") == pytest.approx(pickup)
    for bound in PICKUP_BUCKETS:  # in the buckets from its own on, not below
        moved = after.moved(
            before, "handoff_time_to_pickup_seconds_bucket", le=floatToGoString(bound)
        )
        assert moved == (1 if pickup <= bound else 0), bound
    assert after.moved(before, "handoff_handling_seconds_count") == 1
    assert after.moved(before, "handoff_handling_seconds_sum") == pytest.approx(handling)

    # nothing left behind in the inbox or the outbox, once the hand-back's messages (sent
    # after the bot turns were counted) have gone out
    def drained() -> bool:
        now = scrape(desk)
        inbox = now.sum("handoff_inbox_unprocessed", account=f"telegram:{BOT_ID}")
        return inbox == 0 and now.sum("handoff_outbox_messages", channel="telegram") == 0

    wait_for(drained, 30, "inbox and outbox drained")
    assert after.sum("handoff_store_up") == 1


def test_only_the_service_token_reads_the_metrics(desk):
    missing = metrics_response(desk, token=None)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    agent = agent_token(desk, "metrics-reader", "sales")
    for token in (agent, desk.action_token, "not-a-token", desk.desk_token + "x"):
        refused = metrics_response(desk, token=token)
        assert refused.status_code == 403, token
        assert refused.json() == {"error": "the metrics are for the desk's service token only"}
    assert "handoff_queue_length" not in refused.text
    assert metrics_response(desk).status_code == 200
