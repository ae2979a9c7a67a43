"""The channels' inbox and outbox on PostgreSQL: exactly-once intake, ordered, durable sending.

The fixtures (``tests/handoff/conftest.py``) give each test a schema of its own, migrated
with the project's Alembic history, on a session time zone that is not UTC. PostgreSQL is
skipped only when it is unreachable and ``CI`` is unset. The schema check (models vs.
migrations, ``compare_metadata`` with types) already runs on PostgreSQL for the whole
metadata, channel tables included, in ``tests/handoff/store/test_schema.py``.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone
from typing import List

import pytest
from sqlalchemy import String, cast, inspect, select
from sqlalchemy.orm import sessionmaker

from connectors.messaging.outbox import OutboxWorker, RetryPolicy, SendOutcome
from handoff.desk.events import DeskEventType, LiveEvents
from handoff.store import OutboundMessage, OutboundStatus, SqlUnitOfWork
from handoff.store.models import utc_now

pytestmark = pytest.mark.parametrize("store_engine", ["postgresql"], indirect=True)

BOT = "telegram:7000001"
SENT_AT = datetime(2026, 11, 23, 21, 30, tzinfo=timezone.utc)
MESSAGE = {"action": "message", "text": "where is my parcel?", "metadata": {}, "extra": {}}


def _accept(sessions: sessionmaker, key: str, conversation: str = "telegram:42") -> object:
    with SqlUnitOfWork(sessions) as uow:
        delivery = uow.inbox.accept(BOT, key, conversation, MESSAGE, SENT_AT)
        uow.commit()
    return delivery.id if delivery is not None else None


def _message(conversation: str, text: str) -> OutboundMessage:
    return OutboundMessage(
        channel="telegram",
        conversation_id=conversation,
        origin="bot",
        request={"method": "sendMessage", "body": {"chat_id": conversation[9:], "text": text}},
        text=text,
    )


def test_the_schema_has_the_channel_keys_the_exactly_once_rule_relies_on(store_engine, sessions):
    inspector = inspect(store_engine)
    unique = inspector.get_unique_constraints("channel_inbox")
    assert [(u["name"], u["column_names"]) for u in unique] == [
        ("uq_channel_inbox_delivery", ["account", "delivery_key"])
    ]
    outbox_indexes = {i["name"] for i in inspector.get_indexes("channel_outbox")}
    assert "ix_channel_outbox_pending" in outbox_indexes


def test_a_delivery_is_accepted_once_and_a_redelivery_is_refused(sessions):
    first = _accept(sessions, "1001")
    assert isinstance(first, int)
    assert _accept(sessions, "1001") is None  # redelivery, after the first one was committed
    assert isinstance(_accept(sessions, "1002"), int)
    with SqlUnitOfWork(sessions) as uow:  # the same update id of another bot is new
        assert uow.inbox.accept("telegram:7000002", "1001", "telegram:42", MESSAGE) is not None
        assert uow.inbox.accept("telegram:7000002", "1001", "telegram:42", MESSAGE) is None
        uow.commit()

    with SqlUnitOfWork(sessions) as uow:
        stored = uow.inbox.get(first)
        assert stored is not None and stored.payload == MESSAGE
        assert stored.customer_sent_at == SENT_AT and stored.customer_sent_at.tzinfo is not None
        assert [d.delivery_key for d in uow.inbox.unprocessed(BOT)] == ["1001", "1002"]
        uow.inbox.complete(first, utc_now())
        uow.commit()
    with SqlUnitOfWork(sessions) as uow:
        assert [d.delivery_key for d in uow.inbox.unprocessed(BOT)] == ["1002"]
        assert uow.inbox.last_customer_message_at("telegram:42") == SENT_AT


def test_a_redelivery_racing_the_original_waits_for_it_then_is_refused(sessions):
    """Neither session sees the other's row; PostgreSQL makes the second wait, then refuses."""
    with SqlUnitOfWork(sessions) as original:
        assert original.inbox.accept(BOT, "2001", "telegram:42", MESSAGE) is not None
        seen: List[object] = []

        def redeliver() -> None:
            with SqlUnitOfWork(sessions) as racing:
                seen.append(racing.inbox.accept(BOT, "2001", "telegram:42", MESSAGE))
                racing.commit()

        racer = threading.Thread(target=redeliver)
        racer.start()
        racer.join(0.5)
        assert racer.is_alive()  # blocked on the uncommitted key
        original.commit()
        racer.join(10)
    assert seen == [None]  # a duplicate, not an error
    with SqlUnitOfWork(sessions) as uow:
        assert [d.delivery_key for d in uow.inbox.unprocessed(BOT)] == ["2001"]


