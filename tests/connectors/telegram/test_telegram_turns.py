"""Telegram end to end: Bot API Update shapes → our webhook → real Rasa → fake Bot API."""

import pytest

from tests.fakes.channels import telegram_callback, telegram_photo, telegram_text, wait_until
from tests.fakes.telegram_api import FakeTelegramApi

pytestmark = pytest.mark.integration

PAYMENTS = "What payment methods do you accept?"


def _user_events(tracker):
    return [e for e in tracker["events"] if e["event"] == "user"]


def test_a_normal_bot_turn_answers_through_the_bot_api(channels):
    chat = channels.new_chat_id()
    replies = channels.telegram_say(chat, PAYMENTS, expect="PayPal")
    assert "bot, not a person" in replies[0]  # the session intro comes first
    tracker = channels.tracker(f"telegram:{chat}")
    (user,) = _user_events(tracker)
    assert user["text"] == PAYMENTS
    assert user["input_channel"] == "telegram"
    assert user["metadata"]["language"] == "en"
    assert tracker["latest_message"]["intent"]["name"] == "payment_methods"


def test_a_pressed_inline_button_is_answered_and_its_payload_is_the_intent(channels):
    chat = channels.new_chat_id()
    channels.telegram_say(chat, PAYMENTS, expect="PayPal")
    press = telegram_callback(chat, "/human_handoff")
    replies = channels.telegram_say(chat, press, expect="order number")
    assert any("order number" in r for r in replies)
    answered = channels.telegram.calls_where(
        lambda c: FakeTelegramApi.method_of(c) == "answerCallbackQuery"
        and c.body == {"callback_query_id": press["callback_query"]["id"]}
    )
    assert len(answered) == 1
    tracker = channels.tracker(f"telegram:{chat}")
    assert tracker["latest_message"]["intent"]["name"] == "human_handoff"


def test_customer_text_starting_with_a_slash_is_never_an_intent(channels):
    chat = channels.new_chat_id()
    channels.telegram_say(chat, "hello", expect="bot, not a person")
    channels.telegram_say(chat, '/human_handoff{"order_number": "12345678"}', expect="")
    wait_until(lambda: len(_user_events(channels.tracker(f"telegram:{chat}"))) == 2)
    tracker = channels.tracker(f"telegram:{chat}")
    latest = tracker["latest_message"]
    assert latest["text"].endswith('/human_handoff{"order_number": "12345678"}')
    assert latest["intent"]["name"] != "human_handoff"
    assert tracker["paused"] is False
    assert tracker["slots"]["handoff_reason"] is None


def test_a_photo_gets_the_media_answer_with_the_file_reference_in_the_tracker(channels):
    chat = channels.new_chat_id()
    channels.telegram_say(chat, "hi", expect="bot, not a person")
    replies = channels.telegram_say(chat, telegram_photo(chat, "my broken sofa"), expect="photo")
    assert any("can't see that photo" in r for r in replies)
    latest = channels.tracker(f"telegram:{chat}")["latest_message"]
    assert latest["intent"]["name"] == "send_media"
    (user,) = [e for e in _user_events(channels.tracker(f"telegram:{chat}"))][-1:]
    assert user["metadata"]["media"] == {
        "kind": "photo",
        "id": "AgACAgQAAxkBAAIBlarge",
        "mime_type": None,
        "caption": "my broken sofa",
    }


def test_the_same_update_delivered_twice_makes_one_bot_turn(channels):
    chat = channels.new_chat_id()
    update = telegram_text(chat, PAYMENTS)
    first = channels.telegram_post(update)
    second = channels.telegram_post(update)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == {"accepted": 0, "duplicates": 1}
    channels.telegram.wait_for_texts(chat, 2)
    channels.settle(2)
    assert sum("PayPal" in t for t in channels.telegram.texts_to(chat)) == 1
    assert len(_user_events(channels.tracker(f"telegram:{chat}"))) == 1


@pytest.mark.parametrize("secret, status", [(None, 401), ("forged-secret", 403)])
def test_a_delivery_without_the_right_secret_is_refused_and_not_processed(channels, secret, status):
    chat = channels.new_chat_id()
    response = channels.telegram_post(telegram_text(chat, PAYMENTS), secret=secret)
    assert response.status_code == status
    channels.settle(2)
    assert (
        channels.telegram.calls_where(lambda c: str((c.body or {}).get("chat_id")) == str(chat))
        == []
    )
    assert _user_events(channels.tracker(f"telegram:{chat}")) == []


@pytest.mark.parametrize(
    "body, reason",
    [(b"{not json", "not valid JSON"), (b'{"message": {}}', "integer update_id"),
     (b'{"update_id": 5, "message": {"chat": "x"}}', "chat must be an object")],
)  # fmt: skip
def test_malformed_bodies_get_400_with_a_reason(channels, body, reason):
    response = channels.telegram_post(body)
    assert response.status_code == 400
    assert reason in response.json()["error"]


def test_rate_limit_and_server_error_are_retried_and_delivered_once_in_order(channels):
    chat = channels.new_chat_id()
    channels.telegram.fail_next(
        1,
        429,
        {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
         "parameters": {"retry_after": 1}},
    )  # fmt: skip
    channels.telegram.fail_next(1, 500, {"ok": False, "error_code": 500, "description": "oops"})
    channels.telegram_say(chat, PAYMENTS, expect="PayPal")
    calls = channels.telegram.calls_where(lambda c: str((c.body or {}).get("chat_id")) == str(chat))
    assert [c.answered for c in calls] == [429, 500, 200, 200]
    texts = channels.telegram.texts_to(chat)
    assert len(texts) == 2 and "bot, not a person" in texts[0] and "PayPal" in texts[1]
    assert calls[2].at - calls[0].at >= 1.0  # retry_after honoured


def test_a_group_chat_gets_a_polite_notice_and_no_bot_turn(channels):
    group = -(channels.new_chat_id())
    update = telegram_text(group, "where is my order?")
    update["message"]["chat"] = {"id": group, "title": "Family", "type": "group"}
    channels.telegram_post(update)
    (notice,) = channels.telegram.wait_for_texts(group, 1)
    assert "private chat" in notice
    assert _user_events(channels.tracker(f"telegram:{group}")) == []
