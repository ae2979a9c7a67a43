import json
from datetime import datetime, timezone

import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from handoff.context import (
    CUSTOMER_NAME_MAX_LENGTH,
    ContextPackage,
    Intake,
    Sender,
    build_context_package,
    customer_display_name,
    package_to_json_dict,
    summarise,
    transcript_from_events,
)
from handoff.reasons import HandoffReason

T0 = 1_700_000_000.0


def _user(text, intent, confidence=0.93, at=T0):
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        "metadata": {"language": "de"},
    }
    return UserUttered(
        text, parse_data["intent"], parse_data=parse_data, input_channel="rest", timestamp=at
    )


def _conversation():
    """A customer asks about a refund, insists on a person, gets an agent, is handed back."""
    return [
        e.as_dict()
        for e in [
            SessionStarted(timestamp=T0),
            ActionExecuted("action_listen", timestamp=T0),
            _user("where is my refund for order 1234567?", "refund_request", 0.88, T0 + 1),
            BotUttered(
                "So our team can help you right away: what is your order number?",
                metadata={"utter_action": "utter_ask_order_number"},
                timestamp=T0 + 2,
            ),
            _user("just get me a human", "human_handoff", 0.97, T0 + 3),
            SlotSet("handoff_reason", "explicit_request", timestamp=T0 + 3),
            BotUttered(
                "Hi, I'm Sam from the Northwind team. Let me look.",
                metadata={"handoff_agent": {"id": "agent-7", "name": "Sam"}},
                timestamp=T0 + 4,
            ),
            UserUttered("EXTERNAL: handback", {"name": "handback"}, timestamp=T0 + 5),
            BotUttered("I'm back - Northwind Home's virtual assistant.", timestamp=T0 + 6),
        ]
    ]


def test_transcript_keeps_what_was_said_and_who_said_it():
    turns = transcript_from_events(_conversation())

    assert [(turn.sender, turn.text) for turn in turns] == [
        (Sender.CUSTOMER, "where is my refund for order 1234567?"),
        (Sender.BOT, "So our team can help you right away: what is your order number?"),
        (Sender.CUSTOMER, "just get me a human"),
        (Sender.AGENT, "Hi, I'm Sam from the Northwind team. Let me look."),
        (Sender.BOT, "I'm back - Northwind Home's virtual assistant."),
    ]
    first, _, _, agent, _ = turns
    assert (first.intent, first.confidence) == ("refund_request", 0.88)
    assert first.timestamp == datetime.fromtimestamp(T0 + 1, tz=timezone.utc)
    assert (agent.agent_id, agent.agent_name) == ("agent-7", "Sam")


def test_summary_mentions_reason_topic_and_intake():
    package = build_context_package(
        conversation_id="c-1",
        events=_conversation(),
        reason=HandoffReason.EXPLICIT_REQUEST,
        slots={"order_number": "1234567", "email": "jane@example.com"},
    )

    assert package.summary == (
        "The customer asked to talk to a person. "
        'Their problem, in their words: "where is my refund for order 1234567?". '
        "They gave order number 1234567 and e-mail jane@example.com."
    )


@pytest.mark.parametrize("reason", list(HandoffReason))
def test_every_reason_has_a_summary_sentence(reason):
    summary = summarise(reason, [], Intake())

    assert summary.startswith("The customer ")
    assert reason.value not in summary  # written for a person, not a code


def test_summary_says_when_the_customer_declined_the_intake():
    package = build_context_package(
        conversation_id="c-2",
        events=[_user("get me a real person", "human_handoff").as_dict()],
        reason=HandoffReason.EXPLICIT_REQUEST,
        slots={"intake_declined": ["order_number", "email"]},
    )

    assert package.summary == (
        "The customer asked to talk to a person. "
        'They said only: "get me a real person". '
        "They did not give an order number or e-mail."
    )
    assert package.intake.declined == ["order_number", "email"]


def test_a_long_request_is_shortened_in_the_summary():
    long_text = "my sofa arrived broken " * 20
    package = build_context_package(
        conversation_id="c-3",
        events=[_user(long_text, "complaint").as_dict()],
        reason=HandoffReason.SENSITIVE_TOPIC,
    )

    assert "raised a topic a person must handle" in package.summary
    assert long_text not in package.summary
    assert "…" in package.summary


