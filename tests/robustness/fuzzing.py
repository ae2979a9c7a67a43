"""What every fuzz test checks, and the hypothesis settings that keep them bounded in CI.

``FUZZ_EXAMPLES`` (environment) scales the number of generated requests per test; the
default keeps the folder under three minutes on two cores. Runs are derandomised (the same
inputs every run, no example database), so a failure in CI reproduces locally.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.e2e.assistant import RunningAssistant

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


def fuzz_settings(examples: int = EXAMPLES) -> settings:
    """Deterministic, deadline-free settings with ``examples`` inputs."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


# Any JSON document: what a confused or hostile client may post.
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
RAW_BODIES = st.sampled_from(
    [b"", b"{", b"not json", b"[1, 2", b'{"a": NaN}', b"\xff\xfe\x00", b"null", b'"text"', b"1e999"]
) | st.binary(max_size=64)


def assert_handled(response: requests.Response, request: Optional[Dict[str, Any]] = None) -> None:
    """No 5xx; a 4xx answers JSON ``{"error": "<non-empty message>"}``."""
    where = f"{response.request.method} {response.request.url} {request or ''}"
    assert response.status_code < 500, f"{where} -> {response.status_code} {response.text[:500]}"
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            raise AssertionError(
                f"{where} -> {response.status_code} not JSON: {response.text[:300]}"
            ) from None
        assert isinstance(body, dict), f"{where} -> {body!r}"
        message = body.get("error")
        assert isinstance(message, str) and message.strip(), f"{where} -> {body!r}"


def assert_still_serving(assistant: RunningAssistant) -> None:
    """The servers still answer an ordinary customer message and the desk's health check."""
    for server in assistant.servers:
        assert server.process.poll() is None, f"{server.name} died\n{assistant.logs()}"
    sender = assistant.new_conversation()
    replies = assistant.say(sender, "hello")
    assert replies, "the bot did not answer a plain hello after fuzzing"
    health = assistant.desk("GET", "/api/health", token=None)
    assert health.status_code == 200 and health.json() == {"status": "ok"}


def dumps(value: Any) -> bytes:
    """Serialise a generated JSON value (ASCII-safe, as any client library would)."""
    return json.dumps(value).encode()
