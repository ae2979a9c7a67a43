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


@pytest.mark.parametrize(
    "answer", ["Ich habe keine", "je n'en ai pas", "No lo tengo", "I don't have one"]
)
@pytest.mark.parametrize("slot", ["order_number", "email"])
def test_a_refusal_the_nlu_reads_as_a_request_for_a_person_is_a_refusal(validate, slot, answer):
    # The NLU is trained on English: it has filed German refusals under human_handoff.
    history = _decided("explicit_request", ("talk to a person", "human_handoff"))

    events = validate(_asked(history, slot, answer, intent="human_handoff"))

    assert SdkSlotSet("intake_declined", [slot]) in events
    assert not any(event.get("name") == "handoff_signals" for event in events)


@pytest.mark.parametrize("request_text", ["I want to talk to a human", "get me a real person"])
def test_the_request_that_starts_the_intake_is_not_an_insistence(validate, request_text):
    history = _decided("explicit_request", (request_text, "human_handoff"))

    # The form goes on to ask its questions (the domain's order: nothing to override) instead
    # of ending with an insisted_during_intake signal.
    assert validate(_form_call(history)) == []


# --- values from the NLU's entities (IntakeEntityExtractor) in parse_data ---


def _entity(entity, value, written, text):
    start = text.index(written)
    return {
        "entity": entity,
        "start": start,
        "end": start + len(written),
        "value": value,
        "confidence_entity": 1.0,
        "extractor": "IntakeEntityExtractor",
    }


def _said_with_entities(text, intent, *entities):
    return said(text, intent, entities=[_entity(*entity, text) for entity in entities])


def _decided_with(reason, *customer_events):
    return [
        *customer_events,
        ActionExecuted("action_decide_handoff"),
        SlotSet("handoff_reason", reason),
        SlotSet("handoff_signals", []),
        SlotSet("intake_declined", None),
    ]


def test_at_activation_the_entities_in_the_history_are_used(validate, dispatcher):
    # NW-12345 is an order number only for the NLU's (custom) pattern: the value can only
    # have come from the entity, not from parsing the text.
    text = "parcel NW-12345 is lost, write to Jane@Example.com"
    history = _decided_with(
        "sensitive_topic",
        *_said_with_entities(
            text,
            "complaint",
            ("order_number", "12345", "NW-12345"),
            ("email", "jane@example.com", "Jane@Example.com"),
        ),
        *said("get me a human", "human_handoff"),
    )

    assert validate(_form_call(history)) == [
        SdkSlotSet("order_number", "12345"),
        SdkSlotSet("email", "jane@example.com"),
    ]
    assert dispatcher.messages == []


def test_the_most_recent_value_wins_whether_from_an_entity_or_the_text(validate):
    history = _decided_with(
        "explicit_request",
        *_said_with_entities(
            "order #1111111 was fine", "inform", ("order_number", "1111111", "#1111111")
        ),
        *said("but ORD-2222222 is late", "order_status"),  # a message from before the extractor
        *said("talk to a person", "human_handoff"),
    )

    assert validate(_form_call(history))[0] == SdkSlotSet("order_number", "2222222")


def test_a_phone_number_is_not_taken_for_an_order_number(validate):
    history = _decided(
        "explicit_request", ("call me on +44 7700 900123, I want a person", "human_handoff")
    )

    assert validate(_form_call(history)) == []  # the form goes on to ask for it


def test_while_asking_an_entity_in_the_latest_answer_fills_the_other_slot(validate):
    history = _decided("explicit_request", ("talk to a person", "human_handoff"))
    answered = _asked(history, "email", "jane@example.com")
    answer = "jane@example.com, and the order is NW-12345"
    # replace the plain answer by one the NLU extracted entities from
    at = next(i for i, e in enumerate(answered) if getattr(e, "text", None) == "jane@example.com")
    answered[at - 1 : at + 1] = _said_with_entities(
        answer,
        "inform",
        ("email", "jane@example.com", "jane@example.com"),
        ("order_number", "12345", "NW-12345"),
    )
    answered[-1] = SlotSet("email", answer)

    # Both filled; Rasa's form then finds nothing left to ask (domain order, no override).
    assert validate(answered) == [
        SdkSlotSet("email", "jane@example.com"),
        SdkSlotSet("order_number", "12345"),
    ]


def test_the_asked_slot_takes_the_entity_of_the_answer(validate, dispatcher):
    history = _decided("explicit_request", ("talk to a person", "human_handoff"))
    answered = _asked(history, "order_number", "NW-12345")
    at = next(i for i, e in enumerate(answered) if getattr(e, "text", None) == "NW-12345")
    answered[at - 1 : at + 1] = _said_with_entities(
        "NW-12345", "inform", ("order_number", "12345", "NW-12345")
    )

    events = validate(answered)

    assert events[0] == SdkSlotSet("order_number", "12345")
    assert dispatcher.messages == []


def test_an_entity_never_overrides_a_value_already_set(validate):
    history = _decided_with(
        "explicit_request",
        *_said_with_entities(
            "order #7654321 please", "inform", ("order_number", "7654321", "#7654321")
        ),
    )
    history.append(SlotSet("order_number", "1234567"))

    assert SdkSlotSet("order_number", "7654321") not in validate(_form_call(history))
