"""``GraphApi`` against the fake Cloud API: sending and reading the phone number, one call path."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from connectors.whatsapp.api import GraphApi, GraphApiError
from tests.fakes.graph_api import FakeGraphApi

TOKEN, PHONE_ID = "EAAG-api-test-token", "106540352242922"


def call(api_url: str, token: str, method: str) -> object:
    async def run() -> object:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            api = GraphApi(token, PHONE_ID, session, api_url)
            if method == "send":
                text = {"body": "hi"}
                body = {"messaging_product": "whatsapp", "to": "4915", "type": "text", "text": text}
                return await api.send_message(body)
            return await api.phone_number()

    return asyncio.run(run())


def test_send_posts_to_messages_and_phone_number_gets_the_profile() -> None:
    graph = FakeGraphApi(TOKEN, PHONE_ID)
    try:
        assert str(call(graph.api_url, TOKEN, "send")).startswith("wamid.fake")
        profile = call(graph.api_url, TOKEN, "profile")
        assert isinstance(profile, dict) and profile["id"] == PHONE_ID
        calls = [(c.method, c.path) for c in graph.calls]
        assert calls == [("POST", f"/v19.0/{PHONE_ID}/messages"), ("GET", f"/v19.0/{PHONE_ID}")]
        with pytest.raises(GraphApiError) as refused:
            call(graph.api_url, "wrong", "profile")
        assert (refused.value.status, refused.value.code) == (401, 190)
        assert "wrong" not in str(refused.value)
    finally:
        graph.stop()
