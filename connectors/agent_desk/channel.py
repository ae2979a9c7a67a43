"""``AgentDeskInput``: the agent desk as a Rasa input channel.

It owns the handoff store (SQLite by default, PostgreSQL by URL; migrated with Alembic when
the server starts), seeds its teams from handoff.yml's ``routing.teams``, and serves under
``/webhooks/agent_desk/``:

- the desk API under ``/api/`` (handoffs, login, agents, teams, decisions, live events);
  the contract is the OpenAPI document at ``/openapi.json``;
- the static web inbox (``connectors/agent_desk/inbox/``) at ``/`` and ``/inbox/<file>``;
- the process's Prometheus metrics at ``/metrics``, for the service token only
  (``connectors.agent_desk.metrics``, docs/metrics.md).

Every API call except ``/api/health`` and ``/api/login`` needs ``Authorization: Bearer
<token>``: an agent's login token, the desk's service token or the action server's token
(the event stream also takes the login cookie, see ``auth``). Missing or invalid → 401. Every
answer carries the security headers of ``headers``.

credentials.yml keys:
    api_token: the desk's service token (required; the channel refuses to start without it).
        It may do everything, including creating admins: keep it with operators.
    action_token: the action server's token (``DESK_ACTION_TOKEN``): opens and updates
        handoffs and reports decisions, but cannot see or change agents and teams.
    events_keepalive_seconds: how often the event stream sends a keep-alive and checks that
        its agent is still logged in, active and in the same teams (default 15).
    login_limits_url: where failed logins are counted: ``memory://`` (default, per process)
        or a Redis URL shared by the replicas (``redis://host:6379/1``).
    login_limits_per_address, login_limits_per_account: ``limits`` rates of failed logins
        (default ``5/minute`` per client address, ``20/15minutes`` per user name).
    store_url: SQLAlchemy URL of the handoff store (default ``sqlite:///var/handoff.db``).
    events_url: Redis URL (``redis://host:6379/0``) to share live events with the other Rasa
        replicas (``handoff.desk.events_redis``); unset: one replica, events stay in-process.
    events_channel: the Redis pub/sub channel (default ``handoff:desk-events``).
    events_secret: the replicas' shared secret that signs every event on Redis (required with
        ``events_url``, at least 16 characters; from ``${DESK_EVENTS_SECRET}``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional

from pydantic import ValidationError
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, file, json, text

from connectors.agent_desk.account_api import register_account_routes
from connectors.agent_desk.auth import identify, request_token, unauthorised
from connectors.agent_desk.events import KEEPALIVE_SECONDS, register_event_routes
from connectors.agent_desk.handoff_api import register_handoff_routes
from connectors.agent_desk.headers import add_security_headers
from connectors.agent_desk.http import DeskContext, desk_call, error
from connectors.agent_desk.login_guard import (
    DEFAULT_PER_ACCOUNT,
    DEFAULT_PER_ADDRESS,
    LoginThrottle,
)
from connectors.agent_desk.metrics import register_metrics_route
from connectors.agent_desk.notifier import Notifier, start_notifier
from connectors.agent_desk.openapi import openapi_document
from connectors.agent_desk.ticket_forwarding import register_ticket_forwarding
from connectors.agent_desk.views import desk_view
from connectors.agent_desk.waiting import WaitingSweeper
from connectors.services import ServerServices, server_services
from handoff.clients.helpdesk import HelpdeskClient
from handoff.context import ContextPackage
from handoff.desk import accounts as agents
from handoff.desk import opening
from handoff.desk import service as desk_service
from handoff.desk.errors import DeskError, NotAllowed
from handoff.desk.events import DeskEventType
from handoff.desk.events_redis import DEFAULT_CHANNEL
from handoff.privacy.log_masking import PiiMasker
from handoff.store import SqlUnitOfWork

logger = logging.getLogger(__name__)

API_TOKEN = "api_token"
ACTION_TOKEN = "action_token"
KEEPALIVE = "events_keepalive_seconds"
LOGIN_LIMITS_URL = "login_limits_url"
LOGIN_PER_ADDRESS = "login_limits_per_address"
LOGIN_PER_ACCOUNT = "login_limits_per_account"
STORE_URL = "store_url"
EVENTS_URL = "events_url"
EVENTS_CHANNEL = "events_channel"
EVENTS_SECRET = "events_secret"
DEFAULT_STORE_URL = "sqlite:///var/handoff.db"
INBOX_DIRECTORY = Path(__file__).resolve().parent / "inbox"
PUBLIC_API = ("/api/health", "/api/login")


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
        if credentials.get(EVENTS_URL) and not credentials.get(EVENTS_SECRET):
            cls.raise_missing_credentials_exception()  # unsigned events: anyone could inject
        if credentials.get(ACTION_TOKEN) and credentials[ACTION_TOKEN] == credentials[API_TOKEN]:
            raise ValueError("agent desk: action_token must differ from api_token")
        return cls(
            api_token=str(credentials[API_TOKEN]),
            store_url=str(credentials.get(STORE_URL) or DEFAULT_STORE_URL),
            events_url=credentials.get(EVENTS_URL) or None,
            events_channel=credentials.get(EVENTS_CHANNEL) or DEFAULT_CHANNEL,
            events_secret=str(credentials.get(EVENTS_SECRET) or ""),
            action_token=str(credentials.get(ACTION_TOKEN) or "") or None,
            keepalive_seconds=float(credentials.get(KEEPALIVE) or KEEPALIVE_SECONDS),
            login_throttle=LoginThrottle(
                str(credentials.get(LOGIN_LIMITS_URL) or "memory://"),
                str(credentials.get(LOGIN_PER_ADDRESS) or DEFAULT_PER_ADDRESS),
                str(credentials.get(LOGIN_PER_ACCOUNT) or DEFAULT_PER_ACCOUNT),
            ),
        )

    def __init__(
        self,
        api_token: str,
        store_url: str = DEFAULT_STORE_URL,
        events_url: Optional[str] = None,
        events_channel: str = DEFAULT_CHANNEL,
        events_secret: str = "",
        action_token: Optional[str] = None,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
        login_throttle: Optional[LoginThrottle] = None,
    ) -> None:
        self.api_token = api_token
        self.store_url = store_url
        self.events_url = events_url
        self.events_channel = events_channel
        self.events_secret = events_secret
        self.action_token = action_token
        self.keepalive_seconds = keepalive_seconds
        self.login_throttle = login_throttle or LoginThrottle()

    def _context(self, services: ServerServices) -> DeskContext:
        sessions = services.store(self.store_url)
        settings = services.settings
        ctx = DeskContext(
            unit_of_work=lambda: SqlUnitOfWork(sessions),
            service_token=self.api_token,
            events=services.events,
            action_token=self.action_token,
            keepalive_seconds=self.keepalive_seconds,
            login_throttle=self.login_throttle,
        )
        ctx.masker = PiiMasker(settings.intake.order_number_pattern)
        ctx.joined_message = settings.desk.joined_message
        ctx.greeting_message = settings.desk.greeting_message
        ctx.left_message = settings.desk.left_message
        ctx.team_transfer_message = settings.desk.team_transfer_message
        ctx.agent_transfer_message = settings.desk.agent_transfer_message
        ctx.translations = settings.desk.all_texts()
        if settings.desk.helpdesk is not None:
            ctx.helpdesk = HelpdeskClient(settings.desk.helpdesk)
        teams = {name: list(team.languages) for name, team in settings.routing.teams.items()}
        with ctx.unit_of_work() as uow:
            agents.ensure_teams(uow, teams)
        return ctx

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Create the store (migrating it to the latest schema) and the routes.

        The process's services (settings, live events, log masking) come from the composition
        root, built on this first call (``connectors.services``).
        """
        services = server_services()
        ctx = self._context(services)
        services.measure_store(self.store_url)
        if self.events_url:
            services.fan_out(self.events_url, self.events_secret, self.events_channel)
        desk = Blueprint("agent_desk", __name__)
        desk.listener("before_server_start")(services.reinstall_log_masking)
        notifications = services.settings.desk
        if notifications.notifications:
            notifier = Notifier(notifications.notifications, notifications.inbox_url)
            start_notifier(desk, notifier.attach(services.events))
        sweeper = WaitingSweeper(
            ctx.unit_of_work, services.settings.desk, services.settings.routing, services.events
        )
        sweeper.attach(desk)  # queue updates, queue-to-ticket (connectors.agent_desk.waiting)
        desk.middleware("response")(add_security_headers)

        @desk.listener("after_server_start")
        async def start_login_process(*_: Any) -> None:
            ctx.login_executor.start()

        @desk.middleware("request")
        async def authenticate(request: Request) -> Optional[HTTPResponse]:
            path = request.path.rstrip("/")
            if "/api/" not in path or path.endswith(PUBLIC_API):
                return None  # the inbox's static files, the OpenAPI document, health, login
            token = request_token(request, allow_cookie=path.endswith("/api/events"))
            try:
                request.ctx.principal = await identify(
                    token, self.api_token, ctx.unit_of_work, self.action_token
                )
            except DeskError as problem:
                return unauthorised(str(problem))
            return None

        @desk.get("/api/health")
        async def health(request: Request) -> HTTPResponse:
            return json({"status": "ok"})

        @desk.get("/openapi.json")
        async def openapi(request: Request) -> HTTPResponse:
            return json(openapi_document())

        @desk.get("/")
        async def inbox_index(request: Request) -> HTTPResponse:
            return await _inbox_file("index.html")

        @desk.get("/inbox/<name:path>")
        async def inbox_file(request: Request, name: str) -> HTTPResponse:
            return await _inbox_file(name)

        @desk.post("/api/handoffs")
        @desk_call
        async def open_handoff(request: Request) -> HTTPResponse:
            if request.ctx.principal.id is not None:
                raise NotAllowed("handoffs are submitted with the service token")
            package, problem = _parse_package(request)
            if problem is not None:
                return problem
            assert package is not None
            submitted: ContextPackage = package

            def submit(uow: Any) -> desk_service.OpenedHandoff:
                return opening.open_package(uow, submitted, ctx.clock())

            opened = await ctx.run(submit)
            if opened.created:
                view = await ctx.run(lambda uow: _view_of(uow, opened.handoff_id))
                ctx.publish(DeskEventType.HANDOFF_OPENED, view)
            return json(
                {
                    "id": opened.handoff_id,
                    "status": opened.status,
                    "queue": opened.queue,
                    "queue_position": opened.queue_position,
                    "expected_wait_seconds": opened.expected_wait_seconds,
                    "created": opened.created,
                },
                status=201 if opened.created else 200,
            )

        register_metrics_route(desk, services.metrics, self.api_token)
        register_handoff_routes(desk, ctx)
        register_ticket_forwarding(desk, ctx)
        register_account_routes(desk, ctx)
        register_event_routes(desk, ctx)
        return desk


def _view_of(uow: Any, handoff_id: str) -> Dict[str, Any]:
    return desk_view(uow, uow.handoffs.get(handoff_id))


async def _inbox_file(name: str) -> HTTPResponse:
    """Serve a static file of the web inbox; nothing outside its folder."""
    root = INBOX_DIRECTORY
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        if not root.is_dir():
            return text("The agent inbox is not installed (connectors/agent_desk/inbox/).", 404)
        return error(f"no inbox file {name}", 404)
    return await file(path)


def _parse_package(request: Request) -> tuple[Optional[ContextPackage], Optional[HTTPResponse]]:
    try:
        body = request.json
    except Exception:  # Sanic raises InvalidUsage on malformed JSON
        return None, error("the body is not valid JSON", 400)
    if not isinstance(body, dict):
        return None, error("the body must be a JSON object (a context package)", 400)
    try:
        return ContextPackage.parse_obj(body), None
    except ValidationError as problem:
        details = "; ".join(
            f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in problem.errors()
        )
        return None, error(f"invalid context package: {details}", 422)
