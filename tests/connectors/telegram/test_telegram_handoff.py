"""Telegram with a person: explicit handoff, relay to the desk, agent replies, restarts."""

import pytest

from handoff.store import OutboundMessage, SqlUnitOfWork, create_store_engine, session_factory
from tests.fakes.channels import DeskEventStream, telegram_photo, telegram_text, wait_until
from tests.fakes.telegram_api import BOT_ID

pytestmark = pytest.mark.integration


def hand_over(channels, chat):
    assert any(
        "order number" in r
        for r in channels.telegram_say(chat, "I want to talk to a person", expect="order number")
    )
    assert any(
        "e-mail" in r for r in channels.telegram_say(chat, "I don't have one", expect="e-mail")
    )
    channels.telegram_say(chat, "skip", expect="passed our conversation")
    queue = channels.assistant.desk("GET", "/api/handoffs").json()["handoffs"]
    (handoff,) = (h for h in queue if h["conversation_id"] == f"telegram:{chat}")
    return handoff


def test_explicit_handoff_relay_both_ways(channels):
    chat = channels.new_chat_id()
    conversation = f"telegram:{chat}"
    handoff = hand_over(channels, chat)
    assert channels.tracker(conversation)["paused"] is True
    sent_before = len(channels.telegram.texts_to(chat))

    events = DeskEventStream(channels.assistant)
    try:
        channels.telegram_post(telegram_text(chat, "hello? anyone there?"))
        relayed = events.wait_for("message.customer", conversation)
        assert relayed["data"]["text"] == "hello? anyone there?"
        assert relayed["data"]["input_channel"] == "telegram"

        channels.telegram_post(telegram_photo(chat, "the damage"))
        wait_until(
            lambda: sum(
                e[0] == "message.customer" and e[1]["conversation_id"] == conversation
                for e in events.events
            )
            == 2
        )
        media = [
            e[1]
            for e in events.events
            if e[0] == "message.customer" and e[1]["conversation_id"] == conversation
        ][1]
        assert media["data"]["media"]["kind"] == "photo"
        assert media["data"]["media"]["id"] == "AgACAgQAAxkBAAIBlarge"
    finally:
        events.close()
    channels.settle(1.5)
    assert len(channels.telegram.texts_to(chat)) == sent_before  # the bot stayed silent
    tracker = channels.tracker(conversation)
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"][-1].startswith(
        "/send_media"
    )

    reply = channels.assistant.desk(
        "POST",
        f"/api/handoffs/{handoff['id']}/messages",
        json={"text": "Hi, Anna here. Let me check."},
    )
    assert reply.status_code == 201, reply.text
    texts = channels.telegram.wait_for_texts(chat, sent_before + 1)
    assert texts[-1] == "Hi, Anna here. Let me check."
    (agent_call,) = (c for c in channels.telegram.sent_to(chat) if c.body["text"] == texts[-1])
    assert "reply_markup" not in agent_call.body  # no bot button on a person's message
    bot_events = [e for e in channels.tracker(conversation)["events"] if e["event"] == "bot"]
    assert bot_events[-1]["text"] == "Hi, Anna here. Let me check."
    assert "handoff_agent" in bot_events[-1]["metadata"]


def test_redelivery_after_a_restart_is_ignored_and_accepted_work_survives_it(channels):
    chat, waiting_chat, undelivered_chat = (channels.new_chat_id() for _ in range(3))
    update = telegram_text(chat, "What payment methods do you accept?")
    channels.telegram_post(update)
    channels.telegram.wait_for_texts(chat, 2)

    def leave_work_behind():
        # As if the server had stopped right after accepting a message and queuing a reply.
        sessions = session_factory(
            create_store_engine(f"sqlite:///{channels.workdir / 'handoff.db'}")
        )
        with SqlUnitOfWork(sessions) as uow:
            uow.inbox.accept(
                f"telegram:{BOT_ID}",
                "999000111",
                f"telegram:{waiting_chat}",
                {
                    "action": "message",
                    "text": "What payment methods do you accept?",
                    "metadata": {},
                    "extra": {},
                },
            )
            uow.outbox.add(
                OutboundMessage(
                    channel="telegram",
                    conversation_id=f"telegram:{undelivered_chat}",
                    origin="agent",
                    request={
                        "method": "sendMessage",
                        "body": {"chat_id": str(undelivered_chat), "text": "Still there?"},
                    },
                    text="Still there?",
                )
            )
            uow.commit()

    channels.restart(while_stopped=leave_work_behind)
    again = channels.telegram_post(update)
    assert again.status_code == 200 and again.json()["duplicates"] == 1

    assert any("PayPal" in t for t in channels.telegram.wait_for_texts(waiting_chat, 2))
    assert channels.telegram.wait_for_texts(undelivered_chat, 1) == ["Still there?"]
    channels.settle(1.5)
    assert sum("PayPal" in t for t in channels.telegram.texts_to(chat)) == 1
    users = [e for e in channels.tracker(f"telegram:{chat}")["events"] if e["event"] == "user"]
    assert len(users) == 1
