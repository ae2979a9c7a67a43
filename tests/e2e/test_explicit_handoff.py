"""The explicit handoff end to end: REST channel → Rasa → action server → desk → tracker API."""

import pytest

pytestmark = pytest.mark.integration

ASK_ORDER = "what is your order number"
ASK_EMAIL = "which e-mail address"
QUEUED = "passed our conversation"


def _contains(replies, fragment):
    return any(fragment in reply for reply in replies)


def _event_names(tracker):
    return [event["event"] for event in tracker["events"]]


def test_first_message_says_it_is_a_bot_and_a_person_is_available(assistant):
    replies = assistant.say(assistant.new_conversation(), "hello")
    intro = replies[0]
    assert "bot, not a person" in intro
    assert "a person from our team is available" in intro


@pytest.mark.parametrize(
    "request_text",
    [
        "I want to talk to a human",
        "can i speak to a real person pls",
        "connect me with an agent",
    ],
)
def test_explicit_request_asks_intake_then_pauses_with_reason(assistant, request_text):
    sender = assistant.new_conversation()
    assert _contains(assistant.say(sender, request_text), ASK_ORDER)
    assert _contains(assistant.say(sender, "I don't have one"), ASK_EMAIL)
    assert _contains(assistant.say(sender, "jane.doe@example.com"), QUEUED)

    tracker = assistant.tracker(sender)
    assert tracker["slots"]["handoff_reason"] == "explicit_request"
    assert tracker["slots"]["email"] == "jane.doe@example.com"
    assert tracker["slots"]["intake_declined"] == ["order_number"]
    assert tracker["paused"] is True
    assert _event_names(tracker)[-1] == "pause"

    # While paused the bot says nothing, but the message is still in the tracker.
    assert assistant.say(sender, "hello? anyone there?") == []
    tracker = assistant.tracker(sender)
    assert tracker["latest_message"]["text"] == "hello? anyone there?"
    assert tracker["paused"] is True


def test_known_order_number_is_not_asked_again(assistant):
    sender = assistant.new_conversation()
    assistant.say(sender, "where is my order 48213377? it hasn't arrived")
    replies = assistant.say(sender, "let me talk to a human please")
    assert not _contains(replies, ASK_ORDER)
    assert _contains(replies, ASK_EMAIL)
    assert _contains(assistant.say(sender, "no thanks"), QUEUED)
    slots = assistant.tracker(sender)["slots"]
    assert slots["order_number"] == "48213377"
    assert slots["intake_declined"] == ["email"]


def test_customer_who_insists_is_handed_over_at_once(assistant):
    sender = assistant.new_conversation()
    assert _contains(assistant.say(sender, "I need to speak to someone"), ASK_ORDER)
    replies = assistant.say(sender, "no, just get me a real person now")
    assert _contains(replies, QUEUED)
    assert not _contains(replies, ASK_EMAIL)
    tracker = assistant.tracker(sender)
    assert tracker["paused"] is True
    assert tracker["slots"]["handoff_reason"] == "explicit_request"
    signals = {signal["name"] for signal in tracker["slots"]["handoff_signals"]}
    assert "insisted_during_intake" in signals


def test_new_session_does_not_silently_give_the_conversation_back_to_the_bot(assistant):
    sender = assistant.new_conversation()
    assistant.say(sender, "talk to a human")
    assistant.say(sender, "skip")
    assert _contains(assistant.say(sender, "skip"), QUEUED)

    # Two hours without a message: longer than the domain's session_expiration_time.
    assistant.let_time_pass(sender, 2 * 60 * 60)

    assert assistant.say(sender, "is anyone there?") == []
    tracker = assistant.tracker(sender)
    names = _event_names(tracker)
    assert "session_started" in names[names.index("pause") :]
    assert tracker["paused"] is True


def test_handback_resumes_the_bot_with_the_history_kept(assistant):
    sender = assistant.new_conversation()
    assistant.say(sender, "where is my order 48213377?")
    assistant.say(sender, "I want a human")
    assert _contains(assistant.say(sender, "no idea"), QUEUED)

    queue = assistant.desk("GET", "/api/handoffs").json()["handoffs"]
    (handoff,) = (h for h in queue if h["conversation_id"] == sender)
    detail = assistant.desk("GET", f"/api/handoffs/{handoff['id']}").json()
    assert detail["reason"] == "explicit_request"
    assert detail["context"]["intake"]["order_number"] == "48213377"
    assert [t["text"] for t in detail["context"]["transcript"] if t["sender"] == "customer"][
        :2
    ] == ["where is my order 48213377?", "I want a human"]

    assert assistant.desk("POST", f"/api/handoffs/{handoff['id']}/handback").status_code == 200
    tracker = assistant.tracker(sender)
    assert tracker["paused"] is False
    assert "resume" in _event_names(tracker)
    assert tracker["slots"]["handoff_reason"] is None
    assert any(
        "I'm back" in (e.get("text") or "") for e in tracker["events"] if e["event"] == "bot"
    )

    assert _contains(assistant.say(sender, "what payment methods do you accept?"), "PayPal")
    # the whole history stays in the tracker: the agent's context and the bot's memory
    texts = [e.get("text") for e in assistant.tracker(sender)["events"] if e["event"] == "user"]
    assert texts[0] == "where is my order 48213377?"


def test_desk_api_refuses_missing_and_wrong_tokens(assistant):
    assert assistant.desk("GET", "/api/handoffs", token=None).status_code == 401
    assert assistant.desk("GET", "/api/handoffs", token="forged").status_code == 401
    assert assistant.desk("GET", "/api/health", token=None).status_code == 200