def test_nothing_is_kept_unless_committed(sessions):
    with SqlUnitOfWork(sessions) as uow:
        uow.inbox.accept(BOT, "3001", "telegram:42", MESSAGE)
        uow.outbox.add(_message("telegram:42", "not sent"))
    with pytest.raises(RuntimeError):
        with SqlUnitOfWork(sessions) as uow:
            uow.inbox.accept(BOT, "3002", "telegram:42", MESSAGE)
            raise RuntimeError("the webhook failed before committing")
    with SqlUnitOfWork(sessions) as uow:
        assert uow.inbox.unprocessed(BOT) == []
        assert uow.outbox.conversations_with_open("telegram") == []
    assert isinstance(_accept(sessions, "3001"), int)  # the key is still free


def test_the_outbox_picks_the_oldest_pending_message_per_conversation(sessions):
    with SqlUnitOfWork(sessions) as uow:
        for conversation, text in [("telegram:2", "b1"), ("telegram:1", "a1"),
                                   ("telegram:2", "b2"), ("telegram:1", "a2")]:  # fmt: skip
            uow.outbox.add(_message(conversation, text))
        uow.commit()
    with SqlUnitOfWork(sessions) as uow:
        assert uow.outbox.conversations_with_open("telegram") == ["telegram:2", "telegram:1"]
        first = uow.outbox.oldest_open("telegram", "telegram:1")
        assert first is not None and first.text == "a1"
        first.status, first.provider_message_id = OutboundStatus.SENT, "501"
        uow.commit()
    with SqlUnitOfWork(sessions) as uow:
        second = uow.outbox.oldest_open("telegram", "telegram:1")
        assert second is not None and second.text == "a2"
        second.status, second.last_error = OutboundStatus.FAILED, "400: chat not found"
        uow.commit()
    with SqlUnitOfWork(sessions) as uow:
        assert uow.outbox.oldest_open("telegram", "telegram:1") is None
        assert uow.outbox.conversations_with_open("telegram") == ["telegram:2"]
        found = uow.outbox.by_provider_id("telegram", "501")
        assert found is not None and found.text == "a1" and found.status == OutboundStatus.SENT
    with sessions() as session:  # the exact lowercase values other tools read
        query = select(OutboundMessage.text, cast(OutboundMessage.status, String))
        stored = session.execute(query.order_by(OutboundMessage.id)).all()
    assert [tuple(row) for row in stored] == [
        ("b1", "pending"), ("a1", "sent"), ("b2", "pending"), ("a2", "failed")
    ]  # fmt: skip
    with SqlUnitOfWork(sessions) as uow:
        earlier = datetime.now(timezone.utc) - timedelta(minutes=5)
        assert uow.outbox.sent_since("telegram", "telegram:1", "bot", earlier)
        assert not uow.outbox.sent_since("telegram", "telegram:1", "agent", earlier)


def test_the_outbox_worker_sends_in_order_and_marks_sent_and_failed(sessions):
    sent: List[str] = []
    events = LiveEvents()

    async def send(message: OutboundMessage) -> SendOutcome:
        sent.append(message.text or "")
        if message.text == "a2":
            return SendOutcome.failed("400: Bad Request: chat not found")
        return SendOutcome.ok(f"tg-{message.text}")

    async def scenario() -> list:
        subscription = events.subscribe()
        worker = OutboxWorker("telegram", sessions, send, RetryPolicy(max_attempts=2), events)
        for conversation, text in [("telegram:1", "a1"), ("telegram:2", "b1"),
                                   ("telegram:1", "a2"), ("telegram:1", "a3")]:  # fmt: skip
            await worker.enqueue(conversation, {"method": "sendMessage"}, text)
        await worker.idle()
        failed = await subscription.next(timeout=1)
        subscription.close()
        return [failed]

    (failed,) = asyncio.run(scenario())
    assert [t for t in sent if t.startswith("a")] == ["a1", "a2", "a3"]
    assert sorted(sent) == ["a1", "a2", "a3", "b1"]
    assert failed is not None and failed.type == DeskEventType.MESSAGE_FAILED
    assert failed.data["text"] == "a2"
    with sessions() as session:
        rows = {m.text: m for m in session.execute(select(OutboundMessage)).scalars()}
    assert {text: row.status for text, row in rows.items()} == {
        "a1": OutboundStatus.SENT, "b1": OutboundStatus.SENT,
        "a2": OutboundStatus.FAILED, "a3": OutboundStatus.SENT,
    }  # fmt: skip
    assert rows["a1"].provider_message_id == "tg-a1" and rows["a1"].attempts == 1
    assert rows["a2"].attempts == 1  # a permanent error is not retried
