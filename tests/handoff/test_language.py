"""The customer's language: the channel's hint wins, clear words switch, short text keeps."""

import pytest

from handoff.language import (
    DEFAULT,
    LanguageChoice,
    choose_language,
    normalise,
    response_variation,
    word_count,
)


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("de", "de"), ("de-AT", "de"), ("fr_CA", "fr"), ("ES", "es"), (" en ", "en"),
     ("it", None), ("pt-BR", None), ("", None), (None, None), (42, None)],
)  # fmt: skip
def test_normalises_a_channel_hint_to_a_supported_code(hint, expected):
    assert normalise(hint) == expected


@pytest.mark.parametrize(
    ("hint", "text", "previous", "expected"),
    [
        # Telegram's language_code wins over the words and the previous value.
        ("de", "I want to talk to a real person please", "en", "de"),
        ("de-DE", "ok", None, "de"),
        ("fr", "Quiero hablar con una persona", "es", "fr"),
        # A hint for a language without responses is no hint.
        ("it", "Ich möchte bitte mit einem Menschen sprechen", "en", "de"),
    ],
)
def test_a_supported_hint_wins(hint, text, previous, expected):
    choice = choose_language(hint, text, previous)

    assert choice.language == expected
    assert choice.reason == ("hint" if hint != "it" else "detected")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ich möchte bitte mit einem Menschen sprechen", "de"),
        ("Mein Paket ist immer noch nicht angekommen", "de"),
        ("Ich habe keine Bestellnummer", "de"),
        ("Hallo, ich brauche Hilfe", "de"),
        ("Meine Bestellnummer ist 48213377", "de"),
        ("vielen Dank für Ihre Hilfe", "de"),
        ("Je voudrais parler à quelqu'un de votre équipe", "fr"),
        ("Bonjour, j'ai besoin d'aide", "fr"),
        ("Ma commande n'est toujours pas arrivée", "fr"),
        ("Quiero hablar con una persona", "es"),
        ("Hola, necesito ayuda con mi pedido", "es"),
        ("No tengo número de pedido", "es"),
        ("¿Dónde está mi paquete?", "es"),
        ("can I speak to someone please", "en"),
        ("my order 48213377 hasn't arrived yet", "en"),
    ],
)
def test_detects_the_language_of_real_sentences(text, expected):
    previous = "en" if expected != "en" else "de"

    choice = choose_language(None, text, previous)

    assert (choice.language, choice.reason) == (expected, "detected")
    assert choice.confidence is not None and choice.confidence >= 0.7


@pytest.mark.parametrize(
    "text",
    [
        "ok", "ja", "no", "non", "nein", "merci", "gracias", "danke", "sí",
        "no thanks", "ja, gerne", "48213377", "#4815162", "anna.schmidt@example.com",
        "👍", "", None,
        # Three words or more, but unclear: shared words, short phrases.
        "no no no", "no lo sé", "I don't have one",
    ],
)  # fmt: skip
@pytest.mark.parametrize("previous", ["de", "fr", "es"])
def test_short_or_unclear_text_keeps_the_previous_language(text, previous):
    assert choose_language(None, text, previous) == LanguageChoice(previous, "kept")


def test_the_first_unclear_message_gets_the_default():
    assert choose_language(None, "ok", None) == LanguageChoice(DEFAULT, "default")


@pytest.mark.parametrize(
    ("text", "words"),
    [("ok", 1), ("order 48213377 please", 2), ("mail anna@example.com now", 2),
     ("see https://example.com/x", 1), ("Ich habe keine", 3),
     ('/send_media{"media_kind": "voice note"}', 0), ("/human_handoff", 0)],
)  # fmt: skip
def test_counts_only_words_that_tell_a_language(text, words):
    assert word_count(text) == words


def test_picks_the_variation_rasa_would_pick():
    domain = {
        "responses": {
            "utter_hi": [
                {"text": "Hi", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
                {
                    "condition": [{"type": "slot", "name": "language", "value": "de"}],
                    "text": "Hallo",
                    "metadata": {"x": 1},
                },
            ]
        }
    }

    assert response_variation(domain, "utter_hi", {"language": "de"}) == {"text": "Hallo"}
    assert response_variation(domain, "utter_hi", {"language": "es"}) == {
        "text": "Hi",
        "buttons": [{"title": "Yes", "payload": "/affirm"}],
    }


@pytest.mark.parametrize(
    ("metadata", "slot", "expected"),
    [({"language": "fr"}, "de", "fr"), ({}, "de", "de"), ({}, None, None),
     ({"language": "es"}, None, "es")],
)  # fmt: skip
def test_routing_reads_the_hint_else_the_language_slot(metadata, slot, expected):
    from handoff.desk.opening import HandoffRequest

    request = HandoffRequest(
        conversation_id="c1",
        events=[],
        slots={"language": slot},
        latest_message={"text": "hallo", "metadata": metadata},
    )

    assert request.metadata.get("language") == expected
