"""The trigger policy on every customer turn, through the real servers (HandoffTriggerPolicy)."""

import sqlite3

import pytest

pytestmark = pytest.mark.integration

QUEUED = "passed our conversation"
OFFER = "I can put you through to a person"


def _contains(replies, fragment):
    return any(fragment in reply for reply in replies)


@pytest.mark.parametrize(
    "turns",
    [
        ["this is ridiculous, I've been waiting three weeks for my order!!!"],
        [
            "where is my order",
            "my order still hasn't arrived, this is so annoying",
            "WHERE IS MY ORDER?? this is unacceptable",
        ],
    ],
)
def test_a_frustrated_customer_is_handed_over_without_asking(assistant, turns):
    sender = assistant.new_conversation()
    for text in turns[:-1]:
        assert not _contains(assistant.say(sender, text), QUEUED)
    assert _contains(assistant.say(sender, turns[-1]), QUEUED)
    tracker = assistant.tracker(sender)
    assert tracker["paused"] is True
    assert tracker["slots"]["handoff_reason"] == "frustration"
    names = {signal["name"] for signal in tracker["slots"]["handoff_signals"]}
    assert "frustration_score" in names


def test_not_understood_twice_offers_a_person_then_hands_over(assistant):
    sender = assistant.new_conversation()
    assert _contains(assistant.say(sender, "qwzx blorf vuut"), OFFER)
    assert _contains(assistant.say(sender, "zzkq frumble wibble"), QUEUED)
    tracker = assistant.tracker(sender)
    assert tracker["slots"]["handoff_reason"] == "looping"


def test_a_declined_offer_is_not_repeated(assistant):
    sender = assistant.new_conversation()
    assert _contains(assistant.say(sender, "asdfgh qwerty"), OFFER)
    assert not _contains(assistant.say(sender, "no thanks"), QUEUED)
    replies = assistant.say(sender, "lkjh poiuy")
    assert not _contains(replies, OFFER)
    assert assistant.tracker(sender)["paused"] is False


def _decisions(assistant, sender):
    with sqlite3.connect(assistant.workdir / "handoff.db") as db:
        rows = db.execute(
            "SELECT decision, reason FROM decisions WHERE conversation_id = ? ORDER BY id",
            (sender,),
        )
        return rows.fetchall()


def test_the_offer_and_the_no_thanks_are_recorded_for_analytics(assistant):
    sender = assistant.new_conversation()
    assert _contains(assistant.say(sender, "asdfgh qwerty"), OFFER)
    assert assistant.say(sender, "/deny") == ["Alright. Is there anything else I can do for you?"]
    assert _decisions(assistant, sender) == [
        ("offer", "low_confidence"),
        ("offer_declined", "low_confidence"),
    ]


def test_a_handoff_is_recorded_with_its_reason(assistant):
    sender = assistant.new_conversation()
    assert _contains(
        assistant.say(sender, "this is ridiculous, I've been waiting three weeks for my order!!!"),
        QUEUED,
    )
    assert _decisions(assistant, sender) == [("handoff", "frustration")]


def test_a_plain_faq_conversation_stays_with_the_bot(assistant):
    sender = assistant.new_conversation()
    for text in ["hi", "how long does delivery take?", "can I pay with paypal?", "thanks, bye"]:
        assert not _contains(assistant.say(sender, text), QUEUED)
    assert assistant.tracker(sender)["slots"]["handoff_reason"] is None
