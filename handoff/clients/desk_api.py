"""The action server's client for the agent desk's HTTP API.

The desk owns the handoff state (queue, assignment, tickets); the action server only submits a
context package and reads back where the customer stands. A desk that is down or slow must
never leave the customer in silence, so every failure surfaces as one typed error the action
turns into the self-service fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

import requests

from handoff.context import ContextPackage, package_to_json_dict

DESK_URL_ENV = "DESK_URL"
DESK_TOKEN_ENV = "DESK_ACTION_TOKEN"  # the desk's action token: handoffs, never agents
DEFAULT_DESK_URL = "http://localhost:5005/webhooks/agent_desk"


class DeskUnavailable(RuntimeError):
    """The desk could not take the handoff (unreachable, timed out, or answered an error)."""

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.status = status


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
        session: an injected ``requests.Session`` (one per action run is fine).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float = 5.0,
        session: Optional[requests.Session] = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._session = session or requests.Session()

    def open_handoff(self, package: ContextPackage) -> QueuedHandoff:
        """Submit ``package``; idempotent per conversation (a retry returns the same handoff).

        Raises:
            DeskUnavailable: on connection errors, time-outs and non-2xx answers.
        """
        body = self._request("POST", "/api/handoffs", json=package_to_json_dict(package))
        return QueuedHandoff(
            handoff_id=body["id"],
            status=body["status"],
            queue_position=body.get("queue_position"),
            created=bool(body.get("created", True)),
            expected_wait_seconds=body.get("expected_wait_seconds"),
        )

    def record_decision(self, record: Dict[str, Any]) -> None:
        """Report one handoff decision for the desk's analytics (``POST /api/decisions``).

        ``record`` holds conversation_id, decision (handoff, ticket, self_service, offer, ...),
        reason, signals, intent, channel and team.

        Raises:
            DeskUnavailable: on connection errors, time-outs and non-2xx answers.
        """
        self._request("POST", "/api/decisions", json=record)

    def _request(self, method: str, path: str, **kwargs: Any) -> Dict[str, Any]:
        try:
            response = self._session.request(
                method,
                f"{self._base_url}{path}",
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=(self._timeout, self._timeout),
                **kwargs,
            )
        except requests.RequestException as error:
            raise DeskUnavailable(f"agent desk unreachable: {type(error).__name__}") from error
        if not 200 <= response.status_code < 300:
            raise DeskUnavailable(
                f"agent desk answered {response.status_code}: {response.text[:200]}",
                status=response.status_code,
            )
        try:
            return response.json()
        except ValueError as error:
            raise DeskUnavailable("agent desk answered with invalid JSON") from error
