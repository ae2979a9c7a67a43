import pytest
from rasa.shared.core.events import BotUttered, SlotSet
from rasa_sdk.events import SlotSet as SdkSlotSet

from actions.decide_handoff import ActionDecideHandoff
from tests.conversation import said


def _decide(run_action, tracker_from, *latest):
    history = [
        *said("where is my order", "order_status"),
        BotUttered("You can follow your order under My account > Orders."),
        # what a previous, handed-back handoff left behind
        SlotSet("intake_declined", ["email"]),
    ]
    return run_action(ActionDecideHandoff(), tracker_from([*history, *latest]))


@pytest.mark.parametrize(
    "text, intent, reason",
    [
        ("can i talk to a human", "human_handoff", "explicit_request"),
        ("agent pls", "human_handoff", "explicit_request"),
        ("I want a refund for the broken lamp", "refund_request", "sensitive_topic"),
        ("you charged me twice!!", "billing_dispute", "sensitive_topic"),
        (
            "we need 40 desks for our offices, what's your volume price",
            "enterprise_pricing",
            "high_value",
        ),
        ("refund now or get me a manager", "refund_request", "explicit_request"),
    ],
)
def test_sets_the_reason_behind_the_handoff(run_action, tracker_from, text, intent, reason):
    events = _decide(run_action, tracker_from, *said(text, intent, 0.9))

    assert events[0] == SdkSlotSet("handoff_reason", reason)
    assert events[1]["name"] == "handoff_signals"
    assert {"name": "intent", "value": {"name": intent, "confidence": 0.9}} in events[1]["value"]
    assert events[2] == SdkSlotSet("intake_declined", None)  # the intake asks afresh
    assert len(events) == 3


def test_a_sensitive_topic_records_the_topic(run_action, tracker_from):
    events = _decide(
        run_action, tracker_from, *said("someone hacked my account", "account_security")
    )

    assert events == [
        SdkSlotSet("handoff_reason", "sensitive_topic"),
        SdkSlotSet(
            "handoff_signals",
            [
                {"name": "intent", "value": {"name": "account_security", "confidence": 0.95}},
                {"name": "triggers", "value": ["sensitive_topic"]},
                {"name": "topic", "value": "account_security"},
            ],
        ),
        SdkSlotSet("intake_declined", None),
    ]


def test_a_request_the_nlu_misread_as_a_greeting_is_still_a_request(run_action, tracker_from):
    events = _decide(run_action, tracker_from, *said("hi, talk to a person please", "greet"))

    assert events[0] == SdkSlotSet("handoff_reason", "explicit_request")
    assert {"name": "explicit_phrase", "value": True} in events[1]["value"]


def test_a_plain_greeting_that_reached_the_handoff_rule_hands_over_without_a_trigger(
    run_action, tracker_from
):
    # The action only runs from the handoff rule; a message the policy does not recognise
    # there is treated as a request for a person, but claims no trigger it did not see.
    events = _decide(run_action, tracker_from, *said("hello", "greet"))

    assert events == [
        SdkSlotSet("handoff_reason", "explicit_request"),
        SdkSlotSet(
            "handoff_signals", [{"name": "intent", "value": {"name": "greet", "confidence": 0.95}}]
        ),
        SdkSlotSet("intake_declined", None),
    ]
