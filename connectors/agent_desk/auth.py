"""Who is calling the desk API: an agent's login token or the desk's service token.

Checked before the body is even parsed. Tokens come as ``Authorization: Bearer <token>``; the
event stream also accepts ``?token=`` because browsers' EventSource cannot set headers.
Missing or invalid tokens are 401 (with ``WWW-Authenticate: Bearer``).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Callable, Optional

from sanic.request import Request
from sanic.response import HTTPResponse, json

from handoff import agents
from handoff.agents import Principal
from handoff.desk_errors import InvalidCredentials
from handoff.store import SqlUnitOfWork


def bearer_token(request: Request) -> Optional[str]:
    """Return the token of an ``Authorization: Bearer <token>`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def request_token(request: Request, allow_query: bool = False) -> Optional[str]:
    """Return the bearer token, or (``allow_query``) the ``token`` query parameter."""
    token = bearer_token(request)
    if token is None and allow_query:
        token = (request.args.get("token") or "").strip() or None
    return token


def unauthorised(message: str) -> HTTPResponse:
    """Return the 401 answer for a missing or invalid token."""
    return json({"error": message}, status=401, headers={"WWW-Authenticate": "Bearer"})


async def identify(
    token: Optional[str], service_token: str, unit_of_work: Callable[[], SqlUnitOfWork]
) -> Principal:
    """Return who ``token`` belongs to.

    Raises:
        InvalidCredentials: no token, or one that is neither the service token nor a valid
            agent login.
    """
    if token is None:
        raise InvalidCredentials("missing bearer token (Authorization: Bearer <token>)")
    try:
        token.encode()
    except UnicodeEncodeError:  # header bytes that are not UTF-8: no token of ours
        raise InvalidCredentials("invalid bearer token") from None
    if secrets.compare_digest(token.encode(), service_token.encode()):
        return agents.SERVICE

    def lookup() -> Principal:
        with unit_of_work() as uow:
            return agents.authenticate(uow, token)

    return await asyncio.to_thread(lookup)
