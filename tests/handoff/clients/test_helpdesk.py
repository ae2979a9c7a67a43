"""The help-desk client against a local aiohttp fake (the ticket shapes: tests/handoff/desk)."""

import asyncio

import aiohttp
import pytest

from handoff.clients.errors import ApiError
from handoff.clients.helpdesk import HelpdeskClient, HelpdeskUnavailable, TicketContent
from handoff.settings import HelpdeskKind, HelpdeskSettings
from tests.fakes.json_api import FakeJsonApi

CONTENT = TicketContent(
    subject="[billing] Refund",
    body="The customer wants a refund.",
    requester_email="jane@example.com",
    requester_name=None,
    priority=1,
    tags=["handoff"],
    external_id="h-1",
)


def _create(fake, token, kind=HelpdeskKind.ZENDESK):
    async def scenario():
        async with fake, aiohttp.ClientSession() as session:
            settings = HelpdeskSettings(
                kind=kind, url=fake.url, token_env="HELPDESK_TOKEN", email="agent@example.com"
            )
            client = HelpdeskClient(settings, token=token, session=session)
            return await client.create_ticket(CONTENT)

    return asyncio.run(scenario())


def test_without_a_token_nothing_is_sent_and_the_error_names_the_variable():
    fake = FakeJsonApi(status=201, body={"ticket": {"id": 1}})

    with pytest.raises(HelpdeskUnavailable, match=r"^no API token in \$HELPDESK_TOKEN$") as raised:
        _create(fake, token="")

    assert raised.value.status is None
    assert fake.received == []


def test_a_refusal_is_a_helpdesk_unavailable_api_error_with_the_reason():
    fake = FakeJsonApi(status=401, body={"error": "Couldn't authenticate you"})

    with pytest.raises(HelpdeskUnavailable, match="help desk answered 401") as raised:
        _create(fake, token="wrong")

    assert isinstance(raised.value, ApiError)
    assert "Couldn't authenticate you" in raised.value.reason


def test_a_freshdesk_ticket_is_read_from_the_flat_answer():
    fake = FakeJsonApi(status=201, body={"id": 99})

    created = _create(fake, token="fd-key", kind=HelpdeskKind.FRESHDESK)

    assert (created.id, created.url) == ("99", None)
    (request,) = fake.received
    assert request.path == "/api/v2/tickets"
    assert request.headers["Authorization"] == "Basic ZmQta2V5Olg="  # fd-key:X
