import asyncio
import time
from datetime import datetime, timezone

import aiohttp
import pytest

from handoff.clients.desk_api import DeskClient, DeskUnavailable, QueuedHandoff
from handoff.clients.errors import ApiError
from handoff.context import build_context_package
from handoff.reasons import HandoffReason
from tests.fake_desk import FakeDesk, closed_port_url


def open_handoff(url, token, timeout, package):
    """Submit ``package`` through a session of the test's own, in a loop of its own."""

    async def submit():
        async with aiohttp.ClientSession() as session:
            client = DeskClient(url, token, timeout=timeout, session=session)
            return await client.open_handoff(package)

    return asyncio.run(submit())


@pytest.fixture
def package():
    return build_context_package(
        conversation_id="conv-42",
        events=[
            {
                "event": "user",
                "text": "I was charged twice, get me a human",
                "timestamp": 1_700_000_000,
                "parse_data": {"intent": {"name": "human_handoff", "confidence": 0.96}},
            }
        ],
        reason=HandoffReason.EXPLICIT_REQUEST,
        slots={"order_number": "1234567"},
        channel="rest",
        now=datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc),
    )


def test_submits_the_package_with_the_token_and_reads_the_queue_position(package):
    with FakeDesk() as desk:
        queued = open_handoff(desk.url + "/", "s3cret-token", 2, package)

    assert queued == QueuedHandoff(
        handoff_id="h-0001", status="queued", queue_position=3, created=True
    )
    (request,) = desk.received
    assert request.path == "/webhooks/agent_desk/api/handoffs"
    assert request.headers["Authorization"] == "Bearer s3cret-token"
    assert request.body["conversation_id"] == "conv-42"
    assert request.body["reason"] == "explicit_request"
    assert request.body["intake"]["order_number"] == "1234567"
    assert request.body["transcript"][0]["text"] == "I was charged twice, get me a human"


def test_an_already_open_handoff_is_reported_as_not_created(package):
    reply = {"id": "h-0001", "status": "assigned", "queue_position": None, "created": False}
    with FakeDesk(status=200, reply=reply) as desk:
        queued = open_handoff(desk.url, "t", 2, package)

    assert queued == QueuedHandoff("h-0001", "assigned", None, created=False)


@pytest.mark.parametrize("status", [500, 503, 401, 403, 422])
def test_an_error_answer_is_desk_unavailable_with_its_status(package, status):
    with FakeDesk(status=status, reply={"error": "database is locked"}) as desk:
        with pytest.raises(DeskUnavailable, match=f"answered {status}") as error:
            open_handoff(desk.url, "t", 2, package)

    assert error.value.status == status
    assert "database is locked" in str(error.value)
    assert isinstance(error.value, ApiError) and "database is locked" in error.value.reason


def test_a_refused_connection_is_desk_unavailable(package):
    with pytest.raises(DeskUnavailable, match="unreachable: ConnectionError") as error:
        open_handoff(closed_port_url(), "t", 2, package)

    assert error.value.status is None


def test_a_slow_desk_times_out_within_the_configured_time(package):
    with FakeDesk(delay=10) as desk:
        started = time.monotonic()
        with pytest.raises(DeskUnavailable, match="unreachable: ReadTimeout"):
            open_handoff(desk.url, "t", 0.5, package)
        waited = time.monotonic() - started

    assert waited < 1.5
    assert len(desk.received) == 1  # the desk got the request; it just never answered
