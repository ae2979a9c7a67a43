"""Repeated question: the same request again and again, or "that's not what I asked".

The latest turn must be one of the repetitions (a customer who asked three times and then
says "thanks, bye" is done, not stuck), and all of them within the latest ``window`` customer
turns: the same topic at turns 3, 40 and 90 of a long chat is three questions, not one. Two
ways to be "the same request": the same intent — not small talk or a catch-all like
``nlu_fallback``/``out_of_scope`` — or a near-duplicate text (normalised token Jaccard at or
above ``similarity``). A phrase like "that's not what I asked" counts at once, but only after
an earlier turn the bot answered.

A request the bot did not understand (it fell back, asked to rephrase or offered a person)
and the customer then sends again, near-verbatim, counts at the second time: the customer is
not rephrasing or wandering off — they are asking the same question, unanswered. The agent
learns more from "asked twice, no answer" than from "the bot looped" (looping ranks lower and
still shows in the signals); different messages the bot failed stay looping.
"""

from __future__ import annotations

from typing import FrozenSet, List, Optional

from handoff.policy.looping import not_understood
from handoff.policy.signals import Fired, SignalName, signal
from handoff.policy.text import find_phrase, jaccard, tokens
from handoff.policy.turns import CustomerTurn
from handoff.reasons import HandoffReason
from handoff.settings.policy import PolicySettings

CATCH_ALL_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
"""Intents that mean "something else", so repeating them is not repeating one request."""
MIN_TOKENS = 2
"""Shorter messages ("ok", "?") are not compared as texts."""


def repeated_question(turns: List[CustomerTurn], settings: PolicySettings) -> Optional[Fired]:
    """Return the repeated-question trigger for the latest turn, or None."""
    section = settings.repeated_question
    latest = turns[-1]
    # "that's not what I asked" needs something the bot answered before, in this stretch
    phrase = find_phrase(latest.text, section.phrases) if len(turns) > 1 else None
    if phrase:
        return Fired(
            HandoffReason.REPEATED_QUESTION, [signal(SignalName.NOT_ANSWERED_PHRASE, phrase)]
        )
    if latest.intent in section.ignore_intents:
        return None
    recent = turns[-section.window :]
    requests = [turn for turn in recent if turn.intent not in section.ignore_intents]
    if latest.intent and latest.intent not in CATCH_ALL_INTENTS:
        times = sum(turn.intent == latest.intent for turn in requests)
        if times >= section.times:
            value = {"name": latest.intent, "times": times}
            return Fired(
                HandoffReason.REPEATED_QUESTION, [signal(SignalName.REPEATED_INTENT, value)]
            )
    words = tokens(latest.text)
    if len(words) < MIN_TOKENS:
        return None
    similar = [jaccard(words, tokens(turn.text)) for turn in requests]
    similar = [value for value in similar if value >= section.similarity]
    if len(similar) >= section.times:
        value = {"times": len(similar), "similarity": round(min(similar), 4)}
        return Fired(HandoffReason.REPEATED_QUESTION, [signal(SignalName.REPEATED_TEXT, value)])
    return _repeated_unanswered(turns, words, settings)


def _repeated_unanswered(
    turns: List[CustomerTurn], words: FrozenSet[str], settings: PolicySettings
) -> Optional[Fired]:
    """Fire when the latest turn repeats the one before it, which the bot did not understand."""
    if len(turns) < 2 or not not_understood(turns[-2], settings.looping):
        return None
    similarity = jaccard(words, tokens(turns[-2].text))
    if similarity < settings.repeated_question.similarity:
        return None
    value = {"times": 2, "similarity": round(similarity, 4), "unanswered": True}
    return Fired(HandoffReason.REPEATED_QUESTION, [signal(SignalName.REPEATED_TEXT, value)])
