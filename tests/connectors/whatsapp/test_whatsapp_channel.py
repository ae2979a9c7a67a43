"""WhatsApp end to end: Cloud API webhook envelopes → our webhook → real Rasa → fake Graph API."""

import time

import pytest
import requests

from handoff.store import OutboundStatus, SqlUnitOfWork, create_store_engine, session_factory
from tests.fakes.channels import (
    REENGAGE_TEMPLATE,
    WA_VERIFY,
    DeskEventStream,
    wait_until,
    whatsapp_button_reply,
    whatsapp_envelope,
    whatsapp_image,
    whatsapp_status,
    whatsapp_text,
    whatsapp_unsupported,
    whatsapp_voice,
)
from tests.fakes.graph_api import graph_error

pytestmark = pytest.mark.integration

PAYMENTS = "What payment methods do you accept?"


def _users(channels, wa_id):
    tracker = channels.tracker(f"whatsapp:{wa_id}")
    return [e for e in tracker["events"] if e["event"] == "user"]


def _outbox(channels, wa_id):
    sessions = session_factory(create_store_engine(f"sqlite:///{channels.workdir / 'handoff.db'}"))
    with SqlUnitOfWork(sessions) as uow:
        from sqlalchemy import select

        from handoff.store import OutboundMessage

        query = select(OutboundMessage).where(
            OutboundMessage.conversation_id == f"whatsapp:{wa_id}"
        )
        return list(uow._session.execute(query.order_by(OutboundMessage.id)).scalars())


def test_verification_handshake_echoes_the_challenge_only_for_our_token(channels):
    url = f"{channels.assistant.rasa_url}/webhooks/whatsapp/webhook"
    ok = requests.get(
        url,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": WA_VERIFY,
            "hub.challenge": "1158201444",
        },
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    wrong = requests.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}
    )
    assert wrong.status_code == 403
    assert requests.get(url, params={"hub.challenge": "1"}).status_code == 401


def test_a_normal_bot_turn_answers_through_the_cloud_api(channels):
    wa_id = channels.new_wa_id()
    replies = channels.whatsapp_say(wa_id, PAYMENTS, expect="PayPal")
    assert "bot, not a person" in replies[0]
    (call,) = (c for c in channels.graph.delivered_to(wa_id) if "PayPal" in str(c.body))
    assert call.body["type"] == "interactive" and call.body["messaging_product"] == "whatsapp"
    assert call.headers["Authorization"] == "Bearer EAAG-fake-token"
    (user,) = _users(channels, wa_id)
    assert user["text"] == PAYMENTS and user["input_channel"] == "whatsapp"


def test_offer_buttons_become_reply_buttons_and_a_reply_id_is_the_intent(channels):
    wa_id = channels.new_wa_id()
    channels.whatsapp_say(wa_id, "hello", expect="bot, not a person")
    replies = channels.whatsapp_say(
        wa_id,
        whatsapp_button_reply(wa_id, "/human_handoff", "Talk to a person"),
        expect="order number",
    )
    assert replies
    assert _users(channels, wa_id)[-1]["parse_data"]["intent"]["name"] == "human_handoff"
    # Typed text that looks like a payload is only words.
    channels.whatsapp_say(wa_id, "/deny", expect=None)
    wait_until(lambda: len(_users(channels, wa_id)) == 3)
    assert _users(channels, wa_id)[-1]["parse_data"]["intent"]["name"] != "deny"


def test_explicit_handoff_then_relay_both_ways(channels):
    wa_id = channels.new_wa_id()
    conversation = f"whatsapp:{wa_id}"
    channels.whatsapp_say(wa_id, "I want to talk to a person", expect="order number")
    channels.whatsapp_say(wa_id, "I don't have one", expect="e-mail")
    channels.whatsapp_say(wa_id, "no thanks", expect="passed our conversation")
    queue = channels.assistant.desk("GET", "/api/handoffs").json()["handoffs"]
    (handoff,) = (h for h in queue if h["conversation_id"] == conversation)
    sent = len(channels.graph.texts_to(wa_id))

    events = DeskEventStream(channels.assistant)
    try:
        channels.whatsapp_post(whatsapp_envelope(wa_id, whatsapp_voice(wa_id)))
        relayed = events.wait_for("message.customer", conversation)
        assert relayed["data"]["media"]["kind"] == "voice message"
        assert relayed["data"]["media"]["id"] == "9876"
    finally:
        events.close()
    channels.settle(1.5)
    assert len(channels.graph.texts_to(wa_id)) == sent  # the bot stayed silent

    reply = channels.assistant.desk(
        "POST", f"/api/handoffs/{handoff['id']}/messages", json={"text": "Hello, Sam here."}
    )
    assert reply.status_code == 201, reply.text
    assert channels.graph.wait_for_texts(wa_id, sent + 1)[-1] == "Hello, Sam here."
    bots = [e for e in channels.tracker(conversation)["events"] if e["event"] == "bot"]
    assert bots[-1]["text"] == "Hello, Sam here." and "handoff_agent" in bots[-1]["metadata"]


