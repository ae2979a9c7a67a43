"""Offline tickets copied to an external help desk, once, on SQLite and PostgreSQL."""

import asyncio

import aiohttp
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


def _settings(helpdesk, kind=HelpdeskKind.ZENDESK):
    return HelpdeskSettings(
        kind=kind, url=helpdesk.url, token_env="UNUSED", email="agent@northwind.example"
    )


def forward(unit_of_work, helpdesk, handoff_id, kind=HelpdeskKind.ZENDESK, token="zd-secret"):
    """Forward through a client on a session of the test's own, in a loop of its own."""

    async def run():
        async with aiohttp.ClientSession() as session:
            client = HelpdeskClient(_settings(helpdesk, kind), token=token, session=session)
            return await forward_ticket(unit_of_work, client, handoff_id)

    return asyncio.run(run())


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

    view = forward(unit_of_work, zendesk, handoff_id)

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

    async def eight_at_once():
        async with aiohttp.ClientSession() as session:
            client = HelpdeskClient(_settings(zendesk), token="zd-secret", session=session)
            return await asyncio.gather(
                *(forward_ticket(unit_of_work, client, handoff_id) for _ in range(8))
            )

    views = asyncio.run(eight_at_once())  # the store work of each runs in its own thread

    assert len(zendesk.calls) == 1
    assert {view.external_id for view in views if view.status == "sent"} <= {"35436"}


def test_a_refused_ticket_is_failed_with_the_reason_and_can_be_retried(unit_of_work, zendesk):
    handoff_id = _ticket(unit_of_work)

    failed = forward(unit_of_work, zendesk, handoff_id, token="wrong")
    assert failed.status == "failed"
    assert "401" in failed.last_error

    retried = forward(unit_of_work, zendesk, handoff_id)
    assert (retried.status, retried.attempts) == ("sent", 2)
    assert retried.last_error is None
    assert len(zendesk.calls) == 2


def test_freshdesk_gets_its_own_shape(unit_of_work):
    freshdesk = FakeHelpdesk("fd-key", "X")
    try:
        handoff_id = _ticket(unit_of_work)
        view = forward(unit_of_work, freshdesk, handoff_id, HelpdeskKind.FRESHDESK, "fd-key")
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

    view = forward(unit_of_work, zendesk, handoff_id)

    assert view.status == "failed"
    assert "unreachable" in view.last_error


def test_live_chats_are_not_forwarded(unit_of_work, zendesk):
    handoff_id = _ticket(unit_of_work, ticket=False)

    with pytest.raises(Conflict, match="not a ticket"):
        forward(unit_of_work, zendesk, handoff_id)
    assert zendesk.calls == []
