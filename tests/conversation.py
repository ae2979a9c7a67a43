"""Rasa events as the Rasa server records them, for building real trackers in tests."""

from __future__ import annotations

from typing import List, Optional

from rasa.shared.core.events import ActionExecuted, Event, UserUttered


def said(text: str, intent: Optional[str], confidence: float = 0.95) -> List[Event]:
    """The customer's message as Rasa stores it: a listen, then the parsed utterance."""
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
    }
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, parse_data["intent"], parse_data=parse_data, input_channel="rest"),
    ]
