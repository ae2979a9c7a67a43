"""A fake WhatsApp Cloud API (Graph API ``POST /v19.0/<phone number id>/messages``).

Checks the bearer token and the message body shape the documented way and answers
``{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid..."}]}``;
errors come as ``{"error": {"message", "type", "code", "fbtrace_id"}}``. ``GET
/v19.0/<phone number id>`` answers the number's profile. Records every call.
"""

from __future__ import annotations

import itertools
from typing import Any, Dict, List, Tuple

from tests.fakes.recording_server import Call, RecordingServer

API_VERSION = "v19.0"


def graph_error(code: int, message: str) -> Dict[str, Any]:
    return {
        "error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "x"}
    }


class FakeGraphApi(RecordingServer):
    def __init__(self, token: str, phone_number_id: str) -> None:
        self.token = token
        self.phone_number_id = phone_number_id
        self._ids = itertools.count(1)
        super().__init__()

    @property
    def api_url(self) -> str:
        return f"{self.url}/{API_VERSION}"

    def answer(self, call: Call) -> Tuple[int, Any]:
        if call.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, graph_error(190, "Invalid OAuth access token")
        if call.method == "GET":
            return self._phone_number(call)
        if call.path != f"/{API_VERSION}/{self.phone_number_id}/messages":
            return 404, graph_error(100, "Unknown path")
        body = call.body if isinstance(call.body, dict) else {}
        kind = body.get("type")
        if body.get("messaging_product") != "whatsapp" or not body.get("to") or kind not in body:
            return 400, graph_error(100, "Invalid parameter")
        if kind == "interactive" and not _valid_interactive(body["interactive"]):
            return 400, graph_error(131009, "Parameter value is not valid")
        wamid = f"wamid.fake{next(self._ids)}"
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": wamid}],
        }

    def _phone_number(self, call: Call) -> Tuple[int, Any]:
        if call.path.split("?", 1)[0] != f"/{API_VERSION}/{self.phone_number_id}":
            return 400, graph_error(
                100,
                "Unsupported get request. Object with ID does not exist, cannot be loaded due "
                "to missing permissions, or does not support this operation.",
            )
        return 200, {
            "verified_name": "Northwind Home",
            "code_verification_status": "VERIFIED",
            "display_phone_number": "+1 555-000-1234",
            "quality_rating": "GREEN",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"},
            "id": self.phone_number_id,
        }

    def delivered_to(self, wa_id: str) -> List[Call]:
        return self.calls_where(lambda c: c.answered == 200 and (c.body or {}).get("to") == wa_id)

    def texts_to(self, wa_id: str) -> List[str]:
        return [_text_of(c.body) for c in self.delivered_to(wa_id)]

    def wait_for_texts(self, wa_id: str, count: int = 1, timeout: float = 60) -> List[str]:
        self.wait_for(
            lambda c: c.answered == 200 and (c.body or {}).get("to") == wa_id, count, timeout
        )
        return self.texts_to(wa_id)


def _text_of(body: Dict[str, Any]) -> str:
    kind = body.get("type")
    if kind == "text":
        return body["text"]["body"]
    if kind == "interactive":
        return body["interactive"]["body"]["text"]
    if kind == "template":
        return f"<template {body['template']['name']}>"
    return f"<{kind}>"


def _valid_interactive(interactive: Any) -> bool:
    """Reply buttons or a list message within the documented limits.

    Body text at most 1024 characters; reply buttons: 1-3, ids at most 256 characters,
    titles at most 20, both unique; a list: at most 10 rows, titles at most 24.
    """
    if not isinstance(interactive, dict):
        return False
    text = (interactive.get("body") or {}).get("text")
    if not isinstance(text, str) or not 0 < len(text) <= 1024:
        return False
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        replies = [b.get("reply") or {} for b in action.get("buttons") or []]
        ids, titles = [r.get("id") or "" for r in replies], [r.get("title") or "" for r in replies]
        return (
            1 <= len(replies) <= 3
            and all(0 < len(i) <= 256 for i in ids)
            and all(0 < len(t) <= 20 for t in titles)
            and len(set(ids)) == len(ids)
            and len(set(titles)) == len(titles)
        )
    if interactive.get("type") == "list":
        rows = [r for section in action.get("sections") or [] for r in section.get("rows") or []]
        return 1 <= len(rows) <= 10 and all(0 < len(r.get("title") or "") <= 24 for r in rows)
    return True
