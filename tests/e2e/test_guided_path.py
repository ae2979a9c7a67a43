"""A guided self-service path end to end: a Telegram customer (fake Bot API), real Rasa, the desk.

The shipped handoff.yml serves refunds by the bundled return-label path
(``routing.handling.topics.refund_request``): the intake asks what it still needs, the bot
starts ``return_label_form`` instead of a handoff, the customer picks a reason with a button
and gets the label for their order - nobody at the desk is involved. "Talk to a person"
afterwards reaches one.
"""

from __future__ import annotations

import itertools
import time
from typing import Optional

import pytest

from tests.e2e.assistant import RunningAssistant
from tests.fakes.channels import telegram_callback, wait_until
from tests.replicas.production import post_update, say

pytestmark = pytest.mark.integration

INTRO = "I can set up your return right here"
LABEL = "Here's your return label for order 48213377"
QUEUED = "passed our conversation"
_chats = itertools.count(int(time.time()) % 10_000 * 1000 + 7_000_000_000)


@pytest.fixture(scope="module")
def desk(start_desk) -> RunningAssistant:
    return start_desk("guided")


def _settled(desk: RunningAssistant, conversation_id: str, loop: object) -> dict:
    """The tracker once its active loop is ``loop`` (Rasa stores it after the replies go out)."""

    def settled() -> Optional[dict]:
        tracker = desk.tracker(conversation_id)
        return tracker if (tracker["active_loop"] or {}).get("name") == loop else None

    return wait_until(settled, timeout=30)


def _handoffs_of(desk: RunningAssistant, conversation_id: str) -> list:
    listed = desk.desk("GET", "/api/handoffs").json()["handoffs"]
    return [h for h in listed if h["conversation_id"] == conversation_id]


def test_a_refund_gets_the_return_label_and_a_person_only_on_request(desk, telegram):
    chat = next(_chats)
    conversation = f"telegram:{chat}"

    # the intake: the order number was in the request, so only the e-mail is asked
    say(desk, telegram, chat, "I want my money back for order 48213377, refund me now", "e-mail")
    replies = say(desk, telegram, chat, "jane@example.com", "Why are you sending it back?")
    assert any(INTRO in reply for reply in replies), replies
    assert not any(QUEUED in reply for reply in replies)
    tracker = _settled(desk, conversation, "return_label_form")
    assert (tracker["paused"], tracker["slots"]["handoff_id"]) == (False, None)
    assert _handoffs_of(desk, conversation) == []  # nobody at the desk gets it

    # a button press answers the one question; the order number is not asked again
    before = len(telegram.texts_to(chat))
    pressed = post_update(desk, telegram_callback(chat, '/inform{"return_reason":"damaged"}'))
    assert pressed.status_code == 200, pressed.text
    (label,) = wait_until(
        lambda: [t for t in telegram.texts_to(chat)[before:] if LABEL in t], timeout=90
    )
    assert "https://northwind-home.example/returns/48213377" in label
    assert "your refund goes out within 5 working days" in label
    assert not any("Which order" in t for t in telegram.texts_to(chat)[before:])
    (sent,) = (c for c in telegram.sent_to(chat) if LABEL in c.body["text"])
    buttons = [b for row in sent.body["reply_markup"]["inline_keyboard"] for b in row]
    assert [(b["text"], b["callback_data"]) for b in buttons] == [
        ("Talk to a person", "/human_handoff")
    ]
    tracker = _settled(desk, conversation, None)
    assert tracker["slots"]["return_reason"] == "damaged"
    assert tracker["paused"] is False
    assert _handoffs_of(desk, conversation) == []

    # "I'd still like to talk to a person": a live handoff, nothing asked again
    replies = say(desk, telegram, chat, "I'd still like to talk to a person", QUEUED)
    assert not any(INTRO in reply for reply in replies)
    (handoff,) = _handoffs_of(desk, conversation)
    assert (handoff["status"], handoff["reason"]) == ("queued", "explicit_request")
    assert wait_until(lambda: desk.tracker(conversation)["paused"], timeout=30) is True


def test_asking_for_a_person_in_the_middle_of_the_return_form_reaches_one(desk, telegram):
    """The form asks for a reason; the customer would rather talk to someone: no label, a person."""
    chat = next(_chats)
    conversation = f"telegram:{chat}"
    say(desk, telegram, chat, "I want my money back for order 48213377, refund me now", "e-mail")
    say(desk, telegram, chat, "jane@example.com", "Why are you sending it back?")
    _settled(desk, conversation, "return_label_form")

    replies = say(desk, telegram, chat, "no, just let me talk to a real person", QUEUED)

    assert not any(LABEL in reply for reply in replies)
    assert not any("Why are you sending it back?" in reply for reply in replies)
    (handoff,) = _handoffs_of(desk, conversation)
    assert (handoff["status"], handoff["reason"]) == ("queued", "explicit_request")
    tracker = _settled(desk, conversation, None)
    assert tracker["paused"] is True
