"""The desk API's OpenAPI 3 document (``GET /webhooks/agent_desk/openapi.json``).

The component schemas are generated from the pydantic models that check the request bodies
(:mod:`handoff.desk.bodies`, :mod:`handoff.desk.admin`, :mod:`handoff.desk.records`) and
that describe the answers (:mod:`connectors.agent_desk.schemas`), so their patterns, limits
and enums (statuses, roles, presence) are written once. The paths are written here and refer
to those components; a test validates the document with openapi-spec-validator and checks
every documented path is served.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Iterable, List, Optional, Type

from pydantic import BaseModel

from connectors.agent_desk.schemas import ANSWERS
from handoff.desk.admin import AgentChanges, NewAgent, NewTeam
from handoff.desk.bodies import (
    ClaimBody,
    Credentials,
    HandbackBody,
    MessageText,
    PresenceChange,
    TransferTarget,
)
from handoff.desk.records import DecisionRecord
from handoff.store.models import HandoffStatus

JSON = "application/json"
REF_TEMPLATE = "#/components/schemas/{model}"
BODIES = (
    Credentials,
    PresenceChange,
    MessageText,
    TransferTarget,
    ClaimBody,
    HandbackBody,
    DecisionRecord,
    NewAgent,
    AgentChanges,
    NewTeam,
)
"""Every request body model; each is a component named after its class."""


def _ref(name: str) -> Dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: List[str], **properties: Any) -> Dict[str, Any]:
    schema: Dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _str(**extra: Any) -> Dict[str, Any]:
    return {"type": "string", **extra}


def _answer(description: str, schema: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    answer: Dict[str, Any] = {"description": description}
    if schema is not None:
        answer["content"] = {JSON: {"schema": schema}}
    return answer


ERRORS = {
    "400": {"$ref": "#/components/responses/Malformed"},
    "401": {"$ref": "#/components/responses/Unauthorised"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "422": {"$ref": "#/components/responses/Invalid"},
}


def _operation(
    summary: str,
    answers: Dict[str, Any],
    body: Optional[Dict[str, Any]] = None,
    public: bool = False,
    parameters: Optional[List[Dict[str, Any]]] = None,
    body_required: bool = True,
) -> Dict[str, Any]:
    operation: Dict[str, Any] = {"summary": summary, "responses": {**answers}}
    if not public:
        operation["responses"].update({k: v for k, v in ERRORS.items() if k not in answers})
    else:
        operation["security"] = []
    if body is not None:
        operation["requestBody"] = {
            "required": body_required,
            "content": {JSON: {"schema": body}},
        }
    if parameters:
        operation["parameters"] = parameters
    return operation


HANDOFF_ID = {"name": "handoff_id", "in": "path", "required": True, "schema": _str()}
AGENT_ID = {"name": "agent_id", "in": "path", "required": True, "schema": _str()}
NOT_FOUND = {"$ref": "#/components/responses/NotFound"}
CONFLICT = {"$ref": "#/components/responses/Conflict"}
TEXT = _ref(MessageText.__name__)
STATUSES = [status.value for status in HandoffStatus]


def component_schemas(models: Iterable[Type[BaseModel]]) -> Dict[str, Any]:
    """Return the OpenAPI 3.0 schemas of ``models`` and of every model and enum they nest.

    Each model is a component named after its class; an ``Optional`` field is ``nullable``
    (OpenAPI 3.0 has no ``null`` type). Two different models or enums of the same name are
    refused (``ValueError``): one would silently stand for the other.
    """
    found = _with_nested(models)
    names = [model.__name__ for model in found]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"several models named {', '.join(twice)}")
    schemas: Dict[str, Any] = {}
    for model in found:
        schema = copy.deepcopy(model.schema(ref_template=REF_TEMPLATE))  # pydantic caches it
        for name, nested in schema.pop("definitions", {}).items():
            if name not in names and schemas.setdefault(name, nested) != nested:
                raise ValueError(f"several enums named {name}")
        schemas[model.__name__] = _nullable_fields(model, schema)
    return schemas


def _with_nested(models: Iterable[Type[BaseModel]]) -> List[Type[BaseModel]]:
    """Return ``models`` and the models their fields hold, each once, in order of discovery."""
    found: List[Type[BaseModel]] = []
    pending = list(models)
    while pending:
        model = pending.pop(0)
        if model in found:
            continue
        found.append(model)
        for field in model.__fields__.values():
            if isinstance(field.type_, type) and issubclass(field.type_, BaseModel):
                pending.append(field.type_)
    return found


def _nullable_fields(model: Type[BaseModel], schema: Dict[str, Any]) -> Dict[str, Any]:
    properties = schema.get("properties", {})
    for field in model.__fields__.values():
        prop = properties.get(field.alias)
        if prop is None or not field.allow_none:
            continue
        if "$ref" in prop:  # OpenAPI 3.0 ignores the siblings of a $ref
            prop = {"allOf": [{"$ref": prop.pop("$ref")}], **prop}
        properties[field.alias] = {**prop, "nullable": True}
    return schema


def _state_change(
    summary: str, body: Optional[Type[BaseModel]] = None, body_required: bool = True
) -> Dict[str, Any]:
    """Describe a ``POST /api/handoffs/{handoff_id}/<verb>``: the changed handoff, or 404/409."""
    answers = {"200": _answer("the handoff", _ref("Handoff")), "404": NOT_FOUND, "409": CONFLICT}
    schema = _ref(body.__name__) if body is not None else None
    return {
        "post": _operation(
            summary, answers, schema, parameters=[HANDOFF_ID], body_required=body_required
        )
    }


def _paths() -> Dict[str, Any]:
    return {
        "/api/health": {"get": _operation("Liveness", {"200": _answer("ok")}, public=True)},
        "/api/login": {
            "post": _operation(
                "Log in; returns a 12-hour token and sets the agent online",
                {
                    "200": _answer(
                        "logged in", _obj(["token", "agent"], token=_str(), agent=_ref("Agent"))
                    ),
                    "400": ERRORS["400"],
                    "401": ERRORS["401"],
                    "422": ERRORS["422"],
                    "429": _response(
                        "too many failed logins from this address or for this account, or too"
                        " many logins at once; the Retry-After header says when to try again"
                    ),
                },
                _ref(Credentials.__name__),
                public=True,
            )
        },
        "/api/logout": {"post": _operation("Revoke the token", {"200": _answer("logged out")})},
        "/api/me": {"get": _operation("The caller", {"200": _answer("me", _ref("Agent"))})},
        "/api/me/presence": {
            "post": _operation(
                "Set presence",
                {"200": _answer("me", _ref("Agent"))},
                _ref(PresenceChange.__name__),
            )
        },
        "/api/handoffs": {
            "get": _operation(
                "The caller's teams' handoffs, highest priority then oldest first",
                {
                    "200": _answer(
                        "handoffs",
                        _obj(["handoffs"], handoffs={"type": "array", "items": _ref("Handoff")}),
                    )
                },
                parameters=[
                    {
                        "name": "status",
                        "in": "query",
                        "schema": _str(default="queued,assigned"),
                        "description": "comma-separated statuses: " + ", ".join(STATUSES),
                    },
                    {
                        "name": "queue",
                        "in": "query",
                        "schema": _str(),
                        "description": "only this desk queue (routing.queues), e.g. senior",
                    },
                ],
            ),
            "post": _operation(
                "Submit a context package (service token; idempotent per conversation)",
                {
                    "200": _answer("already open"),
                    "201": _answer(
                        "created",
                        _ref("HandoffCreated"),
                    ),
                },
                {"type": "object", "description": "docs/context-package.schema.json"},
            ),
        },
        "/api/handoffs/{handoff_id}": {
            "get": _operation(
                "One handoff with context, live transcript and notes",
                {"200": _answer("detail", _ref("HandoffDetail")), "404": NOT_FOUND},
                parameters=[HANDOFF_ID],
            )
        },
        "/api/handoffs/{handoff_id}/claim": _state_change(
            "Take the handoff (atomic; the customer is told who joined); a live chat beyond"
            " the agent's max_chats is refused (409) unless a supervisor sets"
            " beyond_capacity",
            ClaimBody,
            body_required=False,
        ),
        "/api/handoffs/{handoff_id}/messages": {
            "post": _operation(
                "Reply to the customer (assigned agent, supervisor or service); the first"
                " reply to a ticket makes it a live chat (status assigned, the customer is"
                " told who joined, the bot pauses)",
                {
                    "201": _answer("sent", _obj(["event"], event={"type": "object"})),
                    "404": NOT_FOUND,
                    "409": CONFLICT,
                },
                TEXT,
                parameters=[HANDOFF_ID],
            )
        },
        "/api/handoffs/{handoff_id}/notes": {
            "post": _operation(
                "Add an internal note (never sent to the customer)",
                {"201": _answer("note", _ref("Note")), "404": NOT_FOUND},
                TEXT,
                parameters=[HANDOFF_ID],
            )
        },
        "/api/handoffs/{handoff_id}/transfer": _state_change(
            "Move to another team's queue, or assign to an agent with capacity", TransferTarget
        ),
        "/api/handoffs/{handoff_id}/handback": _state_change(
            "Give the conversation back to the bot (the customer hears the agent left),"
            " optionally with an outcome and a note that land in the handoff_outcome and"
            " handoff_note slots",
            HandbackBody,
            body_required=False,
        ),
        "/api/handoffs/{handoff_id}/close": _state_change("Resolve without handing back"),
        "/api/handoffs/{handoff_id}/forward": {
            "post": _operation(
                "Copy a ticket to the external help desk (desk.helpdesk), or retry a failed copy",
                {
                    "200": _answer("the ticket's copy", _ref("TicketForward")),
                    "404": NOT_FOUND,
                    "409": CONFLICT,
                },
                parameters=[HANDOFF_ID],
            )
        },
        "/api/analytics": {
            "get": _operation(
                "The analytics report: handoff rate, reasons by intent, topic and channel, time "
                "to pickup, handling time, handback rate, the topics the bot should learn next",
                {
                    "200": _answer(
                        "the report (see handoff.analytics.build_report)", {"type": "object"}
                    )
                },
                parameters=[
                    {"name": "since", "in": "query", "schema": _str(format="date-time")},
                    {"name": "until", "in": "query", "schema": _str(format="date-time")},
                ],
            )
        },
        "/api/analytics/kb-gaps.csv": {
            "get": _operation(
                "What the bot should learn next (the report's learn_next) as CSV",
                {
                    "200": {
                        "description": "one line per gap; examples in example_1 .. example_5",
                        "content": {"text/csv": {"schema": _str()}},
                    }
                },
                parameters=[
                    {"name": "since", "in": "query", "schema": _str(format="date-time")},
                    {"name": "until", "in": "query", "schema": _str(format="date-time")},
                ],
            )
        },
        "/api/events": {
            "get": _operation(
                "Server-sent events of the caller's teams (keep-alive comment every 15 s, when "
                "the caller is authorised again; the stream ends after logout, expiry, "
                "deactivation or a change of teams). The login token comes as a bearer token "
                "or in the desk_events cookie (POST /api/events/cookie), never in the URL",
                {
                    "200": {
                        "description": "event stream: event: <type>, data: <DeskEvent JSON>",
                        "content": {"text/event-stream": {"schema": _str()}},
                    }
                },
            )
        },
        "/api/events/cookie": {
            "post": _operation(
                "Set the event stream's HttpOnly cookie to the caller's login token (agents)",
                {"200": _answer("set")},
            )
        },
        "/api/decisions": {
            "post": _operation(
                "Record a handoff decision for analytics (service token)",
                {"201": _answer("stored", _obj(["id"], id={"type": "integer"}))},
                _ref(DecisionRecord.__name__),
            )
        },
        "/api/agents": {
            "get": _operation(
                "Every agent (supervisor, admin)",
                {
                    "200": _answer(
                        "agents", _obj(["agents"], agents={"type": "array", "items": _ref("Agent")})
                    )
                },
            ),
            "post": _operation(
                "Create an agent (supervisors: role agent only)",
                {"201": _answer("created", _ref("Agent")), "409": CONFLICT},
                _ref(NewAgent.__name__),
            ),
        },
        "/api/agents/{agent_id}": {
            "patch": _operation(
                "Change an agent",
                {"200": _answer("changed", _ref("Agent")), "404": NOT_FOUND},
                _ref(AgentChanges.__name__),
                parameters=[AGENT_ID],
            )
        },
        "/api/teams": {
            "get": _operation(
                "Every team",
                {
                    "200": _answer(
                        "teams", _obj(["teams"], teams={"type": "array", "items": _ref("Team")})
                    )
                },
            ),
            "post": _operation(
                "Create a team (supervisor, admin)",
                {"201": _answer("created", _ref("Team")), "409": CONFLICT},
                _ref(NewTeam.__name__),
            ),
        },
    }


def _response(description: str) -> Dict[str, Any]:
    return _answer(description, _ref("Error"))


def openapi_document() -> Dict[str, Any]:
    """Return the OpenAPI 3.0 document of the desk API."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Agent desk API",
            "version": "1.0.0",
            "description": "The live-agent desk of the Rasa human-handoff kit. Errors are "
            '{"error": "<message naming the field>"}.',
        },
        "servers": [{"url": "/webhooks/agent_desk"}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an agent's login token, the desk's service token or the"
                    " action server's token (handoffs and decisions only)",
                }
            },
            "schemas": component_schemas((*ANSWERS, *BODIES)),
            "responses": {
                "Malformed": _response("the body is not valid JSON"),
                "Unauthorised": _response("missing or invalid token"),
                "Forbidden": _response("not allowed: another team's handoff or a missing role"),
                "NotFound": _response("unknown id"),
                "Conflict": _response("already claimed or already closed"),
                "Invalid": _response("a field is missing or invalid"),
            },
        },
    }
