"""``action_set_language``: the ``language`` slot on every customer turn.

domain.yml maps the slot with ``type: custom, action: action_set_language``, so Rasa's
``action_extract_slots`` runs this action after each customer message, before the policies
choose a response: every response of that turn -- ``utter_default`` and the intake's questions
included -- is rendered in the language chosen here (rule: ``handoff/language.py``).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from handoff.language import choose_language
from handoff.slots import LANGUAGE_SLOT

logger = logging.getLogger(__name__)


class ActionSetLanguage(Action):
    """Set ``language`` from the channel's hint or the customer's words; else keep it."""

    def name(self) -> str:
        """Return the action's name, as listed in domain.yml."""
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Return ``SlotSet("language", ...)`` when the language changes, else nothing."""
        message = tracker.latest_message or {}
        previous = tracker.get_slot(LANGUAGE_SLOT)
        hint = _latest_metadata(tracker).get("language")
        choice = choose_language(hint, message.get("text"), previous)
        logger.debug("language %s (%s)", choice.language, choice.reason)
        if choice.language == previous:
            return []
        return [SlotSet(LANGUAGE_SLOT, choice.language)]


def _latest_metadata(tracker: Tracker) -> Dict[str, Any]:
    # Rasa 3.6 keeps a message's metadata on its ``user`` event, not always in the parse data
    # it sends as ``latest_message`` (as ActionHandoff.handoff_request reads it).
    metadata = (tracker.latest_message or {}).get("metadata")
    if metadata:
        return dict(metadata)
    said: Dict[str, Any] = next(
        (e for e in reversed(tracker.events) if e.get("event") == "user"), {}
    )
    return dict(said.get("metadata") or {})
