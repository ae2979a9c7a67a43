"""Opening a handoff: one plan (reason, topic, route), one way into the store, for every caller."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest

from connectors.agent_desk import schemas
from connectors.agent_desk.views import desk_view
from handoff.desk import opening
from handoff.desk.opening import DEFAULT_REASON, HandoffRequest, plan_handoff
from handoff.reasons import HandoffReason
from handoff.routing.handling import Handling, HandlingSettings
from handoff.settings import load_settings
from handoff.store import HandoffStatus
from tests.handoff.desk_people import add_team

TUESDAY_MORNING = datetime(2026, 11, 24, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
SATURDAY_EVENING = datetime(2026, 11, 28, 19, 0, tzinfo=ZoneInfo("Europe/Berlin"))
ROUTING = load_settings().routing  # the bundled handoff.yml, as the composition root reads it


def topic(value: str) -> Dict[str, Any]:
    return {"name": "topic", "value": value}


def intent(name: str) -> Dict[str, Any]:
    return {"name": "intent", "value": {"name": name, "confidence": 0.9}}


def request(
    reason: Any = None,
    signals: Optional[List[Dict[str, Any]]] = None,
    latest_intent: Optional[str] = None,
    metadata: Optional[Dict[str, Any]] = None,
    slots: Optional[Dict[str, Any]] = None,
    **options: Any,
) -> HandoffRequest:
    slots = {"handoff_reason": reason, "handoff_signals": signals, **(slots or {})}
    latest: Dict[str, Any] = {"text": "hello", "metadata": metadata or {}}
    if latest_intent:
        latest["intent"] = {"name": latest_intent, "confidence": 0.9}
    return HandoffRequest(
        conversation_id=options.pop("conversation_id", "c1"),
        events=options.pop("events", []),
        slots=slots,
        latest_message=latest,
        channel="telegram",
        **options,
    )


@pytest.mark.parametrize(
    "slot, expected",
    [
        ("explicit_request", HandoffReason.EXPLICIT_REQUEST),
        ("sensitive_topic", HandoffReason.SENSITIVE_TOPIC),
        ("low_confidence", HandoffReason.LOW_CONFIDENCE),
        (None, HandoffReason.LOW_CONFIDENCE),  # no decision: the action server never ran
        ("", HandoffReason.LOW_CONFIDENCE),
        ("a person please", HandoffReason.LOW_CONFIDENCE),  # not a reason code
    ],
)
def test_the_reason_is_the_slot_else_the_one_default(slot, expected) -> None:
    plan = plan_handoff(request(reason=slot), ROUTING, TUESDAY_MORNING)

    assert plan.reason is expected
    assert DEFAULT_REASON is HandoffReason.LOW_CONFIDENCE
    assert plan.why[0].startswith("reason" if expected.value == slot else "no valid")
    assert plan.evidence["handoff_reason"] == slot


@pytest.mark.parametrize(
    "signals, latest_intent, expected_topic, team, source",
    [
        # the decision's topic signal wins over everything else
        ([intent("human_handoff"), topic("refund_request")], "inform", "refund_request",
         "billing", "decision"),
        # a phrase topic routing does not know goes to the default team
        ([topic("legal")], "refund_request", "legal", "general", "decision"),
        # no topic signal: the intent the decision fired on
        ([intent("cancel_account")], "deny", "cancel_account", "retention", "decision"),
        # no decision at all (action server down): the latest message's intent
        ([], "refund_request", "refund_request", "billing", "latest message"),
        (None, "enterprise_pricing", "enterprise_pricing", "sales", "latest message"),
        (None, None, None, "general", "no topic"),
    ],
)  # fmt: skip
def test_the_topic_comes_from_the_decision_else_the_latest_message(
    signals, latest_intent, expected_topic, team, source
) -> None:
    plan = plan_handoff(
        request("explicit_request", signals, latest_intent), ROUTING, TUESDAY_MORNING
    )

    assert plan.topic == expected_topic
    assert plan.route.team == plan.route_info.team == team
    assert source in plan.why[1]


@pytest.mark.parametrize(
    "reason, signals, metadata, at, route",
    [
        ("explicit_request", None, {}, TUESDAY_MORNING,
         {"team": "general", "queue": "standard", "priority": 0, "language": "en", "open": True}),
        ("sensitive_topic", [topic("refund_request")], {"customer_tier": "enterprise"},
         TUESDAY_MORNING,
         {"team": "billing", "queue": "senior", "priority": 3, "language": "en", "open": True}),
        ("sensitive_topic", [topic("account_security")], {"language": "de"}, TUESDAY_MORNING,
         {"team": "general", "queue": "standard", "priority": 2, "language": "de", "open": True}),
        ("high_value", None, {}, TUESDAY_MORNING,
         {"team": "sales", "queue": "standard", "priority": 0, "language": "en", "open": True}),
        ("explicit_request", None, {}, SATURDAY_EVENING,
         {"team": "general", "queue": "standard", "priority": 0, "language": "en",
          "open": False, "back_at": "Monday 30 November at 09:00 (CET)"}),
    ],
)  # fmt: skip
def test_the_route_is_routing_at_now(reason, signals, metadata, at, route) -> None:
    plan = plan_handoff(request(reason, signals, metadata=metadata), ROUTING, at)

    got = plan.route_info.dict(include=set(route))
    assert got == route
    assert plan.route.contact == ROUTING.team(route["team"]).contact
    assert plan.why[3:-1] == tuple(plan.route.why)
    assert plan.why[-1] == plan.handling.why


@pytest.mark.parametrize(
    "slots, metadata, tier, queue, source",
    [
        # an action looked the customer up: the slot wins over what the website claims
        ({"customer_tier": "enterprise"}, {"customer_tier": "free"}, "enterprise", "senior",
         "slot"),
        ({"customer_tier": "free"}, {"customer_tier": "enterprise"}, "free", "standard", "slot"),
        ({"customer_tier": None}, {"customer_tier": "enterprise"}, "enterprise", "senior",
         "metadata"),
        ({"customer_tier": "  "}, {"customer_tier": "Enterprise"}, "Enterprise", "senior",
         "metadata"),
        ({}, {"customer_tier": "enterprise"}, "enterprise", "senior", "metadata"),  # undeclared
        ({}, {}, None, "standard", None),
    ],
)  # fmt: skip
def test_the_tier_is_the_slot_first_then_the_channels_metadata(
    slots, metadata, tier, queue, source
) -> None:
    asked = request("explicit_request", metadata=metadata, slots=slots)
    plan = plan_handoff(asked, ROUTING, TUESDAY_MORNING)

    assert opening.customer_tier(asked.slots, asked.metadata)[0] == tier
    assert plan.route_info.queue == queue
    said = f"tier {tier} from the customer_tier {source}" if source else "no customer tier"
    assert plan.why[2] == said
    assert plan.route_info.why[0] == said  # the agent reads where the tier came from
    assert plan.evidence["customer_tier"] == slots.get("customer_tier")


def test_planning_is_pure() -> None:
    asked = request("sensitive_topic", [topic("refund_request")], "inform", {"language": "de"})
    first = plan_handoff(asked, ROUTING, TUESDAY_MORNING)

    assert plan_handoff(asked, ROUTING, TUESDAY_MORNING) == first
    assert asked.slots["handoff_signals"] == [topic("refund_request")]


def test_the_package_carries_the_plan_and_the_extra_signals() -> None:
    down = {"name": "action_server_unavailable", "value": True}
    asked = request(None, [intent("refund_request")], "refund_request", extra_signals=(down,))
    plan = plan_handoff(asked, ROUTING, TUESDAY_MORNING)
    package = opening.build_package(asked, plan, TUESDAY_MORNING)

    assert package.reason is HandoffReason.LOW_CONFIDENCE
    assert [s.dict() for s in package.signals] == [intent("refund_request"), down]
    assert package.route == plan.route_info
    assert (package.channel, package.created_at) == ("telegram", TUESDAY_MORNING)


def said(**metadata: Any) -> Dict[str, Any]:
    """A customer message as a tracker event dict, with the channel's metadata."""
    return {"event": "user", "text": "hi", "metadata": metadata}


