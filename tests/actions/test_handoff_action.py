from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet
from rasa_sdk.events import ConversationPaused
from rasa_sdk.events import SlotSet as SdkSlotSet

from actions import handoff_action
from actions.handoff_action import ActionHandoff
from actions.settings import handoff_settings
from handoff.clients.desk_api import DESK_TOKEN_ENV, DESK_URL_ENV
from handoff.routing.hours import HoursSettings
from tests.conversation import said
from tests.fake_desk import FakeDesk, closed_port_url

# The general team's contact in handoff.yml (explicit requests route to `general`).
CONTACT = "e-mail support@northwind-home.example or call +1 555 0100"
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
SATURDAY_EVENING = datetime(2026, 11, 28, 19, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture(autouse=True)
def office_hours(monkeypatch):
    """Business hours are checked against a fixed time, Tuesday 10:30 in Berlin."""

    def at(moment):
        monkeypatch.setattr(ActionHandoff, "clock", staticmethod(lambda: moment))

    at(TUESDAY_MORNING)
    return at


SIGNALS = [{"name": "intent", "value": {"name": "human_handoff", "confidence": 0.95}}]


@pytest.fixture
def handed_over(tracker_from):
    """A customer who asked for a person and went through the intake form."""
    return tracker_from(
        [
            *said("my sofa from order 1234567 arrived broken", "complaint"),
            BotUttered("I'm sorry to hear that."),
            *said("get me a human", "human_handoff"),
            ActionExecuted("action_decide_handoff"),
            SlotSet("handoff_reason", "explicit_request"),
            SlotSet("handoff_signals", SIGNALS),
            ActionExecuted("handoff_intake_form"),
            ActiveLoop("handoff_intake_form"),
            SlotSet("order_number", "1234567"),
            SlotSet("requested_slot", "email"),
            BotUttered("And which e-mail address did you use for your order or account?"),
            *said("I'd rather not", "deny"),
            SlotSet("intake_declined", ["email"]),
            SlotSet("requested_slot", None),
            ActiveLoop(None),
        ],
        sender_id="conv-77",
    )


@pytest.fixture
def desk_env(monkeypatch):
    def point_to(url):
        monkeypatch.setenv(DESK_URL_ENV, url)
        monkeypatch.setenv(DESK_TOKEN_ENV, "desk-token-1")

    return point_to


def test_hands_over_pauses_and_tells_the_queue_position(
    run_action, handed_over, desk_env, customer_reads
):
    with FakeDesk() as desk:
        desk.reply["expected_wait_seconds"] = 230.0
        desk_env(desk.url)
        events = run_action(ActionHandoff(), handed_over)

    assert events == [SdkSlotSet("handoff_id", "h-0001"), ConversationPaused()]
    assert customer_reads() == [
        "Thanks - I've passed our conversation, with everything you've told me, to a person "
        "from our team. You're number 3 in the queue; the expected wait is about 4 minutes. "
        "They'll reply right here; I'll stay quiet until then."
    ]
    request, recorded = desk.received
    assert request.path.endswith("/api/handoffs")
    assert recorded.path.endswith("/api/decisions")
    assert recorded.body["decision"] == "handoff"
    assert recorded.body["reason"] == "explicit_request"
    assert recorded.body["conversation_id"] == "conv-77"
    assert recorded.body["signals"] == SIGNALS
    assert request.headers["Authorization"] == "Bearer desk-token-1"
    package = request.body
    assert package["conversation_id"] == "conv-77"
    assert package["reason"] == "explicit_request"
    assert package["signals"] == SIGNALS
    assert package["intake"] == {"order_number": "1234567", "email": None, "declined": ["email"]}
    assert package["channel"] == "rest"
    assert [turn["sender"] for turn in package["transcript"]] == [
        "customer",
        "bot",
        "customer",
        "bot",
        "customer",
    ]
    assert "They gave order number 1234567." in package["summary"]


def test_a_conversation_already_with_the_desk_is_told_so(
    run_action, handed_over, desk_env, customer_reads
):
    reply = {"id": "h-0001", "status": "queued", "queue_position": 2, "created": False}
    with FakeDesk(status=200, reply=reply) as desk:
        desk_env(desk.url)
        events = run_action(ActionHandoff(), handed_over)

    assert events == [SdkSlotSet("handoff_id", "h-0001"), ConversationPaused()]
    assert customer_reads() == [
        "You're already in the queue for a person from our team (number 2). "
        "They'll reply right here."
    ]


@pytest.mark.parametrize("desk_answers", [None, 500])
def test_when_the_desk_cannot_take_it_the_customer_gets_the_contact_and_the_bot_stays(
    run_action, handed_over, desk_env, customer_reads, desk_answers
):
    if desk_answers is None:
        desk_env(closed_port_url())
        events = run_action(ActionHandoff(), handed_over)
    else:
        with FakeDesk(status=desk_answers, reply={"error": "boom"}) as desk:
            desk_env(desk.url)
            events = run_action(ActionHandoff(), handed_over)

    assert events == [SdkSlotSet("handoff_id", None)]
    assert ConversationPaused() not in events
    assert customer_reads() == [
        "I'm sorry - I can't reach our team from this chat right now. "
        f"You can get a person directly: {CONTACT}."
    ]


def test_the_package_says_which_team_and_queue(run_action, tracker_from, desk_env):
    # A billing dispute: handoff.yml serves refunds by a guided path, not a person.
    dispute = tracker_from(
        [
            *said("I was charged twice for order 1234567", "billing_dispute"),
            ActionExecuted("action_decide_handoff"),
            SlotSet("handoff_reason", "sensitive_topic"),
            SlotSet("handoff_signals", [{"name": "topic", "value": "billing_dispute"}]),
        ],
        sender_id="conv-dispute",
    )
    with FakeDesk() as desk:
        desk_env(desk.url)
        run_action(ActionHandoff(), dispute)

    route = desk.received[0].body["route"]
    assert route["team"] == "billing"
    assert route["queue"] == "standard"
    assert route["priority"] == 1  # sensitive topics go first
    assert route["open"] is True


def test_outside_business_hours_a_ticket_is_opened_and_the_time_is_given(
    run_action, handed_over, desk_env, customer_reads, office_hours
):
    office_hours(SATURDAY_EVENING)
    with FakeDesk(
        reply={"id": "9f3c2a1b" + "0" * 24, "status": "ticket", "queue_position": None}
    ) as desk:
        desk_env(desk.url)
        events = run_action(ActionHandoff(), handed_over)

    route = desk.received[0].body["route"]
    assert route["open"] is False
    assert route["back_at"] == "Monday 30 November at 09:00 (CET)"
    assert events == [SdkSlotSet("handoff_id", "9f3c2a1b" + "0" * 24)]  # the bot stays active
    (message,) = customer_reads()
    assert "back Monday 30 November at 09:00 (CET)" in message
    assert "reference 9F3C2A1B" in message


def test_a_team_with_no_opening_in_sight_gets_a_ticket_said_in_the_customers_language(
    run_action, handed_over, desk_env, customer_reads, monkeypatch
):
    """Every open day a holiday for a year: no time to promise, and no English filler either."""
    shipped = handoff_settings()
    mondays = [date(2026, 11, 23) + timedelta(weeks=week) for week in range(60)]
    hours = HoursSettings.parse_obj(
        {"timezone": "Europe/Berlin", "weekly": {"mon": ["09:00-18:00"]}, "holidays": mondays}
    )
    general = shipped.routing.team("general").copy(update={"hours": hours})
    teams = {**shipped.routing.teams, "general": general}
    routing = shipped.routing.copy(update={"teams": teams})
    monkeypatch.setattr(
        handoff_action, "handoff_settings", lambda: shipped.copy(update={"routing": routing})
    )
    with FakeDesk(
        reply={"id": "4b1e0d9c" + "0" * 24, "status": "ticket", "queue_position": None}
    ) as desk:
        desk_env(desk.url)
        run_action(ActionHandoff(), handed_over)

    route = desk.received[0].body["route"]
    assert (route["open"], route["back_at"]) == (False, None)
    (message,) = customer_reads(language="de")
    assert message.startswith("Ich habe für unser Team general ein Ticket")
    assert "Referenz 4B1E0D9C" in message