def test_an_image_gets_the_media_answer(channels):
    wa_id = channels.new_wa_id()
    replies = channels.whatsapp_say(wa_id, whatsapp_image(wa_id, "scratched table"), expect="photo")
    assert any("can't see that photo" in r for r in replies)
    (user,) = _users(channels, wa_id)
    media = {"kind": "photo", "id": "1479537139650973", "mime_type": "image/jpeg"}
    assert user["metadata"]["media"] == {**media, "caption": "scratched table"}


def test_a_message_whatsapp_could_not_hand_over_gets_the_media_answer(channels):
    wa_id = channels.new_wa_id()
    replies = channels.whatsapp_say(wa_id, whatsapp_unsupported(wa_id), expect="that poll")
    assert any("I can only read text messages" in r for r in replies)
    tracker = channels.tracker(f"whatsapp:{wa_id}")
    assert tracker["latest_message"]["intent"]["name"] == "send_media"
    assert tracker["slots"]["media_kind"] == "poll"


def test_the_same_message_delivered_twice_makes_one_bot_turn(channels):
    wa_id = channels.new_wa_id()
    envelope = whatsapp_envelope(wa_id, whatsapp_text(wa_id, PAYMENTS))
    assert channels.whatsapp_post(envelope).status_code == 200
    assert channels.whatsapp_post(envelope).json() == {"accepted": 0, "duplicates": 1}
    channels.graph.wait_for_texts(wa_id, 2)
    channels.settle(2)
    assert sum("PayPal" in t for t in channels.graph.texts_to(wa_id)) == 1
    assert len(_users(channels, wa_id)) == 1


@pytest.mark.parametrize("secret, status", [(None, 401), ("forged-app-secret", 403)])
def test_a_forged_signature_is_refused_and_not_processed(channels, secret, status):
    wa_id = channels.new_wa_id()
    response = channels.whatsapp_post(
        whatsapp_envelope(wa_id, whatsapp_text(wa_id, PAYMENTS)), secret=secret
    )
    assert response.status_code == status
    channels.settle(2)
    assert channels.graph.calls_where(lambda c: (c.body or {}).get("to") == wa_id) == []
    assert _users(channels, wa_id) == []


def test_malformed_envelopes_get_400(channels):
    assert channels.whatsapp_post(b"[1, 2").status_code == 400
    response = channels.whatsapp_post({"object": "page", "entry": []})
    assert response.status_code == 400 and "whatsapp_business_account" in response.json()["error"]


def test_rate_limits_and_5xx_are_retried_in_order(channels):
    wa_id = channels.new_wa_id()
    channels.graph.fail_next(1, 429, graph_error(130429, "Rate limit hit"))
    channels.graph.fail_next(1, 503, graph_error(2, "Service temporarily unavailable"))
    channels.whatsapp_say(wa_id, PAYMENTS, expect="PayPal")
    calls = channels.graph.calls_where(lambda c: (c.body or {}).get("to") == wa_id)
    assert [c.answered for c in calls] == [429, 503, 200, 200]
    texts = channels.graph.texts_to(wa_id)
    assert len(texts) == 2 and "bot, not a person" in texts[0] and "PayPal" in texts[1]


def test_a_permanent_error_fails_at_once_and_a_failed_status_marks_the_message(channels):
    wa_id = channels.new_wa_id()
    channels.graph.fail_next(1, 400, graph_error(131026, "Message undeliverable"))
    channels.whatsapp_say(wa_id, PAYMENTS, expect="PayPal")
    rows = _outbox(channels, wa_id)
    assert [r.status for r in rows] == [OutboundStatus.FAILED, OutboundStatus.SENT]
    assert rows[0].attempts == 1 and "131026" in rows[0].last_error

    events = DeskEventStream(channels.assistant)
    try:
        status = whatsapp_status(wa_id, rows[1].provider_message_id, "failed")
        assert (
            channels.whatsapp_post(whatsapp_envelope(wa_id, statuses=[status])).status_code == 200
        )
        failed = events.wait_for("message.failed", f"whatsapp:{wa_id}")
        assert failed["data"]["outbox_id"] == rows[1].id and "PayPal" in failed["data"]["text"]
    finally:
        events.close()
    assert "131026" in _outbox(channels, wa_id)[1].last_error


def test_outside_the_24_hour_window_the_template_is_sent_instead(channels):
    wa_id = channels.new_wa_id()
    late = whatsapp_text(wa_id, PAYMENTS, at=time.time() - 25 * 3600)  # delivered a day late
    channels.whatsapp_post(whatsapp_envelope(wa_id, late))
    (template,) = (
        c.body for c in channels.graph.wait_for(lambda c: (c.body or {}).get("to") == wa_id)
    )
    assert template["type"] == "template"
    assert template["template"] == {"name": REENGAGE_TEMPLATE, "language": {"code": "en_US"}}
    channels.settle(1.5)
    assert len(channels.graph.delivered_to(wa_id)) == 1  # once, not per refused message
    rows = _outbox(channels, wa_id)
    failed = [r for r in rows if r.status == OutboundStatus.FAILED]
    assert failed and all("24-hour" in r.last_error for r in failed)
