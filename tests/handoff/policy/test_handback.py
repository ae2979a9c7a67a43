"""A topic a person handed back is not escalated again in the session, unless asked."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from handoff.policy import PolicyAction, SignalName, evaluate
from handoff.reasons import HandoffReason
from tests.handoff.policy.test_policy import HANDBACK, LISTEN, RESUME, SESSION, action, user


def _slot(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def _handed_back(topic_turn: Dict[str, Any], topic: str, outcome: str) -> List[Dict[str, Any]]:
    """The customer raised ``topic``, the bot handed over, a person handed it back."""
    signals = [
        {"name": "intent", "value": {"name": topic, "confidence": 0.95}},
        {"name": "topic", "value": topic},
    ]
    return [
        SESSION,
        LISTEN,
        topic_turn,
        action("action_decide_handoff"),
        _slot("handoff_signals", signals),
        action("action_handoff"),
        {"event": "pause"},
        RESUME,
        _slot("handoff_signals", None),
        _slot("handoff_outcome", outcome),
        LISTEN,
        HANDBACK,
        action("utter_welcome_back"),
        LISTEN,
    ]


REFUND = "I want my money back for the broken lamp"


@pytest.mark.parametrize("outcome", ["resolved", "not_resolved", "follow_up"])
def test_the_same_sensitive_topic_right_after_a_handback_stays_with_the_bot(outcome):
    events = _handed_back(user(REFUND, "refund_request"), "refund_request", outcome)
    events.append(user("I still want my money back for that lamp", "refund_request"))
    decision = evaluate(events)
    assert decision.action is PolicyAction.NONE
    assert decision.signal(SignalName.HANDED_BACK_TOPIC) == "refund_request"


def test_asking_for_a_person_again_still_hands_over():
    events = _handed_back(user(REFUND, "refund_request"), "refund_request", "not_resolved")
    events.append(user("no, get me a human again please", "human_handoff", 0.97))
    decision = evaluate(events)
    assert (decision.action, decision.reason) == (
        PolicyAction.HANDOFF,
        HandoffReason.EXPLICIT_REQUEST,
    )


def test_another_sensitive_topic_after_a_handback_is_handed_over():
    events = _handed_back(user(REFUND, "refund_request"), "refund_request", "resolved")
    events.append(user("someone took over my account and changed the password", "account_security"))
    decision = evaluate(events)
    assert (decision.action, decision.reason) == (
        PolicyAction.HANDOFF,
        HandoffReason.SENSITIVE_TOPIC,
    )


def test_a_new_session_forgets_the_handed_back_topic():
    events = _handed_back(user(REFUND, "refund_request"), "refund_request", "resolved")
    events += [SESSION, LISTEN, user(REFUND, "refund_request")]
    decision = evaluate(events)
    assert (decision.action, decision.reason) == (
        PolicyAction.HANDOFF,
        HandoffReason.SENSITIVE_TOPIC,
    )


def test_without_the_handback_the_same_words_are_handed_over():
    """The control for the first test: the words alone would hand over."""
    events = [SESSION, LISTEN, user("I still want my money back for that lamp", "refund_request")]
    assert evaluate(events).reason is HandoffReason.SENSITIVE_TOPIC