@pytest.mark.parametrize(
    "latest, events, expected",
    [
        ({"customer_name": "Jane Doe"}, [], "Jane Doe"),
        ({"customer_name": "Jane"}, [said(customer_name="Old Name")], "Jane"),
        # the latest message came without one: the newest earlier message's
        ({}, [said(customer_name="Jane"), said(customer_name="Jane D."), said()], "Jane D."),
        ({"customer_name": "  "}, [said(customer_name="Jane")], "Jane"),
        ({"customer_name": " Jane\u202e "}, [], "Jane"),  # cleaned like the channels clean it
        ({}, [{"event": "bot", "text": "x", "metadata": {"customer_name": "Bot"}}], None),
        ({}, [said()], None),  # REST, website: the channel never said
        ({"customer_name": 7}, [], None),
    ],
)
def test_the_customer_name_is_the_newest_one_a_channel_reported(latest, events, expected) -> None:
    asked = request("explicit_request", metadata=latest, events=events)
    plan = plan_handoff(asked, ROUTING, TUESDAY_MORNING)

    assert asked.customer_name == expected
    package = opening.build_package(asked, plan, TUESDAY_MORNING)
    assert package.customer.dict() == {"id": "c1", "name": expected}


@pytest.fixture
def teams(unit_of_work):
    with unit_of_work() as uow:
        for name in ROUTING.teams:
            add_team(uow, name)
    return unit_of_work


