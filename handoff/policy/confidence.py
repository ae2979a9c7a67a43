"""Low confidence: the bot is unsure, so it *offers* a person (buttons) instead of forcing one.

A message that mentions people, staff or a human without clearly asking for one ("do real
people read these chats?") gets the offer too (``person_mentioned``; off with
``low_confidence.offer_on_person_mention: false``): the cost of asking is one tap, the cost of
missing a customer who wanted a person is the whole conversation.

A bot message that offers a person carries ``metadata: {"handoff_offer": true}``; a decline
intent (``deny``) as the customer's next turn is recorded, and the bot does not offer again in
this stretch of the conversation (until the session ends or a person hands it back).
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional

from handoff.policy.signals import Fired, SignalName, signal
from handoff.policy.topics import faq_answer
from handoff.policy.turns import CustomerTurn
from handoff.reasons import HandoffReason
from handoff.settings.policy import PolicySettings
from handoff.signals.explicit_request import is_explicit_request, mentions_a_person


def offer_declined(turns: List[CustomerTurn], settings: PolicySettings) -> bool:
    """Tell whether the customer said no to an offered person in this stretch."""
    decline = settings.low_confidence.decline_intents
    return any(turn.after_offer and turn.intent in decline for turn in turns)


def _mentions_a_person(turn: CustomerTurn, settings: PolicySettings) -> bool:
    """Tell whether a person is named, the turn being neither a request nor an answered FAQ.

    A request already hands over (explicit request). A question the bot answers is answered:
    "when does your support team open?" is filed under an FAQ intent
    (``sensitive_topic.informational_intents``), and "do I need to call someone to unlock my
    account?" gets its FAQ answer, which says whom to call.
    """
    return (
        settings.low_confidence.offer_on_person_mention
        and mentions_a_person(turn.text)
        and turn.intent not in settings.explicit_request.intents
        and turn.intent not in settings.sensitive_topic.informational_intents
        and not is_explicit_request(turn.text)
        and faq_answer(turn, settings) is None
    )


def nlu_unsure(
    intent: Optional[str], uncertainty: Optional[Mapping[str, Any]], settings: PolicySettings
) -> bool:
    """Tell whether the NLU was unsure of a message (the rule the metrics count, too).

    ``uncertainty`` is the parse's ``bot_uncertainty``: unsure when its ``score`` is at or
    above ``low_confidence.offer_threshold`` or it fell back, or when the intent is a
    fallback intent (``looping.fallback_intents``, Rasa's FallbackClassifier).
    """
    reading = uncertainty or {}
    score = reading.get("score")
    return (
        (score is not None and float(score) >= settings.low_confidence.offer_threshold)
        or bool(reading.get("fallback"))
        or intent in settings.looping.fallback_intents
    )


def unanswered(intent: Optional[str], settings: PolicySettings) -> bool:
    """Tell whether the intent means the bot has no answer (``unanswered_intents``)."""
    return intent in settings.low_confidence.unanswered_intents


def low_confidence(turns: List[CustomerTurn], settings: PolicySettings) -> Optional[Fired]:
    """Return the low-confidence trigger (``bot_uncertainty``) for the latest turn, or None.

    Fires when the NLU's ``bot_uncertainty.score`` is at or above ``offer_threshold``, when it
    fell back, when the intent is a fallback intent (Rasa's own FallbackClassifier), or one of
    ``unanswered_intents`` (``out_of_scope`` in the shipped handoff.yml: a question the bot has
    no answer for, however sure the NLU is of that), or when the message mentions a person
    (:func:`~handoff.signals.explicit_request.mentions_a_person`) and
    ``offer_on_person_mention`` is on.
    """
    latest = turns[-1]
    uncertainty = latest.uncertainty or {}
    unsure = nlu_unsure(latest.intent, uncertainty, settings) or unanswered(latest.intent, settings)
    mentioned = _mentions_a_person(latest, settings)
    if not unsure and not mentioned:
        return None
    signals = []
    if unsure:
        value = dict(uncertainty) if uncertainty else {"fallback": True, "intent": latest.intent}
        signals.append(signal(SignalName.BOT_UNCERTAINTY, value))
    if mentioned:
        signals.append(signal(SignalName.PERSON_MENTIONED, True))
    return Fired(HandoffReason.LOW_CONFIDENCE, signals)
