"""Low confidence: the bot is unsure, so it *offers* a person (buttons) instead of forcing one.

A bot message that offers a person carries ``metadata: {"handoff_offer": true}``; a decline
intent (``deny``) as the customer's next turn is recorded, and the bot does not offer again in
this stretch of the conversation (until the session ends or a person hands it back).
"""

from __future__ import annotations

from typing import List, Optional

from handoff.policy.settings import PolicySettings
from handoff.policy.signals import Fired, SignalName, signal
from handoff.policy.turns import CustomerTurn
from handoff.reasons import HandoffReason


def offer_declined(turns: List[CustomerTurn], settings: PolicySettings) -> bool:
    """Tell whether the customer said no to an offered person in this stretch."""
    decline = settings.low_confidence.decline_intents
    return any(turn.after_offer and turn.intent in decline for turn in turns)


def low_confidence(turns: List[CustomerTurn], settings: PolicySettings) -> Optional[Fired]:
    """Return the low-confidence trigger (``bot_uncertainty``) for the latest turn, or None.

    Fires when the NLU's ``bot_uncertainty.score`` is at or above ``offer_threshold``, when it
    fell back, when the intent is a fallback intent (Rasa's own FallbackClassifier), or one of
    ``unanswered_intents`` (``out_of_scope`` in the shipped handoff.yml: a question the bot has
    no answer for, however sure the NLU is of that).
    """
    latest = turns[-1]
    uncertainty = latest.uncertainty or {}
    score = uncertainty.get("score")
    unsure = (
        (score is not None and float(score) >= settings.low_confidence.offer_threshold)
        or bool(uncertainty.get("fallback"))
        or latest.intent in settings.looping.fallback_intents
        or latest.intent in settings.low_confidence.unanswered_intents
    )
    if not unsure:
        return None
    value = dict(uncertainty) if uncertainty else {"fallback": True, "intent": latest.intent}
    return Fired(HandoffReason.LOW_CONFIDENCE, [signal(SignalName.BOT_UNCERTAINTY, value)])
