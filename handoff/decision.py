"""Which reason, if any, a customer message gives for handing over to a person.

This is the foundation's decision: explicit requests, the sensitive topics a person must handle
and the high-value requests that bypass the bot, read from the NLU intent (with the phrase
safety net for explicit requests). Every decision carries the signals behind it, so the agent
and analytics see *why*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from handoff.explicit_request import is_explicit_request
from handoff.reasons import HandoffReason

EXPLICIT_REQUEST_INTENT = "human_handoff"

INTENT_REASONS: Mapping[str, HandoffReason] = {
    EXPLICIT_REQUEST_INTENT: HandoffReason.EXPLICIT_REQUEST,
    "refund_request": HandoffReason.SENSITIVE_TOPIC,
    "billing_dispute": HandoffReason.SENSITIVE_TOPIC,
    "account_security": HandoffReason.SENSITIVE_TOPIC,
    "complaint": HandoffReason.SENSITIVE_TOPIC,
    "cancel_account": HandoffReason.HIGH_VALUE,
    "enterprise_pricing": HandoffReason.HIGH_VALUE,
}
"""The intents that hand over by themselves, and the reason each one gives."""


@dataclass(frozen=True)
class HandoffDecision:
    """A decision to hand over: one primary reason plus every contributing signal."""

    reason: HandoffReason
    signals: List[Dict[str, Any]] = field(default_factory=list)


def decide_handoff(
    text: Optional[str], intent: Optional[str], confidence: Optional[float] = None
) -> Optional[HandoffDecision]:
    """Return the handoff decision for the customer's message, or None to let the bot answer.

    An explicit request wins over everything else: the customer asked, so no other reason
    may delay or replace it.
    """
    signals: List[Dict[str, Any]] = []
    if intent:
        signals.append({"name": "intent", "value": {"name": intent, "confidence": confidence}})
    phrase = is_explicit_request(text)
    if phrase:
        signals.append({"name": "explicit_phrase", "value": True})
    if intent == EXPLICIT_REQUEST_INTENT or phrase:
        return HandoffDecision(HandoffReason.EXPLICIT_REQUEST, signals)
    reason = INTENT_REASONS.get(intent or "")
    if reason is None:
        return None
    signals.append({"name": "topic", "value": intent})
    return HandoffDecision(reason, signals)
