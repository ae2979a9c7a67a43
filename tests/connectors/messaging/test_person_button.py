"""The "Talk to a person" button without a server: settings, the requests built, the press.

Requests are checked against the documented shapes: Telegram ``sendMessage`` with a
``ReplyKeyboardMarkup`` (https://core.telegram.org/bots/api#replykeyboardmarkup), WhatsApp
interactive reply buttons (``type: button``, at most 3, titles of at most 20 characters).
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.exceptions import InvalidConfigException

from connectors.messaging.person_button import INTENT_MESSAGE, PersonButton
from connectors.telegram.channel import TelegramInput, TelegramOutput
from connectors.whatsapp.channel import WhatsAppInput, WhatsAppOutput, with_person_button
from ops.channels import enabled_channels

KEYBOARD = {"keyboard": [[{"text": "Talk to a person"}]], "is_persistent": True,
            "resize_keyboard": True}  # fmt: skip
BOT = {"utter_action": "utter_payment_methods"}  # what Rasa's send_response passes
OFFER = [{"title": "Talk to a person", "payload": "/human_handoff"},
         {"title": "No thanks", "payload": "/deny"}]  # fmt: skip
TELEGRAM = {"access_token": "7000001:AAH", "secret_token": "s"}
WHATSAPP = {"access_token": "EAAG", "phone_number_id": "1065", "app_secret": "a",
            "verify_token": "v"}  # fmt: skip


class RecordingWorker:
    """The outbox as the output channel sees it: ``enqueue`` of one request after another."""

    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []

    async def enqueue(
        self, conversation_id: str, request: Dict[str, Any], text: Optional[str], origin: str,
        **kwargs: Any,
    ) -> int:  # fmt: skip
        self.requests.append({"origin": origin, **request})
        return len(self.requests)


def _sent(output_class: Any, button: PersonButton, call: str, *args: Any, **kwargs: Any):
    worker = RecordingWorker()
    output = output_class(worker, button)
    asyncio.run(getattr(output, call)(*args, **kwargs))
    return worker.requests


# -- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "credentials, expected",
    [({}, PersonButton(True, "Talk to a person")),
     ({"talk_to_person_button": False}, PersonButton(False, "Talk to a person")),
     ({"talk_to_person_button": "false"}, PersonButton(False, "Talk to a person")),  # ${VAR}
     ({"talk_to_person_button": "OFF"}, PersonButton(False, "Talk to a person")),
     ({"talk_to_person_button": "1"}, PersonButton(True, "Talk to a person")),
     ({"talk_to_person_label": " Speak to someone "}, PersonButton(True, "Speak to someone"))],
)  # fmt: skip
def test_the_button_is_on_by_default_and_read_from_the_credentials(credentials, expected):
    assert TelegramInput.from_credentials({**TELEGRAM, **credentials}).person_button == expected
    assert WhatsAppInput.from_credentials({**WHATSAPP, **credentials}).person_button == expected


@pytest.mark.parametrize(
    "channel, credentials, problem",
    [(TelegramInput, {**TELEGRAM, "talk_to_person_button": "maybe"}, "true or false"),
     (TelegramInput, {**TELEGRAM, "talk_to_person_label": ""}, "does not start with '/'"),
     (TelegramInput, {**TELEGRAM, "talk_to_person_label": "/human"}, "does not start with '/'"),
     (WhatsAppInput, {**WHATSAPP, "talk_to_person_label": "Talk to a real person, now"},
      "longer than 20 characters")],
)  # fmt: skip
def test_a_bad_setting_stops_the_channel_from_starting(channel, credentials, problem):
    with pytest.raises(InvalidConfigException, match=problem):
        channel.from_credentials(credentials)


def test_make_run_passes_the_switch_and_the_label_from_the_environment():
    env = {
        "TELEGRAM_TOKEN": "t",
        "TELEGRAM_SECRET_TOKEN": "s",
        "TELEGRAM_PERSON_BUTTON": "false",
        "WHATSAPP_TOKEN": "w",
        "WHATSAPP_PHONE_NUMBER_ID": "1",
        "WHATSAPP_APP_SECRET": "a",
        "WHATSAPP_VERIFY_TOKEN": "v",
        "WHATSAPP_PERSON_BUTTON_LABEL": "Ask a person",
    }
    channels = enabled_channels(env)
    telegram = channels["connectors.telegram.TelegramInput"]
    whatsapp = channels["connectors.whatsapp.WhatsAppInput"]
    assert telegram["talk_to_person_button"] == "${TELEGRAM_PERSON_BUTTON}"
    assert "talk_to_person_label" not in telegram  # unset: the default label
    assert whatsapp["talk_to_person_label"] == "${WHATSAPP_PERSON_BUTTON_LABEL}"
    assert "talk_to_person_button" not in whatsapp  # unset: on
    # What Rasa reads once it has put the variables in:
    expanded = {key: value.replace("${TELEGRAM_PERSON_BUTTON}", "false")
                for key, value in telegram.items()}  # fmt: skip
    assert TelegramInput.from_credentials(expanded).person_button.enabled is False


# -- the press ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, read",
    [("Talk to a person", INTENT_MESSAGE), (" Talk to a person\n", INTENT_MESSAGE),
     ("talk to a person", "talk to a person"),  # typed: the NLU reads it
     ("Talk to a person about my refund", "Talk to a person about my refund"),
     ("/human_handoff", "/human_handoff")],
)  # fmt: skip
def test_exactly_the_label_is_read_as_the_explicit_request(text, read):
    assert PersonButton().rasa_text(text) == read


def test_a_custom_label_is_the_press_and_still_counts_with_the_button_off():
    button = PersonButton(enabled=False, label="Ask a person")
    assert button.rasa_text("Ask a person") == INTENT_MESSAGE
    assert button.rasa_text("Talk to a person") == "Talk to a person"


# -- Telegram: the persistent reply keyboard ------------------------------------------------


def test_a_telegram_bot_reply_carries_the_persistent_reply_keyboard():
    (request,) = _sent(TelegramOutput, PersonButton(), "send_text_message", "telegram:42",
                       "We accept PayPal.", **BOT)  # fmt: skip
    assert request == {
        "origin": "bot",
        "method": "sendMessage",
        "body": {"chat_id": "42", "text": "We accept PayPal.", "reply_markup": KEYBOARD},
    }


def test_telegram_keeps_a_reply_s_own_inline_keyboard_as_its_one_reply_markup():
    (request,) = _sent(TelegramOutput, PersonButton(), "send_text_with_buttons", "telegram:42",
                       "Shall I?", OFFER, **BOT)  # fmt: skip
    assert request["body"]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Talk to a person", "callback_data": "/human_handoff"}],
                            [{"text": "No thanks", "callback_data": "/deny"}]]
    }  # fmt: skip


@pytest.mark.parametrize(
    "button, kwargs, keyboard",
    [(PersonButton(), {}, None),  # an agent's message
     (PersonButton(enabled=False), BOT, None),
     (PersonButton(), {**BOT, "talk_to_person_button": False}, None),  # response metadata
     (PersonButton(enabled=False), {**BOT, "talk_to_person_button": True}, KEYBOARD),
     (PersonButton(label="Ask a person"), BOT,
      {**KEYBOARD, "keyboard": [[{"text": "Ask a person"}]]})],
)  # fmt: skip
def test_which_telegram_messages_carry_the_keyboard(button, kwargs, keyboard):
    (request,) = _sent(TelegramOutput, button, "send_text_message", "telegram:42", "Hi", **kwargs)
    assert request["body"].get("reply_markup") == keyboard


def test_a_long_telegram_reply_carries_the_keyboard_on_its_last_part_only():
    text = ("word " * 1000).strip()  # 4999 characters: two messages
    requests = _sent(TelegramOutput, PersonButton(), "send_text_message", "telegram:42", text,
                     **BOT)  # fmt: skip
    assert [r["body"].get("reply_markup") for r in requests] == [None, KEYBOARD]


def test_the_group_chat_notice_carries_no_keyboard():
    channel = TelegramInput.from_credentials(TELEGRAM)
    channel.worker = RecordingWorker()  # type: ignore[assignment]
    asyncio.run(channel.handle_other("telegram:-100", {"action": "notice", "text": "Not here"}))
    (request,) = channel.worker.requests  # type: ignore[attr-defined]
    assert request["body"] == {"chat_id": "-100", "text": "Not here"}


# -- WhatsApp: the reply button -------------------------------------------------------------


def _reply_buttons(request: Dict[str, Any]) -> List[Dict[str, str]]:
    interactive = request["body"]["interactive"]
    assert interactive["type"] == "button"
    return [button["reply"] for button in interactive["action"]["buttons"]]


def test_a_whatsapp_bot_reply_is_an_interactive_message_with_the_person_button():
    (request,) = _sent(WhatsAppOutput, PersonButton(), "send_text_message", "whatsapp:4915",
                       "We accept PayPal.", **BOT)  # fmt: skip
    assert request["body"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "4915",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "We accept PayPal."},
            "action": {"buttons": [{"type": "reply",
                                    "reply": {"id": "Talk to a person",
                                              "title": "Talk to a person"}}]},
        },
    }  # fmt: skip


@pytest.mark.parametrize(
    "own, titles",
    [([], ["Talk to a person"]),
     ([{"title": "Yes", "payload": "/affirm"}], ["Yes", "Talk to a person"]),
     (OFFER, ["Talk to a person", "No thanks"]),  # offers a person already: no twin
     ([{"title": t, "payload": f"/{t}"} for t in "ABC"], ["A", "B", "C"]),  # no room
     ([{"title": t, "payload": f"/{t}"} for t in "ABCD"], ["A", "B", "C", "D",
                                                          "Talk to a person"])],  # list row
)  # fmt: skip
def test_the_person_button_joins_a_reply_s_own_buttons_within_the_limits(own, titles):
    assert [b["title"] for b in with_person_button(own, "Talk to a person")] == titles


def test_whatsapp_merges_the_button_into_a_reply_s_own_reply_buttons():
    own = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    (request,) = _sent(WhatsAppOutput, PersonButton(), "send_text_with_buttons",
                       "whatsapp:4915", "Is that all?", own, **BOT)  # fmt: skip
    assert _reply_buttons(request) == [
        {"id": "/affirm", "title": "Yes"}, {"id": "/deny", "title": "No"},
        {"id": "Talk to a person", "title": "Talk to a person"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    "button, kwargs",
    [(PersonButton(), {}), (PersonButton(enabled=False), BOT),
     (PersonButton(), {**BOT, "talk_to_person_button": "false"})],
)  # fmt: skip
def test_whatsapp_messages_without_the_button_are_plain_text(button, kwargs):
    (request,) = _sent(WhatsAppOutput, button, "send_text_message", "whatsapp:4915", "Hi",
                       **kwargs)  # fmt: skip
    assert request["body"]["type"] == "text"
    assert request["body"]["text"] == {"body": "Hi", "preview_url": False}


def test_a_whatsapp_reply_too_long_for_buttons_puts_them_under_its_last_part():
    text = ("word " * 300).strip()  # 1499 characters: more than an interactive body's 1024
    requests = _sent(WhatsAppOutput, PersonButton(), "send_text_message", "whatsapp:4915", text,
                     **BOT)  # fmt: skip
    assert [r["body"]["type"] for r in requests] == ["text", "interactive"]
    assert len(requests[1]["body"]["interactive"]["body"]["text"]) <= 1024
    parts = [requests[0]["body"]["text"]["body"],
             requests[1]["body"]["interactive"]["body"]["text"]]  # fmt: skip
    assert " ".join(parts) == text
