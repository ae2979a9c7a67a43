"""Turning what a customer sent into what Rasa reads, safely.

Only button presses may carry an intent (``/intent{...}``), and only one the domain's own
buttons carry (``connectors.messaging.button_payloads``; a forged ``callback_data`` /
reply-button id such as ``/restart`` is refused). Customer *text* that starts with ``/`` is
escaped, so a customer typing ``/handback`` or ``/human_handoff{"x": 1}`` is read as words by
the NLU, never as an intent payload.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Optional

from rasa.shared.constants import INTENT_MESSAGE_PREFIX

ESCAPE_PREFIX = "\u200b"
"""Zero-width space put before customer text starting with ``/``: Rasa's
``RegexMessageHandler`` only unpacks text that *starts* with ``/`` (after ``strip()``, which
keeps this character), and the customer still sees and the agent still reads their words."""

MEDIA_INTENT = "send_media"
MEDIA_ENTITY = "media_kind"


def escape_customer_text(text: str) -> str:
    """Return ``text`` so Rasa never unpacks it as an intent payload."""
    if text.lstrip().startswith(INTENT_MESSAGE_PREFIX):
        return ESCAPE_PREFIX + text.lstrip()
    return text


def button_payload_text(payload: str) -> str:
    """Return what Rasa gets for a pressed button of ours: its payload (intent or words)."""
    return payload


def media_turn_text(kind: str) -> str:
    """Return the external-intent payload for an unreadable message of ``kind``."""
    return f"{INTENT_MESSAGE_PREFIX}{MEDIA_INTENT}{json.dumps({MEDIA_ENTITY: kind})}"


def mask(identifier: Any) -> str:
    """Return an id or phone number with its middle hidden, for logs (``4917…89``)."""
    value = str(identifier)
    prefix, _, raw = value.rpartition(":")
    if len(raw) <= 4:
        masked = "…" + raw[-1:] if raw else raw
    else:
        masked = f"{raw[:3]}…{raw[-2:]}"
    return f"{prefix}:{masked}" if prefix else masked


@dataclass
class InboundTurn:
    """One thing a webhook delivered that the channel must act on, normalised.

    ``action`` is ``message`` (a customer turn for Rasa), or a channel-specific action
    (Telegram ``notice`` for group chats, WhatsApp ``status``). Stored as the inbox payload.
    """

    key: str
    conversation_id: str
    action: str = "message"
    text: str = ""
    metadata: Dict[str, Any] = field(default_factory=dict)
    extra: Dict[str, Any] = field(default_factory=dict)
    sent_at: Optional[datetime] = None
    button: bool = False
    """``text`` is a pressed button's payload, as the client sent it (screened before use)."""

    def payload(self) -> Dict[str, Any]:
        """Return the JSON-ready payload kept in the inbox."""
        return {
            "action": self.action,
            "text": self.text,
            "metadata": self.metadata,
            "extra": self.extra,
        }


class MalformedDelivery(ValueError):
    """The webhook body is not JSON or not the platform's shape; the reason is user-facing."""
