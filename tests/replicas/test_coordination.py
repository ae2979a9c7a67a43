"""The pieces replicas coordinate with, on real PostgreSQL and Redis (no Rasa server)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import defaultdict

import pytest
import redis

from connectors.lock_store import AtomicRedisLockStore
from connectors.messaging.outbox import OutboxWorker, RetryPolicy, SendOutcome
from handoff.desk.events import DeskEvent, LiveEvents
from handoff.desk.events_redis import FanoutSecretError, RedisFanout, signed_message
from handoff.store import (
    OutboundMessage,
    SqlUnitOfWork,
    create_store_engine,
    session_factory,
    upgrade_to_head,
)
from handoff.store.models import utc_now
from tests.replicas.production import REDIS_URL, postgres_database, require_services

SECRET = "replicas-shared-secret-for-tests"
FAST = RetryPolicy(
    max_attempts=5, base_delay=0.05, max_delay=0.2, lease_seconds=2, sweep_seconds=0.2
)


@pytest.fixture(scope="module")
def services():
    require_services()


@pytest.fixture
def postgres_store(services):
    with postgres_database() as database:
        engine = create_store_engine(f"postgresql+psycopg2://postgres@127.0.0.1:5432/{database}")
        upgrade_to_head(engine)
        yield session_factory(engine)
        engine.dispose()


def test_tickets_issued_by_two_replicas_at_once_are_all_distinct(services):
    prefix = f"t{uuid.uuid4().hex[:10]}"
    stores = [AtomicRedisLockStore(host="127.0.0.1", key_prefix=prefix) for _ in range(2)]
    tickets: list = []
    barrier = threading.Barrier(4)

    def issue(store: AtomicRedisLockStore) -> None:
        barrier.wait()
        for _ in range(25):
            tickets.append(store.issue_ticket("conversation-1"))

    threads = [threading.Thread(target=issue, args=(stores[n % 2],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tickets) == list(range(100))  # Rasa's RedisLockStore loses some here
    for ticket in tickets:
        stores[ticket % 2].cleanup("conversation-1", ticket)
    assert stores[0].get_lock("conversation-1") is None


async def _test_live_events_reach_the_other_replica_once_and_not_back(services):
    channel = f"handoff:test-{uuid.uuid4().hex[:8]}"
    hub_a, hub_b = LiveEvents(), LiveEvents()
    fanouts = [RedisFanout(REDIS_URL, SECRET, channel).attach(hub) for hub in (hub_a, hub_b)]
    try:
        assert all(fanout.wait_until_subscribed(10) for fanout in fanouts)
        on_a, on_b = hub_a.subscribe(), hub_b.subscribe()
        hub_a.publish(DeskEvent(type="message.customer", conversation_id="c1", data={"n": 1}))
        got = await on_b.next(timeout=10)
        assert got is not None and got.data == {"n": 1} and got.conversation_id == "c1"
        first = await on_a.next(timeout=1)
        assert first is not None and first.data == {"n": 1}  # local delivery
        # Redis delivers a channel's messages in order: an echo of A's event would reach A
        # before this marker B publishes after it.
        hub_b.publish(DeskEvent(type="message.customer", conversation_id="c1", data={"n": 2}))
        after = await on_a.next(timeout=10)
        assert after is not None and after.data == {"n": 2}  # not echoed back from Redis
    finally:
        for fanout in fanouts:
            fanout.stop()


async def _test_two_outbox_workers_send_each_message_once_in_order(postgres_store):
    sent = defaultdict(list)
    attempts = defaultdict(int)

    async def send(message) -> SendOutcome:
        attempts[message.id] += 1
        await asyncio.sleep(0.01)
        if attempts[message.id] == 1 and message.id % 3 == 0:
            return SendOutcome.later("429", retry_after=0.05)  # some need a retry
        sent[message.conversation_id].append(message.text)
        return SendOutcome.ok(str(message.id))

    workers = [OutboxWorker("telegram", postgres_store, send, FAST) for _ in range(2)]
    workers[0].owner, workers[1].owner = "replica-a", "replica-b"
    conversations = [f"telegram:{n}" for n in range(5)]
    for n in range(40):
        conversation = conversations[n % 5]
        await workers[n % 2].enqueue(conversation, {"method": "sendMessage"}, f"m{n:02d}")
    for worker in workers:
        worker.start_sweeping()
    deadline = asyncio.get_running_loop().time() + 30
    while sum(len(texts) for texts in sent.values()) < 40:
        assert asyncio.get_running_loop().time() < deadline, dict(sent)
        await asyncio.sleep(0.1)

    def drained() -> bool:  # each message marked sent: nothing left that could go out twice
        with SqlUnitOfWork(postgres_store) as uow:
            return not uow.outbox.conversations_with_open("telegram")

    while not drained():
        assert asyncio.get_running_loop().time() < deadline, "outbox not drained"
        await asyncio.sleep(0.1)
    for worker in workers:
        await worker.shutdown()
    for n, conversation in enumerate(conversations):
        expected = [f"m{k:02d}" for k in range(40) if k % 5 == n]
        assert sent[conversation] == expected


async def _test_a_killed_replicas_message_is_sent_once_its_lease_ran_out(postgres_store):
    sent = []

    async def send(message) -> SendOutcome:
        sent.append(message.text)
        return SendOutcome.ok("1")

    survivor = OutboxWorker("telegram", postgres_store, send, FAST)
    with SqlUnitOfWork(postgres_store) as uow:  # as if a dead replica leased it
        message = OutboundMessage(
            channel="telegram",
            conversation_id="telegram:9",
            request={"method": "sendMessage"},
            text="left behind",
            lease_owner="dead-replica",
            lease_until=utc_now(),
        )
        uow.outbox.add(message)
        uow.commit()
    started = asyncio.get_running_loop().time()
    survivor.start_sweeping()
    while not sent:
        assert asyncio.get_running_loop().time() - started < 10
        await asyncio.sleep(0.05)
    await survivor.shutdown()
    assert sent == ["left behind"]


def test_live_events_reach_the_other_replica_once_and_not_back(services):
    asyncio.run(_test_live_events_reach_the_other_replica_once_and_not_back(services))


def test_two_outbox_workers_send_each_message_once_in_order(postgres_store):
    asyncio.run(_test_two_outbox_workers_send_each_message_once_in_order(postgres_store))


def test_a_killed_replicas_message_is_sent_once_its_lease_ran_out(postgres_store):
    asyncio.run(_test_a_killed_replicas_message_is_sent_once_its_lease_ran_out(postgres_store))


async def _test_forged_fan_out_messages_are_not_delivered_to_desk_subscribers(services):
    channel = f"handoff:test-{uuid.uuid4().hex[:8]}"
    hub_a, hub_b = LiveEvents(), LiveEvents()
    fanouts = [RedisFanout(REDIS_URL, SECRET, channel).attach(hub) for hub in (hub_a, hub_b)]
    attacker = redis.Redis.from_url(REDIS_URL)
    try:
        assert all(fanout.wait_until_subscribed(10) for fanout in fanouts)
        inbox = hub_b.subscribe()
        fake = DeskEvent(type="message.agent", conversation_id="telegram:1", data={"text": "pay"})
        body = {"origin": "evil", "id": uuid.uuid4().hex, "sent": time.time(),
                "event": fake.to_json_dict()}  # fmt: skip
        for forged in (
            json.dumps({"origin": "evil", "event": fake.to_json_dict()}),  # unsigned (old format)
            signed_message("a-guessed-secret-of-16+", channel, body),  # the wrong secret
            json.dumps({"body": json.dumps(body), "signature": "0" * 64}),  # made-up signature
            "not even json",
        ):
            attacker.publish(channel, forged)
        # Pub/sub keeps the order: the first event the inbox sees must be the genuine one.
        hub_a.publish(DeskEvent(type="message.customer", conversation_id="c1", data={"n": 1}))
        got = await inbox.next(timeout=10)
        assert got is not None and got.conversation_id == "c1" and got.data == {"n": 1}
        assert fanouts[1].dropped == 4

        # A genuine message published twice (captured and replayed) is delivered once.
        captured = signed_message(SECRET, channel, {**body, "origin": fanouts[0].origin})
        attacker.publish(channel, captured)
        attacker.publish(channel, captured)
        hub_a.publish(DeskEvent(type="message.customer", conversation_id="c2", data={"n": 2}))
        first = await inbox.next(timeout=10)
        assert first is not None and first.data == {"text": "pay"}  # the one genuine copy
        second = await inbox.next(timeout=10)
        assert second is not None and second.conversation_id == "c2"
        assert fanouts[1].dropped == 5
    finally:
        attacker.close()
        for fanout in fanouts:
            fanout.stop()


def test_a_fan_out_without_a_shared_secret_refuses_to_start():
    with pytest.raises(FanoutSecretError):
        RedisFanout(REDIS_URL, "", "handoff:test")
    with pytest.raises(FanoutSecretError):
        RedisFanout(REDIS_URL, "short", "handoff:test")


def test_forged_fan_out_messages_are_not_delivered_to_desk_subscribers(services):
    asyncio.run(_test_forged_fan_out_messages_are_not_delivered_to_desk_subscribers(services))
