"""``validate_handoff_intake_form``: at most two questions, never a wall.

Before a handoff the form asks for what ``handoff.yml`` lists for the reason (order number,
e-mail). It

- skips what the customer already wrote anywhere in the conversation: the ``order_number`` and
  ``email`` entities of the NLU (``IntakeEntityExtractor``) in each message's ``parse_data``,
  or, for a message without such an entity (older trackers), the same parser on its text;
- accepts a refusal ("I don't have one") and does not ask that again;
- passes on an answer it cannot parse instead of asking again (the agent sees the words);
- stops asking at once when the customer insists on a person.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.settings import handoff_settings
from handoff import slots
from handoff.reasons import HandoffReason
from handoff.signals.explicit_request import is_explicit_request
from handoff.signals.intake import (
    CustomerMessage,
    IntakeField,
    OrderNumberFormat,
    find_in_messages,
    is_refusal,
    normalise,
    value_in_message,
)


def _customer_messages(tracker: Tracker) -> List[CustomerMessage]:
    """Each customer message as ``(text, entities)``, oldest first."""
    return [
        (event.get("text"), (event.get("parse_data") or {}).get("entities") or [])
        for event in tracker.events
        if event.get("event") == "user"
    ]


def _entity_values(
    entities: Sequence[Mapping[str, Any]], field: IntakeField, order_format: OrderNumberFormat
) -> List[str]:
    """Return the normalised values of the entities named ``field``."""
    return [
        normalise(field, str(entity["value"]), order_format)
        for entity in entities
        if entity.get("entity") == field.value and entity.get("value")
    ]


def _reason(tracker: Tracker) -> HandoffReason:
    value = tracker.get_slot(slots.HANDOFF_REASON)
    try:
        return HandoffReason(value)
    except ValueError:
        return HandoffReason.EXPLICIT_REQUEST


class ValidateHandoffIntakeForm(FormValidationAction):
    """Validation and extraction for ``handoff_intake_form``."""

    def name(self) -> str:
        """Return the action's name, as listed in domain.yml."""
        return "validate_handoff_intake_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[str, Any]]:
        """Validate the answer, or end the form at once if the customer insists on a person."""
        if self._insists(tracker):
            signals = list(tracker.get_slot(slots.HANDOFF_SIGNALS) or [])
            signals.append({"name": "insisted_during_intake", "value": True})
            unanswered = [name for name in tracker.slots_to_validate() if name != "requested_slot"]
            return [
                *(SlotSet(name, None) for name in unanswered),
                SlotSet(slots.HANDOFF_SIGNALS, signals),
                SlotSet(slots.REQUESTED_SLOT, None),
            ]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        """Ask only what the reason needs and the customer has not declined."""
        questions = handoff_settings().intake.questions_for(_reason(tracker))
        declined = set(tracker.get_slot(slots.INTAKE_DECLINED) or [])
        return [field.value for field in questions if field.value not in declined]

    # --- extraction: reuse what the customer already said, never ask for it ---

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Take an order number the customer already wrote (before or during the form)."""
        return self._from_history(tracker, IntakeField.ORDER_NUMBER)

    async def extract_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Take an e-mail address the customer already wrote (before or during the form)."""
        return self._from_history(tracker, IntakeField.EMAIL)

    # --- validation of the answers ---

    def validate_order_number(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        """Normalise an order number; accept a refusal; pass on what cannot be parsed."""
        parsed = self._parsed(IntakeField.ORDER_NUMBER, value, tracker)
        return self._validated(IntakeField.ORDER_NUMBER, value, parsed, dispatcher, tracker)

    def validate_email(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[str, Any]:
        """Normalise an e-mail address; accept a refusal; pass on what cannot be parsed."""
        parsed = self._parsed(IntakeField.EMAIL, value, tracker)
        return self._validated(IntakeField.EMAIL, value, parsed, dispatcher, tracker)

    # --- internals ---

    def _insists(self, tracker: Tracker) -> bool:
        # Only an answer to a question the form asked can insist; at activation (no question
        # asked yet) the active loop is already set, but the message is the request itself.
        if tracker.active_loop.get("name") != self.form_name():
            return False
        if tracker.get_slot(slots.REQUESTED_SLOT) is None:
            return False
        message = tracker.latest_message or {}
        text = message.get("text")
        if is_explicit_request(text):
            return True
        # "Ich habe keine" answers the question: the English NLU may file a German refusal
        # under human_handoff, but the words say what the customer meant.
        if isinstance(text, str) and is_refusal(text):
            return False
        intent = (message.get("intent") or {}).get("name")
        return intent in handoff_settings().policy.explicit_request.intents

    def _from_history(self, tracker: Tracker, field: IntakeField) -> Dict[str, Any]:
        if tracker.get_slot(field.value) is not None:
            return {}
        messages = _customer_messages(tracker)
        asked = tracker.get_slot(slots.REQUESTED_SLOT)
        if asked is not None:
            # While the form asks, only the latest answer is new; the asked slot comes from it
            # through its from_text mapping, another value in it ("my e-mail is ...") is kept.
            # At activation nothing has been asked yet and the whole conversation counts.
            if asked == field.value:
                return {}
            messages = messages[-1:]
        order_format = handoff_settings().intake.order_number_format
        value = find_in_messages(messages, field, order_format)
        return {field.value: value} if value else {}

    @staticmethod
    def _parsed(field: IntakeField, value: Any, tracker: Tracker) -> Optional[str]:
        # A candidate is the answer's whole text (from_text mapping: its entity if the NLU
        # found one, else the text parsed) or a value extract_<slot> took from an entity,
        # already normalised by the NLU (maybe under a pattern only the NLU knows).
        if not isinstance(value, str):
            return None
        order_format = handoff_settings().intake.order_number_format
        for text, entities in reversed(_customer_messages(tracker)):
            if text == value:
                return value_in_message(text, entities, field, order_format)
            if value in _entity_values(entities, field, order_format):
                return value
        return value_in_message(value, [], field, order_format)

    @staticmethod
    def _validated(
        field: IntakeField,
        value: Any,
        parsed: Optional[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> Dict[str, Any]:
        if parsed:
            return {field.value: parsed}
        if not (isinstance(value, str) and is_refusal(value)):
            dispatcher.utter_message(response=f"utter_invalid_{field.value}")
        declined = list(tracker.get_slot(slots.INTAKE_DECLINED) or [])
        if field.value not in declined:
            declined.append(field.value)
        return {field.value: None, slots.INTAKE_DECLINED: declined}
