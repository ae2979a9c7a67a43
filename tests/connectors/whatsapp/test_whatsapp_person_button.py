"""WhatsApp's "Talk to a person" reply button: on bot replies, pressed, turned off.

A reply-button press reaches the webhook as an ``interactive`` ``button_reply`` message
carrying the id and title of the button we sent (Cloud API webhooks reference).
"""

import pytest

from tests.fakes.channels import (
    ChannelsAssistant,
    shared_channels_assistant_without_person_buttons,
    whatsapp_button_reply,
)

pytestmark = pytest.mark.integration

LABEL = "Talk to a person"
PERSON_BUTTON = {"type": "reply", "reply": {"id": LABEL, "title": LABEL}}


@pytest.fixture(scope="session")
def channels_without_buttons(trained_model, tmp_path_factory, request) -> ChannelsAssistant:
    return shared_channels_assistant_without_person_buttons(
        trained_model, tmp_path_factory, request
    )


def test_the_first_reply_offers_the_button_and_a_press_hands_over_without_the_nlu(channels):
    wa_id = channels.new_wa_id()
    conversation = f"whatsapp:{wa_id}"
    channels.whatsapp_say(wa_id, "hi", expect="bot, not a person")
    first = channels.graph.delivered_to(wa_id)[0].body
    assert first["type"] == "interactive"
    assert "bot, not a person" in first["interactive"]["body"]["text"]
    assert first["interactive"]["type"] == "button"
    assert first["interactive"]["action"]["buttons"] == [PERSON_BUTTON]

    press = whatsapp_button_reply(wa_id, LABEL, LABEL)
    assert any("order number" in r for r in channels.whatsapp_say(wa_id, press, "order number"))
    tracker = channels.tracker(conversation)
    assert tracker["latest_message"]["text"] == "/human_handoff"
    assert tracker["latest_message"]["intent"]["name"] == "human_handoff"
    assert tracker["slots"]["handoff_reason"] == "explicit_request"

    channels.whatsapp_say(wa_id, "I don't have one", expect="e-mail")
    channels.whatsapp_say(wa_id, "no thanks", expect="passed our conversation")
    queue = channels.assistant.desk("GET", "/api/handoffs").json()["handoffs"]
    (handoff,) = (h for h in queue if h["conversation_id"] == conversation)
    detail = channels.assistant.desk("GET", f"/api/handoffs/{handoff['id']}").json()
    assert detail["reason"] == "explicit_request"


def test_turned_off_bot_replies_are_plain_text(channels_without_buttons):
    channels = channels_without_buttons
    wa_id = channels.new_wa_id()
    channels.whatsapp_say(wa_id, "What payment methods do you accept?", expect="PayPal")
    bodies = [call.body for call in channels.graph.delivered_to(wa_id)]
    assert len(bodies) == 2 and "bot, not a person" in bodies[0]["text"]["body"]
    assert [body["type"] for body in bodies] == ["text", "text"]
