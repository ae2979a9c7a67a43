"""Signal names and the result every trigger returns.

Signals are ``{"name", "value"}`` dicts (the ``handoff_signals`` slot and the context package
store them as they are), named here once so analytics can rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List

from handoff.reasons import HandoffReason


class SignalName(str, Enum):
    """Every signal name the policy emits, and what its value is."""

    INTENT = "intent"  # {"name", "confidence"} of the latest customer message
    TRIGGERS = "triggers"  # every reason that fired, highest priority first
    EXPLICIT_PHRASE = "explicit_phrase"  # True: the customer's words ask for a person
    OFFER_ACCEPTED = "offer_accepted"  # True: "yes" right after the bot offered a person
    OFFER_DECLINED = "offer_declined"  # True: "no" to an offer in this stretch; not offered again
    TOPIC = "topic"  # the intent (or phrase topic such as "legal") routing maps to a team
    SENSITIVE_PHRASE = "sensitive_phrase"  # the phrase that matched, e.g. "my lawyer"
    FRUSTRATION_SCORE = "frustration_score"  # the latest message's score
    FRUSTRATION_TREND = "frustration_trend"  # the scores of the last `window` turns, oldest first
    FRUSTRATION_CUES = "frustration_cues"  # the latest message's cues, as the NLU gave them
    FAQ_ANSWER = "faq_answer"  # an informational question on a sensitive topic: its FAQ response
    VENTING_INTENT = "venting_intent"  # the latest intent is one of frustration.intents
    FALLBACKS_IN_A_ROW = "fallbacks_in_a_row"  # consecutive turns the bot did not understand
    REPEATED_INTENT = "repeated_intent"  # {"name", "times"}
    REPEATED_TEXT = "repeated_text"  # {"times", "similarity"} (lowest similarity among them)
    NOT_ANSWERED_PHRASE = "not_answered_phrase"  # e.g. "not what i asked"
    BOT_UNCERTAINTY = "bot_uncertainty"  # the NLU's bot_uncertainty dict (or the fallback intent)
    PERSON_MENTIONED = "person_mentioned"  # True: people/staff/a human named, not asked for
    HANDED_BACK_TOPIC = "handed_back_topic"  # a person handed this topic back this session


def signal(name: SignalName, value: Any) -> Dict[str, Any]:
    """Return one signal in the slot's shape."""
    return {"name": name.value, "value": value}


@dataclass(frozen=True)
class Fired:
    """A trigger that fired: its reason and the evidence (signals) behind it."""

    reason: HandoffReason
    signals: List[Dict[str, Any]] = field(default_factory=list)
