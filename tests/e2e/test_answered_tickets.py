"""A ticket an agent answers becomes a live chat, on the fake Telegram and WhatsApp APIs (#19).

Every team is on holiday, so asking for a person makes a ticket and the bot keeps answering.
An agent claims it and replies: the customer hears who joined and the reply, the bot pauses,
the customer's answer reaches the agent (desk stream and transcript) and not the bot, and the
handback gives the conversation to the bot again. On WhatsApp, a day after the customer last
wrote, the reply cannot go out: the re-engagement template does; the customer's answer to it
reaches the agent and reopens the window, so what the agent wrote goes out after all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable, Dict, List

import pytest
from sqlalchemy import select

from handoff.store import InboundDelivery, create_store_engine, session_factory
from tests.fakes.channels import (
    REENGAGE_TEMPLATE,
    ChannelsAssistant,
    DeskEventStream,
    start_channels_assistant,
    telegram_text,
    wait_until,
    whatsapp_envelope,
    whatsapp_text,
)

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"
TICKET = "opened a ticket"
JOINED = "from our team has joined the chat"
BACK = "I'm back"


@pytest.fixture(scope="module")
def closed(trained_model, tmp_path_factory) -> ChannelsAssistant:
    running = start_channels_assistant(
        trained_model, tmp_path_factory.mktemp("answered-tickets"), closed_this_week=True
    )
    yield running
    running.stop()


def _agent_token(channels: ChannelsAssistant, username: str, team: str) -> str:
    desk = channels.assistant.desk
    created = desk(
        "POST",
        "/api/agents",
        json={"username": username, "display_name": username.title(), "password": PASSWORD,
              "role": "agent", "teams": [team]},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    credentials = {"username": username, "password": PASSWORD}
    login = desk("POST", "/api/login", token=None, json=credentials)
    assert login.status_code == 200, login.text
    return login.json()["token"]


def _ticket(channels: ChannelsAssistant, say: Callable[..., List[str]], conversation: str) -> Dict:
    """Ask for a person outside business hours; return the ticket (the desk's view)."""
    say("I want to talk to a person", expect="order number")
    say("I don't have one", expect="e-mail")
    say("skip", expect=TICKET)
    tracker = channels.tracker(conversation)
    assert tracker["paused"] is False  # a ticket: the bot keeps helping
    found = channels.assistant.desk("GET", "/api/handoffs", params={"status": "ticket"}).json()
    (ticket,) = (h for h in found["handoffs"] if h["conversation_id"] == conversation)
    assert ticket["id"] == tracker["slots"]["handoff_id"]
    return ticket


def _as(token: str) -> Dict[str, Any]:
    return {"token": token}


def _claim_and_reply(channels: ChannelsAssistant, ticket: Dict, token: str, text: str) -> None:
    desk = channels.assistant.desk
    claimed = desk("POST", f"/api/handoffs/{ticket['id']}/claim", **_as(token))
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "ticket"  # claimed, still a ticket: the bot still talks
    agent = claimed.json()["assigned_agent"]
    replied = desk("POST", f"/api/handoffs/{ticket['id']}/messages", json={"text": text},
                   **_as(token))  # fmt: skip
    assert replied.status_code == 201, replied.text
    live = desk("GET", f"/api/handoffs/{ticket['id']}").json()
    assert (live["status"], live["assigned_agent"]) == ("assigned", agent)
    listed = desk("GET", "/api/handoffs").json()["handoffs"]  # the live list: queued, assigned
    assert ticket["id"] in {h["id"] for h in listed}


def _transcript_texts(channels: ChannelsAssistant, handoff_id: str) -> List[str]:
    detail = channels.assistant.desk("GET", f"/api/handoffs/{handoff_id}").json()
    return [turn.get("text") or "" for turn in detail["transcript"]]


def _customer_messages(events: DeskEventStream, conversation: str) -> List[Dict]:
    return [
        event
        for kind, event in events.events
        if kind == "message.customer" and event["conversation_id"] == conversation
    ]


def _hand_back(channels: ChannelsAssistant, ticket: Dict, token: str) -> None:
    back = channels.assistant.desk(
        "POST", f"/api/handoffs/{ticket['id']}/handback", json={"outcome": "follow_up"},
        **_as(token),
    )  # fmt: skip
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "handed_back"


def test_telegram_a_ticket_answered_is_a_live_chat_until_the_handback(closed):
    chat = closed.new_chat_id()
    conversation = f"telegram:{chat}"
    ticket = _ticket(
        closed, lambda text, expect: closed.telegram_say(chat, text, expect=expect), conversation
    )
    token = _agent_token(closed, "tara", ticket["team"])
    before = len(closed.telegram.texts_to(chat))

    _claim_and_reply(closed, ticket, token, "Hello, Tara here. How can I help?")

    texts = closed.telegram.wait_for_texts(chat, before + 2)[before:]
    assert texts == [
        "Hi Jane, Tara " + JOINED + ".",
        "Hello, Tara here. How can I help?",
    ]  # greeted by name, as a claim greets
    assert closed.tracker(conversation)["paused"] is True

    events = DeskEventStream(closed.assistant)
    try:
        closed.telegram_post(telegram_text(chat, "My parcel never arrived"))
        relayed = events.wait_for("message.customer", conversation)
        assert relayed["handoff_id"] == ticket["id"]
        assert relayed["data"]["text"] == "My parcel never arrived"
        events.wait_for("message.analysed", conversation)
    finally:
        events.close()
    closed.settle(1.5)
    assert len(closed.telegram.texts_to(chat)) == before + 2  # the bot said nothing
    assert "My parcel never arrived" in _transcript_texts(closed, ticket["id"])

    _hand_back(closed, ticket, token)
    wait_until(lambda: any(BACK in t for t in closed.telegram.texts_to(chat)[before + 2 :]), 60)
    assert closed.tracker(conversation)["paused"] is False
    assert any(
        "PayPal" in text
        for text in closed.telegram_say(chat, "can I pay with paypal?", expect="PayPal")
    )


def _let_whatsapp_window_close(channels: ChannelsAssistant, conversation: str) -> None:
    """Re-date the customer's messages a day back: WhatsApp's 24-hour window has closed."""
    sessions = session_factory(create_store_engine(f"sqlite:///{channels.workdir / 'handoff.db'}"))
    with sessions() as session, session.begin():
        query = select(InboundDelivery).where(InboundDelivery.conversation_id == conversation)
        for delivery in session.execute(query).scalars():
            delivery.customer_sent_at -= timedelta(hours=25)


def test_whatsapp_a_day_later_the_template_goes_first_and_the_answer_reaches_the_agent(closed):
    wa_id = closed.new_wa_id()
    conversation = f"whatsapp:{wa_id}"
    ticket = _ticket(
        closed, lambda text, expect: closed.whatsapp_say(wa_id, text, expect=expect), conversation
    )
    token = _agent_token(closed, "wanda", ticket["team"])
    _let_whatsapp_window_close(closed, conversation)
    before = len(closed.graph.texts_to(wa_id))

    _claim_and_reply(closed, ticket, token, "Hello, Wanda here, sorry for the wait.")

    texts = closed.graph.wait_for_texts(wa_id, before + 1)[before:]
    assert texts == [f"<template {REENGAGE_TEMPLATE}>"]  # only the template may go out
    assert closed.tracker(conversation)["paused"] is True

    events = DeskEventStream(closed.assistant)
    try:
        closed.whatsapp_post(whatsapp_envelope(wa_id, whatsapp_text(wa_id, "Yes, still here!")))
        relayed = events.wait_for("message.customer", conversation)
        assert (relayed["handoff_id"], relayed["data"]["text"]) == (
            ticket["id"],
            "Yes, still here!",
        )
        events.wait_for("message.analysed", conversation)
    finally:
        events.close()
    # The answer reopened the window: what the agent wrote meanwhile goes out after all.
    held = closed.graph.wait_for_texts(wa_id, before + 3)[before:]
    assert held == [
        f"<template {REENGAGE_TEMPLATE}>",
        "Hi Jane, Wanda " + JOINED + ".",  # greeted by the name WhatsApp reported
        "Hello, Wanda here, sorry for the wait.",
    ]
    closed.settle(1.5)
    assert len(closed.graph.texts_to(wa_id)) == before + 3  # once each, and no bot answer
    assert "Yes, still here!" in _transcript_texts(closed, ticket["id"])

    again = closed.assistant.desk(
        "POST", f"/api/handoffs/{ticket['id']}/messages",
        json={"text": "Thanks! Which order is it?"}, **_as(token),
    )  # fmt: skip
    assert again.status_code == 201, again.text
    assert closed.graph.wait_for_texts(wa_id, before + 4)[-1] == "Thanks! Which order is it?"

    _hand_back(closed, ticket, token)
    wait_until(lambda: any(BACK in t for t in closed.graph.texts_to(wa_id)[before + 4 :]), 60)
    assert closed.tracker(conversation)["paused"] is False


def test_closing_an_answered_ticket_says_goodbye_and_the_bot_answers_again(closed):
    chat = closed.new_chat_id()
    conversation = f"telegram:{chat}"
    ticket = _ticket(
        closed, lambda text, expect: closed.telegram_say(chat, text, expect=expect), conversation
    )
    token = _agent_token(closed, "cleo", ticket["team"])
    asked = len(closed.telegram.texts_to(chat))
    _claim_and_reply(closed, ticket, token, "Your refund went out this morning.")
    before = len(closed.telegram.wait_for_texts(chat, asked + 2))  # joined, the reply

    shut = closed.assistant.desk("POST", f"/api/handoffs/{ticket['id']}/close", **_as(token))

    assert (shut.status_code, shut.json()["status"]) == (200, "resolved"), shut.text
    assert "Cleo has left the chat" in closed.telegram.wait_for_texts(chat, before + 1)[-1]
    assert closed.tracker(conversation)["paused"] is False
    closed.telegram_say(chat, "can I pay with paypal?", expect="PayPal")
