"""Two Rasa replicas over one PostgreSQL and one Redis: the customer on A, the agent on B."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import aio_pika
import pytest

from handoff.store import SqlUnitOfWork, create_store_engine, session_factory
from tests.e2e.scrape import CUSTOMER_TURNS, scrape, scripted_handoff, settled
from tests.fakes.channels import DeskEventStream, telegram_text
from tests.fakes.telegram_api import BOT_ID
from tests.replicas.production import (
    RABBITMQ_HOST,
    agent_token,
    hand_over,
    post_update,
    say,
    user_texts,
    wait_for,
)

pytestmark = pytest.mark.integration

STORE_FIGURES = (
    "handoff_handoffs_opened_total",
    "handoff_handoffs_finished_total",
    "handoff_decisions_total",
    "handoff_queue_length",
    "handoff_time_to_pickup_seconds_count",
    "handoff_time_to_pickup_seconds_sum",
    "handoff_handling_seconds_sum",
)
FAQ = [
    "What payment methods do you accept?",
    "How long does delivery take?",
    "How do I return an item?",
    "Where is my order?",
]


def outbox_has_open(replicas, conversation: str) -> bool:
    """Whether the shared outbox still holds an unsent reply for ``conversation``."""
    engine = create_store_engine(replicas.stores.store_url)
    try:
        with SqlUnitOfWork(session_factory(engine)) as uow:
            return uow.outbox.has_open("telegram", conversation)
    finally:
        engine.dispose()


def new_chat() -> int:
    return 6_000_000_000 + random.randint(1, 10**8)


def test_metrics_store_figures_agree_and_process_figures_stay_on_their_replica(replicas):
    """First in the module, as in tests/e2e/test_metrics.py: nobody at the desk yet.

    The customer writes to A, the agent works on B. The store's figures are read at scrape
    time, so both replicas report the same; the webhooks and bot turns are A's alone, so
    their sum over the replicas is the conversation's.
    """
    a, b = replicas.replicas
    before_a, before_b = scrape(a), scrape(b)
    done = scripted_handoff(a, b, replicas.telegram, new_chat(), "metrics-agent")
    after_a = settled(a, before_a, CUSTOMER_TURNS)
    after_b = scrape(b)

    for name in STORE_FIGURES:
        assert after_a.sum(name) == after_b.sum(name), name
    handoff = {"reason": "explicit_request", "channel": "telegram"}
    for after, before in ((after_a, before_a), (after_b, before_b)):
        assert after.moved(before, "handoff_handoffs_opened_total", **handoff) == 1
        finished = after.moved(before, "handoff_handoffs_finished_total", outcome="handed_back")
        assert finished == 1
        assert after.moved(before, "handoff_time_to_pickup_seconds_count") == 1
        assert after.moved(before, "handoff_decisions_total") == 3
    assert done.queued.moved(before_b, "handoff_queue_length", team=done.team) == 1

    telegram = {"channel": "telegram"}
    for name in ("handoff_process_webhook_seconds_count", "handoff_process_bot_turn_seconds_count"):
        assert after_a.moved(before_a, name, **telegram) == CUSTOMER_TURNS, name
        assert after_b.moved(before_b, name, **telegram) == 0, name


def test_relay_works_both_ways_across_replicas(replicas):
    a, b = replicas.replicas
    telegram = replicas.telegram
    chat = new_chat()
    conversation = f"telegram:{chat}"
    handoff = hand_over(a, telegram, chat)
    anna = agent_token(b, "anna", handoff["team"])

    events = DeskEventStream(b)  # the agent's inbox streams from replica B
    try:
        assert post_update(a, telegram_text(chat, "hello? anyone there?")).status_code == 200
        relayed = events.wait_for("message.customer", conversation, timeout=60)
        assert relayed["data"]["text"] == "hello? anyone there?"
    finally:
        events.close()

    claimed = b.desk("POST", f"/api/handoffs/{handoff['id']}/claim", token=anna)
    assert claimed.status_code == 200, claimed.text
    reply = b.desk(
        "POST",
        f"/api/handoffs/{handoff['id']}/messages",
        token=anna,
        json={"text": "Hi, Anna here. Let me check."},
    )
    assert reply.status_code == 201, reply.text
    wait_for(lambda: "Hi, Anna here. Let me check." in telegram.texts_to(chat), 60, "agent reply")

    # The customer answers on A again: relayed, not answered by the bot, logged once.
    events = DeskEventStream(b)
    try:
        post_update(a, telegram_text(chat, "thanks, order 48213377"))
        relayed = events.wait_for("message.customer", conversation, timeout=60)
        assert relayed["data"]["text"] == "thanks, order 48213377"
    finally:
        events.close()
    assert telegram.texts_to(chat).count("Hi, Anna here. Let me check.") == 1
    texts = user_texts(b, conversation)
    assert texts[-2:] == ["hello? anyone there?", "thanks, order 48213377"]
    bot = [e for e in a.tracker(conversation)["events"] if e["event"] == "bot"]
    assert [e["text"] for e in bot].count("Hi, Anna here. Let me check.") == 1
    assert any("handoff_agent" in (e.get("metadata") or {}) for e in bot)


def test_a_claim_race_across_replicas_has_one_winner(replicas):
    a, b = replicas.replicas
    chat = new_chat()
    handoff = hand_over(b, replicas.telegram, chat)
    racers = [agent_token(a if n % 2 else b, f"racer{n}", handoff["team"]) for n in range(8)]
    barrier = threading.Barrier(len(racers))

    def claim(n: int) -> int:
        replica = a if n % 2 else b
        barrier.wait()
        return replica.desk(
            "POST", f"/api/handoffs/{handoff['id']}/claim", token=racers[n]
        ).status_code

    with ThreadPoolExecutor(len(racers)) as pool:
        statuses = list(pool.map(claim, range(len(racers))))
    assert sorted(statuses) == [200] + [409] * (len(racers) - 1), statuses
    wait_for(
        lambda: len([t for t in replicas.telegram.texts_to(chat) if "joined the chat" in t]) >= 1,
        30,
        "joined message",
    )
    joined = [t for t in replicas.telegram.texts_to(chat) if "joined the chat" in t]
    assert len(joined) == 1


def test_nothing_is_processed_twice_and_order_holds_across_replicas(replicas):
    a, b = replicas.replicas
    telegram = replicas.telegram
    chat = new_chat()
    conversation = f"telegram:{chat}"
    sent = [f"{FAQ[n % len(FAQ)]}" for n in range(10)]
    updates = [telegram_text(chat, words) for words in sent]
    for update in updates:
        # Deliver every update to both replicas at once (a redelivery racing the original).
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(post_update, (a, b), (update, update)))
        assert all(answer.status_code == 200 for answer in answers)
        accepted = sum(answer.json()["accepted"] for answer in answers)
        assert accepted == 1, [answer.json() for answer in answers]

    wait_for(lambda: len(user_texts(a, conversation)) == len(sent), 180, "all turns processed")
    assert user_texts(b, conversation) == sent  # every turn once, in the order accepted

    def bot_texts() -> Counter:
        events = a.tracker(conversation)["events"]
        return Counter(e["text"] for e in events if e["event"] == "bot" and e.get("text"))

    wait_for(lambda: Counter(telegram.texts_to(chat)) == bot_texts(), 60, "replies delivered")
    # Only the outbox sends: once it holds nothing open for the chat, no double can follow.
    wait_for(lambda: not outbox_has_open(replicas, conversation), 30, "outbox drained")
    assert Counter(telegram.texts_to(chat)) == bot_texts()  # each reply sent exactly once


def test_a_reply_waits_behind_an_earlier_one_the_other_replica_is_still_retrying(replicas):
    """B knows nothing of A's undelivered reply but the shared store: its turn's reply must
    not overtake it (the outbox sends a conversation oldest first, across replicas)."""
    a, b = replicas.replicas
    telegram = replicas.telegram
    chat = new_chat()
    conversation = f"telegram:{chat}"
    say(a, telegram, chat, "What payment methods do you accept?", "PayPal")

    def shipping_answer(call) -> bool:
        body = call.body if isinstance(call.body, dict) else {}
        return str(body.get("chat_id")) == str(chat) and "Standard delivery" in body.get("text", "")

    rate_limited = {"ok": False, "error_code": 429, "description": "Too Many Requests",
                    "parameters": {"retry_after": 1}}  # fmt: skip
    telegram.refuse_where(shipping_answer, 429, rate_limited)
    try:
        assert post_update(a, telegram_text(chat, "How long does shipping take?")).ok
        telegram.wait_for(shipping_answer, timeout=60)  # A's reply: refused, retried by A

        def answered(replica, words: str) -> bool:
            events = replica.tracker(conversation)["events"]
            return any(words in (e.get("text") or "") for e in events if e["event"] == "bot")

        assert replicas.stores is not None
        engine = create_store_engine(replicas.stores.store_url)
        sessions = session_factory(engine)

        def a_is_done() -> bool:  # B takes the next message only when A has none in hand
            with SqlUnitOfWork(sessions) as uow:
                return not uow.inbox.has_open(f"telegram:{BOT_ID}", conversation)

        wait_for(lambda: answered(a, "Standard delivery"), 90, "A's turn")
        wait_for(a_is_done, 30, "A's turn marked processed")
        engine.dispose()
        assert post_update(b, telegram_text(chat, "What is your return policy?")).ok
        wait_for(lambda: answered(b, "30 days"), 90, "B's turn")
        # B's reply is queued now; let A's refused reply be retried twice more (the outbox
        # is live and sweeping) — an overtaking reply would have gone out meanwhile.
        tries = len(telegram.calls_where(shipping_answer))
        wait_for(lambda: len(telegram.calls_where(shipping_answer)) >= tries + 2, 60, "retries")
        assert not any("30 days" in text for text in telegram.texts_to(chat))
    finally:
        telegram.stop_refusing()
    wait_for(lambda: any("30 days" in t for t in telegram.texts_to(chat)), 60, "both replies")
    texts = telegram.texts_to(chat)
    shipping = next(n for n, t in enumerate(texts) if "Standard delivery" in t)
    returns = next(n for n, t in enumerate(texts) if "30 days" in t)
    assert shipping < returns


def test_analytics_consumers_get_both_replicas_events_from_rabbitmq(replicas):
    a, b = replicas.replicas
    chat = new_chat()
    conversation = f"telegram:{chat}"
    say(a, replicas.telegram, chat, FAQ[0], "PayPal")
    say(b, replicas.telegram, chat, FAQ[1], "")
    wait_for(lambda: len(user_texts(a, conversation)) == 2, 60, "both turns")
    queue_name = replicas.event_broker["queues"][0]

    async def consume() -> list:
        connection = await aio_pika.connect_robust(
            host=RABBITMQ_HOST, login="guest", password="guest", timeout=10
        )
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(queue_name, durable=True)
            texts = []
            deadline = asyncio.get_running_loop().time() + 30
            while asyncio.get_running_loop().time() < deadline:
                message = await queue.get(no_ack=True, fail=False)
                if message is None:
                    if texts.count(FAQ[0]) and texts.count(FAQ[1]):
                        break
                    await asyncio.sleep(0.2)
                    continue
                event = json.loads(message.body)
                if event.get("sender_id") == conversation and event.get("event") == "user":
                    texts.append(event.get("text"))
            return texts

    texts = asyncio.run(consume())
    assert texts.count(FAQ[0]) == 1 and texts.count(FAQ[1]) == 1, texts
