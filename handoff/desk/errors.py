"""What can go wrong at the desk, as typed errors the HTTP layer maps to status codes.

Framework-free: the core raises these, ``connectors.agent_desk`` answers
``{"error": str(error)}`` with ``error.status``. Messages name the field or thing at fault.
"""

from __future__ import annotations


class DeskError(Exception):
    """Base of the desk's refusals; ``status`` is the HTTP status the API answers with."""

    status = 400


class InvalidCredentials(DeskError):
    """Unknown user, wrong password, or a missing/expired/revoked token (401)."""

    status = 401


class NotAllowed(DeskError):
    """The caller may not do this: another team's handoff, or a role that lacks the right (403)."""

    status = 403


class NotFound(DeskError, LookupError):
    """No such handoff, agent or team (404)."""

    status = 404


class Conflict(DeskError):
    """The change collides with the current state: already claimed, already closed (409)."""

    status = 409


class InvalidField(DeskError, ValueError):
    """A field of the request is missing or invalid (422); the message names the field."""

    status = 422

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
