"""The trigger policy on every customer turn, through the real servers (HandoffTriggerPolicy)."""

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


def test_a_plain_faq_conversation_stays_with_the_bot(assistant):
    sender = assistant.new_conversation()
    for text in ["hi", "how long does delivery take?", "can I pay with paypal?", "thanks, bye"]:
        assert not _contains(assistant.say(sender, text), QUEUED)
    assert assistant.tracker(sender)["slots"]["handoff_reason"] is None
