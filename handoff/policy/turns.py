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


def _intent_name(event: Mapping[str, Any]) -> Optional[str]:
    text = event.get("text") or ""
    intent = (event.get("parse_data") or {}).get("intent") or {}
    return intent.get("name") or _payload_intent(text)


def _from_customer(event: Mapping[str, Any]) -> bool:
    """Tell whether ``event`` is a customer message (not ``EXTERNAL: ...``, the system)."""
    return event.get("event") == "user" and not (event.get("text") or "").startswith(
        EXTERNAL_MESSAGE_PREFIX
    )


def window_start(stretch: Sequence[Mapping[str, Any]], turns: int) -> int:
    """Return where in ``stretch`` its last ``turns`` customer turns begin.

    Right after the customer message before them, so what the bot said in between (an offer
    of a person) is read with the first of them; 0 when the stretch holds no more turns. A
    rewind undoes a message, so each one lets the window reach one message further back.
    Reads the events from the end and stops there: the cost does not grow with the stretch.
    """
    needed = turns
    for index in range(len(stretch) - 1, -1, -1):
        event = stretch[index]
        if event.get("event") == "rewind":
            needed += 1
        elif _from_customer(event):
            if needed == 0:
                return index + 1
            needed -= 1
    return 0


def declined_in(events: Iterable[Mapping[str, Any]], decline_intents: Sequence[str]) -> bool:
    """Tell whether a customer message among ``events`` said no right after an offer.

    The same reading as :func:`customer_turns` (``after_offer`` and the intent), for the
    older part of a stretch: only each event's kind, the bot's metadata and the intent name.
    """
    offered = False
    for event in events:
        kind = event.get("event")
        if kind == "bot":
            offered = offered or offers_person(event.get("metadata") or {})
        elif kind == "user" and offered and _from_customer(event):
            if _intent_name(event) in decline_intents:
                return True
            offered = False
    return False


def _turn(event: Mapping[str, Any], after_offer: bool) -> CustomerTurn:
    text = event.get("text") or ""
    parse = event.get("parse_data") or {}
    frustration = parse.get("frustration") or {}
    score = frustration.get("score")
    return CustomerTurn(
        text=text,
        intent=_intent_name(event),
        confidence=(parse.get("intent") or {}).get("confidence"),
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


def customer_turns(
    events: Iterable[Mapping[str, Any]], last: Optional[int] = None
) -> List[CustomerTurn]:
    """Return the customer turns of the current stretch, oldest first (``last``: the latest).

    External messages (``EXTERNAL: handback``) are the system talking, not the customer, and
    are left out; a ``rewind`` removes the customer message it undoes. With ``last``, only the
    events of the latest ``last`` turns are read (:func:`window_start`).
    """
    stretch = current_stretch(events if isinstance(events, Sequence) else list(events))
    start = 0 if last is None else window_start(stretch, last)
    turns: List[CustomerTurn] = []
    offered = False
    for index in range(start, len(stretch)):
        event = stretch[index]
        kind = event.get("event")
        if kind == "user":
            if not _from_customer(event):
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
    return turns if last is None else turns[max(0, len(turns) - last) :]
