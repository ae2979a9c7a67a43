"""``action_handoff`` carrying out routing.handling: a guided path or a ticket during hours."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet
from rasa_sdk.events import FollowupAction
from rasa_sdk.events import SlotSet as SdkSlotSet

from actions import handoff_action
from actions.handoff_action import ActionHandoff
from actions.settings import handoff_settings
from handoff.clients.desk_api import DESK_TOKEN_ENV, DESK_URL_ENV
from handoff.routing.handling import HandlingSettings
from tests.conversation import said
from tests.fake_desk import FakeDesk

TUESDAY_MORNING = datetime(2026, 11, 24, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
TOPIC = [{"name": "topic", "value": "refund_request"}]


@pytest.fixture(autouse=True)
def office_hours(monkeypatch):
    monkeypatch.setattr(ActionHandoff, "clock", staticmethod(lambda: TUESDAY_MORNING))


@pytest.fixture
def desk(monkeypatch):
    with FakeDesk() as fake:
        monkeypatch.setenv(DESK_URL_ENV, fake.url)
        monkeypatch.setenv(DESK_TOKEN_ENV, "desk-token-1")
        yield fake


@pytest.fixture
def handling(monkeypatch):
    """Serve handoffs by the given ``routing.handling`` instead of the shipped one."""

    def use(section):
        shipped = handoff_settings()
        routing = shipped.routing.copy(update={"handling": HandlingSettings.parse_obj(section)})
        changed = shipped.copy(update={"routing": routing})
        monkeypatch.setattr(handoff_action, "handoff_settings", lambda: changed)

    return use


def _after_intake(first_message, intent, reason, signals, sender_id):
    return [
        *said(first_message, intent),
        ActionExecuted("action_decide_handoff"),
        SlotSet("handoff_reason", reason),
        SlotSet("handoff_signals", signals),
        ActionExecuted("handoff_intake_form"),
        ActiveLoop("handoff_intake_form"),
        SlotSet("order_number", "1234567"),
        SlotSet("email", "jane@example.com"),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
    ]


def test_a_refund_starts_the_guided_return_instead_of_a_handoff(
    run_action, tracker_from, desk, customer_reads
):
    refund = tracker_from(
        _after_intake("I want a refund", "refund_request", "sensitive_topic", TOPIC, "c-refund"),
        sender_id="c-refund",
    )

    events = run_action(ActionHandoff(), refund)

    assert events == [SdkSlotSet("handoff_id", None), FollowupAction("return_label_form")]
    assert customer_reads() == ["I can set up your return right here - it only takes a moment."]
    (recorded,) = desk.received  # no POST /api/handoffs: nobody at the desk gets it
    assert recorded.path.endswith("/api/decisions")
    assert recorded.body["decision"] == "guided"
    assert recorded.body["reason"] == "sensitive_topic"
    assert recorded.body["team"] is None
    assert recorded.body["signals"] == [
        *TOPIC,
        {"name": "guided_path", "value": "return_label_form"},
    ]


def test_after_the_return_label_asking_for_a_person_opens_a_handoff(
    run_action, tracker_from, desk, customer_reads
):
    back = tracker_from(
        [
            *_after_intake("I want a refund", "refund_request", "sensitive_topic", TOPIC, "c"),
            ActionExecuted("return_label_form"),
            ActiveLoop("return_label_form"),
            SlotSet("return_reason", "damaged"),
            ActiveLoop(None),
            BotUttered("Here's your return label for order 1234567: ..."),
            *said("talk to a person", "human_handoff"),
            ActionExecuted("action_decide_handoff"),
            SlotSet("handoff_reason", "explicit_request"),
            SlotSet(
                "handoff_signals", [{"name": "intent", "value": {"name": "human_handoff"}}, *TOPIC]
            ),
        ],
        sender_id="c-back",
    )

    events = run_action(ActionHandoff(), back)

    assert events[0] == SdkSlotSet("handoff_id", "h-0001")
    assert desk.received[0].path.endswith("/api/handoffs")
    assert desk.received[1].body["decision"] == "handoff"
    assert "the customer asked for a person" in desk.received[0].body["route"]["why"][-1]


def test_a_guided_path_missing_from_the_domain_is_served_as_a_live_chat(
    run_action, tracker_from, desk, handling
):
    handling({"topics": {"refund_request": {"guided": "no_such_form"}}})
    refund = tracker_from(
        _after_intake("I want a refund", "refund_request", "sensitive_topic", TOPIC, "c"),
        sender_id="c-missing",
    )

    events = run_action(ActionHandoff(), refund)

    assert events[0] == SdkSlotSet("handoff_id", "h-0001")
    assert desk.received[0].path.endswith("/api/handoffs")


def test_a_ticket_topic_opens_a_ticket_while_the_team_is_there(
    run_action, tracker_from, desk, handling, customer_reads
):
    handling({"topics": {"billing_dispute": "ticket"}})
    desk.reply.update({"id": "5e7d0c2a" + "0" * 24, "status": "ticket", "queue_position": None})
    dispute = tracker_from(
        _after_intake(
            "I was charged twice",
            "billing_dispute",
            "sensitive_topic",
            [{"name": "topic", "value": "billing_dispute"}],
            "c",
        ),
        sender_id="c-ticket",
    )

    events = run_action(ActionHandoff(), dispute)

    route = desk.received[0].body["route"]
    assert (route["open"], route["ticket"]) == (True, True)  # the desk stores a ticket
    assert events == [SdkSlotSet("handoff_id", "5e7d0c2a" + "0" * 24)]  # the bot stays active
    assert customer_reads() == [
        "I've opened a ticket for our billing team with everything you've told me (reference "
        "5E7D0C2A). A person will answer you right here as soon as they can. Until then I'm "
        "still here if I can help."
    ]
    assert desk.received[1].body["decision"] == "ticket"
