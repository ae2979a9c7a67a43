"""Offering a person when the bot is unsure, and recording the customer's answer.

``HandoffTriggerPolicy`` predicts ``action_offer_handoff`` on low confidence; the action sends
``utter_offer_handoff`` (buttons "Talk to a person" / "No thanks") and records the offer. The
rule "The customer declines the offered person" runs ``action_offer_declined`` when the next
customer turn is a "no": it acknowledges and records the decline. A "yes" is an explicit
request, handed over (and recorded) like any other.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.decision_log import report_decision
from actions.settings import handoff_settings
from handoff.policy import evaluate
from handoff.reasons import HandoffReason

OFFER_RESPONSE = "utter_offer_handoff"
DECLINED_RESPONSE = "utter_deny_ack"


class ActionOfferHandoff(Action):
    """Offer a person with buttons; record the offer with the signals behind it."""

    def name(self) -> str:
        """Return the action's name, as listed in domain.yml."""
        return "action_offer_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Send the offer, then report it (never changes the conversation's state)."""
        dispatcher.utter_message(response=OFFER_RESPONSE)
        decision = evaluate(tracker.events, handoff_settings().policy)
        await report_decision(
            tracker, "offer", HandoffReason.LOW_CONFIDENCE.value, decision.signals
        )
        return []


class ActionOfferDeclined(Action):
    """The customer said no to the offered person: acknowledge and record it."""

    def name(self) -> str:
        """Return the action's name, as listed in domain.yml."""
        return "action_offer_declined"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Say "alright" and report the decline."""
        dispatcher.utter_message(response=DECLINED_RESPONSE)
        await report_decision(tracker, "offer_declined", HandoffReason.LOW_CONFIDENCE.value, [])
        return []
