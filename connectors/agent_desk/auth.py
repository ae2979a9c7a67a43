"""Bearer-token authentication for the desk API: checked before the body is even parsed."""

from __future__ import annotations

import secrets
from typing import Optional

from sanic.request import Request
from sanic.response import HTTPResponse, json


def bearer_token(request: Request) -> Optional[str]:
    """Return the token of an ``Authorization: Bearer <token>`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def refuse_unless_authorised(request: Request, expected_token: str) -> Optional[HTTPResponse]:
    """Return the error response for a missing (401) or wrong (403) token, or None if valid."""
    token = bearer_token(request)
    if token is None:
        return json(
            {"error": "missing bearer token (Authorization: Bearer <DESK_API_TOKEN>)"},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not secrets.compare_digest(token.encode(), expected_token.encode()):
        return json({"error": "invalid token"}, status=403)
    return None
