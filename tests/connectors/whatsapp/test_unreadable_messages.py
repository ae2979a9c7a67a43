"""A WhatsApp message the bot cannot read gets the media intent; nothing new, no turn.

Payloads in the Cloud API's documented shapes (messages webhook reference, "unsupported").
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Dict, Optional

import pytest

from connectors.messaging.inbound import MalformedDelivery
from connectors.whatsapp.webhook import parse_envelope
from tests.fakes.channels import WA_PHONE_ID, whatsapp_envelope, whatsapp_text

WA_ID = "4915112345678"
UNKNOWN_TYPE = {
    "code": 131051,
    "title": "Message type unknown",
    "message": "Message type unknown",
    "error_data": {"details": "Message type is currently not supported."},
}


def _message(kind: str, content: Any = None, errors: bool = False, **extra: Any):
    message: Dict[str, Any] = {
        "from": WA_ID,
        "id": f"wamid.HBgL{time.monotonic_ns()}",
        "timestamp": str(int(time.time())),
        "type": kind,
        **extra,
    }
    if content is not None:
        message[kind] = content
    if errors:
        message["errors"] = [UNKNOWN_TYPE]
    return message


def _kind(message: Dict[str, Any]) -> Optional[str]:
    turns = parse_envelope(whatsapp_envelope(WA_ID, message), WA_PHONE_ID)
    if not turns:
        return None
    (turn,) = turns
    assert turn.action == "message" and turn.conversation_id == f"whatsapp:{WA_ID}"
    assert json.loads(turn.text[len("/send_media") :]) == {
        "media_kind": turn.metadata["media"]["kind"]
    }
    return turn.metadata["media"]["kind"]


@pytest.mark.parametrize(
    "message, kind",
    [
        (_message("unsupported", {"type": "poll_creation"}, errors=True), "poll"),
        (_message("unsupported", {"type": "gif"}, errors=True), "GIF"),
        (_message("unsupported", {"type": "image"}, errors=True), "photo"),
        (_message("unsupported", {"type": "media_placeholder"}, errors=True), "message"),
        (_message("unsupported", errors=True), "message"),  # no unsupported.type
        (_message("unknown", errors=True), "message"),  # the older shape
        (_message("errors", errors=True), "message"),
        (_message("text", errors=True), "message"),  # any type, errors and nothing to read
        (_message("order", {"catalog_id": "1", "product_items": []}), "order"),
        (_message("interactive", {"type": "nfm_reply", "nfm_reply": {"name": "flow"}}),
         "message"),  # a Flow's reply: we send no Flows
        (_message("hologram", {"id": "1"}), "message"),  # a type added one day
    ],
    ids=lambda value: value if isinstance(value, str) else value["type"],
)  # fmt: skip
def test_messages_the_bot_cannot_read_are_the_media_intent(message, kind) -> None:
    assert _kind(message) == kind


@pytest.mark.parametrize(
    "message",
    [
        _message("unsupported", {"type": "edit"}, errors=True),
        _message("unsupported", {"type": "pin"}, errors=True),
        _message("unsupported", {"type": "poll_update"}, errors=True),
        _message("unsupported", {"type": "keep_in_chat"}, errors=True),
        _message("unsupported", {"type": "reaction"}, errors=True),
        _message("reaction", {"message_id": "wamid.x", "emoji": "👍"}),
        _message("system", {"body": "changed number", "type": "user_changed_number"}),
        _message("request_welcome"),
    ],
    ids=lambda m: m.get("unsupported", {}).get("type", m["type"]),
)
def test_nothing_new_said_makes_no_turn(message) -> None:
    assert _kind(message) is None


def test_a_message_with_errors_and_text_is_read_as_text() -> None:
    message = whatsapp_text(WA_ID, "where is my sofa?")
    message["errors"] = [UNKNOWN_TYPE]
    (turn,) = parse_envelope(whatsapp_envelope(WA_ID, message), WA_PHONE_ID)
    assert turn.text == "where is my sofa?" and "media" not in turn.metadata


def test_an_unsupported_message_keeps_the_name_and_logs_the_error_code(caplog) -> None:
    message = _message("unsupported", {"type": "poll_creation"}, errors=True)
    with caplog.at_level(logging.INFO, logger="connectors.whatsapp.webhook"):
        (turn,) = parse_envelope(whatsapp_envelope(WA_ID, message, name="Ola"), WA_PHONE_ID)
    assert turn.metadata["customer_name"] == "Ola"
    assert turn.metadata["media"] == {"kind": "poll", "id": None, "mime_type": None,
                                      "caption": None}  # fmt: skip
    # the error's title (its code too, unless the log redaction masks it as an order number)
    assert "poll_creation message not readable" in caplog.text
    assert "Message type unknown" in caplog.text


def test_metadata_that_is_not_an_object_is_a_malformed_delivery() -> None:
    envelope = whatsapp_envelope(WA_ID, whatsapp_text(WA_ID, "hi"))
    envelope["entry"][0]["changes"][0]["value"]["metadata"] = True
    with pytest.raises(MalformedDelivery, match="metadata"):
        parse_envelope(envelope, WA_PHONE_ID)
