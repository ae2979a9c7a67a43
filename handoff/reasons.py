"""The fixed set of reasons a conversation is handed to a person.

This is a contract: the ``handoff_reason`` slot, the desk, analytics and designers' rules all
use these exact codes, so new behaviour adds *signals*, never new codes.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

T = TypeVar("T")


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


def reject_unknown_reason_keys(mapping: T) -> T:
    """Refuse a settings mapping keyed by reason codes that has a key not in the fixed set.

    For pydantic ``pre`` validators: pydantic reports a bad mapping key only as ``__key__``,
    so this names the key the designer wrote and the codes that exist.

    Raises:
        ValueError: listing the unknown keys and the valid codes.
    """
    if isinstance(mapping, dict):
        unknown = [str(key) for key in mapping if key not in HandoffReason.codes()]
        if unknown:
            raise ValueError(
                f"unknown handoff reason {', '.join(map(repr, unknown))}; "
                f"use one of: {', '.join(HandoffReason.codes())}"
            )
    return mapping
