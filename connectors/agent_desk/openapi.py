"""The desk API's OpenAPI 3 document (``GET /webhooks/agent_desk/openapi.json``).

Written by hand from the same contract the handlers follow; a test validates it with
openapi-spec-validator and checks every documented path is served.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

JSON = "application/json"
STATUSES = ["queued", "assigned", "resolved", "handed_back", "ticket", "closed"]


def _ref(name: str) -> Dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: List[str], **properties: Any) -> Dict[str, Any]:
    schema: Dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _str(**extra: Any) -> Dict[str, Any]:
    return {"type": "string", **extra}


def _nullable(schema: Dict[str, Any]) -> Dict[str, Any]:
    return {**schema, "nullable": True}


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
) -> Dict[str, Any]:
    operation: Dict[str, Any] = {"summary": summary, "responses": {**answers}}
    if not public:
        operation["responses"].update({k: v for k, v in ERRORS.items() if k not in answers})
    else:
        operation["security"] = []
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


HANDOFF_ID = {"name": "handoff_id", "in": "path", "required": True, "schema": _str()}
AGENT_ID = {"name": "agent_id", "in": "path", "required": True, "schema": _str()}
NOT_FOUND = {"$ref": "#/components/responses/NotFound"}
CONFLICT = {"$ref": "#/components/responses/Conflict"}
TEXT = _obj(["text"], text=_str(minLength=1, maxLength=4000))


def _schemas() -> Dict[str, Any]:
    person = _obj(["id", "display_name"], id=_str(), display_name=_str())
    agent = _obj(
        ["id", "username", "display_name", "role", "teams", "languages"],
        id=_str(),
        username=_str(),
        display_name=_str(),
        role=_str(enum=["agent", "supervisor", "admin"]),
        teams={"type": "array", "items": _str()},
        languages={"type": "array", "items": _str()},
        skills={"type": "array", "items": _str()},
        max_chats={"type": "integer"},
        presence=_str(enum=["online", "away", "offline"]),
        last_seen=_nullable(_str(format="date-time")),
        active={"type": "boolean"},
    )
    view = _obj(
        ["id", "conversation_id", "status", "reason", "team", "priority", "created_at"],
        id=_str(),
        conversation_id=_str(),
        status=_str(enum=STATUSES),
        reason=_str(),
        team=_nullable(_str()),
        priority={"type": "integer"},
        channel=_nullable(_str()),
        language=_nullable(_str()),
        created_at=_str(format="date-time"),
        updated_at=_str(format="date-time"),
        closed_at=_nullable(_str(format="date-time")),
        claimed_at=_nullable(_str(format="date-time")),
        wait_seconds={"type": "integer"},
        queue_position=_nullable({"type": "integer"}),
        expected_wait_seconds=_nullable({"type": "integer"}),
        assigned_agent=_nullable(person),
        offered_to=_nullable(person),
        summary=_nullable(_str()),
        customer=_nullable({"type": "object"}),
    )
    turn = _obj(
        ["sender", "text", "timestamp"],
        sender=_str(enum=["customer", "bot", "agent"]),
        text=_str(),
        timestamp={"type": "number"},
        agent=_obj(["id", "name"], id=_str(), name=_str()),
        media=_nullable({"type": "object"}),
        intent=_nullable(_str()),
        frustration=_nullable({"type": "number"}),
    )
    note = _obj(
        ["id", "handoff_id", "author", "text", "created_at"],
        id=_str(),
        handoff_id=_str(),
        agent_id=_nullable(_str()),
        author=_str(),
        text=_str(),
        created_at=_str(format="date-time"),
    )
    detail = {
        "allOf": [
            _ref("Handoff"),
            _obj(
                ["context", "transcript", "notes"],
                context={"type": "object", "description": "the context package"},
                transcript={"type": "array", "items": _ref("Turn")},
                notes={"type": "array", "items": _ref("Note")},
                helpdesk=_nullable(_ref("TicketForward")),
            ),
        ]
    }
    forward = _obj(
        ["target", "status", "attempts"],
        target=_str(enum=["zendesk", "freshdesk"]),
        status=_str(enum=["pending", "sent", "failed"]),
        external_id=_nullable(_str()),
        external_url=_nullable(_str()),
        attempts={"type": "integer"},
        last_error=_nullable(_str()),
    )
    team = _obj(
        ["name", "display_name", "languages"],
        name=_str(),
        display_name=_str(),
        languages={"type": "array", "items": _str()},
    )
    return {
        "Error": _obj(["error"], error=_str(description="names the field or thing at fault")),
        "Agent": agent,
        "Handoff": view,
        "HandoffDetail": detail,
        "Turn": turn,
        "Note": note,
        "Team": team,
        "TicketForward": forward,
    }


def _agent_body(required: List[str]) -> Dict[str, Any]:
    return _obj(
        required,
        username=_str(pattern="^[a-z0-9][a-z0-9._-]{1,63}$"),
        display_name=_str(),
        password=_str(minLength=10),
        role=_str(enum=["agent", "supervisor", "admin"]),
        teams={"type": "array", "items": _str()},
        languages={"type": "array", "items": _str()},
        skills={"type": "array", "items": _str()},
        max_chats={"type": "integer", "minimum": 1, "maximum": 50},
    )


def _paths() -> Dict[str, Any]:
    handoff = _answer("the handoff", _ref("Handoff"))
    decision = _obj(
        ["conversation_id", "decision"],
        conversation_id=_str(),
        decision=_str(
            enum=["handoff", "ticket", "offer", "offer_declined", "offer_accepted", "self_service"]
        ),
        reason=_nullable(_str()),
        signals={"type": "array", "items": {}},
        intent=_nullable(_str()),
        channel=_nullable(_str()),
        team=_nullable(_str()),
        at=_nullable(_str(format="date-time")),
    )
    changes = _agent_body([])
    changes["properties"].pop("username")
    changes["properties"].update(
        active={"type": "boolean"}, presence=_str(enum=["online", "away", "offline"])
    )
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
                _obj(["username", "password"], username=_str(), password=_str()),
                public=True,
            )
        },
        "/api/logout": {"post": _operation("Revoke the token", {"200": _answer("logged out")})},
        "/api/me": {"get": _operation("The caller", {"200": _answer("me", _ref("Agent"))})},
        "/api/me/presence": {
            "post": _operation(
                "Set presence",
                {"200": _answer("me", _ref("Agent"))},
                _obj(["status"], status=_str(enum=["online", "away", "offline"])),
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
                    }
                ],
            ),
            "post": _operation(
                "Submit a context package (service token; idempotent per conversation)",
                {
                    "200": _answer("already open"),
                    "201": _answer(
                        "created",
                        _obj(
                            ["id", "status", "created"],
                            id=_str(),
                            status=_str(enum=STATUSES),
                            queue_position=_nullable({"type": "integer"}),
                            expected_wait_seconds=_nullable({"type": "integer"}),
                            created={"type": "boolean"},
                        ),
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
        "/api/handoffs/{handoff_id}/claim": {
            "post": _operation(
                "Take the handoff (atomic; the customer is told who joined)",
                {"200": handoff, "404": NOT_FOUND, "409": CONFLICT},
                parameters=[HANDOFF_ID],
            )
        },
        "/api/handoffs/{handoff_id}/messages": {
            "post": _operation(
                "Reply to the customer (assigned agent, supervisor or service)",
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
        "/api/handoffs/{handoff_id}/transfer": {
            "post": _operation(
                "Move to another team's queue, or assign to an agent with capacity",
                {"200": handoff, "404": NOT_FOUND, "409": CONFLICT},
                {
                    "oneOf": [
                        _obj(["team"], team=_str()),
                        _obj(["agent_id"], agent_id=_str()),
                    ]
                },
                parameters=[HANDOFF_ID],
            )
        },
        "/api/handoffs/{handoff_id}/handback": {
            "post": _operation(
                "Give the conversation back to the bot (the customer hears the agent left)",
                {"200": handoff, "404": NOT_FOUND, "409": CONFLICT},
                parameters=[HANDOFF_ID],
            )
        },
        "/api/handoffs/{handoff_id}/close": {
            "post": _operation(
                "Resolve without handing back",
                {"200": handoff, "404": NOT_FOUND, "409": CONFLICT},
                parameters=[HANDOFF_ID],
            )
        },
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
                decision,
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
                _agent_body(["username", "display_name", "password"]),
            ),
        },
        "/api/agents/{agent_id}": {
            "patch": _operation(
                "Change an agent",
                {"200": _answer("changed", _ref("Agent")), "404": NOT_FOUND},
                changes,
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
                _obj(
                    ["name"],
                    name=_str(pattern="^[a-z0-9][a-z0-9_-]{0,63}$"),
                    display_name=_str(),
                    languages={"type": "array", "items": _str()},
                ),
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
            "schemas": _schemas(),
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
