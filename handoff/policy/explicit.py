"""Explicit request: the customer asks for a person (intent, button or words). Always immediate.

A "yes" to the bot's offer of a person is an explicit request too: the customer was asked and
said so (a "yes" the NLU is as unsure about as the offer threshold asks for is not counted).
A message that says no person is needed ("I don't need to speak to anyone, just tell me ...")
is not one, whatever intent the NLU gives it.
"""

from __future__ import annotations

from typing import Optional

from handoff.policy.looping import unsure_now
from handoff.policy.signals import Fired, SignalName, signal
from handoff.policy.turns import CustomerTurn
from handoff.reasons import HandoffReason
from handoff.settings.policy import PolicySettings
from handoff.signals.explicit_request import declines_a_person, is_explicit_request


def explicit_request(turn: CustomerTurn, settings: PolicySettings) -> Optional[Fired]:
    """Return the explicit-request trigger for the latest turn, or None."""
    signals = []
    if is_explicit_request(turn.text):
        signals.append(signal(SignalName.EXPLICIT_PHRASE, True))
    low = settings.low_confidence
    if (
        turn.after_offer
        and turn.intent in low.accept_intents
        # "😶😶😶" read as a shaky "yes" is not the customer accepting
        and not unsure_now(turn, low.offer_threshold)
    ):
        signals.append(signal(SignalName.OFFER_ACCEPTED, True))
    asked = turn.intent in settings.explicit_request.intents and not declines_a_person(turn.text)
    if signals or asked:
        return Fired(HandoffReason.EXPLICIT_REQUEST, signals)
    return None
