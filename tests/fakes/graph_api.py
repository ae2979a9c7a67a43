"""A fake WhatsApp Cloud API (Graph API ``POST /v19.0/<phone number id>/messages``).

Checks the bearer token and the message body shape the documented way and answers
``{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid..."}]}``;
errors come as ``{"error": {"message", "type", "code", "fbtrace_id"}}``. Records every call.
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
        if call.path != f"/{API_VERSION}/{self.phone_number_id}/messages":
            return 404, graph_error(100, "Unknown path")
        body = call.body if isinstance(call.body, dict) else {}
        kind = body.get("type")
        if body.get("messaging_product") != "whatsapp" or not body.get("to") or kind not in body:
            return 400, graph_error(100, "Invalid parameter")
        wamid = f"wamid.fake{next(self._ids)}"
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": wamid}],
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
