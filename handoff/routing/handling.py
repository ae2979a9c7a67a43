"""How a handoff is served: a live chat, a ticket, or a guided self-service path.

``routing.handling`` in handoff.yml chooses per customer tier, then per topic, then a default:

- ``live_chat`` — today's handoff: the customer waits in the team's queue (a ticket outside
  the team's hours);
- ``ticket`` — the handoff opens as a ticket even while the team is there (a person answers
  later; the bot stays active);
- ``{guided: <form or action>}`` — no person: the bot says the path's ``intro`` response and
  runs the form or action a designer wrote (e.g. a return label for a refund).

:func:`choose_handling` is pure and returns the choice, why, and the evidence, like the policy
engine; :func:`handoff.desk.opening.plan_handoff` calls it so every entry point agrees. A
customer who asked for a person (``explicit_request``), or who already went through that
guided path in this conversation, is never sent down it (again): they get a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, Mapping, Optional, Tuple

from pydantic import Field, validator

from handoff.reasons import HandoffReason
from handoff.section import Section

ACTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
GUIDED_KEYS = ("guided", "intro")


class Handling(str, Enum):
    """How a handoff is served."""

    LIVE_CHAT = "live_chat"
    TICKET = "ticket"
    GUIDED = "guided"


class HandlingChoice(Section):
    """One configured handling: ``live_chat``, ``ticket`` or ``{guided: name, intro: utter_x}``."""

    kind: Handling
    path: Optional[str] = None
    """The form or action of a guided path (a name in domain.yml)."""
    intro: Optional[str] = None
    """The response said before a guided path starts (a name in domain.yml), if any."""

    def describe(self) -> str:
        """Return the choice as the designer wrote it (``guided return_label_form``)."""
        return f"guided {self.path}" if self.kind is Handling.GUIDED else self.kind.value


LIVE_CHAT = HandlingChoice(kind=Handling.LIVE_CHAT)
TICKET = HandlingChoice(kind=Handling.TICKET)


def parse_handling(value: Any) -> HandlingChoice:
    """Return the handling a handoff.yml value names.

    Raises:
        ValueError: saying what is allowed, for anything but ``live_chat``, ``ticket`` or
            ``{guided: <form or action>, intro: <response>}`` (``intro`` optional).
    """
    if isinstance(value, HandlingChoice):
        return value
    if isinstance(value, str):
        if value in (Handling.LIVE_CHAT.value, Handling.TICKET.value):
            return HandlingChoice(kind=Handling(value))
        if value == Handling.GUIDED.value:
            raise ValueError("guided needs the form or action to run: {guided: <name>}")
        raise ValueError(f"{value!r} is not live_chat, ticket or {{guided: <form or action>}}")
    if isinstance(value, Mapping):
        unknown = sorted(set(map(str, value)) - set(GUIDED_KEYS))
        if unknown:
            raise ValueError(f"unknown key {', '.join(unknown)} (a guided path has: guided, intro)")
        path, intro = value.get("guided"), value.get("intro")
        if not isinstance(path, str) or not ACTION_NAME.match(path):
            raise ValueError(
                f"guided: {path!r} is not a form or action name like 'return_label_form'"
            )
        if intro is not None and (not isinstance(intro, str) or not intro.startswith("utter_")):
            raise ValueError(f"intro: {intro!r} is not a response name like 'utter_guided_return'")
        return HandlingChoice(kind=Handling.GUIDED, path=path, intro=intro)
    raise ValueError(f"{value!r} is not live_chat, ticket or {{guided: <form or action>}}")


def _parse_each(mapping: object, lower: bool = False) -> object:
    if not isinstance(mapping, Mapping):
        return mapping  # pydantic reports "value is not a valid dict"
    parsed = {}
    for key, value in mapping.items():
        name = str(key).strip().lower() if lower else str(key)
        try:
            parsed[name] = parse_handling(value)
        except ValueError as error:
            raise ValueError(f"{key}: {error}") from None
    return parsed


class HandlingSettings(Section):
    """``routing.handling``: how a handoff is served, per tier (first), topic, or by default."""

    default: HandlingChoice = LIVE_CHAT
    tiers: Dict[str, HandlingChoice] = Field(default_factory=dict)
    topics: Dict[str, HandlingChoice] = Field(default_factory=dict)

    @validator("default", pre=True)
    def _default(cls, value: Any) -> HandlingChoice:  # noqa: N805 - pydantic validator
        return parse_handling(value)

    @validator("tiers", pre=True)
    def _tiers(cls, tiers: object) -> object:  # noqa: N805
        return _parse_each(tiers, lower=True)  # tiers match case-insensitively, as in routing

    @validator("topics", pre=True)
    def _topics(cls, topics: object) -> object:  # noqa: N805
        return _parse_each(topics)

    def guided_paths(self) -> Dict[str, HandlingChoice]:
        """Return every configured guided path by its key (``topics.refund_request``)."""
        entries = {"default": self.default}
        entries.update({f"tiers.{tier}": choice for tier, choice in self.tiers.items()})
        entries.update({f"topics.{topic}": choice for topic, choice in self.topics.items()})
        return {key: choice for key, choice in entries.items() if choice.kind is Handling.GUIDED}


@dataclass(frozen=True)
class HandlingDecision:
    """:func:`choose_handling`'s answer: the handling, why, and what it was chosen from."""

    choice: HandlingChoice
    why: str
    evidence: Dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> Handling:
        """The chosen handling's kind."""
        return self.choice.kind


def _configured(
    topic: Optional[str], tier: Optional[str], settings: HandlingSettings
) -> Tuple[HandlingChoice, str]:
    """Return the configured handling and its source: the tier first, the topic, the default."""
    if tier is not None and tier in settings.tiers:
        return settings.tiers[tier], f"tier {tier}"
    if topic is not None and topic in settings.topics:
        return settings.topics[topic], f"topic {topic}"
    return settings.default, "the default"


def choose_handling(
    reason: HandoffReason,
    topic: Optional[str],
    tier: Optional[str],
    settings: HandlingSettings,
    guided_before: Tuple[str, ...] = (),
) -> HandlingDecision:
    """Choose how the handoff is served; pure.

    Args:
        reason: the handoff's reason (``explicit_request`` never gets a guided path).
        topic: the handoff's topic (the intent behind it).
        tier: the customer's tier, if known (checked before the topic).
        settings: ``routing.handling``.
        guided_before: the guided paths (form or action names) this conversation already
            went through; a path is not offered twice — the customer who is back wants a person.

    Returns:
        The handling; a guided path that does not apply falls back to the default if that is
        ``live_chat`` or ``ticket``, else to ``live_chat``.
    """
    tier_key = (tier or "").strip().lower() or None
    choice, source = _configured(topic, tier_key, settings)
    evidence: Dict[str, Any] = {
        "reason": reason.value,
        "topic": topic,
        "tier": tier_key,
        "configured": choice.describe(),
        "source": source,
        "guided_before": list(guided_before),
    }
    why = f"handling {choice.describe()} from {source}"
    if choice.kind is not Handling.GUIDED:
        return HandlingDecision(choice, why, evidence)
    if reason is HandoffReason.EXPLICIT_REQUEST:
        refused = "the customer asked for a person"
    elif choice.path in guided_before:
        refused = f"the customer already went through {choice.path}"
    else:
        return HandlingDecision(choice, why, evidence)
    fallback = settings.default if settings.default.kind is not Handling.GUIDED else LIVE_CHAT
    return HandlingDecision(fallback, f"{why}, but {refused} → {fallback.describe()}", evidence)
