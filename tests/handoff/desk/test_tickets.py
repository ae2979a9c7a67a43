"""Offline tickets copied to an external help desk, once, on SQLite and PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from handoff.clients.helpdesk import HelpdeskClient
from handoff.desk import service as desk_service
from handoff.desk.errors import Conflict
from handoff.desk.tickets import forward_of, forward_ticket
from handoff.settings import HelpdeskKind, HelpdeskSettings
from tests.fakes.helpdesk_api import FakeHelpdesk

CONTEXT = {
    "conversation_id": "telegram:42",
    "summary": "The customer wants a refund for a broken mirror. They gave order number 48213377.",
    "signals": [{"name": "topic", "value": "refund_request"}],
    "intake": {"order_number": "48213377", "email": "jane@example.com"},
    "channel": "telegram",
    "transcript": [
        {"sender": "customer", "text": "I want a refund for the broken mirror", "timestamp": 1.7e9},
        {
            "sender": "bot",
            "text": "Our billing team is not available right now",
            "timestamp": 1.7e9,
        },
    ],
}


@pytest.fixture
def zendesk():
    desk = FakeHelpdesk("agent@northwind.example/token", "zd-secret")
    yield desk
    desk.stop()


def _client(helpdesk, kind=HelpdeskKind.ZENDESK, token="zd-secret"):
    settings = HelpdeskSettings(
        kind=kind, url=helpdesk.url, token_env="UNUSED", email="agent@northwind.example"
    )
    return HelpdeskClient(settings, token=token)


def _ticket(unit_of_work, conversation="telegram:42", ticket=True):
    with unit_of_work() as uow:
        opened = desk_service.open_handoff(
            uow,
            conversation_id=conversation,
            reason="sensitive_topic",
            context=CONTEXT,
            channel="telegram",
            team="billing",
            priority=1,
            ticket=ticket,
        )
    return opened.handoff_id


def test_a_ticket_is_created_in_the_help_desk_with_the_whole_context(unit_of_work, zendesk):
    handoff_id = _ticket(unit_of_work)

    view = forward_ticket(unit_of_work, _client(zendesk), handoff_id)

    assert (view.status, view.external_id, view.attempts) == ("sent", "35436", 1)
    (call,) = zendesk.calls
    ticket = call.body["ticket"]
    assert ticket["subject"] == "[billing] The customer wants a refund for a broken mirror"
    assert ticket["requester"]["email"] == "jane@example.com"
    assert ticket["priority"] == "high"
    assert ticket["external_id"] == handoff_id
    assert set(ticket["tags"]) == {"handoff", "sensitive_topic", "billing"}
    body = ticket["comment"]["body"]
    assert "Order number: 48213377" in body
    assert "customer: I want a refund for the broken mirror" in body
    assert "topic: refund_request" in body
    with unit_of_work() as uow:
        assert forward_of(uow, handoff_id).external_url.endswith("/tickets/35436.json")


def test_a_ticket_is_forwarded_once_however_often_it_is_asked(unit_of_work, zendesk):
    handoff_id = _ticket(unit_of_work)
    with ThreadPoolExecutor(max_workers=8) as pool:
        views = list(
            pool.map(lambda _: forward_ticket(unit_of_work, _client(zendesk), handoff_id), range(8))
        )

    assert len(zendesk.calls) == 1
    assert {view.external_id for view in views if view.status == "sent"} <= {"35436"}


def test_a_refused_ticket_is_failed_with_the_reason_and_can_be_retried(unit_of_work, zendesk):
    handoff_id = _ticket(unit_of_work)

    failed = forward_ticket(unit_of_work, _client(zendesk, token="wrong"), handoff_id)
    assert failed.status == "failed"
    assert "401" in failed.last_error

    retried = forward_ticket(unit_of_work, _client(zendesk), handoff_id)
    assert (retried.status, retried.attempts) == ("sent", 2)
    assert retried.last_error is None
    assert len(zendesk.calls) == 2


def test_freshdesk_gets_its_own_shape(unit_of_work):
    freshdesk = FakeHelpdesk("fd-key", "X")
    try:
        handoff_id = _ticket(unit_of_work)
        view = forward_ticket(
            unit_of_work, _client(freshdesk, HelpdeskKind.FRESHDESK, "fd-key"), handoff_id
        )
    finally:
        freshdesk.stop()

    assert view.status == "sent"
    (call,) = freshdesk.calls
    assert call.path == "/api/v2/tickets"
    assert call.body["email"] == "jane@example.com"
    assert (call.body["priority"], call.body["status"]) == (3, 2)
    assert "Order number: 48213377" in call.body["description"]


def test_an_unreachable_help_desk_is_a_failure_not_a_crash(unit_of_work, zendesk):
    handoff_id = _ticket(unit_of_work)
    zendesk.stop()

    view = forward_ticket(unit_of_work, _client(zendesk), handoff_id)

    assert view.status == "failed"
    assert "unreachable" in view.last_error


def test_live_chats_are_not_forwarded(unit_of_work, zendesk):
    handoff_id = _ticket(unit_of_work, ticket=False)

    with pytest.raises(Conflict, match="not a ticket"):
        forward_ticket(unit_of_work, _client(zendesk), handoff_id)
    assert zendesk.calls == []
