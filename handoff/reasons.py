"""The fixed set of reasons a conversation is handed to a person, and of handback outcomes.

This is a contract: the ``handoff_reason`` slot, the desk, analytics and designers' rules all
use these exact codes, so new behaviour adds *signals*, never new codes. Likewise the outcomes
an agent gives when handing a conversation back (``handoff_outcome`` slot, the desk's
``POST /api/handoffs/<id>/handback``, the store and analytics).
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


class HandbackOutcome(str, Enum):
    """What the agent says about the customer's problem when handing back (optional).

    Designers condition the bot's first words on it (``utter_welcome_back`` in domain.yml);
    without one the bot says its plain welcome back.
    """

    RESOLVED = "resolved"  # solved; the bot may close the topic
    NOT_RESOLVED = "not_resolved"  # not solved (yet); the bot should not pretend it was
    FOLLOW_UP = "follow_up"  # the team will come back to the customer (e-mail, call)


CUSTOMER_CANCELLED = "cancelled"
"""The stored ``outcome`` of a handoff the customer cancelled while queued ("never mind").

Its status is ``closed``; this outcome tells it apart from other closed handoffs in analytics.
Not a ``HandbackOutcome``: agents cannot give it.
"""


NOTE_MAX_LENGTH = 500
"""The agent's note for the bot (``handoff_note`` slot): at most this many characters."""