def test_package_round_trips_through_json():
    events = _conversation()
    package = build_context_package(
        conversation_id="c-4",
        events=events,
        reason=HandoffReason.EXPLICIT_REQUEST,
        signals=[{"name": "intent", "value": {"name": "human_handoff", "confidence": 0.97}}],
        slots={"order_number": "1234567", "email": None, "intake_declined": ["email"]},
        latest_message=events[4]["parse_data"],
        channel="rest",
        customer_name="Jane",
        now=datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc),
    )

    as_json = package_to_json_dict(package)
    again = ContextPackage.parse_obj(json.loads(json.dumps(as_json)))

    assert again == package
    assert as_json["reason"] == "explicit_request"
    assert as_json["created_at"].startswith("2024-05-01T12:30:00")
    assert as_json["intent"] == {"name": "human_handoff", "confidence": 0.97}
    assert as_json["language"] == "de"
    assert as_json["customer"] == {"id": "c-4", "name": "Jane"}
    assert as_json["transcript"][3]["sender"] == "agent"


def test_the_summary_quotes_the_request_not_the_intake_answers():
    """The bug of #18: "I don't have one" was quoted as the customer's request."""
    asked = {"utter_action": "utter_ask_order_number"}
    events = [
        e.as_dict()
        for e in [
            _user("hi", "greet", at=T0),
            BotUttered("Hello! What can I help you with today?", timestamp=T0 + 1),
            _user("I want a refund for the blender", "refund_request", at=T0 + 2),
            SlotSet("handoff_reason", "sensitive_topic", timestamp=T0 + 3),
            ActiveLoop("handoff_intake_form", timestamp=T0 + 3),
            BotUttered("What is your order number?", metadata=asked, timestamp=T0 + 4),
            _user("I don't have one", "deny", at=T0 + 5),
            BotUttered("And your e-mail?", metadata={"utter_action": "utter_ask_email"}),
            _user("jane@example.com", "inform", at=T0 + 6),
            ActiveLoop(None, timestamp=T0 + 7),
        ]
    ]

    package = build_context_package(
        conversation_id="c-5",
        events=events,
        reason=HandoffReason.SENSITIVE_TOPIC,
        slots={"email": "jane@example.com", "intake_declined": ["order_number"]},
    )

    assert package.summary == (
        "The customer raised a topic a person must handle. "
        'Their problem, in their words: "I want a refund for the blender". '
        "They gave e-mail jane@example.com."
    )


def test_the_summary_says_what_the_bot_already_answered():
    events = [
        e.as_dict()
        for e in [
            _user("can I send back a rug after 5 weeks?", "return_policy", at=T0),
            BotUttered(
                "You can return anything within 30 days of delivery.",
                metadata={"utter_action": "utter_return_policy"},
                timestamp=T0 + 1,
            ),
            _user("ok I'd like to go through it with a person", "human_handoff", at=T0 + 2),
        ]
    ]

    package = build_context_package(
        conversation_id="c-6", events=events, reason=HandoffReason.EXPLICIT_REQUEST
    )

    assert package.summary == (
        "The customer asked to talk to a person. "
        'Their problem, in their words: "can I send back a rug after 5 weeks?". '
        'The assistant already answered: "You can return anything within 30 days of delivery.".'
    )


@pytest.mark.parametrize(
    "parts, expected",
    [
        (("Jane",), "Jane"),
        (("Jane", "Doe"), "Jane Doe"),
        (("Jane", None), "Jane"),  # Telegram: last_name is optional
        (("  Jane  ", "  Doe "), "Jane Doe"),
        (("Jane\n\nDoe",), "Jane Doe"),
        (("Jane\u200d", "\u202eDoe"), "Jane Doe"),  # format characters dropped
        (("Jane\x00\x07",), "Jane"),  # control characters dropped
        (("山田", "太郎"), "山田 太郎"),
        (("A" * 200,), "A" * CUSTOMER_NAME_MAX_LENGTH),
        (("A" * (CUSTOMER_NAME_MAX_LENGTH - 1), "B"), "A" * (CUSTOMER_NAME_MAX_LENGTH - 1)),
        ((), None),
        (("",), None),
        (("   ", "\u200b"), None),
        ((None,), None),
        ((42, {"name": "Jane"}), None),  # only strings are names
    ],
)
def test_customer_display_name_cleans_what_the_channel_reported(parts, expected):
    assert customer_display_name(*parts) == expected


def test_a_package_from_anywhere_carries_a_clean_name():
    """The desk API takes packages from HTTP clients: the rule holds there too."""
    package = build_context_package(
        conversation_id="c-5", events=[], reason=HandoffReason.FRUSTRATION, customer_name="Jane"
    )
    sent = package_to_json_dict(package)
    sent["customer"]["name"] = "  Jane\u202e\n Doe "
    assert ContextPackage.parse_obj(sent).customer.name == "Jane Doe"
    sent["customer"]["name"] = "\u200b"
    assert ContextPackage.parse_obj(sent).customer.name is None
