"""``action_decide_handoff``: sets ``handoff_reason`` and the signals behind it."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import handoff_settings
from handoff import slots
from handoff.policy import PolicyAction, evaluate
from handoff.reasons import HandoffReason


class ActionDecideHandoff(Action):
    """Decide why the conversation goes to a person, before the intake form runs.

    The trigger policy (``handoff.policy``, configured under ``policy:`` in handoff.yml)
    reads the whole session from the tracker and returns one primary reason plus every
    signal that contributed. The rules call this action for the intents that hand over, so
    a message the policy does not hand over on (a rule matched on a misclassified intent) is
    still treated as the customer asking for a person.
    """

    def name(self) -> str:
        """Return the action's name, as listed in domain.yml."""
        return "action_decide_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Set ``handoff_reason`` and ``handoff_signals``; reset what a previous handoff left."""
        decision = evaluate(tracker.events, handoff_settings().policy)
        handing_over = decision.action is PolicyAction.HANDOFF and decision.reason is not None
        reason = (
            decision.reason if handing_over and decision.reason else HandoffReason.EXPLICIT_REQUEST
        )
        return [
            SlotSet(slots.HANDOFF_REASON, reason.value),
            SlotSet(slots.HANDOFF_SIGNALS, decision.signals),
            SlotSet(slots.INTAKE_DECLINED, None),
        ]
