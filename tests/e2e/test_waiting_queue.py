"""Waiting in the queue end to end: Telegram customers (a fake Bot API), real Rasa, the desk.

With short, test-only timings (a sweep every half second, updates as soon as something
changes, a one-minute queue timeout): the customer behind another one hears their better place
once the one ahead is claimed, then, nobody taking them in time, that their handoff is a
ticket - and the bot answers them again. Another customer says "never mind" while queued:
the handoff is closed as cancelled and the bot answers their next message.
"""

from __future__ import annotations

import itertools
import time
from typing import Iterator

import pytest

from tests.e2e.assistant import RunningAssistant
from tests.fakes.channels import (
    DeskEventStream,
    telegram_text,
    wait_until,
)
from tests.fakes.notification_receivers import FakeWebhook
from tests.fakes.telegram_api import FakeTelegramApi
from tests.replicas.production import agent_token, hand_over, post_update, say

pytestmark = pytest.mark.integration

TIMEOUT_SECONDS = 60  # long enough to hand two customers over on a busy machine
DESK = {
    "queue_sweep_seconds": 0.5,
    "queue_update_minutes": 0,
    "queue_timeout_minutes": TIMEOUT_SECONDS / 60,
    # the team's ticket channel hears of a ticket the queue timeout made
    "notifications": [{"kind": "webhook", "url_env": "TICKETS_WEBHOOK_URL", "events": ["ticket"]}],
}
TICKET = "made it a ticket"
_chats = itertools.count(int(time.time()) % 10_000 * 1000 + 8_000_000_000)


@pytest.fixture(scope="module")
def tickets_webhook() -> Iterator[FakeWebhook]:
    receiver = FakeWebhook()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def desk(start_desk, tickets_webhook) -> RunningAssistant:
    return start_desk(
        "waiting",
        desk_settings=DESK,
        extra_env={"TICKETS_WEBHOOK_URL": f"{tickets_webhook.url}/tickets"},
    )


def _status(desk: RunningAssistant, handoff_id: str) -> dict:
    answer = desk.desk("GET", f"/api/handoffs/{handoff_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def _bot_answers(desk: RunningAssistant, telegram: FakeTelegramApi, chat: int) -> list:
    """Say hello; return what came back (the bot's greeting) once something did."""
    before = len(telegram.texts_to(chat))
    assert post_update(desk, telegram_text(chat, "hello")).status_code == 200
    return wait_until(lambda: telegram.texts_to(chat)[before:], timeout=90)


def test_never_mind_while_queued_cancels_and_the_bot_is_back(desk, telegram):
    chat = next(_chats)
    handoff = hand_over(desk, telegram, chat)
    assert handoff["status"] == "queued"

    events = DeskEventStream(desk)  # the inbox's live events
    try:
        said = say(desk, telegram, chat, "Never mind!", "taken you out of the queue")
        closed = events.wait_for("handoff.closed", f"telegram:{chat}")
    finally:
        events.close()
    assert said == ["OK, I've taken you out of the queue. I'm back - how can I help?"]
    assert (closed["handoff_id"], closed["data"]["status"]) == (handoff["id"], "closed")
    view = _status(desk, handoff["id"])
    assert (view["status"], view["closed_at"] is not None) == ("closed", True)
    assert handoff["id"] not in [
        h["id"] for h in desk.desk("GET", "/api/handoffs").json()["handoffs"]
    ]
    assert desk.tracker(f"telegram:{chat}")["paused"] is False

    assert _bot_answers(desk, telegram, chat)  # the bot, no longer paused, answers


def test_a_queue_update_when_the_one_ahead_is_claimed_then_a_ticket_on_timeout(
    desk, telegram, tickets_webhook
):
    ahead, behind = next(_chats), next(_chats)
    first = hand_over(desk, telegram, ahead)
    second = hand_over(desk, telegram, behind)
    assert second["queue_position"] == first["queue_position"] + 1 == 2
    told = len(telegram.texts_to(behind))

    events = DeskEventStream(desk)
    token = agent_token(desk, "wanda", first["team"])
    claimed = desk.desk("POST", f"/api/handoffs/{first['id']}/claim", token=token)
    assert claimed.status_code == 200, claimed.text

    update = wait_until(
        lambda: [t for t in telegram.texts_to(behind)[told:] if t.startswith("You're now")],
        timeout=30,
    )
    assert update[0].startswith("You're now number 1 in the queue. Expected wait: ")

    try:
        ticket = wait_until(
            lambda: [t for t in telegram.texts_to(behind) if TICKET in t],
            timeout=TIMEOUT_SECONDS + 60,
        )
        ticketed = events.wait_for("handoff.closed", f"telegram:{behind}")
    finally:
        events.close()
    assert (ticketed["data"]["status"], ticketed["data"]["closed_at"]) == ("ticket", None)
    assert "A person will answer you as soon as one of them is free." in ticket[0]
    assert len(update) == len([t for t in telegram.texts_to(behind) if t.startswith("You're now")])
    view = _status(desk, second["id"])
    assert (view["status"], view["closed_at"]) == ("ticket", None)
    assert desk.tracker(f"telegram:{behind}")["paused"] is False
    assert _status(desk, first["id"])["status"] == "assigned"  # an agent's chat never times out

    assert _bot_answers(desk, telegram, behind)  # the bot is back while the ticket waits

    # the team's ticket notifications hear of it once; of the live handoffs, nothing
    (announced,) = tickets_webhook.wait_for(
        lambda call: call.body["handoff"]["id"] == second["id"], timeout=30
    )
    assert (announced.body["event"], announced.body["handoff"]["status"]) == (
        "ticket.opened",
        "ticket",
    )
    assert not tickets_webhook.calls_where(lambda call: call.body["handoff"]["id"] == first["id"])
