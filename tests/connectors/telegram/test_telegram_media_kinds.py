"""Telegram end to end: a message the bot cannot read is answered, or shown to the agent.

Bot API ``Update`` shapes → our webhook → real Rasa → fake Bot API / the desk.
"""

import pytest

from tests.fakes.channels import DeskEventStream, telegram_message, telegram_poll, wait_until

pytestmark = pytest.mark.integration


def _hand_over(channels, chat):
    channels.telegram_say(chat, "I want to talk to a person", expect="order number")
    channels.telegram_say(chat, "I don't have one", expect="e-mail")
    channels.telegram_say(chat, "skip", expect="passed our conversation")
    queue = channels.assistant.desk("GET", "/api/handoffs").json()["handoffs"]
    (handoff,) = (h for h in queue if h["conversation_id"] == f"telegram:{chat}")
    return handoff


def test_a_poll_is_answered_naming_the_poll(channels):
    chat = channels.new_chat_id()
    replies = channels.telegram_say(chat, telegram_poll(chat), expect="can't see that poll")
    assert any("I can only read text messages" in r for r in replies)
    tracker = channels.tracker(f"telegram:{chat}")
    assert tracker["latest_message"]["intent"]["name"] == "send_media"
    assert tracker["slots"]["media_kind"] == "poll"


def test_a_field_the_bot_does_not_know_is_answered_as_a_message(channels):
    chat = channels.new_chat_id()
    update = telegram_message(chat, rainbow_message={"colours": 7})
    channels.telegram_say(chat, update, expect="can't see that message")


def test_during_a_handoff_the_desk_sees_the_poll_and_the_bot_stays_silent(channels):
    chat = channels.new_chat_id()
    conversation = f"telegram:{chat}"
    handoff = _hand_over(channels, chat)
    sent_before = len(channels.telegram.texts_to(chat))

    events = DeskEventStream(channels.assistant)
    try:
        channels.telegram_post(telegram_poll(chat, "Which delivery day suits you?"))
        relayed = events.wait_for("message.customer", conversation)
    finally:
        events.close()
    assert relayed["data"]["media"]["kind"] == "poll"
    assert relayed["data"]["text"] == '/send_media{"media_kind": "poll"}'

    detail = wait_until(
        lambda: (
            lambda body: body
            if any((t.get("media") or {}).get("kind") == "poll" for t in body["transcript"])
            else None
        )(channels.assistant.desk("GET", f"/api/handoffs/{handoff['id']}").json())
    )
    assert detail["transcript"][-1]["sender"] == "customer"
    channels.settle(1.5)
    assert len(channels.telegram.texts_to(chat)) == sent_before  # a person has the chat
