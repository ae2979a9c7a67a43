"""Telegram's persistent "Talk to a person" keyboard: shown, pressed, relayed, turned off.

A reply-keyboard press reaches the webhook as a plain text ``message`` whose text is the
button's label (https://core.telegram.org/bots/api#keyboardbutton).
"""

import pytest

from tests.fakes.channels import (
    ChannelsAssistant,
    DeskEventStream,
    shared_channels_assistant_without_person_buttons,
    wait_until,
)

pytestmark = pytest.mark.integration

LABEL = "Talk to a person"
KEYBOARD = {"keyboard": [[{"text": LABEL}]], "is_persistent": True, "resize_keyboard": True}


@pytest.fixture(scope="session")
def channels_without_buttons(trained_model, tmp_path_factory, request) -> ChannelsAssistant:
    return shared_channels_assistant_without_person_buttons(
        trained_model, tmp_path_factory, request
    )


def _handoffs(channels, conversation):
    queue = channels.assistant.desk("GET", "/api/handoffs").json()["handoffs"]
    return [h for h in queue if h["conversation_id"] == conversation]


def test_the_first_reply_shows_the_keyboard_and_a_press_hands_over_without_the_nlu(channels):
    chat = channels.new_chat_id()
    conversation = f"telegram:{chat}"
    channels.telegram_say(chat, "hi", expect="bot, not a person")
    first = channels.telegram.sent_to(chat)[0]
    assert "bot, not a person" in first.body["text"]
    assert first.body["reply_markup"] == KEYBOARD

    replies = channels.telegram_say(chat, LABEL, expect="order number")  # the press
    assert any("order number" in r for r in replies)
    tracker = channels.tracker(conversation)
    assert tracker["latest_message"]["text"] == "/human_handoff"
    assert tracker["latest_message"]["intent"]["name"] == "human_handoff"
    assert tracker["slots"]["handoff_reason"] == "explicit_request"

    channels.telegram_say(chat, "I don't have one", expect="e-mail")
    channels.telegram_say(chat, "skip", expect="passed our conversation")
    (handoff,) = _handoffs(channels, conversation)
    detail = channels.assistant.desk("GET", f"/api/handoffs/{handoff['id']}").json()
    assert detail["reason"] == "explicit_request"
    assert channels.tracker(conversation)["paused"] is True

    # With a person there, a press is what the customer sees in the chat: the label, relayed.
    sent = len(channels.telegram.texts_to(chat))
    events = DeskEventStream(channels.assistant)
    try:
        channels.telegram_say(chat, LABEL)
        relayed = events.wait_for("message.customer", conversation)
    finally:
        events.close()
    assert relayed["data"]["text"] == LABEL
    wait_until(lambda: channels.tracker(conversation)["latest_message"]["text"] == LABEL)
    assert len(channels.telegram.texts_to(chat)) == sent  # the bot stayed silent
    assert len(_handoffs(channels, conversation)) == 1


def test_turned_off_no_reply_carries_the_keyboard(channels_without_buttons):
    channels = channels_without_buttons
    chat = channels.new_chat_id()
    channels.telegram_say(chat, "What payment methods do you accept?", expect="PayPal")
    calls = channels.telegram.sent_to(chat)
    assert len(calls) == 2 and "bot, not a person" in calls[0].body["text"]
    assert all("reply_markup" not in call.body for call in calls)

    # A keyboard a customer got before the button was turned off still works.
    channels.telegram_say(chat, LABEL, expect="order number")
    tracker = channels.tracker(f"telegram:{chat}")
    assert tracker["slots"]["handoff_reason"] == "explicit_request"
