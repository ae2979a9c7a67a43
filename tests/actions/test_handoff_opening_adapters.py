"""``action_handoff`` and the channels' fallback open a handoff by the same rules.

Each only adapts its tracker (rasa_sdk's in the action server, Rasa's in the Rasa server) to
:class:`handoff.desk.opening.HandoffRequest`; from the same conversation both plan the same
reason, topic and route, and name the customer as the channel did.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.events import SlotSet as SdkSlotSet

from actions.handoff_action import ActionHandoff
from connectors.messaging.fallback import SIGNAL, handoff_request
from handoff.clients.desk_api import DESK_TOKEN_ENV, DESK_URL_ENV
from handoff.desk.opening import plan_handoff
from handoff.settings import load_settings
from tests.conversation import said
from tests.fake_desk import FakeDesk

TUESDAY_MORNING = datetime(2026, 11, 24, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
ROUTING = load_settings().routing
NAME = "Jürgen Weiß"


def _in_german(text: str, intent: str) -> list:
    listen, uttered = said(text, intent)
    return [
        listen,
        UserUttered(
            uttered.text,
            uttered.intent,
            [],
            parse_data=uttered.parse_data,
            input_channel="telegram",
            metadata={"language": "de", "customer_tier": "enterprise", "customer_name": NAME},
        ),
    ]


CONVERSATIONS = {
    "decided": [
        *_in_german("Ich will mein Geld zurück", "refund_request"),
        ActionExecuted("action_decide_handoff"),
        SlotSet("handoff_reason", "sensitive_topic"),
        SlotSet("handoff_signals", [{"name": "topic", "value": "refund_request"}]),
        *_in_german("meine Bestellung 1234567", "inform"),
    ],
    "undecided": [*_in_german("Ich will mein Geld zurück", "refund_request")],
}


@pytest.mark.parametrize(
    "conversation, reason, topic, team",
    [
        ("decided", "sensitive_topic", "refund_request", "billing"),
        ("undecided", "low_confidence", "refund_request", "billing"),
    ],
)
def test_both_adapters_plan_the_same_handoff(
    tracker_from, rasa_domain, conversation, reason, topic, team
) -> None:
    events = CONVERSATIONS[conversation]
    rasa_tracker = DialogueStateTracker.from_events("c1", events, slots=rasa_domain.slots)
    from_fallback = handoff_request(rasa_tracker, "telegram")
    from_action = ActionHandoff.handoff_request(tracker_from(events, sender_id="c1"))

    plans = [plan_handoff(r, ROUTING, TUESDAY_MORNING) for r in (from_action, from_fallback)]

    decided = [(p.reason, p.topic, p.route, p.route_info, p.why) for p in plans]
    assert decided[0] == decided[1]
    assert (plans[0].reason.value, plans[0].topic, plans[0].route.team) == (reason, topic, team)
    assert (plans[0].route.language, plans[0].route.queue) == ("de", "senior")
    assert from_fallback.signals[-1] == {"name": SIGNAL, "value": True}
    assert from_action.channel == from_fallback.channel == "telegram"
    assert from_action.customer_name == from_fallback.customer_name == NAME


def test_the_action_without_a_decision_opens_a_low_confidence_handoff(
    run_action, tracker_from, monkeypatch
) -> None:
    monkeypatch.setattr(ActionHandoff, "clock", staticmethod(lambda: TUESDAY_MORNING))
    tracker = tracker_from(CONVERSATIONS["undecided"], sender_id="c1")
    with FakeDesk() as desk:
        monkeypatch.setenv(DESK_URL_ENV, desk.url)
        monkeypatch.setenv(DESK_TOKEN_ENV, "desk-token-1")
        events = run_action(ActionHandoff(), tracker)

    assert events[0] == SdkSlotSet("handoff_id", "h-0001")
    package, decision = (request.body for request in desk.received)
    assert package["reason"] == decision["reason"] == "low_confidence"
    assert package["route"]["team"] == "billing"  # the message's intent is the topic
    assert package["customer"] == {"id": "c1", "name": NAME}
