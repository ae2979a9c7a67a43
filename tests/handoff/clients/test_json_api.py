"""The one call path of the outbound clients, against a local aiohttp fake."""

import asyncio
import socket
import time

import aiohttp
import pytest

from handoff.clients.errors import (
    CONNECTION_ERROR,
    INVALID_JSON,
    READ_TIMEOUT,
    ApiError,
)
from handoff.clients.json_api import JsonApi
from handoff.clients.sessions import close_loop_session, loop_session
from tests.fakes.json_api import FakeJsonApi


class ExampleUnavailable(ApiError):
    pass


def _call(fake, timeout=2.0, path="/api/things", body=None, **options):
    """Start ``fake``, make one call through a session of the test's own; return the answer."""

    async def scenario():
        async with fake, aiohttp.ClientSession() as session:
            url = fake.url + "/"
            api = JsonApi("example API", url, timeout=timeout, session=session, **options)
            return await api.call("POST", path, body)

    return asyncio.run(scenario())


def test_a_2xx_answer_is_decoded_and_the_body_headers_and_auth_are_sent():
    fake = FakeJsonApi(status=201, body={"id": 7, "items": [1, 2]})

    answer = _call(
        fake,
        body={"subject": "Refund"},
        headers={"Authorization": "Bearer t0k"},
    )

    assert answer == {"id": 7, "items": [1, 2]}
    (request,) = fake.received
    assert (request.method, request.path) == ("POST", "/api/things")
    assert request.headers["Authorization"] == "Bearer t0k"
    assert request.body == {"subject": "Refund"}


def test_basic_auth_is_sent_as_the_api_expects():
    fake = FakeJsonApi(body={})

    _call(fake, auth=aiohttp.BasicAuth("agent@example.com/token", "s3cret"))

    (request,) = fake.received
    assert request.headers["Authorization"] == "Basic YWdlbnRAZXhhbXBsZS5jb20vdG9rZW46czNjcmV0"


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_a_4xx_is_an_api_error_with_the_status_and_the_apis_reason(status):
    fake = FakeJsonApi(status=status, body={"error": "RecordInvalid", "description": "no body"})

    with pytest.raises(ApiError) as raised:
        _call(fake)

    error = raised.value
    assert error.status == status
    assert error.api == "example API"
    assert "RecordInvalid" in error.reason and "no body" in error.reason
    assert str(error).startswith(f"example API answered {status}: ")


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_is_an_api_error_with_its_status(status):
    fake = FakeJsonApi(status=status, body={"error": "database is locked"})

    with pytest.raises(ApiError, match=f"answered {status}: .*database is locked") as raised:
        _call(fake)

    assert raised.value.status == status


def test_a_long_error_answer_is_cut_to_200_characters():
    fake = FakeJsonApi(status=500, body="x" * 1000)

    with pytest.raises(ApiError) as raised:
        _call(fake)

    assert len(raised.value.reason) == 200


def test_the_configured_subclass_is_raised():
    with pytest.raises(ExampleUnavailable) as raised:
        _call(FakeJsonApi(status=503), error=ExampleUnavailable)

    assert isinstance(raised.value, ApiError)


def test_a_slow_api_times_out_within_the_configured_time():
    fake = FakeJsonApi(body={}, delay=10)
    started = time.monotonic()

    with pytest.raises(ApiError, match="example API unreachable: ReadTimeout") as raised:
        _call(fake, timeout=0.5)

    assert time.monotonic() - started < 1.5
    assert (raised.value.status, raised.value.reason) == (None, READ_TIMEOUT)
    assert len(fake.received) == 1  # it got the request; it just never answered


def test_a_refused_connection_is_an_api_error_without_status():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nobody listens

    async def scenario():
        async with aiohttp.ClientSession() as session:
            api = JsonApi("example API", f"http://127.0.0.1:{port}", timeout=2, session=session)
            await api.call("POST", "/api/things", {})

    with pytest.raises(ApiError, match="example API unreachable: ConnectionError") as raised:
        asyncio.run(scenario())

    assert (raised.value.status, raised.value.reason) == (None, CONNECTION_ERROR)


def test_a_2xx_that_is_not_json_is_an_api_error():
    fake = FakeJsonApi(status=200, body=b"<html>maintenance</html>")

    with pytest.raises(ApiError, match="example API answered with invalid JSON") as raised:
        _call(fake)

    assert (raised.value.status, raised.value.reason) == (200, INVALID_JSON)


def test_without_a_session_the_running_loops_shared_session_is_used_and_closed_on_stop():
    async def scenario():
        async with FakeJsonApi(body={"ok": True}) as fake:
            api = JsonApi("example API", fake.url, timeout=2)
            first = await api.call("POST", "/a")
            shared = loop_session()
            second = await JsonApi("example API", fake.url, timeout=2).call("POST", "/b")
            assert loop_session() is shared  # one per loop, reused by every client
            await close_loop_session()
            assert shared.closed
            assert loop_session() is not shared  # a new one on next use
            await close_loop_session()
            return first, second, shared

    first, second, shared = asyncio.run(scenario())
    assert first == second == {"ok": True}

    async def other_loop():
        session = loop_session()
        await close_loop_session()
        return session

    assert asyncio.run(other_loop()) is not shared
