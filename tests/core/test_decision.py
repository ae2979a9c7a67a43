import pytest

from handoff.decision import INTENT_REASONS, decide_handoff
from handoff.reasons import HandoffReason

# A customer message the NLU would give each handoff intent (nothing here asks for a person,
# except the human_handoff one).
_MESSAGES = {
    "human_handoff": "let me talk to an agent",
    "refund_request": "I want my money back for the broken lamp",
    "billing_dispute": "you charged my card twice",
    "account_security": "someone logged into my account",
    "complaint": "this is the third time the delivery is late, unacceptable",
    "cancel_account": "please close my account",
    "enterprise_pricing": "we want to furnish 40 offices, do you have volume pricing?",
}


@pytest.mark.parametrize("intent, reason", sorted(INTENT_REASONS.items()))
def test_every_handoff_intent_gives_its_reason(intent, reason):
    decision = decide_handoff(_MESSAGES[intent], intent, 0.91)

    assert decision is not None
    assert decision.reason is reason
    assert {"name": "intent", "value": {"name": intent, "confidence": 0.91}} in decision.signals


def test_the_table_covers_the_intents_of_this_test():
    assert set(_MESSAGES) == set(INTENT_REASONS)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("I want my money back, get me a human", "refund_request"),
        ("cancel my account, I want to speak to a manager", "cancel_account"),
        ("talk to a person", "greet"),
        ("agent pls", None),
    ],
)
def test_an_explicit_request_wins_over_every_other_reason(text, intent):
    decision = decide_handoff(text, intent, 0.8)

    assert decision is not None
    assert decision.reason is HandoffReason.EXPLICIT_REQUEST
    assert {"name": "explicit_phrase", "value": True} in decision.signals
    assert not any(signal["name"] == "topic" for signal in decision.signals)


def test_a_sensitive_topic_names_the_topic_in_its_signals():
    decision = decide_handoff("someone changed my password", "account_security", 0.77)

    assert decision is not None
    assert decision.signals == [
        {"name": "intent", "value": {"name": "account_security", "confidence": 0.77}},
        {"name": "topic", "value": "account_security"},
    ]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("hi there", "greet"),
        ("how long does shipping take", "shipping_times"),
        ("are you a real person?", "bot_challenge"),
        ("how many people fit on the sofa", "out_of_scope"),
        ("my order 1234567", "inform"),
        ("", None),
        (None, None),
    ],
)
def test_ordinary_messages_stay_with_the_bot(text, intent):
    assert decide_handoff(text, intent, 0.95) is None
