"""Rasa events as the Rasa server records them, for building real trackers in tests."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from rasa.shared.core.events import ActionExecuted, Event, UserUttered


def said(
    text: str,
    intent: Optional[str],
    confidence: float = 0.95,
    entities: Sequence[Dict[str, Any]] = (),
) -> List[Event]:
    """The customer's message as Rasa stores it: a listen, then the parsed utterance.

    ``entities`` as the NLU pipeline extracted them (``{"entity", "value", "start", "end",
    "extractor", ...}``); none by default, like a pipeline without entity extractors.
    """
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [dict(entity) for entity in entities],
    }
    return [
        ActionExecuted("action_listen"),
        UserUttered(
            text,
            parse_data["intent"],
            parse_data["entities"],
            parse_data=parse_data,
            input_channel="rest",
        ),
    ]
