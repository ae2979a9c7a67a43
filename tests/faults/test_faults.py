"""Faults on the production layout: kill -9, the channel API down, a database restart, the
action server down. Real Rasa servers, real PostgreSQL and Redis, the fake Bot API."""

from __future__ import annotations

import random

import pytest

from connectors.messaging.fallback import TROUBLE_TEXT
from tests.fakes.channels import telegram_text
from tests.replicas.production import (
    TELEGRAM_TOKEN,
    PrivatePostgres,
    Replicas,
    Stores,
    SwitchableTelegramApi,
    agent_token,
    hand_over,
    post_update,
    postgres_database,
    require_services,
    say,
    user_texts,
    wait_for,
)

pytestmark = pytest.mark.integration

PAYMENT = "What payment methods do you accept?"


def new_chat() -> int:
    return 7_000_000_000 + random.randint(1, 10**8)


@pytest.fixture(scope="module")
def production(trained_model, tmp_path_factory):
    """One Rasa replica (plus its action server) over PostgreSQL and Redis."""
    require_services()
    with postgres_database() as database:
        running = Replicas(
            trained_model,
            tmp_path_factory.mktemp("faults"),
            Stores(database),
            SwitchableTelegramApi(TELEGRAM_TOKEN),
        )
        try:
            running.start_replica("a")
            yield running
        finally:
            running.stop()


def test_kill_9_during_a_handoff_keeps_queue_assignment_and_transcript(production):
    replica, telegram = production.replicas[0], production.telegram
    chat = new_chat()
    conversation = f"telegram:{chat}"
    handoff = hand_over(replica, telegram, chat)
    kim = agent_token(replica, "kim", handoff["team"])
    claimed = replica.desk("POST", f"/api/handoffs/{handoff['id']}/claim", token=kim)
    assert claimed.status_code == 200, claimed.text
    wait_for(lambda: any("joined the chat" in t for t in telegram.texts_to(chat)), 30, "joined")

    telegram.down = True  # the agent's reply is certainly still in the outbox at the kill
    reply = replica.desk(
        "POST", f"/api/handoffs/{handoff['id']}/messages", token=kim, json={"text": "One moment."}
    )
    assert reply.status_code == 201, reply.text
    first = telegram_text(chat, "my sofa arrived broken")
    assert post_update(replica, first).status_code == 200
    replica.kill("rasa server")  # kill -9 right after the webhook accepted the message

    replica.start("rasa server")
    telegram.down = False
    assert post_update(replica, first).json()["duplicates"] == 1  # Telegram's redelivery
    assert post_update(replica, telegram_text(chat, "are you still there?")).status_code == 200

    wait_for(
        lambda: user_texts(replica, conversation)[-2:]
        == ["my sofa arrived broken", "are you still there?"],
        90,
        "both customer messages in the transcript",
    )
    texts = user_texts(replica, conversation)
    assert texts.count("my sofa arrived broken") == 1
    assert texts.count("are you still there?") == 1
    wait_for(lambda: "One moment." in telegram.texts_to(chat), 60, "the reply after restart")
    assert telegram.texts_to(chat).count("One moment.") == 1
    tracker = replica.tracker(conversation)
    assert tracker["paused"] is True  # still with the person, the bot stays silent
    bot_texts = [e["text"] for e in tracker["events"] if e["event"] == "bot"]
    assert bot_texts.count("One moment.") == 1
    shown = replica.desk("GET", f"/api/handoffs/{handoff['id']}", token=kim).json()
    assert shown["status"] == "assigned"
    assert shown["assigned_agent"]["display_name"] == "Kim"


def test_the_outbox_delivers_in_order_after_the_channel_api_was_down(production):
    replica, telegram = production.replicas[0], production.telegram
    chat = new_chat()
    conversation = f"telegram:{chat}"
    telegram.down = True
    try:
        for words in (PAYMENT, "How long does delivery take?", "How do I return an item?"):
            assert post_update(replica, telegram_text(chat, words)).status_code == 200
        wait_for(lambda: len(user_texts(replica, conversation)) == 3, 90, "three turns")
        failed_calls = telegram.calls_where(
            lambda c: c.answered == 502 and str((c.body or {}).get("chat_id")) == str(chat)
        )
        assert failed_calls  # it tried while the API was down
        assert telegram.texts_to(chat) == []
    finally:
        telegram.down = False
    tracker_bot = [
        e["text"] for e in replica.tracker(conversation)["events"] if e["event"] == "bot"
    ]
    wait_for(lambda: telegram.texts_to(chat) == tracker_bot, 60, "delivery in order")


def test_the_action_server_down_still_hands_the_customer_to_a_person(production):
    replica, telegram = production.replicas[0], production.telegram
    chat = new_chat()
    conversation = f"telegram:{chat}"
    say(replica, telegram, chat, PAYMENT, "PayPal")
    replica.kill("action server")
    try:
        texts = say(replica, telegram, chat, "I want to talk to a person", TROUBLE_TEXT)
        assert texts.count(TROUBLE_TEXT) == 1
        tracker = replica.tracker(conversation)
        assert tracker["paused"] is True
        queue = replica.desk("GET", "/api/handoffs").json()["handoffs"]
        (handoff,) = (h for h in queue if h["conversation_id"] == conversation)
        shown = replica.desk("GET", f"/api/handoffs/{handoff['id']}").json()
        assert shown["reason"] == "low_confidence"
        signals = [s["name"] for s in shown["context"]["signals"]]
        assert "action_server_unavailable" in signals
        transcript = [t["text"] for t in shown["context"]["transcript"]]
        assert "I want to talk to a person" in transcript
        assert tracker["slots"]["handoff_id"] == handoff["id"]
    finally:
        replica.start("action server")


def test_the_service_recovers_after_the_database_restarted(trained_model, tmp_path_factory):
    require_services()
    server = PrivatePostgres()
    try:
        with postgres_database("127.0.0.1", server.port) as database:
            running = Replicas(
                trained_model,
                tmp_path_factory.mktemp("db-restart"),
                Stores(database, port=server.port),
                SwitchableTelegramApi(TELEGRAM_TOKEN),
            )
            try:
                replica = running.start_replica("a")
                chat = new_chat()
                conversation = f"telegram:{chat}"
                say(replica, running.telegram, chat, PAYMENT, "PayPal")
                server.restart()  # every connection of the tracker and handoff stores is cut
                say(replica, running.telegram, chat, "How do I return an item?", "return", 120)
                wait_for(
                    lambda: user_texts(replica, conversation)[-1] == "How do I return an item?",
                    60,
                    "the turn after the restart",
                )
                assert user_texts(replica, conversation).count("How do I return an item?") == 1
                events = replica.tracker(conversation)["events"]
                bot = [e["text"] for e in events if e["event"] == "bot" and e.get("text")]
                wait_for(lambda: running.telegram.texts_to(chat) == bot, 30, "replies sent once")
                assert replica.desk("GET", "/api/handoffs").status_code == 200
                handoff = hand_over(replica, running.telegram, new_chat())
                assert handoff["status"] in ("queued", "assigned")
            finally:
                running.stop()
    finally:
        server.remove()
