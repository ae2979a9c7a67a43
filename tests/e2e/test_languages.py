"""A German conversation handed over in German, on the fake Telegram Bot API (#18).

The customer's Telegram app is set to German (``from.language_code: "de"``) and they write
German: the bot introduces itself, asks the intake questions, accepts "Ich habe keine" and
queues them in German; the agent's claim reaches them as the desk's German join message, and
the handback as the German leave message and welcome back. The summary the agent reads stays
English and quotes the customer's words.
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

from tests.fakes.channels import (
    ChannelsAssistant,
    start_channels_assistant,
    telegram_text,
    telegram_user,
    wait_until,
)

pytestmark = pytest.mark.integration

INTRO = "ein Bot, kein Mensch"
ASK_ORDER = "Wie lautet Ihre Bestellnummer?"
ASK_EMAIL = "welche E-Mail-Adresse"
QUEUED = "Sie sind Nummer 1 in der Warteschlange"
JOINED = "Hallo Jonas, Anna aus unserem Team ist jetzt im Chat."
LEFT = "Anna hat den Chat verlassen. Sie schreiben jetzt wieder mit dem Assistenten."
WELCOME_BACK = (
    "Schön, dass das geklärt ist! Ich bin wieder da - der virtuelle Assistent von Northwind "
    "Home. Kann ich sonst noch etwas für Sie tun?"
)


@pytest.fixture(scope="module")
def channels(trained_model, tmp_path_factory) -> ChannelsAssistant:
    running = start_channels_assistant(trained_model, tmp_path_factory.mktemp("languages"))
    yield running
    running.stop()


def _german(chat: int, text: str) -> Dict[str, Any]:
    sender = {**telegram_user(chat, first_name="Jonas"), "language_code": "de"}
    return telegram_text(chat, text, sender=sender)


def test_a_german_conversation_is_handed_over_in_german(channels):
    chat = channels.new_chat_id()
    conversation = f"telegram:{chat}"

    greeted = channels.telegram_say(
        chat, _german(chat, "Ich möchte bitte mit einem Mitarbeiter sprechen"), expect=ASK_ORDER
    )
    assert INTRO in greeted[0]
    channels.telegram_say(chat, _german(chat, "Ich habe keine"), expect=ASK_EMAIL)
    queued = channels.telegram_say(chat, _german(chat, "jonas.weber@web.de"), expect=QUEUED)
    (told,) = (text for text in queued if QUEUED in text)
    assert not any(word in told for word in ("about", "a few minutes", "less than"))  # German

    tracker = channels.tracker(conversation)
    assert tracker["paused"] is True
    assert tracker["slots"]["language"] == "de"
    assert tracker["slots"]["intake_declined"] == ["order_number"]
    assert tracker["slots"]["email"] == "jonas.weber@web.de"
    assert not any("order number" in text for text in channels.telegram.texts_to(chat))

    handoff_id = tracker["slots"]["handoff_id"]
    handoff = channels.assistant.desk("GET", f"/api/handoffs/{handoff_id}").json()
    assert handoff["language"] == "de"
    assert handoff["summary"].startswith("The customer ")  # English for agents
    assert "Ich möchte bitte mit einem Mitarbeiter sprechen" in handoff["summary"]

    _, anna = channels.desk_agent("Anna")
    before = len(channels.telegram.texts_to(chat))
    claimed = channels.assistant.desk("POST", f"/api/handoffs/{handoff_id}/claim", token=anna)
    assert claimed.status_code == 200, claimed.text

    wait_until(lambda: len(channels.telegram.texts_to(chat)) > before, 60)
    assert channels.telegram.texts_to(chat)[before:] == [JOINED]

    back = channels.assistant.desk(
        "POST", f"/api/handoffs/{handoff_id}/handback", json={"outcome": "resolved"}, token=anna
    )
    assert back.status_code == 200, back.text
    wait_until(lambda: len(channels.telegram.texts_to(chat)) >= before + 3, 60)
    assert channels.telegram.texts_to(chat)[before + 1 :] == [LEFT, WELCOME_BACK]


CANCELLED = "Alles klar, ich habe Sie aus der Warteschlange genommen."


def test_a_german_customer_who_says_never_mind_hears_it_in_german(channels):
    chat = channels.new_chat_id()
    channels.telegram_say(
        chat, _german(chat, "Verbinden Sie mich mit einem echten Menschen"), expect=ASK_ORDER
    )
    channels.telegram_say(chat, _german(chat, "Ich habe keine"), expect=ASK_EMAIL)
    channels.telegram_say(chat, _german(chat, "jonas.weber@web.de"), expect=QUEUED)

    channels.telegram_say(chat, _german(chat, "Vergiss es!"), expect=CANCELLED)

    wait_until(lambda: channels.tracker(f"telegram:{chat}")["paused"] is False, 30)


@pytest.mark.parametrize(
    "request_text, refusal, email, asks_order, asks_email, queued, language",
    [
        ("Bonjour, je voudrais parler à quelqu'un de votre équipe", "Je n'en ai pas",
         "claire.martin@orange.fr", "quel est votre numéro de commande",
         "quelle adresse e-mail", "Vous êtes numéro", "fr"),
        ("Hola, quiero hablar con una persona de atención al cliente", "No lo tengo",
         "lucia.garcia@gmail.com", "cuál es su número de pedido",
         "qué dirección de correo electrónico", "Es el número", "es"),
    ],
)  # fmt: skip
def test_without_a_hint_the_customers_words_choose_the_language(
    assistant, request_text, refusal, email, asks_order, asks_email, queued, language
):
    sender = assistant.new_conversation()  # REST: no language hint

    assert any(asks_order in reply for reply in assistant.say(sender, request_text))
    assert any(asks_email in reply for reply in assistant.say(sender, refusal))
    assert any(queued in reply for reply in assistant.say(sender, email))

    slots = assistant.tracker(sender)["slots"]
    assert (slots["language"], slots["intake_declined"]) == (language, ["order_number"])
