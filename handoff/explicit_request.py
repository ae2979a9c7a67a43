"""Recognising an explicit request for a person in the customer's own words.

The NLU model's ``human_handoff`` intent is the main signal; these phrases are the safety net
for the moments it must never miss — above all a customer who *insists* while the bot is
asking an intake question. The patterns are deliberately narrow: "cleaning agents" or
"are you a real person?" are not requests.
"""

from __future__ import annotations

import re
from typing import Optional

_PERSON = (
    r"(?:human|person|people|agent|someone|somebody|representative|rep|operator|staff|"
    r"manager|supervisor|colleague|real one|employee|"
    r"customer (?:service|support|care)(?:\s+(?:rep|representative|agent|team))?)"
)
_REQUESTS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"\b(?:talk|speak|chat|connect|transfer|put me through|pass me|hand me over)\b"
        rf"[^.?!]{{0,30}}?\b{_PERSON}\b",
        rf"\b(?:want|need|get|give)\s+(?:me\s+)?(?:a|an|the|some)?\s*(?:real|live|actual)?\s*"
        rf"{_PERSON}\b",
        # the whole message is the request, maybe after refusing a question: "no, agent pls"
        rf"^\W*(?:(?:no+|nope|nah)\W+)?(?:a\s+)?(?:real\s+|live\s+)?{_PERSON}\W*"
        r"(?:please|pls|plz|now)?\W*$",
        r"\bjust\s+(?:connect|transfer|get)\s+me\b",
        rf"\bis\s+there\s+(?:a|an|any|some)?\s*(?:real|live|actual)?\s*{_PERSON}\b"
        r"[^.?!]{0,20}\b(?:talk|speak|chat)\b",
    )
]
_ASKING_WHETHER_BOT = re.compile(
    r"\b(?:are|am|is)\s+(?:you|i|this|that|it)\b[^.?!]{0,30}\b(?:human|person|bot|robot|real)\b",
    re.IGNORECASE,
)


def is_explicit_request(text: Optional[str]) -> bool:
    """Tell whether ``text`` asks to be put through to a person.

    A question about whether the bot is human ("am I talking to a real person?") is a
    bot challenge, not a request, and returns False.
    """
    if not text or _ASKING_WHETHER_BOT.search(text):
        return False
    return any(pattern.search(text) for pattern in _REQUESTS)
