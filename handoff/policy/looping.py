"""Looping: the bot did not understand several customer turns in a row.

A turn counts as not understood when its intent is a fallback intent (``nlu_fallback``), the
bot answered it with a rephrase/fallback action (``utter_default``, an offer of a person ...),
or — for the latest turn, which the bot has not answered yet — the NLU is as unsure as the
low-confidence offer threshold. Only the run ending at the latest turn counts (any turn the
bot handled in between starts the count again), and the latest turn is part of it: at the
second fallback in a row the customer goes to a person instead of being asked to rephrase
once more.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from handoff.policy.signals import Fired, SignalName, signal
from handoff.policy.turns import CustomerTurn
from handoff.reasons import HandoffReason
from handoff.settings.policy import LoopingSettings, PolicySettings


def not_understood(turn: CustomerTurn, section: LoopingSettings) -> bool:
    """Tell whether the bot fell back on ``turn``."""
    return turn.intent in section.fallback_intents or any(
        action in section.rephrase_actions for action in turn.bot_actions
    )


def unsure_now(
    turn: CustomerTurn, offer_threshold: Optional[float], unanswered: Sequence[str] = ()
) -> bool:
    """Tell whether the bot is as unsure about ``turn`` as the low-confidence offer needs.

    The NLU's score reaches ``offer_threshold``, or the intent is one the bot has no answer
    for (``low_confidence.unanswered_intents``).
    """
    if turn.intent in unanswered:
        return True
    score = (turn.uncertainty or {}).get("score")
    return offer_threshold is not None and score is not None and score >= offer_threshold


def fallbacks_in_a_row(
    turns: List[CustomerTurn],
    section: LoopingSettings,
    offer_threshold: Optional[float] = None,
    unanswered: Sequence[str] = (),
) -> int:
    """Return how many turns, ending with the latest, the bot did not understand."""
    count = 0
    for position, turn in enumerate(reversed(turns)):
        latest = position == 0
        unsure = latest and unsure_now(turn, offer_threshold, unanswered)
        if not (not_understood(turn, section) or unsure):
            break
        count += 1
    return count


def looping(turns: List[CustomerTurn], settings: PolicySettings) -> Optional[Fired]:
    """Return the looping trigger (``fallbacks_in_a_row``), or None."""
    low = settings.low_confidence
    count = fallbacks_in_a_row(turns, settings.looping, low.offer_threshold, low.unanswered_intents)
    if count < settings.looping.max_fallbacks:
        return None
    return Fired(HandoffReason.LOOPING, [signal(SignalName.FALLBACKS_IN_A_ROW, count)])
