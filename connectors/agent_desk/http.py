"""Plumbing shared by the desk's HTTP handlers: the desk context, errors, JSON bodies.

Handlers raise the core's typed errors (``handoff.desk.errors``); ``desk_call`` turns them into
``{"error": "<message naming the field>"}`` with the matching status. Store work runs in a
worker thread (``DeskContext.run``), one unit of work per call, so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Coroutine, Dict, Optional, TypeVar

from sanic.request import Request
from sanic.response import HTTPResponse, json

from connectors.agent_desk.login_guard import LoginExecutor, LoginThrottle
from handoff.clients.helpdesk import HelpdeskClient
from handoff.desk.errors import DeskError
from handoff.desk.events import DeskEvent, LiveEvents
from handoff.privacy.log_masking import PiiMasker
from handoff.settings import DeskSettings
from handoff.store import SqlUnitOfWork
from handoff.store.models import utc_now

T = TypeVar("T")
# The texts' one definition is handoff.yml's schema (the desk: section's messages).
DEFAULT_JOINED: str = DeskSettings.__fields__["joined_message"].default
DEFAULT_GREETING: str = DeskSettings.__fields__["greeting_message"].default
DEFAULT_LEFT: str = DeskSettings.__fields__["left_message"].default
DEFAULT_TEAM_TRANSFER: str = DeskSettings.__fields__["team_transfer_message"].default
DEFAULT_AGENT_TRANSFER: str = DeskSettings.__fields__["agent_transfer_message"].default


class MalformedJson(DeskError):
    """The body is not JSON at all (400)."""

    status = 400


@dataclass
class DeskContext:
    """What every handler needs: the store, the tokens, the events hub, the texts, the guards."""

    unit_of_work: Callable[[], SqlUnitOfWork]
    service_token: str
    events: LiveEvents
    action_token: Optional[str] = None  # the action server's: handoffs and decisions only
    keepalive_seconds: float = 15.0  # the event stream's keep-alive and re-authorisation
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    login_executor: LoginExecutor = field(default_factory=LoginExecutor)
    joined_message: str = DEFAULT_JOINED
    greeting_message: str = DEFAULT_GREETING  # the joined message for a customer with a name
    left_message: str = DEFAULT_LEFT
    team_transfer_message: str = DEFAULT_TEAM_TRANSFER
    agent_transfer_message: str = DEFAULT_AGENT_TRANSFER
    # The texts above per language (desk.translations; DeskSettings.all_texts), by code.
    translations: Dict[str, Dict[str, str]] = field(default_factory=dict)
    helpdesk: Optional[HelpdeskClient] = None  # desk.helpdesk: where tickets are forwarded
    masker: PiiMasker = field(default_factory=PiiMasker)  # personal data in reports' examples
    clock: Callable[[], datetime] = utc_now  # the time every state change is made at

    def text(self, key: str, language: Optional[str]) -> str:
        """Return the desk text ``key`` (``"joined_message"``, ...) in the handoff's language.

        ``language`` is the handoff's (the customer's, as routing kept it); a language without
        that text, or none, gets the English one.
        """
        code = (language or "").strip().lower().replace("_", "-").split("-")[0]
        translated = (self.translations.get(code) or {}).get(key)
        return translated or str(getattr(self, key))

    async def run(self, work: Callable[[SqlUnitOfWork], T]) -> T:
        """Run ``work(uow)`` in a worker thread inside a fresh unit of work."""

        def in_thread() -> T:
            with self.unit_of_work() as uow:
                return work(uow)

        return await asyncio.to_thread(in_thread)

    def publish(self, event_type: str, view: dict, **extra: Any) -> None:
        """Publish a handoff event to the live stream, with the handoff's view as data."""
        self.events.publish(
            DeskEvent(
                type=event_type,
                conversation_id=view["conversation_id"],
                handoff_id=view["id"],
                team=view.get("team"),
                data={**view, **extra},
            )
        )


def error(message: str, status: int) -> HTTPResponse:
    """Return the desk's JSON error answer."""
    return json({"error": message}, status=status)


def desk_call(
    handler: Callable[..., Coroutine[Any, Any, HTTPResponse]],
) -> Callable[..., Coroutine[Any, Any, HTTPResponse]]:
    """Answer the core's typed errors with their status and message."""

    @functools.wraps(handler)
    async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        try:
            return await handler(request, *args, **kwargs)
        except DeskError as problem:
            answer = error(str(problem), problem.status)
            answer.headers.update(getattr(problem, "headers", {}))  # e.g. Retry-After on 429
            return answer

    return wrapped


def json_body(request: Request) -> Any:
    """Return the parsed JSON body; 400 when it is not JSON, 422 when it is not an object."""
    try:
        body = request.json
    except Exception:  # Sanic raises InvalidUsage on malformed JSON
        raise MalformedJson("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise MalformedJson("the body must be a JSON object")
    return body
