"""The expected wait, in the words the customer reads ("about 4 minutes")."""

from __future__ import annotations

import math
from typing import Optional

UNKNOWN_WAIT = "a few minutes"


def describe_wait(seconds: Optional[float]) -> str:
    """Return ``seconds`` as a rounded, friendly duration for the queued message.

    None (the desk gave no estimate) reads "a few minutes"; under a minute "less than a
    minute"; up to an hour whole minutes; beyond that quarter hours ("about 1.5 hours" is
    avoided: "about 1 hour 30 minutes").
    """
    if seconds is None or seconds < 0:
        return UNKNOWN_WAIT
    if seconds < 60:
        return "less than a minute"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    quarters = round(minutes / 15) * 15
    hours, rest = divmod(quarters, 60)
    text = f"about {hours} hour{'s' if hours != 1 else ''}"
    return f"{text} {rest} minutes" if rest else text