@pytest.mark.parametrize(
    "at, status",
    [(TUESDAY_MORNING, HandoffStatus.QUEUED), (SATURDAY_EVENING, HandoffStatus.TICKET)],
)
def test_open_handoff_stores_what_was_planned(teams, at, status) -> None:
    asked = request("sensitive_topic", [topic("refund_request")], metadata={"language": "fr"})
    with teams() as uow:
        done = opening.open_handoff(uow, asked, ROUTING, at)
        stored = uow.handoffs.get(done.opened.handoff_id)

    assert done.opened.created is True
    assert HandoffStatus(stored.status) is status
    assert (stored.reason, stored.team, stored.priority) == ("sensitive_topic", "billing", 1)
    assert (stored.channel, stored.language) == ("telegram", "fr")
    assert stored.context["route"]["team"] == "billing"
    assert stored.queue == "standard"
    assert stored.context["signals"] == [topic("refund_request")]
    assert stored.context["customer"] == {"id": "c1", "name": None}


def test_the_stored_handoff_carries_the_name_into_the_desk_views(teams) -> None:
    asked = request("explicit_request", metadata={"customer_name": "Jane Doe", "language": "de"})
    with teams() as uow:
        done = opening.open_handoff(uow, asked, ROUTING, TUESDAY_MORNING)
        stored = uow.handoffs.get(done.opened.handoff_id)
        listed = desk_view(uow, stored, now=TUESDAY_MORNING)

    assert stored.context["customer"] == {"id": "c1", "name": "Jane Doe"}
    assert listed["customer"] == {"id": "c1", "name": "Jane Doe"}
    assert schemas.Handoff.parse_obj(listed).customer.name == "Jane Doe"


def test_a_package_without_a_route_opens_for_no_team_in_its_language(teams) -> None:
    asked = request("frustration", metadata={"language": "es"})
    plan = plan_handoff(asked, ROUTING, TUESDAY_MORNING)
    package = opening.build_package(asked, plan, TUESDAY_MORNING).copy(update={"route": None})
    with teams() as uow:
        opened = opening.open_package(uow, package)
        again = opening.open_package(uow, package)
        stored = uow.handoffs.get(opened.handoff_id)

    assert (opened.created, again.created, again.handoff_id) == (True, False, opened.handoff_id)
    assert (stored.team, stored.priority, stored.language) == (None, 0, "es")
    assert HandoffStatus(stored.status) is HandoffStatus.QUEUED


def _routing_with(handling: Dict[str, Any]):
    return ROUTING.copy(update={"handling": HandlingSettings.parse_obj(handling)})


def test_a_ticket_handling_opens_a_ticket_while_the_team_is_there(teams) -> None:
    routing = _routing_with({"topics": {"billing_dispute": "ticket"}})
    asked = request("sensitive_topic", [topic("billing_dispute")])
    with teams() as uow:
        done = opening.open_handoff(uow, asked, routing, TUESDAY_MORNING)
        stored = uow.handoffs.get(done.opened.handoff_id)

    assert done.plan.handling.kind is Handling.TICKET
    assert (done.package.route.open, done.package.route.ticket) == (True, True)
    assert HandoffStatus(stored.status) is HandoffStatus.TICKET
    assert "handling ticket from topic billing_dispute" in stored.context["route"]["why"]


def test_a_guided_plan_names_the_path_and_marks_no_ticket() -> None:
    plan = plan_handoff(
        request("sensitive_topic", [topic("refund_request")]), ROUTING, TUESDAY_MORNING
    )

    assert plan.handling.kind is Handling.GUIDED
    assert plan.handling.choice.path == "return_label_form"
    assert plan.route_info.ticket is False
    assert plan.evidence["handling"]["source"] == "topic refund_request"


def test_a_conversation_back_from_its_guided_path_is_planned_for_a_person() -> None:
    events = [
        {"event": "action", "name": "return_label_form"},
        {"event": "active_loop", "name": "return_label_form"},
        {"event": "active_loop", "name": None},
    ]
    asked = request("frustration", [topic("refund_request")], events=events)
    plan = plan_handoff(asked, ROUTING, TUESDAY_MORNING)

    assert plan.handling.kind is Handling.LIVE_CHAT
    assert "already went through return_label_form" in plan.handling.why


def test_the_fallback_opens_a_guided_topic_as_a_handoff(teams) -> None:
    # The channels' fallback (action server down) cannot run a form: a person takes it.
    asked = request("sensitive_topic", [topic("refund_request")])
    with teams() as uow:
        done = opening.open_handoff(uow, asked, ROUTING, TUESDAY_MORNING)
        stored = uow.handoffs.get(done.opened.handoff_id)

    assert done.plan.handling.kind is Handling.GUIDED
    assert HandoffStatus(stored.status) is HandoffStatus.QUEUED
