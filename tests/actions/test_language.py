"""action_set_language: the language slot every turn; the intro in the hinted language."""

from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa_sdk.events import ActionExecuted as SdkActionExecuted
from rasa_sdk.events import SessionStarted as SdkSessionStarted
from rasa_sdk.events import SlotSet as SdkSlotSet

from actions.language import ActionSetLanguage
from actions.session_start import ActionSessionStart
from tests.conversation import said


def _said_with(text, intent, metadata):
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": intent, "confidence": 0.9}, metadata=metadata),
    ]


def test_the_channels_hint_sets_the_language(run_action, tracker_from, dispatcher):
    events = _said_with("hi", "greet", {"language": "de-DE"})

    assert run_action(ActionSetLanguage(), tracker_from(events)) == [SdkSlotSet("language", "de")]
    assert dispatcher.messages == []


def test_the_customers_words_set_the_language_without_a_hint(run_action, tracker_from):
    events = said("Je voudrais parler à quelqu'un de votre équipe", "human_handoff")

    assert run_action(ActionSetLanguage(), tracker_from(events)) == [SdkSlotSet("language", "fr")]


def test_a_short_answer_keeps_the_language(run_action, tracker_from):
    events = [
        SlotSet("language", "es"),
        *said("Quiero hablar con una persona", "human_handoff"),
        *said("ok", "affirm"),
    ]

    assert run_action(ActionSetLanguage(), tracker_from(events)) == []


def test_the_intro_is_in_the_language_the_channel_hints(run_action, tracker_from, dispatcher):
    events = [SlotSet("session_started_metadata", {"language": "de"})]

    returned = run_action(ActionSessionStart(), tracker_from(events))

    assert returned == [
        SdkSessionStarted(),
        SdkSlotSet("session_started_metadata", {"language": "de"}),
        SdkSlotSet("language", "de"),
        SdkActionExecuted("action_listen"),
    ]
    assert [m["text"] for m in dispatcher.messages] == [
        "Hallo, ich bin der virtuelle Assistent von Northwind Home - ein Bot, kein Mensch. Ich "
        "helfe Ihnen bei Bestellungen, Lieferung, Rücksendungen und Zahlungen, und jemand aus "
        "unserem Team ist jederzeit für Sie da, wenn Sie danach fragen."
    ]


def test_a_new_session_keeps_the_customers_language(run_action, tracker_from, dispatcher):
    events = [SlotSet("language", "fr"), *said("Bonjour, j'ai besoin d'aide", "greet")]

    returned = run_action(ActionSessionStart(), tracker_from(events))

    assert SdkSlotSet("language", "fr") in returned
    assert dispatcher.messages[0]["response"] == "utter_session_intro"  # Rasa renders it in fr
