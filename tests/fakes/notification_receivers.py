"""Fake notification receivers: a generic JSON webhook and Slack's incoming webhook.

Slack's incoming webhook takes ``POST <secret url>`` with ``{"text": ...}`` (and optional
``blocks``) and answers ``200 ok``; a body without ``text``/``blocks`` gets ``400
no_text``. The generic webhook accepts any JSON object. Both record every call.
"""

from __future__ import annotations

from typing import Any, Tuple

from tests.fakes.recording_server import Call, RecordingServer

SLACK_PATH = "/services/T000/B000/XXXXXXXX"


class FakeSlack(RecordingServer):
    def answer(self, call: Call) -> Tuple[int, Any]:
        body = call.body if isinstance(call.body, dict) else {}
        if call.path != SLACK_PATH:
            return 404, "no_service"
        if not body.get("text") and not body.get("blocks"):
            return 400, "no_text"
        return 200, "ok"


class FakeWebhook(RecordingServer):
    def answer(self, call: Call) -> Tuple[int, Any]:
        return (200, {"received": True}) if isinstance(call.body, dict) else (400, {})
