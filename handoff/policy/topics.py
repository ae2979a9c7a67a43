"""Sensitive topics and high-value requests, read from the latest customer turn.

The intent decides; a narrow phrase list per topic (default: legal threats and formal
complaints) is the safety net for what the NLU has no intent for. Informational FAQ intents
("how long do refunds take?") are never sensitive, not even through a phrase. A
``phrase_only`` intent (default: ``complaint``) is sensitive only with one of the phrases:
"I want to file a formal complaint" is, "worst service ever" is venting (frustration).
"""

from __future__ import annotations

from typing import Optional

from handoff.policy.informational import is_informational_question
from handoff.policy.signals import Fired, SignalName, signal
from handoff.policy.text import find_phrase
from handoff.policy.turns import CustomerTurn
from handoff.reasons import HandoffReason
from handoff.settings.policy import PolicySettings


def faq_answer(turn: CustomerTurn, settings: PolicySettings) -> Optional[str]:
    """Return the FAQ response for an informational question about a sensitive topic, or None.

    "how long do refunds take?" read as ``refund_request`` gets ``utter_return_policy``
    (``sensitive_topic.faq_answers``); "I want a refund for the broken lamp" gets None.
    """
    section = settings.sensitive_topic
    answer = section.faq_answers.get(turn.intent or "")
    if answer and is_informational_question(turn.text, section.informational):
        return answer
    return None


def sensitive_topic(turn: CustomerTurn, settings: PolicySettings) -> Optional[Fired]:
    """Return the sensitive-topic trigger (``topic``: intent or phrase topic), or None."""
    section = settings.sensitive_topic
    if (
        turn.intent in section.intents
        and turn.intent not in section.phrase_only_intents
        and faq_answer(turn, settings) is None
        # "you didn't answer my question" is about the bot's answer, not a topic
        and find_phrase(turn.text, settings.repeated_question.phrases) is None
    ):
        return Fired(HandoffReason.SENSITIVE_TOPIC, [signal(SignalName.TOPIC, turn.intent)])
    if turn.intent in section.informational_intents:
        return None
    for topic, phrases in section.phrases.items():
        phrase = find_phrase(turn.text, phrases, skip_negated=True)
        if phrase:
            return Fired(
                HandoffReason.SENSITIVE_TOPIC,
                [signal(SignalName.TOPIC, topic), signal(SignalName.SENSITIVE_PHRASE, phrase)],
            )
    return None


def high_value(turn: CustomerTurn, settings: PolicySettings) -> Optional[Fired]:
    """Return the high-value trigger (``topic``: the intent, mapped to a team by routing)."""
    if turn.intent in settings.high_value.intents:
        return Fired(HandoffReason.HIGH_VALUE, [signal(SignalName.TOPIC, turn.intent)])
    return None
