"""Informational questions about sensitive topics: "how long do refunds take?" is an FAQ.

The NLU reads topics, not intentions: "how many days until a refund shows up?" and "I want a
refund for the broken mirror" both look like ``refund_request``. A question that asks *how
something works* (it, or one of its clauses, opens with "how long", "how do I", "can I",
"what is your", "if I" ...) and states no problem of the customer's own ("charged me twice",
"broken", "wasn't me", "I want") is answered by the bot with the topic's FAQ response
(``sensitive_topic.faq_answers``); everything else stays a sensitive topic for a person.
Both word lists are configurable.
"""

from __future__ import annotations

import re
from typing import List, Optional

from handoff.policy.text import find_phrase, normalise
from handoff.settings.policy import InformationalQuestionSettings

_LEAD_INS = ("hi", "hello", "hey", "quick question", "just wondering", "roughly", "so", "ok")
_CLAUSE = re.compile(r"[^\w\s'\u2019]+")
"""The question may follow a statement: "I think my password is too weak, where can I ...";
punctuation, emoji and other symbols end a clause ("forgot my password 🙈 how do I ...")."""


def is_informational_question(text: Optional[str], settings: InformationalQuestionSettings) -> bool:
    """Tell whether ``text`` asks how something works rather than reporting a problem.

    One of its clauses must open with one of ``settings.openers`` (after a greeting or a
    lead-in like "roughly"; "if I send it back, does the refund ..." counts) and the whole
    message must contain none of ``settings.problem_phrases``.
    """
    openers = [normalise(opener) for opener in settings.openers]
    if not any(_opens_with(clause, openers) for clause in _CLAUSE.split(text or "")):
        return False
    # "do I need to ask someone?" asks; it does not state a need
    return find_phrase(text, settings.problem_phrases, skip_asked=True) is None


def _opens_with(clause: str, openers: List[str]) -> bool:
    words = normalise(clause)
    for lead_in in _LEAD_INS:
        if words.startswith(lead_in + " "):
            words = words[len(lead_in) + 1 :]
    return any(words == opener or words.startswith(opener + " ") for opener in openers)
