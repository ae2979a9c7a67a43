"""Frustration: the latest message's score, or a rising trend over the last few turns.

The scores come from the NLU's ``FrustrationScorer`` (``parse_data["frustration"]["score"]``).
One polite complaint scores low and is not enough; the trend catches a customer whose patience
runs out over several messages without any single one crossing the threshold. A message the
NLU reads as venting (``frustration.intents``, default ``complaint``) counts whatever its
score. Turns without a score (button payloads) are skipped.
"""

from __future__ import annotations

from typing import List, Optional

from handoff.policy.signals import Fired, SignalName, signal
from handoff.policy.turns import CustomerTurn
from handoff.reasons import HandoffReason
from handoff.settings.policy import FrustrationSettings, PolicySettings


def trend_fires(scores: List[float], section: FrustrationSettings) -> bool:
    """Tell whether the last ``window`` scores show a rising, sustained frustration.

    All must hold: a full window of scores; their mean (rounded to 4 decimals, as the scorer
    rounds) at or above ``trend_threshold``; at least ``trend_min_turns`` of them at or above
    ``trend_floor``; and rising — the latest score above the window's first.
    """
    window = scores[-section.window :]
    if len(window) < section.window:
        return False
    mean = round(sum(window) / len(window), 4)
    above_floor = sum(score >= section.trend_floor for score in window)
    return (
        mean >= section.trend_threshold
        and above_floor >= section.trend_min_turns
        and window[-1] > window[0]
    )


def frustration(turns: List[CustomerTurn], settings: PolicySettings) -> Optional[Fired]:
    """Return the frustration trigger for the latest turn, or None.

    Signals: ``frustration_score`` (the latest message), ``frustration_trend`` (the recent
    scores, oldest first) and, when the NLU gave them, the latest ``frustration_cues``.
    """
    section = settings.frustration
    latest = turns[-1]
    venting = latest.intent in section.intents
    if latest.frustration is None and not venting:
        return None
    scores = [turn.frustration for turn in turns if turn.frustration is not None]
    if (
        not venting
        and latest.frustration is not None
        and latest.frustration < section.threshold
        and not trend_fires(scores, section)
    ):
        return None
    signals = [
        signal(SignalName.FRUSTRATION_SCORE, latest.frustration),
        *([signal(SignalName.VENTING_INTENT, latest.intent)] if venting else []),
        signal(SignalName.FRUSTRATION_TREND, scores[-section.window :]),
    ]
    if latest.frustration_cues:
        signals.append(signal(SignalName.FRUSTRATION_CUES, latest.frustration_cues))
    return Fired(HandoffReason.FRUSTRATION, signals)
