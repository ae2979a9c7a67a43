"""The validator sees the tracker Rasa's FormAction builds for it: the conversation, then
``SlotSet(requested_slot)``, ``ActionExecuted(handoff_intake_form)`` and the slot candidates
extracted from the customer's answer (see ``FormAction._temporary_tracker``)."""

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet
from rasa_sdk.events import SlotSet as SdkSlotSet

from actions.intake_form import ValidateHandoffIntakeForm
from tests.conversation import said

ASK = {
    "order_number": "So our team can help you right away: what is your order number?",
    "email": "And which e-mail address did you use for your order or account?",
}


def _decided(reason, *customer_turns):
    """The conversation up to the moment the form starts, after action_decide_handoff."""
    return [
        *(event for text, intent in customer_turns for event in said(text, intent)),
        ActionExecuted("action_decide_handoff"),
        SlotSet("handoff_reason", reason),
        SlotSet("handoff_signals", []),
        SlotSet("intake_declined", None),
    ]


def _form_call(history, requested=None, **candidates):
    activation = (
        []
        if any(isinstance(e, ActiveLoop) for e in history)
        else [
            ActiveLoop("handoff_intake_form")  # Rasa activates the loop before validating
        ]
    )
    return [
        *history,
        *activation,
        SlotSet("requested_slot", requested),
        ActionExecuted("handoff_intake_form"),
        *(SlotSet(name, value) for name, value in candidates.items()),
    ]


def _asked(history, slot, answer, intent="inform", **filled):
    """The form is active, has asked for ``slot``; the customer answered ``answer``."""
    return _form_call(
        [
            *history,
            ActiveLoop("handoff_intake_form"),
            *(SlotSet(name, value) for name, value in filled.items()),
            SlotSet("requested_slot", slot),
            BotUttered(ASK[slot]),
            *said(answer, intent),
        ],
        slot,
        **{slot: answer},
    )


@pytest.fixture
def validate(run_action, tracker_from, dispatcher):
    def run(events):
        return run_action(ValidateHandoffIntakeForm(), tracker_from(events))

    return run


def test_an_order_number_written_earlier_is_not_asked_again(validate, dispatcher):
    history = _decided(
        "explicit_request",
        ("where is my order #1234567? it's two weeks late", "order_status"),
        ("get me a human", "human_handoff"),
    )

    events = validate(_form_call(history))

    # Filled at activation; Rasa then asks the first empty slot: the e-mail.
    assert events == [SdkSlotSet("order_number", "1234567")]
    assert dispatcher.messages == []


def test_the_message_asking_for_a_person_can_carry_both_details(validate, dispatcher):
    history = _decided(
        "sensitive_topic",
        ("refund for ORD-7654321 now, mail me at Jane.Doe@Example.com", "refund_request"),
    )

    events = validate(_form_call(history))

    assert events == [
        SdkSlotSet("order_number", "7654321"),
        SdkSlotSet("email", "jane.doe@example.com"),
    ]
    assert dispatcher.messages == []


def test_a_high_value_request_asks_only_for_the_email(validate):
    history = _decided(
        "high_value", ("do you have volume pricing for 40 desks", "enterprise_pricing")
    )

    assert validate(_form_call(history)) == [SdkSlotSet("requested_slot", "email")]


def test_a_reason_without_questions_hands_over_at_once(validate):
    history = _decided("frustration", ("this is the third time I ask!!", "complaint"))

    assert validate(_form_call(history)) == [SdkSlotSet("requested_slot", None)]


@pytest.mark.parametrize("answer", ["I don't have one", "no idea", "skip", "I'd rather not"])
def test_a_refusal_is_accepted_recorded_and_not_asked_again(validate, dispatcher, answer):
    history = _decided("explicit_request", ("talk to a person", "human_handoff"))

    events = validate(_asked(history, "order_number", answer, intent="deny"))

    assert events == [
        SdkSlotSet("order_number", None),
        SdkSlotSet("intake_declined", ["order_number"]),
        SdkSlotSet("requested_slot", "email"),
    ]
    assert dispatcher.messages == []  # no arguing with the customer


def test_declining_both_questions_ends_the_intake(validate):
    history = _decided("explicit_request", ("talk to a person", "human_handoff"))
    answered = _asked(history, "email", "dont have it", intent="deny", order_number=None)
    answered.insert(len(history) + 1, SlotSet("intake_declined", ["order_number"]))

    assert validate(answered) == [
        SdkSlotSet("email", None),
        SdkSlotSet("intake_declined", ["order_number", "email"]),
        SdkSlotSet("requested_slot", None),
    ]


def test_an_answer_that_is_not_an_order_number_is_passed_on_not_asked_again(
    validate, dispatcher, customer_reads
):
    history = _decided("explicit_request", ("talk to a person", "human_handoff"))

    events = validate(_asked(history, "order_number", "it's on the receipt somewhere"))

    assert events == [
        SdkSlotSet("order_number", None),
        SdkSlotSet("intake_declined", ["order_number"]),
        SdkSlotSet("requested_slot", "email"),
    ]
    assert customer_reads() == [
        "That doesn't look like one of our order numbers - no problem, "
        "I'll pass on what you wrote to our team."
    ]


@pytest.mark.parametrize(
    "slot, answer, value",
    [
        ("order_number", "yes it's #1234567", "1234567"),
        ("order_number", "ORD-12345678", "12345678"),
        ("email", "Jane@Example.com", "jane@example.com"),
        ("email", "it's jane.doe+shop@example.co.uk thanks", "jane.doe+shop@example.co.uk"),
    ],
)
def test_an_answer_is_normalised(validate, dispatcher, slot, answer, value):
    history = _decided("explicit_request", ("talk to a person", "human_handoff"))

    events = validate(_asked(history, slot, answer))

    assert events[0] == SdkSlotSet(slot, value)
    assert dispatcher.messages == []


def test_an_email_given_for_the_order_number_is_kept_and_not_asked_for(validate):
    history = _decided("explicit_request", ("talk to a person", "human_handoff"))

    events = validate(_asked(history, "order_number", "i only have my email: jane@example.com"))

    assert events == [
        SdkSlotSet("order_number", None),
        SdkSlotSet("email", "jane@example.com"),
        SdkSlotSet("intake_declined", ["order_number"]),
        SdkSlotSet("requested_slot", None),  # nothing left to ask: hand over
    ]


@pytest.mark.parametrize(
    "answer, intent",
    [
        ("just get me a human", "human_handoff"),
        ("stop asking questions, I want to speak to a manager", "inform"),
        ("no. agent pls", "deny"),
    ],
)
@pytest.mark.parametrize("slot", ["order_number", "email"])
def test_insisting_on_a_person_ends_the_intake_at_once(validate, dispatcher, slot, answer, intent):
    history = _decided("explicit_request", ("talk to a person", "human_handoff"))

    events = validate(_asked(history, slot, answer, intent=intent))

    assert events == [
        SdkSlotSet(slot, None),
        SdkSlotSet("handoff_signals", [{"name": "insisted_during_intake", "value": True}]),
        SdkSlotSet("requested_slot", None),
    ]
    assert dispatcher.messages == []


@pytest.mark.parametrize("request_text", ["I want to talk to a human", "get me a real person"])
def test_the_request_that_starts_the_intake_is_not_an_insistence(validate, request_text):
    history = _decided("explicit_request", (request_text, "human_handoff"))

    # The form goes on to ask its questions (the domain's order: nothing to override) instead
    # of ending with an insisted_during_intake signal.
    assert validate(_form_call(history)) == []
