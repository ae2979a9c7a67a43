"""Fuzzing every operation of the desk's OpenAPI document against the real Rasa server.

The document served at ``/webhooks/agent_desk/openapi.json`` drives the inputs: request
bodies from each operation's JSON schema (``POST /api/handoffs`` from the context-package
schema) through hypothesis-jsonschema, mixed with arbitrary JSON and malformed bytes; path
parameters are real ids (so claim, reply, transfer, handback and close run for real) or
arbitrary strings. Each operation is called with the service token, with an agent's token and
without a token. schemathesis itself has no release compatible with Rasa 3.6's pins
(jsonschema 4.17, pytest 8, anyio 4, Werkzeug 3), hence this small driver.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from ops.model import PROJECT_ROOT
from tests.fakes.channels import ChannelsAssistant
from tests.robustness.fuzzing import (
    EXAMPLES,
    JSON_VALUES,
    RAW_BODIES,
    assert_handled,
    assert_still_serving,
    dumps,
    fuzz_settings,
)

pytestmark = pytest.mark.integration

PASSWORD = "fuzzing-password-1"
PUBLIC = {("get", "/api/health"), ("post", "/api/login")}
CONTEXT_SCHEMA = json.loads((PROJECT_ROOT / "docs" / "context-package.schema.json").read_text())


def _document() -> Dict[str, Any]:
    from connectors.agent_desk.openapi import openapi_document

    return openapi_document()


def _operations() -> List[Tuple[str, str]]:
    return [
        (method, path)
        for path, item in _document()["paths"].items()
        for method in item
        if method in ("get", "post", "patch", "put", "delete")
    ]


def json_schema(schema: Any) -> Any:
    """Turn an OpenAPI 3.0 schema into JSON Schema (``nullable`` → a null alternative).

    References to the document's component schemas are replaced by the schemas themselves.
    """
    if isinstance(schema, list):
        return [json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = {**_document()["components"]["schemas"][name], **schema}
        del schema["$ref"]
    converted = {key: json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _body_schema(method: str, path: str) -> Optional[Dict[str, Any]]:
    if (method, path) == ("post", "/api/handoffs"):
        return copy.deepcopy(CONTEXT_SCHEMA)
    body = _document()["paths"][path][method].get("requestBody")
    if body is None:
        return None
    return json_schema(body["content"]["application/json"]["schema"])


class Desk:
    """The fuzzed desk: tokens, real ids, and one call."""

    def __init__(self, fuzzed: ChannelsAssistant) -> None:
        self.assistant = fuzzed.assistant
        self.handoff_ids = [self._open_handoff(n) for n in range(3)]
        self.victim_id = self._agent("fuzz-victim")["id"]
        self.agent = self._agent("fuzz-agent")
        self.agent_token = self._login("fuzz-agent")
        self.tokens = {"service": self.assistant.desk_token, "agent": self.agent_token}

    def _open_handoff(self, n: int) -> str:
        package = {
            "conversation_id": f"fuzz-{n}-{self.assistant.new_conversation()}",
            "created_at": "2026-11-23T10:00:00+00:00",
            "reason": "explicit_request",
            "summary": "Customer asked for a person.",
            "customer": {"id": "fuzz"},
            "channel": "rest",
            "route": {"team": "general", "open": n != 2},  # the third one is a ticket
        }
        answer = self.assistant.desk("POST", "/api/handoffs", json=package)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def _agent(self, username: str) -> Dict[str, Any]:
        body = {"username": username, "display_name": username, "password": PASSWORD}
        answer = self.assistant.desk("POST", "/api/agents", json={**body, "teams": ["general"]})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def _login(self, username: str) -> str:
        answer = self.assistant.desk(
            "POST", "/api/login", token=None, json={"username": username, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]

    def ids_for(self, parameter: str) -> st.SearchStrategy[str]:
        known = self.handoff_ids if parameter == "handoff_id" else [self.victim_id]
        return st.sampled_from(known) | st.text(min_size=1, max_size=40)

    def call(
        self,
        method: str,
        path: str,
        token: Optional[str],
        body: Any,
        query: Dict[str, str],
    ) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = body if isinstance(body, bytes) or body is None else dumps(body)
        return requests.request(
            method.upper(),
            f"{self.assistant.rasa_url}/webhooks/agent_desk{path}",
            data=data,
            params=query,
            headers=headers,
            timeout=60,
            stream=path.endswith("/api/events"),
        )


@pytest.fixture(scope="module")
def desk(fuzzed: ChannelsAssistant) -> Desk:
    return Desk(fuzzed)


def _requests(desk: Desk, method: str, path: str) -> st.SearchStrategy[Dict[str, Any]]:
    """Path, query and body of one call, drawn from the document."""
    parameters = _document()["paths"][path][method].get("parameters", [])
    path_values = {
        p["name"]: desk.ids_for(p["name"]).map(lambda v: quote(v, safe=""))
        for p in parameters
        if p["in"] == "path"
    }
    query = st.fixed_dictionaries(
        {},
        optional={
            p["name"]: st.text(max_size=30)
            | st.lists(st.sampled_from(["queued", "assigned", "ticket", "closed"])).map(",".join)
            for p in parameters
            if p["in"] == "query"
        },
    )
    schema = _body_schema(method, path)
    bodies = JSON_VALUES | RAW_BODIES
    if schema is not None:
        bodies = from_schema(schema) | from_schema(schema) | bodies
    elif method == "get":
        bodies = st.none()
    return st.fixed_dictionaries(
        {"path": st.fixed_dictionaries(path_values), "query": query, "body": bodies}
    )


def _run(desk: Desk, method: str, path: str, principal: Optional[str], drawn: Dict) -> None:
    url_path = path.format(**drawn["path"])
    token = desk.tokens[principal] if principal else None
    response = desk.call(method, url_path, token, drawn["body"], drawn["query"])
    try:
        assert_handled(response, drawn)
        if principal is None and (method, path) not in PUBLIC:
            assert response.status_code == 401, f"{method} {url_path}: {response.status_code}"
    finally:
        response.close()  # the event stream never ends by itself


OPERATIONS = _operations()
AUTHENTICATED = [
    (method, path, principal)
    for method, path in OPERATIONS
    for principal in ("service", "agent")
    # Logging the fuzzing agent out would end the agent half; tested on its own below.
    if not (principal == "agent" and path == "/api/logout")
]


@pytest.mark.parametrize(("method", "path", "principal"), AUTHENTICATED)
def test_authenticated_calls_never_fail_on_the_server(desk, method, path, principal):
    @fuzz_settings()
    @given(drawn=_requests(desk, method, path))
    def fuzz(drawn: Dict[str, Any]) -> None:
        _run(desk, method, path, principal, drawn)

    fuzz()


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_calls_without_a_token_are_refused(desk, method, path):
    @fuzz_settings(max(3, EXAMPLES // 4))
    @given(drawn=_requests(desk, method, path))
    def fuzz(drawn: Dict[str, Any]) -> None:
        _run(desk, method, path, None, drawn)

    fuzz()


@fuzz_settings()
@given(
    token=st.text(max_size=80), scheme=st.sampled_from(["Bearer", "bearer", "Basic", "", "Token"])
)
def _bad_tokens(desk: Desk, token: str, scheme: str) -> None:
    header = f"{scheme} {token}".strip()
    try:
        response = requests.get(
            f"{desk.assistant.rasa_url}/webhooks/agent_desk/api/handoffs",
            headers={"Authorization": header.encode("utf-8")},
            timeout=30,
        )
    except requests.exceptions.InvalidHeader:
        return  # not sendable as a header at all
    assert_handled(response)
    if token.strip() not in (desk.assistant.desk_token, desk.agent_token):
        assert response.status_code == 401


def test_arbitrary_authorization_headers_are_401(desk):
    _bad_tokens(desk)


def test_logout_then_the_token_is_refused_and_the_desk_still_serves(desk, fuzzed):
    # An agent of its own: the fuzzer may have changed the victim's password or deactivated it.
    desk._agent("logout-check")
    token = desk._login("logout-check")
    assert desk.call("post", "/api/logout", token, {}, {}).status_code == 200
    again = desk.call("post", "/api/logout", token, {}, {})
    assert again.status_code == 401
    assert_handled(again)
    assert_still_serving(fuzzed.assistant)
