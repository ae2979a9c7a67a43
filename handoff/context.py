"""The context package: everything an agent needs to pick a conversation up.

Built from the Rasa tracker (the single source of truth for what was said) when the bot hands
over, and sent to the agent desk, which stores it with the handoff. Its JSON schema is
``docs/context-package.schema.json`` (kept in sync by a test).

Agent turns are bot events whose metadata carries ``handoff_agent`` (``{"id", "name"}``), so
the transcript shows the right sender even after several handoffs. The customer's display name
comes from the channels: each puts what its platform reports into the customer message's
metadata under ``customer_name`` (:data:`CUSTOMER_NAME_KEY`), cleaned by
:func:`customer_display_name`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from pydantic import BaseModel, Field, validator

from handoff.reasons import HandoffReason
from handoff.signals.problem_turn import (
    ProblemReason,
    Said,
    choose_problem_turn,
    said_from_events,
)
from handoff.slots import LANGUAGE_SLOT

SCHEMA_VERSION = 1
AGENT_METADATA_KEY = "handoff_agent"
EXTERNAL_MESSAGE_PREFIX = "EXTERNAL: "
CUSTOMER_NAME_KEY = "customer_name"
"""Customer message metadata key: the display name the channel reported (Telegram, WhatsApp)."""
CUSTOMER_NAME_MAX_LENGTH = 128  # Telegram: first and last name of 64 each
_SPACES = re.compile(r"\s+")
_HIDDEN = ("Cc", "Cf")  # Unicode categories: control and format characters


class Sender(str, Enum):
    """Who wrote a transcript turn."""

    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"


class Turn(BaseModel):
    """One message of the transcript."""

    sender: Sender
    text: str
    timestamp: datetime
    intent: Optional[str] = None
    confidence: Optional[float] = None
    agent_id: Optional[str] = None
    agent_name: Optional[str] = None


class Signal(BaseModel):
    """A signal that contributed to the handoff decision, with its value."""

    name: str
    value: Any = None


class IntentGuess(BaseModel):
    """The NLU's best guess for the customer's latest message."""

    name: Optional[str] = None
    confidence: Optional[float] = None


class Intake(BaseModel):
    """What the intake form collected; ``declined`` lists the questions the customer refused."""

    order_number: Optional[str] = None
    email: Optional[str] = None
    declined: List[str] = Field(default_factory=list)


def customer_display_name(*parts: Any) -> Optional[str]:
    """Return the name a channel reports, fit to show an agent; None when there is none.

    The string ``parts`` (Telegram's first and last name; WhatsApp's one profile name) are
    joined with a space; control and format characters (a right-to-left override, a zero-width
    joiner) are dropped and runs of whitespace become one space, so a name cannot break the
    inbox's layout or pretend to be something else; the result is cut at
    :data:`CUSTOMER_NAME_MAX_LENGTH` characters. Anything that is not a string is ignored: a
    name is what the customer chose on their platform, never an identifier.
    """
    words = " ".join(part for part in parts if isinstance(part, str))
    visible = "".join(c for c in words if c.isspace() or unicodedata.category(c) not in _HIDDEN)
    name = _SPACES.sub(" ", visible).strip()[:CUSTOMER_NAME_MAX_LENGTH].rstrip()
    return name or None


class Customer(BaseModel):
    """Who the customer is, as far as the channel tells.

    id: the conversation id. name: the display name the customer's channel reported
    (Telegram, WhatsApp), null when it reported none.
    """

    id: str
    name: Optional[str] = None

    @validator("name")
    def _displayable(cls, name: Optional[str]) -> Optional[str]:  # noqa: N805 - pydantic
        """Clean a name however the package arrives (the action's, the desk API's clients')."""
        return customer_display_name(name)


class RouteInfo(BaseModel):
    """Where the handoff goes (``handoff.routing.teams``) and whether that team is there now."""

    team: str
    queue: str = "standard"
    priority: int = 0
    language: str = "en"
    why: List[str] = Field(default_factory=list)
    open: bool = True
    next_opening: Optional[datetime] = None
    back_at: Optional[str] = None
    ticket: bool = False
    """Open as a ticket even while the team is there (handoff.yml ``routing.handling``)."""


class ContextPackage(BaseModel):
    """The handoff's context, as the agent desk receives and stores it."""

    schema_version: int = SCHEMA_VERSION
    conversation_id: str
    created_at: datetime
    reason: HandoffReason
    signals: List[Signal] = Field(default_factory=list)
    summary: str
    intent: IntentGuess = Field(default_factory=IntentGuess)
    intake: Intake = Field(default_factory=Intake)
    channel: Optional[str] = None
    language: str = "en"
    customer: Customer
    transcript: List[Turn] = Field(default_factory=list)
    route: Optional[RouteInfo] = None


def _timestamp(event: Mapping[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)


def transcript_from_events(events: Iterable[Mapping[str, Any]]) -> List[Turn]:
    """Turn tracker events into the transcript: customer, bot and agent messages in order.

    External intents (``EXTERNAL: ...``) and events without text are not part of what was said.
    """
    turns: List[Turn] = []
    for event in events:
        kind, text = event.get("event"), event.get("text")
        if not text:
            continue
        if kind == "user":
            if text.startswith(EXTERNAL_MESSAGE_PREFIX):
                continue
            intent = (event.get("parse_data") or {}).get("intent") or {}
            turns.append(
                Turn(
                    sender=Sender.CUSTOMER,
                    text=text,
                    timestamp=_timestamp(event),
                    intent=intent.get("name"),
                    confidence=intent.get("confidence"),
                )
            )
        elif kind == "bot":
            agent = (event.get("metadata") or {}).get(AGENT_METADATA_KEY)
            turns.append(
                Turn(
                    sender=Sender.AGENT if agent else Sender.BOT,
                    text=text,
                    timestamp=_timestamp(event),
                    agent_id=(agent or {}).get("id"),
                    agent_name=(agent or {}).get("name"),
                )
            )
    return turns


_REASON_PHRASES = {
    HandoffReason.EXPLICIT_REQUEST: "asked to talk to a person",
    HandoffReason.FRUSTRATION: "is getting frustrated",
    HandoffReason.LOOPING: "was not understood several times in a row",
    HandoffReason.REPEATED_QUESTION: "asked the same thing repeatedly",
    HandoffReason.SENSITIVE_TOPIC: "raised a topic a person must handle",
    HandoffReason.HIGH_VALUE: "has a request our team handles directly",
    HandoffReason.LOW_CONFIDENCE: "asked something the assistant could not answer with confidence",
}


def summarise(
    reason: HandoffReason,
    transcript: List[Turn],
    intake: Intake,
    said: Optional[Sequence[Said]] = None,
) -> str:
    """Write the 2-4 sentence summary an agent reads first.

    Why the bot handed over; the customer's problem in their own words (the turn
    :func:`~handoff.signals.problem_turn.choose_problem_turn` picks: not an intake answer, a
    "yes" or a bare request for a person); what the bot already answered to it; what the
    intake collected.

    Args:
        reason: the primary handoff reason.
        transcript: what was said (:func:`transcript_from_events`).
        intake: what the intake form collected.
        said: the conversation as the choice reads it (:func:`said_from_events`, which marks
            the intake answers); read from ``transcript`` when None.
    """
    if said is None:
        said = [
            Said(customer=turn.sender is Sender.CUSTOMER, text=turn.text)
            for turn in transcript
            if turn.sender is not Sender.AGENT
        ]
    choice = choose_problem_turn(said)
    sentences = [f"The customer {_REASON_PHRASES[reason]}."]
    if choice.text is not None:
        label = _PROBLEM_LABELS.get(choice.reason, "Their problem, in their words")
        sentences.append(f'{label}: "{shorten(choice.text)}".')
    if choice.answer:
        sentences.append(f'The assistant already answered: "{shorten(choice.answer, 120)}".')
    elif choice.unanswered:
        sentences.append("The assistant could not answer it.")
    known = what_is_known(intake)
    if known:
        sentences.append(known)
    return " ".join(sentences)


def what_is_known(intake: Intake) -> Optional[str]:
    """Return the summary's sentence on the intake values (None when nothing was asked)."""
    known = []
    if intake.order_number:
        known.append(f"order number {intake.order_number}")
    if intake.email:
        known.append(f"e-mail {intake.email}")
    if known:
        return f"They gave {' and '.join(known)}."
    if intake.declined:
        return "They did not give an order number or e-mail."
    return None


_PROBLEM_LABELS = {
    ProblemReason.REQUEST_ONLY: "They said only",
    ProblemReason.LAST_MESSAGE: "Their last message",
}


def shorten(text: str, limit: int = 160) -> str:
    """Return ``text``, cut to ``limit`` characters with "…" when longer (as summaries quote)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_context_package(
    *,
    conversation_id: str,
    events: Iterable[Mapping[str, Any]],
    reason: HandoffReason,
    signals: Iterable[Mapping[str, Any]] = (),
    slots: Optional[Mapping[str, Any]] = None,
    latest_message: Optional[Mapping[str, Any]] = None,
    channel: Optional[str] = None,
    customer_name: Optional[str] = None,
    now: Optional[datetime] = None,
    route: Optional[RouteInfo] = None,
) -> ContextPackage:
    """Assemble the context package from tracker data (plain dicts, as Rasa serialises them).

    Args:
        conversation_id: the tracker's sender id.
        events: the tracker's events, oldest first.
        reason: the primary handoff reason.
        signals: every signal that contributed (``{"name", "value"}``).
        slots: the tracker's slots (intake values are read from ``order_number``, ``email``
            and ``intake_declined``).
        latest_message: the tracker's latest parsed message.
        channel: the input channel the customer writes on.
        customer_name: the display name the channel reported, if any.
        now: the time of the handoff (defaults to now, UTC).
        route: the team, queue and priority routing chose, and the team's availability.
    """
    slots = slots or {}
    events = list(events)
    transcript = transcript_from_events(events)
    intake = Intake(
        order_number=slots.get("order_number"),
        email=slots.get("email"),
        declined=list(slots.get("intake_declined") or []),
    )
    intent = (latest_message or {}).get("intent") or {}
    # The channel's hint, else the language slot (handoff.language: the customer's words).
    hinted = ((latest_message or {}).get("metadata") or {}).get("language")
    language = hinted or slots.get(LANGUAGE_SLOT) or "en"
    return ContextPackage(
        conversation_id=conversation_id,
        created_at=now or datetime.now(timezone.utc),
        reason=reason,
        signals=[Signal(**dict(signal)) for signal in signals],
        summary=summarise(reason, transcript, intake, said_from_events(events)),
        intent=IntentGuess(name=intent.get("name"), confidence=intent.get("confidence")),
        intake=intake,
        channel=channel,
        language=language,
        customer=Customer(id=conversation_id, name=customer_name),
        transcript=transcript,
        route=route,
    )


def package_to_json_dict(package: ContextPackage) -> Dict[str, Any]:
    """Serialise the package to JSON-safe types (ISO timestamps, enum values)."""
    return json.loads(package.json())


def json_schema() -> str:
    """Return the package's JSON schema, as published in docs/context-package.schema.json."""
    return ContextPackage.schema_json(indent=2) + "\n"
