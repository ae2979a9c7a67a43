"""Parsing of the intake answers: order numbers, e-mail addresses and refusals.

The intake form asks at most two questions. Customers answer in free text ("it's #1234567",
"I don't have one", "jane@example.com"), so the form needs a parser that finds the value in
a sentence, normalises it, and recognises a refusal — which is accepted, never argued with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Optional

DEFAULT_ORDER_NUMBER_PATTERN = r"(?<![\w@.+-])(?:#|ORD-?)?(?P<number>\d{6,10})(?![\w@])"
"""Order numbers of the bundled store: 6-10 digits, optionally written ``#1234567`` or
``ORD-1234567``. The named group ``number`` is the normalised value."""

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][\w.+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w@])"
)

_REFUSALS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^\W*(?:no+|nope|nah|none|n/?a|skip|pass|no thanks|no thank you)\W*$",
        r"\b(?:do\s*n[o']?t|dont|did\s*n[o']?t|didnt)\s+(?:have|know|remember|recall|got|want)\b",
        r"\b(?:have\s*n[o']?t|havent|haven't)\s+(?:got|one|it|any|placed)\b",
        r"\bno\s+(?:idea|clue|order|email|e-mail|account)\b",
        r"\b(?:can\s*n?[o']?t|cant|can't|unable to)\s+(?:find|remember|recall|see)\b",
        r"\b(?:rather|prefer)\s+not\b",
        r"\bnot\s+sure\b",
        r"\bi\s+(?:lost|deleted|threw away)\b",
        r"\bnot\s+(?:an?\s+)?(?:customer|order)\b",
    )
]


class IntakeField(str, Enum):
    """The intake questions the form may ask, named as their slots."""

    ORDER_NUMBER = "order_number"
    EMAIL = "email"


@dataclass(frozen=True)
class OrderNumberFormat:
    """The store's order-number format, configurable in the handoff settings.

    Attributes:
        pattern: a regular expression; if it has a group named ``number`` that group is the
            normalised value, otherwise the whole match (upper-cased).
    """

    pattern: str = DEFAULT_ORDER_NUMBER_PATTERN

    def __post_init__(self) -> None:
        re.compile(self.pattern)  # raises re.error early, at settings load time

    def find(self, text: Optional[str]) -> Optional[str]:
        """Return the normalised order number written in ``text``, or None."""
        if not text:
            return None
        match = re.search(self.pattern, text, re.IGNORECASE)
        if not match:
            return None
        if "number" in match.groupdict() and match.group("number"):
            return match.group("number").upper()
        return match.group(0).upper()


def find_email(text: Optional[str]) -> Optional[str]:
    """Return the e-mail address written in ``text``, lower-cased, or None."""
    if not text:
        return None
    match = _EMAIL.search(text)
    return match.group(0).lower() if match else None


def is_refusal(text: Optional[str]) -> bool:
    """Tell whether the customer declined to give the requested detail.

    "I don't have one", "no idea", "skip", "I'd rather not" are refusals; an answer that
    contains the value itself is checked for the value first by the caller.
    """
    if not text:
        return False
    return any(pattern.search(text) for pattern in _REFUSALS)


def find_in_history(
    texts: Iterable[Optional[str]], field: IntakeField, order_format: OrderNumberFormat
) -> Optional[str]:
    """Return the most recent value of ``field`` the customer already wrote, or None.

    Args:
        texts: the customer's messages, oldest first.
        field: which intake value to look for.
        order_format: the store's order-number format.
    """
    finder = order_format.find if field is IntakeField.ORDER_NUMBER else find_email
    for text in reversed(list(texts)):
        value = finder(text)
        if value:
            return value
    return None


def mask_email(email: str) -> str:
    """Mask an e-mail address for logs: ``jane.doe@example.com`` → ``j***@example.com``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
