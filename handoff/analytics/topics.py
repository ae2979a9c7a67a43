"""What a handoff was about: its intent and its topic."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from handoff.analytics.figures import aware

GENERIC_INTENTS = frozenset(
    {"human_handoff", "inform", "affirm", "deny", "greet", "goodbye", "thank", "handback"}
)
"""Intents that say nothing about the customer's topic ("yes", "a person please", an e-mail)."""

INTENT_DECISIONS = ("handoff", "ticket", "offer", "offer_accepted")
"""Decisions whose ``intent`` is what the customer asked when the bot reached for a person."""

ANSWER_INTENTS = frozenset({"affirm", "deny", "inform"})
"""Answers to the bot's questions: not what the customer came for."""

DECISION_SLACK = timedelta(minutes=1)
UNKNOWN = "unknown"


def intent_finder(decisions: Sequence[Mapping[str, Any]]) -> Callable[[Mapping[str, Any]], str]:
    """Return ``row -> intent``: what the NLU read when the bot decided to hand over.

    In order: the ``intent`` signal of the handoff's context package (the intent the decision
    fired on); else the conversation's latest handoff/ticket/offer decision up to
    ``DECISION_SLACK`` after the handoff was created (its ``intent`` signal, else its
    ``intent`` column, skipping ``ANSWER_INTENTS``: "yes" or an e-mail address says nothing
    about the request); else the context package's intent guess; else ``unknown``.
    """
    asked: Dict[str, List[Tuple[datetime, str]]] = defaultdict(list)
    for row in decisions:
        intent = decision_intent(row)
        if row.get("decision") in INTENT_DECISIONS and intent:
            asked[row["conversation_id"]].append((aware(row["at"]), intent))

    def intent_of(row: Mapping[str, Any]) -> str:
        signalled = _intent_name(signal_value((row.get("context") or {}).get("signals"), "intent"))
        if signalled and signalled not in ANSWER_INTENTS:
            return signalled
        latest = aware(row["created_at"]) + DECISION_SLACK
        candidates = [item for item in asked.get(row["conversation_id"], []) if item[0] <= latest]
        if candidates:
            return max(candidates)[1]
        return context_intent(row) or UNKNOWN

    return intent_of


def decision_intent(decision: Mapping[str, Any]) -> Optional[str]:
    """Return the intent a decision was about (its ``intent`` signal, else its column).

    None when it is only an answer to the bot (``ANSWER_INTENTS``).
    """
    intent = _intent_name(signal_value(decision.get("signals"), "intent")) or decision.get("intent")
    return intent if intent and intent not in ANSWER_INTENTS else None


def _intent_name(value: Any) -> Optional[str]:
    if isinstance(value, Mapping):
        value = value.get("name")
    return str(value) if value else None


def handoff_topic(handoff: Mapping[str, Any]) -> str:
    """Return what a handoff was about: the ``topic`` signal, else the customer's last topic.

    The topic signal is what routing used (an intent such as ``refund_request`` or a phrase
    topic such as ``legal``). Without it, the latest customer turn whose intent names a topic
    (not "a person please", "yes" or an e-mail address) stands for it; else ``unknown``.
    """
    context = handoff.get("context") or {}
    topic = signal_value(context.get("signals"), "topic")
    if topic:
        return str(topic)
    intent = context_intent(handoff)
    if intent and intent not in GENERIC_INTENTS:
        return intent
    for turn in reversed(context.get("transcript") or []):
        if not isinstance(turn, Mapping) or turn.get("sender") != "customer":
            continue
        name = turn.get("intent")
        if name and name not in GENERIC_INTENTS:
            return str(name)
    return UNKNOWN


def context_intent(row: Mapping[str, Any]) -> Optional[str]:
    """Return the context package's intent guess, if any."""
    intent = (row.get("context") or {}).get("intent") or {}
    return intent.get("name") if isinstance(intent, Mapping) else None


def signal_value(signals: Any, name: str) -> Any:
    """Return the value of the signal called ``name`` in a signals list, or None."""
    for item in signals or []:
        if isinstance(item, Mapping) and item.get("name") == name:
            return item.get("value")
    return None
