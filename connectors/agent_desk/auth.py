"""Who is calling the desk API: an agent's login token, the service or the action token.

Checked before the body is even parsed. Tokens come as ``Authorization: Bearer <token>``.
Browsers' EventSource cannot set headers, so the event stream also takes the login token from
the ``desk_events`` cookie that ``POST /api/login`` sets (HttpOnly, SameSite=Strict, its path
only the stream's): never from the query string, which proxies and servers write to their logs.
Missing or invalid tokens are 401 (with ``WWW-Authenticate: Bearer``).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Callable, Optional

from sanic.request import Request
from sanic.response import HTTPResponse, json

from handoff.desk import accounts as agents
from handoff.desk.accounts import Principal
from handoff.desk.errors import InvalidCredentials
from handoff.store import SqlUnitOfWork


def bearer_token(request: Request) -> Optional[str]:
    """Return the token of an ``Authorization: Bearer <token>`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


EVENTS_COOKIE = "desk_events"


def request_token(request: Request, allow_cookie: bool = False) -> Optional[str]:
    """Return the bearer token, or (``allow_cookie``: the event stream) the login cookie's."""
    token = bearer_token(request)
    if token is None and allow_cookie:
        token = (request.cookies.get(EVENTS_COOKIE) or "").strip() or None
    return token


def set_events_cookie(request: Request, response: HTTPResponse, token: Optional[str]) -> None:
    """Let the inbox's EventSource authenticate: the login token in a cookie for the stream.

    ``token`` None deletes the cookie (logout). ``Secure`` when the desk is reached over
    HTTPS (behind a proxy: with ``SANIC_PROXIES_COUNT`` set, Sanic reads the forwarded scheme).
    """
    path = request.path.rstrip("/").rsplit("/api/", 1)[0] + "/api/events"
    response.cookies[EVENTS_COOKIE] = token or ""
    cookie = response.cookies[EVENTS_COOKIE]
    cookie["path"] = path
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["max-age"] = int(agents.TOKEN_LIFETIME.total_seconds()) if token else 0
    if request.scheme == "https":
        cookie["secure"] = True


def unauthorised(message: str) -> HTTPResponse:
    """Return the 401 answer for a missing or invalid token."""
    return json({"error": message}, status=401, headers={"WWW-Authenticate": "Bearer"})


async def identify(
    token: Optional[str],
    service_token: str,
    unit_of_work: Callable[[], SqlUnitOfWork],
    action_token: Optional[str] = None,
) -> Principal:
    """Return who ``token`` belongs to.

    Raises:
        InvalidCredentials: no token, or one that is neither the service token, the action
            token nor a valid agent login.
    """
    if token is None:
        raise InvalidCredentials("missing bearer token (Authorization: Bearer <token>)")
    try:
        token.encode()
    except UnicodeEncodeError:  # header bytes that are not UTF-8: no token of ours
        raise InvalidCredentials("invalid bearer token") from None
    if secrets.compare_digest(token.encode(), service_token.encode()):
        return agents.SERVICE
    if action_token and secrets.compare_digest(token.encode(), action_token.encode()):
        return agents.ACTION

    def lookup() -> Principal:
        with unit_of_work() as uow:
            return agents.authenticate(uow, token)

    return await asyncio.to_thread(lookup)
