"""``evaluate``: every trigger over the conversation, one primary reason, one action.

Priority, highest first (:data:`PRIORITY`): explicit request > sensitive topic > high value >
frustration > repeated question > looping > low confidence. The customer's own words come
first (they asked; nothing may delay that), then what the request is *about* (a refund demand
goes to the team for refunds even when the customer is also angry — the frustration still shows
in the signals), then *how the conversation is going*, from the customer's state to the bot's
failures. Low confidence is last and only offers a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from handoff.policy.confidence import low_confidence, offer_declined
from handoff.policy.explicit import explicit_request
from handoff.policy.frustration import frustration
from handoff.policy.handback import handed_back_topics, topic_of
from handoff.policy.looping import looping
from handoff.policy.repeated import repeated_question
from handoff.policy.signals import Fired, SignalName, signal
from handoff.policy.topics import faq_answer, high_value, sensitive_topic
from handoff.policy.turns import (
    CustomerTurn,
    current_stretch,
    customer_turns,
    declined_in,
    window_start,
)
from handoff.reasons import HandoffReason
from handoff.settings.policy import PolicySettings


class PolicyAction(str, Enum):
    """What the bot does with the decision."""

    HANDOFF = "handoff"  # hand over now
    OFFER = "offer"  # offer a person with buttons; the customer decides
    NONE = "none"  # the bot carries on


@dataclass(frozen=True)
class PolicyDecision:
    """The policy's answer: one primary reason (or None), the action, and every signal.

    ``reason`` is None exactly when ``action`` is ``none``. ``signals`` holds the latest
    ``intent`` and ``frustration_score``, the ``triggers`` that fired (highest priority first)
    and the evidence of each, the primary reason's first — so the agent and analytics see why,
    also for ``none`` when an offer was declined (``offer_declined``).
    """

    reason: Optional[HandoffReason]
    action: PolicyAction
    signals: List[Dict[str, Any]] = field(default_factory=list)

    def signal(self, name: SignalName) -> Any:
        """Return the value of the first signal called ``name``, or None."""
        return next((s["value"] for s in self.signals if s["name"] == name.value), None)


_Trigger = Callable[[List[CustomerTurn], PolicySettings], Optional[Fired]]

PRIORITY: Tuple[Tuple[HandoffReason, _Trigger], ...] = (
    (HandoffReason.EXPLICIT_REQUEST, lambda turns, s: explicit_request(turns[-1], s)),
    (HandoffReason.SENSITIVE_TOPIC, lambda turns, s: sensitive_topic(turns[-1], s)),
    (HandoffReason.HIGH_VALUE, lambda turns, s: high_value(turns[-1], s)),
    (HandoffReason.FRUSTRATION, frustration),
    (HandoffReason.REPEATED_QUESTION, repeated_question),
    (HandoffReason.LOOPING, looping),
    (HandoffReason.LOW_CONFIDENCE, low_confidence),
)
"""The triggers, highest priority first; the first that fires gives the primary reason."""


def _intent_signal(turn: CustomerTurn) -> Dict[str, Any]:
    return signal(SignalName.INTENT, {"name": turn.intent, "confidence": turn.confidence})


def evaluate(
    events: Iterable[Mapping[str, Any]], settings: Optional[PolicySettings] = None
) -> PolicyDecision:
    """Decide whether to hand over, offer a person, or carry on, from the tracker's events.

    Args:
        events: the tracker's events as plain dicts, oldest first (rasa_sdk's
            ``tracker.events``). Only the current stretch counts: after the last session
            start, restart or resume; and of it only the latest ``settings.lookback``
            customer turns are read in full (older ones only for a declined offer), so the
            cost of a decision does not grow with the conversation.
        settings: the ``policy`` section of ``handoff.yml``; defaults when None.

    Returns:
        The decision. Low confidence alone gives ``offer`` — or ``none`` with the signal
        ``offer_declined`` when the customer already said no to a person in this stretch.
        A topic a person handed back earlier in the session is not escalated again unless the
        customer asks for a person (``none`` with the signal ``handed_back_topic``).
    """
    settings = settings or PolicySettings()
    events_list = events if isinstance(events, Sequence) else list(events)
    stretch = current_stretch(events_list)
    start = window_start(stretch, settings.lookback)
    turns = customer_turns(stretch[start:])
    if not turns:
        return PolicyDecision(None, PolicyAction.NONE)
    fired = [result for _, trigger in PRIORITY if (result := trigger(turns, settings))]
    declined = offer_declined(turns, settings) or declined_in(
        stretch[:start], settings.low_confidence.decline_intents
    )
    if fired and fired[0].reason is HandoffReason.LOW_CONFIDENCE and declined:
        fired = []
    signals = [_intent_signal(turns[-1])]
    answer = faq_answer(turns[-1], settings)
    if answer:
        signals.append(signal(SignalName.FAQ_ANSWER, answer))
    if fired:
        signals.append(signal(SignalName.TRIGGERS, [result.reason.value for result in fired]))
    if turns[-1].frustration is not None:
        signals.append(signal(SignalName.FRUSTRATION_SCORE, turns[-1].frustration))
    if declined:
        signals.append(signal(SignalName.OFFER_DECLINED, True))
    for result in fired:
        signals.extend(item for item in result.signals if item not in signals)
    if fired and fired[0].reason is not HandoffReason.EXPLICIT_REQUEST:
        topic = topic_of(signals)
        if topic is not None and topic in handed_back_topics(events_list):
            signals.append(signal(SignalName.HANDED_BACK_TOPIC, topic))
            fired = []
    if not fired:
        return PolicyDecision(None, PolicyAction.NONE, signals)
    primary = fired[0].reason
    action = PolicyAction.OFFER if primary is HandoffReason.LOW_CONFIDENCE else PolicyAction.HANDOFF
    return PolicyDecision(primary, action, signals)
