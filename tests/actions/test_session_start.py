import asyncio

import pytest
from rasa.shared.core.events import BotUttered, ConversationPaused, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.events import ActionExecuted as SdkActionExecuted
from rasa_sdk.events import ConversationPaused as SdkConversationPaused
from rasa_sdk.events import SessionStarted as SdkSessionStarted
from rasa_sdk.events import SlotSet as SdkSlotSet

from actions.session_start import ActionSessionStart
from tests.conversation import said

INTRO = (
    "Hi, I'm Northwind Home's virtual assistant - a bot, not a person. I can help with orders, "
    "delivery, returns and payments, and a person from our team is available whenever you ask."
)


def _handed_over():
    return [
        *said("get me a human, order 1234567", "human_handoff"),
        SlotSet("handoff_reason", "explicit_request"),
        SlotSet("order_number", "1234567"),
        SlotSet("handoff_id", "h-0009"),
        BotUttered("Thanks - you're number 1 in the queue."),
        ConversationPaused(),
    ]


def _after(rasa_domain, history, returned):
    """Apply the returned events the way the Rasa server does."""
    events = [*history, *(Event.from_parameters(event) for event in returned)]
    return DialogueStateTracker.from_events("customer-1", events, slots=rasa_domain.slots)


def test_a_customer_waiting_for_a_person_stays_paused_in_the_new_session(
    run_action, tracker_from, rasa_domain, dispatcher
):
    history = _handed_over()

    events = run_action(ActionSessionStart(), tracker_from(history))

    assert events == [
        SdkSessionStarted(),
        SdkSlotSet("handoff_reason", "explicit_request"),
        SdkSlotSet("handoff_id", "h-0009"),
        SdkSlotSet("order_number", "1234567"),
        SdkConversationPaused(),
        SdkActionExecuted("action_listen"),
    ]
    assert dispatcher.messages == []  # the bot does not talk over the agent
    new_session = _after(rasa_domain, history, events)
    assert new_session.is_paused()
    assert new_session.get_slot("handoff_id") == "h-0009"


def test_an_ordinary_new_session_introduces_the_bot(
    run_action, tracker_from, rasa_domain, customer_reads
):
    history = [
        *said("where is my order 1234567", "order_status"),
        SlotSet("order_number", "1234567"),
    ]

    events = run_action(ActionSessionStart(), tracker_from(history))

    assert events == [
        SdkSessionStarted(),
        SdkSlotSet("order_number", "1234567"),
        SdkActionExecuted("action_listen"),
    ]
    assert customer_reads() == [INTRO]
    assert not _after(rasa_domain, history, events).is_paused()


@pytest.mark.parametrize("paused", [False, True])
def test_without_carry_over_only_a_paused_conversation_keeps_its_slots(
    tracker_from, domain, dispatcher, paused
):
    history = _handed_over() if paused else _handed_over()[:-1]
    no_carry_over = {**domain, "session_config": {"carry_over_slots_to_new_session": False}}

    events = asyncio.run(ActionSessionStart().run(dispatcher, tracker_from(history), no_carry_over))

    carried = {event["name"] for event in events if event["event"] == "slot"}
    assert carried == ({"handoff_reason", "handoff_id", "order_number"} if paused else set())
    assert (SdkConversationPaused() in events) is paused
