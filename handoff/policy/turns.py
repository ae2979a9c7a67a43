"""The customer turns the policy looks at, read from the tracker's events (plain dicts).

Only the current stretch of the conversation counts: events after the last
``session_started``/``restart`` and after the last ``resume``. A new session, or a conversation
a person handed back, starts with no fallbacks, repetitions or frustration behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

EXTERNAL_MESSAGE_PREFIX = "EXTERNAL: "
OFFER_METADATA_KEY = "handoff_offer"
"""Bot messages that offer a person carry ``metadata: {"handoff_offer": true}``.

In the bot event's own ``metadata``, or — for a domain response with ``metadata:`` — nested in
it under ``metadata``: Rasa 3.6 keeps a response's extra keys in the bot event's metadata
(``create_bot_utterance``), next to ``utter_action``.
"""

_FRESH_START = frozenset({"session_started", "restart", "resume"})


@dataclass
class CustomerTurn:
    """One customer message and what the bot did right after it.

    ``after_offer`` is True when the bot's last message before this turn offered a person;
    ``bot_actions`` holds the actions and ``utter_action``s that followed the message (empty
    for the latest turn while the action server decides).
    """

    text: str
    intent: Optional[str] = None
    confidence: Optional[float] = None
    frustration: Optional[float] = None
    frustration_cues: List[Dict[str, Any]] = field(default_factory=list)
    uncertainty: Optional[Dict[str, Any]] = None
    after_offer: bool = False
    bot_actions: List[str] = field(default_factory=list)


def current_stretch(events: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """Return the events after the last session start, restart or resume."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") in _FRESH_START:
            return events[index + 1 :]
    return events


def _payload_intent(text: str) -> Optional[str]:
    """Intent of a button payload like ``/human_handoff`` or ``/deny{"x": 1}``."""
    if not text.startswith("/"):
        return None
    return text[1:].split("{", 1)[0].strip() or None


def _turn(event: Mapping[str, Any], after_offer: bool) -> CustomerTurn:
    text = event.get("text") or ""
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    frustration = parse.get("frustration") or {}
    score = frustration.get("score")
    return CustomerTurn(
        text=text,
        intent=intent.get("name") or _payload_intent(text),
        confidence=intent.get("confidence"),
        frustration=None if score is None else float(score),
        frustration_cues=list(frustration.get("cues") or []),
        uncertainty=parse.get("bot_uncertainty"),
        after_offer=after_offer,
    )


def offers_person(metadata: Mapping[str, Any]) -> bool:
    """Tell whether a bot event with this ``metadata`` offered a person."""
    response_metadata = metadata.get("metadata")
    nested = isinstance(response_metadata, Mapping) and bool(
        response_metadata.get(OFFER_METADATA_KEY)
    )
    return nested or bool(metadata.get(OFFER_METADATA_KEY))


def customer_turns(events: Iterable[Mapping[str, Any]]) -> List[CustomerTurn]:
    """Return the customer turns of the current stretch, oldest first.

    External messages (``EXTERNAL: handback``) are the system talking, not the customer, and
    are left out; a ``rewind`` removes the customer message it undoes.
    """
    turns: List[CustomerTurn] = []
    offered = False
    for event in current_stretch(list(events)):
        kind = event.get("event")
        if kind == "user":
            if (event.get("text") or "").startswith(EXTERNAL_MESSAGE_PREFIX):
                continue
            turns.append(_turn(event, after_offer=offered))
            offered = False
        elif kind == "rewind" and turns:
            turns.pop()
        elif kind == "action" and turns and event.get("name"):
            turns[-1].bot_actions.append(str(event["name"]))
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            offered = offered or offers_person(metadata)
            if turns and metadata.get("utter_action"):
                turns[-1].bot_actions.append(str(metadata["utter_action"]))
    return turns
