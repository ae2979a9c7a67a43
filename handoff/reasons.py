"""The fixed set of reasons a conversation is handed to a person.

This is a contract: the ``handoff_reason`` slot, the desk, analytics and designers' rules all
use these exact codes, so new behaviour adds *signals*, never new codes.
"""

from __future__ import annotations

from enum import Enum


class HandoffReason(str, Enum):
    """Why the bot handed over: exactly one primary reason per handoff decision."""

    EXPLICIT_REQUEST = "explicit_request"
    FRUSTRATION = "frustration"
    LOOPING = "looping"
    REPEATED_QUESTION = "repeated_question"
    SENSITIVE_TOPIC = "sensitive_topic"
    HIGH_VALUE = "high_value"
    LOW_CONFIDENCE = "low_confidence"

    @classmethod
    def codes(cls) -> list[str]:
        """Return every code, in declaration order (the order domain.yml lists them)."""
        return [reason.value for reason in cls]
