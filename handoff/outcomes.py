"""How a person ended a chat they handed back to the bot: a fixed set, like the reasons.

A contract between the desk (``POST /api/handoffs/<id>/handback`` with ``{"outcome": ...}``),
the ``handoff_outcome`` slot (designers condition the bot's first words on it, see
``utter_welcome_back`` in domain.yml), the handoff store and analytics. No outcome (an empty
handback body) stays possible: the bot then says its plain welcome back.
"""

from __future__ import annotations

from enum import Enum
from typing import Optional

from pydantic import BaseModel, Extra, Field


class HandbackOutcome(str, Enum):
    """What the agent says about the customer's problem when handing back."""

    RESOLVED = "resolved"  # solved; the bot may close the topic
    NOT_RESOLVED = "not_resolved"  # not solved (yet); the bot should not pretend it was
    FOLLOW_UP = "follow_up"  # the team will come back to the customer (e-mail, call)


NOTE_MAX_LENGTH = 500
"""The agent's note for the bot (``handoff_note`` slot): at most this many characters."""


class Handback(BaseModel):
    """The body of ``POST /api/handoffs/<id>/handback`` (both fields optional)."""

    class Config:
        """A misspelt field is refused, not ignored: the bot would say the wrong thing."""

        extra = Extra.forbid

    outcome: Optional[HandbackOutcome] = None
    note: Optional[str] = Field(None, max_length=NOTE_MAX_LENGTH)
