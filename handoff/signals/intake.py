"""Parsing of the intake answers: order numbers, e-mail addresses and refusals.

The intake form asks at most two questions. Customers answer in free text ("it's #1234567",
"I don't have one", "jane@example.com"), so the form needs a parser that finds the value in
a sentence, normalises it, and recognises a refusal — which is accepted, never argued with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

DEFAULT_ORDER_NUMBER_PATTERN = r"(?<![\w@.+-])(?:#|ORD-?)?(?P<number>\d{6,10})(?![\w@])"
"""Order numbers of the bundled store: 6-10 digits, optionally written ``#1234567`` or
``ORD-1234567``. The named group ``number`` is the normalised value."""

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][\w.+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w@])"
)

# A whitespace-separated digit group right before a number ("+44 7700 900123", "0151 2345678")
# makes the number part of a phone number, not an order number.
_DIGIT_GROUP_BEFORE = re.compile(r"(?<![\w.@])\+?\d+ $")

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
        # German, French, Spanish (the responses' languages, handoff/language.py)
        r"^\W*(?:nein|nee|nö|non|non merci|passer|paso|omitir)\W*$",
        r"\b(?:habe?|hab)\s+(?:ich\s+)?(?:leider\s+)?(?:keine?n?|nicht)\b",
        r"\bkeine?n?\s+(?:ahnung|bestellnummer|bestellung|e-?mail|kundenkonto|konto)\b",
        r"\b(?:weiß|weiss)\s+(?:ich\s+)?(?:leider\s+)?nicht\b",
        r"\b(?:lieber|möchte)\s+nicht\b|\büberspringen\b",
        r"\bn(?:e\s+|')(?:l'|en\s+|le\s+|la\s+)?(?:ai|sais|trouve|retrouve)\s+pas\b",
        r"\bme\s+souviens\s+pas\b",
        r"\baucune\s+idée\b|\bpas\s+de\s+(?:numéro|commande|e-?mail|compte)\b",
        r"\b(?:préfère|préférerais)\s+(?:ne\s+)?pas\b|\bplutôt\s+pas\b",
        r"\bno\s+(?:lo\s+|la\s+)?(?:tengo|sé|se|recuerdo|encuentro)\b",
        r"\bni\s+idea\b|\bprefiero\s+no\b|\bsin\s+(?:número|pedido|correo)\b",
    )
]


class IntakeField(str, Enum):
    """The intake questions the form may ask, named as their slots."""

    ORDER_NUMBER = "order_number"
    EMAIL = "email"


@dataclass(frozen=True)
class Found:
    """A value found in a message: normalised, with its character offsets in the text.

    Attributes:
        value: the normalised value (order number as its ``number`` group, e-mail lower-cased).
        start: offset of the first character of what the customer wrote.
        end: offset after its last character, so ``text[start:end]`` is what was written.
    """

    value: str
    start: int
    end: int


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
        found = self.find_all(text)
        return found[0].value if found else None

    def find_all(self, text: Optional[str]) -> List[Found]:
        """Return every order number written in ``text``, in order, with its offsets.

        A match right after a whitespace-separated digit group ("+44 7700 900123") is part of
        a phone number and is skipped.
        """
        if not text:
            return []
        found = []
        for match in re.finditer(self.pattern, text, re.IGNORECASE):
            if not match.group(0) or _after_digit_group(text, match.start()):
                continue
            number = match.groupdict().get("number") or match.group(0)
            found.append(Found(number.upper(), match.start(), match.end()))
        return found


def _after_digit_group(text: str, start: int) -> bool:
    return text[start : start + 1].isdigit() and bool(_DIGIT_GROUP_BEFORE.search(text, 0, start))


def find_email(text: Optional[str]) -> Optional[str]:
    """Return the e-mail address written in ``text``, lower-cased, or None."""
    found = find_all_emails(text)
    return found[0].value if found else None


def find_all_emails(text: Optional[str]) -> List[Found]:
    """Return every e-mail address written in ``text``, lower-cased, with its offsets."""
    if not text:
        return []
    return [Found(m.group(0).lower(), m.start(), m.end()) for m in _EMAIL.finditer(text)]


def is_refusal(text: Optional[str]) -> bool:
    """Tell whether the customer declined to give the requested detail.

    "I don't have one", "no idea", "skip", "I'd rather not" are refusals, and so are their
    German, French and Spanish counterparts ("habe ich nicht", "je n'en ai pas", "no lo
    tengo"); an answer that
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
    return find_in_messages(((text, ()) for text in texts), field, order_format)


CustomerMessage = Tuple[Optional[str], Sequence[Mapping[str, Any]]]
"""A customer's message as the NLU pipeline parsed it: its text and its ``entities``."""


def find_in_messages(
    messages: Iterable[CustomerMessage], field: IntakeField, order_format: OrderNumberFormat
) -> Optional[str]:
    """Return the most recent value of ``field`` in the customer's parsed messages, or None.

    Args:
        messages: ``(text, entities)`` per customer message, oldest first; ``entities`` as in
            Rasa's ``parse_data`` (``[{"entity": "order_number", "value": ..., ...}]``).
        field: which intake value to look for.
        order_format: the store's order-number format.
    """
    for text, entities in reversed(list(messages)):
        value = value_in_message(text, entities, field, order_format)
        if value:
            return value
    return None


def value_in_message(
    text: Optional[str],
    entities: Sequence[Mapping[str, Any]],
    field: IntakeField,
    order_format: OrderNumberFormat,
) -> Optional[str]:
    """Return the value of ``field`` in one message: its entity, else what the text holds.

    An entity named like the field (the first one written, when there are several) wins: an
    NLU extractor found it. A message without one -- the extractor was not in the pipeline
    yet, or another extractor found nothing -- is parsed from its text, with the same rules
    the extractor applies, so both agree.
    """
    named = [e for e in entities or () if e.get("entity") == field.value and e.get("value")]
    if named:
        first = min(named, key=lambda entity: entity.get("start", 0))
        return normalise(field, str(first["value"]), order_format)
    if field is IntakeField.ORDER_NUMBER:
        return order_format.find(text)
    return find_email(text)


def normalise(field: IntakeField, value: str, order_format: OrderNumberFormat) -> str:
    """Normalise an extracted value: ``#1234567`` → ``1234567``, e-mail lower-cased.

    A value the parser does not recognise (an extractor's already-normalised number under a
    custom pattern, say) is kept as written, stripped.
    """
    if field is IntakeField.ORDER_NUMBER:
        return order_format.find(value) or value.strip()
    return find_email(value) or value.strip().lower()


def mask_email(email: str) -> str:
    """Mask an e-mail address for logs: ``jane.doe@example.com`` → ``j***@example.com``."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
