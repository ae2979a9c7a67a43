"""A fake external help desk: Zendesk's and Freshdesk's "create ticket" endpoints.

``POST /api/v2/tickets.json`` (Zendesk: ``{"ticket": {...}}`` in, ``{"ticket": {"id", "url"}}``
out, basic auth ``{email}/token:{token}``) and ``POST /api/v2/tickets`` (Freshdesk: flat body,
``{"id": ...}`` out, basic auth ``{api key}:X``). A wrong credential gets 401, like the real
ones; a Zendesk ticket without a comment body or a Freshdesk one without an e-mail gets 422.
"""

from __future__ import annotations

import base64
import itertools
from typing import Any, Tuple

from tests.fakes.recording_server import Call, RecordingServer


class FakeHelpdesk(RecordingServer):
    def __init__(self, user: str, password: str) -> None:
        self.expected_auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self._ids = itertools.count(35436)
        super().__init__()

    def answer(self, call: Call) -> Tuple[int, Any]:
        if call.headers.get("Authorization") != self.expected_auth:
            return 401, {"error": "Couldn't authenticate you"}
        body = call.body if isinstance(call.body, dict) else {}
        number = next(self._ids)
        if call.path == "/api/v2/tickets.json":
            ticket = body.get("ticket") or {}
            if not (ticket.get("comment") or {}).get("body"):
                return 422, {"error": "RecordInvalid", "description": "comment body missing"}
            url = f"{self.url}/api/v2/tickets/{number}.json"
            return 201, {"ticket": {"id": number, "url": url, **ticket}}
        if call.path == "/api/v2/tickets":
            if not body.get("email") or not body.get("description"):
                return 422, {"description": "Validation failed", "errors": [{"field": "email"}]}
            return 201, {"id": number, **body}
        return 404, {"error": "InvalidEndpoint"}
