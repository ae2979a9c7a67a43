"""The action server's client for the agent desk's HTTP API.

The desk owns the handoff state (queue, assignment, tickets); the action server only submits a
context package and reads back where the customer stands. A desk that is down or slow must
never leave the customer in silence, so every failure surfaces as one typed error
(``DeskUnavailable``, an ``ApiError``) the action turns into the self-service fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

import aiohttp

from handoff.clients.errors import ApiError
from handoff.clients.json_api import JsonApi
from handoff.context import ContextPackage, package_to_json_dict

DESK_URL_ENV = "DESK_URL"
DESK_TOKEN_ENV = "DESK_ACTION_TOKEN"  # the desk's action token: handoffs, never agents
DEFAULT_DESK_URL = "http://localhost:5005/webhooks/agent_desk"
DESK_API = "agent desk"


class DeskUnavailable(ApiError):
    """The desk could not take the handoff (unreachable, timed out, or answered an error)."""


@dataclass(frozen=True)
class QueuedHandoff:
    """Where the customer stands after the desk accepted the handoff."""

    handoff_id: str
    status: str
    queue_position: Optional[int]
    created: bool
    expected_wait_seconds: Optional[float] = None


class DeskClient:
    """Submits handoffs to the agent desk.

    Args:
        base_url: the desk channel's URL, e.g. ``http://localhost:5005/webhooks/agent_desk``.
        token: the desk's action token (``DESK_ACTION_TOKEN``), sent as a bearer token.
        timeout: seconds to wait for the desk, connect and read each.
        session: the aiohttp session to call through; None: the running event loop's shared
            one (:mod:`handoff.clients.sessions`).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float = 5.0,
        session: Optional[aiohttp.ClientSession] = None,
    ) -> None:
        self._api = JsonApi(
            DESK_API,
            base_url,
            timeout=timeout,
            session=session,
            headers={"Authorization": f"Bearer {token}"},
            error=DeskUnavailable,
        )

    async def open_handoff(self, package: ContextPackage) -> QueuedHandoff:
        """Submit ``package``; idempotent per conversation (a retry returns the same handoff).

        Raises:
            DeskUnavailable: on connection errors, time-outs and non-2xx answers.
        """
        body = await self._api.call("POST", "/api/handoffs", package_to_json_dict(package))
        return QueuedHandoff(
            handoff_id=body["id"],
            status=body["status"],
            queue_position=body.get("queue_position"),
            created=bool(body.get("created", True)),
            expected_wait_seconds=body.get("expected_wait_seconds"),
        )

    async def record_decision(self, record: Dict[str, Any]) -> None:
        """Report one handoff decision for the desk's analytics (``POST /api/decisions``).

        ``record`` holds conversation_id, decision (handoff, ticket, self_service, offer, ...),
        reason, signals, intent, channel and team.

        Raises:
            DeskUnavailable: on connection errors, time-outs and non-2xx answers.
        """
        await self._api.call("POST", "/api/decisions", record)
