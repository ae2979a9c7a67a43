"""Informational questions about sensitive topics: "how long do refunds take?" is an FAQ.

The NLU reads topics, not intentions: "how many days until a refund shows up?" and "I want a
refund for the broken mirror" both look like ``refund_request``. A question that asks *how
something works* (it opens with "how long", "how do I", "can I", "what is your" ...) and
states no problem of the customer's own ("charged me twice", "broken", "wasn't me", "I want")
is answered by the bot with the topic's FAQ response (``sensitive_topic.faq_answers``);
everything else stays a sensitive topic for a person. Both word lists are configurable.
"""

from __future__ import annotations

from typing import Optional

from handoff.policy.settings import InformationalQuestionSettings
from handoff.policy.text import find_phrase, normalise

_LEAD_INS = ("hi", "hello", "hey", "quick question", "just wondering", "roughly", "so", "ok")


def is_informational_question(text: Optional[str], settings: InformationalQuestionSettings) -> bool:
    """Tell whether ``text`` asks how something works rather than reporting a problem.

    It must open with one of ``settings.openers`` (after a greeting or a lead-in like
    "roughly") and contain none of ``settings.problem_phrases``.
    """
    words = normalise(text)
    for lead_in in _LEAD_INS:
        if words.startswith(lead_in + " "):
            words = words[len(lead_in) + 1 :]
    opens = any(
        words == normalise(opener) or words.startswith(normalise(opener) + " ")
        for opener in settings.openers
    )
    if not opens:
        return False
    return find_phrase(text, settings.problem_phrases) is None
