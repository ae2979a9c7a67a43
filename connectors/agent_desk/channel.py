"""``AgentDeskInput``: the agent desk as a Rasa input channel.

It owns the handoff store (SQLite by default, PostgreSQL by URL; migrated with Alembic when
the server starts) and serves the desk API under ``/webhooks/agent_desk/api/``:

- ``POST /api/handoffs`` — the action server submits a context package; idempotent per
  conversation (201 created, 200 already open).
- ``GET /api/handoffs?status=queued,assigned`` — the queue, oldest first within priority.
- ``GET /api/handoffs/<id>`` — one handoff with its context package.
- ``POST /api/handoffs/<id>/handback`` — give the conversation back to the bot.
- ``GET /api/health`` — liveness (no token needed).

Every other call needs ``Authorization: Bearer <api_token>``: missing → 401, wrong → 403.

credentials.yml keys:
    api_token: the desk's service token (required; the channel refuses to start without it).
    store_url: SQLAlchemy URL of the handoff store (default ``sqlite:///var/handoff.db``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from pydantic import ValidationError
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from connectors.agent_desk.auth import refuse_unless_authorised
from connectors.agent_desk.handback import resume_conversation
from connectors.agent_desk.views import handoff_view
from handoff import desk_service
from handoff.context import ContextPackage, package_to_json_dict
from handoff.store import (
    HandoffStatus,
    SqlUnitOfWork,
    create_store_engine,
    session_factory,
    upgrade_to_head,
)

logger = logging.getLogger(__name__)

API_TOKEN = "api_token"
STORE_URL = "store_url"
DEFAULT_STORE_URL = "sqlite:///var/handoff.db"


def _error(message: str, status: int) -> HTTPResponse:
    return json({"error": message}, status=status)


class AgentDeskInput(InputChannel):
    """The live-agent desk channel (see the module docstring for its API)."""

    @classmethod
    def name(cls) -> str:
        """Return the channel name used in URLs (``/webhooks/agent_desk/``)."""
        return "agent_desk"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Build the channel from credentials.yml; refuse to start without an API token."""
        if not credentials or not credentials.get(API_TOKEN):
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        return cls(
            api_token=str(credentials[API_TOKEN]),
            store_url=str(credentials.get(STORE_URL) or DEFAULT_STORE_URL),
        )

    def __init__(self, api_token: str, store_url: str = DEFAULT_STORE_URL) -> None:
        self.api_token = api_token
        self.store_url = store_url

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Create the store (migrating it to the latest schema) and the API routes."""
        engine = create_store_engine(self.store_url)
        upgrade_to_head(engine)
        sessions = session_factory(engine)

        def unit_of_work() -> SqlUnitOfWork:
            return SqlUnitOfWork(sessions)

        desk = Blueprint("agent_desk", __name__)

        @desk.middleware("request")
        async def authenticate(request: Request) -> Optional[HTTPResponse]:
            if request.path.rstrip("/").endswith("/api/health"):
                return None
            return refuse_unless_authorised(request, self.api_token)

        @desk.get("/api/health")
        async def health(request: Request) -> HTTPResponse:
            return json({"status": "ok"})

        @desk.post("/api/handoffs")
        async def open_handoff(request: Request) -> HTTPResponse:
            package, problem = _parse_package(request)
            if problem is not None:
                return problem
            assert package is not None
            route = package.route

            def submit() -> desk_service.OpenedHandoff:
                with unit_of_work() as uow:
                    return desk_service.open_handoff(
                        uow,
                        conversation_id=package.conversation_id,
                        reason=package.reason.value,
                        context=package_to_json_dict(package),
                        channel=package.channel,
                        team=route.team if route else None,
                        priority=route.priority if route else 0,
                        ticket=bool(route and not route.open),
                    )

            opened = await asyncio.to_thread(submit)
            return json(
                {
                    "id": opened.handoff_id,
                    "status": opened.status,
                    "queue_position": opened.queue_position,
                    "created": opened.created,
                },
                status=201 if opened.created else 200,
            )

        @desk.get("/api/handoffs")
        async def list_handoffs(request: Request) -> HTTPResponse:
            statuses_arg = request.args.get("status", "queued,assigned")
            try:
                statuses = [HandoffStatus(value) for value in statuses_arg.split(",") if value]
            except ValueError:
                valid = ", ".join(status.value for status in HandoffStatus)
                return _error(f"unknown status in {statuses_arg!r}; use one of: {valid}", 400)

            def read() -> list:
                with unit_of_work() as uow:
                    return [
                        handoff_view(h, queue_position=uow.handoffs.queue_position(h))
                        for h in uow.handoffs.list(statuses=statuses)
                    ]

            return json({"handoffs": await asyncio.to_thread(read)})

        @desk.get("/api/handoffs/<handoff_id>")
        async def show_handoff(request: Request, handoff_id: str) -> HTTPResponse:
            def read() -> Optional[Dict[str, Any]]:
                with unit_of_work() as uow:
                    handoff = uow.handoffs.get(handoff_id)
                    return handoff_view(handoff, with_context=True) if handoff else None

            view = await asyncio.to_thread(read)
            return json(view) if view else _error(f"no handoff {handoff_id}", 404)

        @desk.post("/api/handoffs/<handoff_id>/handback")
        async def hand_back(request: Request, handoff_id: str) -> HTTPResponse:
            def find_open() -> Optional[str]:
                with unit_of_work() as uow:
                    handoff = uow.handoffs.get(handoff_id)
                    if handoff is None:
                        raise desk_service.HandoffNotFound(handoff_id)
                    if HandoffStatus(handoff.status) not in desk_service.OPEN_STATUSES:
                        raise desk_service.HandoffNotOpen(handoff_id)
                    return handoff.conversation_id

            try:
                conversation_id = await asyncio.to_thread(find_open)
            except desk_service.HandoffNotFound:
                return _error(f"no handoff {handoff_id}", 404)
            except desk_service.HandoffNotOpen:
                return _error(f"handoff {handoff_id} is already closed", 409)
            assert conversation_id is not None
            await resume_conversation(
                request.app.ctx.agent, conversation_id, request.app.ctx.input_channels
            )

            def close() -> Dict[str, Any]:
                with unit_of_work() as uow:
                    return handoff_view(desk_service.hand_back(uow, handoff_id))

            try:
                return json(await asyncio.to_thread(close))
            except desk_service.HandoffNotOpen:  # a simultaneous hand-back won
                return _error(f"handoff {handoff_id} is already closed", 409)

        return desk


def _parse_package(request: Request) -> tuple[Optional[ContextPackage], Optional[HTTPResponse]]:
    try:
        body = request.json
    except Exception:  # Sanic raises InvalidUsage on malformed JSON
        return None, _error("the body is not valid JSON", 400)
    if not isinstance(body, dict):
        return None, _error("the body must be a JSON object (a context package)", 400)
    try:
        return ContextPackage.parse_obj(body), None
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors()
        )
        return None, _error(f"invalid context package: {details}", 422)
