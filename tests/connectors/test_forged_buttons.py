"""Forged button payloads (issue 17, hole 4), on the real assistant with both channels.

A modified Telegram or WhatsApp client can send any ``callback_data`` / reply-button id. Only
the payloads the domain's own buttons carry may reach Rasa as an intent: a forged
``/restart``, ``/session_start``, ``/handback`` or an intent with made-up entities leaves the
customer's conversation exactly as it was.
"""

import pytest

from tests.fakes.channels import (
    ChannelsAssistant,
    shared_channels_assistant,
    telegram_callback,
    wait_until,
    whatsapp_button_reply,
    whatsapp_envelope,
)
from tests.fakes.telegram_api import FakeTelegramApi

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def channels(trained_model, tmp_path_factory, request) -> ChannelsAssistant:
    return shared_channels_assistant(trained_model, tmp_path_factory, request)


PAYMENTS = "What payment methods do you accept?"
FORGED = [
    "/restart",
    "/session_start",
    "/handback",
    '/human_handoff{"order_number": "12345678"}',
    "/cancel_account",
]


def _callback_answered(channels, press) -> bool:
    query_id = press["callback_query"]["id"]
    return bool(
        channels.telegram.calls_where(
            lambda c: FakeTelegramApi.method_of(c) == "answerCallbackQuery"
            and c.body == {"callback_query_id": query_id}
        )
    )


@pytest.mark.parametrize("payload", FORGED)
def test_a_forged_telegram_button_leaves_the_conversation_untouched(channels, payload):
    chat = channels.new_chat_id()
    channels.telegram_say(chat, PAYMENTS, expect="PayPal")
    before = channels.tracker(f"telegram:{chat}")

    press = telegram_callback(chat, payload)
    response = channels.telegram_post(press)
    assert response.status_code == 200
    wait_until(lambda: _callback_answered(channels, press))  # the spinner still stops

    after = channels.tracker(f"telegram:{chat}")
    assert after["events"] == before["events"]
    assert after["latest_message"]["text"] == PAYMENTS


def test_a_domain_button_still_works_on_telegram(channels):
    chat = channels.new_chat_id()
    channels.telegram_say(chat, PAYMENTS, expect="PayPal")
    channels.telegram_say(chat, telegram_callback(chat, "/human_handoff"), expect="order number")
    latest = channels.tracker(f"telegram:{chat}")["latest_message"]
    assert latest["intent"]["name"] == "human_handoff"


@pytest.mark.parametrize("payload", FORGED)
def test_a_forged_whatsapp_reply_button_leaves_the_conversation_untouched(channels, payload):
    wa_id = channels.new_wa_id()
    channels.whatsapp_say(wa_id, PAYMENTS, expect="PayPal")
    before = channels.tracker(f"whatsapp:{wa_id}")

    forged = whatsapp_button_reply(wa_id, payload, "Talk to a person")
    response = channels.whatsapp_post(whatsapp_envelope(wa_id, forged))
    assert response.status_code == 200

    after = channels.tracker(f"whatsapp:{wa_id}")  # waits until the delivery was handled
    assert after["events"] == before["events"]
    assert after["latest_message"]["text"] == PAYMENTS
