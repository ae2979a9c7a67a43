"""``action_decide_handoff``: sets ``handoff_reason`` and the signals behind it."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from handoff import slots
from handoff.decision import decide_handoff
from handoff.reasons import HandoffReason


class ActionDecideHandoff(Action):
    """Decide why the conversation goes to a person, before the intake form runs.

    The rules call it for the intents that hand over; a message the decision does not
    recognise (a rule matched on a misclassified intent) is still treated as the customer
    asking for a person, because the rule only fires on handoff intents.
    """

    def name(self) -> str:
        """Return the action's name, as listed in domain.yml."""
        return "action_decide_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Set ``handoff_reason`` and ``handoff_signals``; reset what a previous handoff left."""
        message = tracker.latest_message or {}
        intent = message.get("intent") or {}
        decision = decide_handoff(message.get("text"), intent.get("name"), intent.get("confidence"))
        reason = decision.reason if decision else HandoffReason.EXPLICIT_REQUEST
        signals = decision.signals if decision else []
        return [
            SlotSet(slots.HANDOFF_REASON, reason.value),
            SlotSet(slots.HANDOFF_SIGNALS, signals),
            SlotSet(slots.INTAKE_DECLINED, None),
        ]
