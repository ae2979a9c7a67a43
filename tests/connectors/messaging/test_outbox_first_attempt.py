"""The outbox's first attempt happens inside the caller (a bot turn, an agent's reply).

Like Rasa's own channels, a bot turn's message has left when ``send_text_message`` returns -
but only the first attempt is waited for: a retry, or a platform that hangs, never holds the
turn up longer than ``FIRST_ATTEMPT_WAIT``; the message keeps being sent in the background.
Run on SQLite and PostgreSQL (the store fixtures of ``tests/core/store``).
"""

from __future__ import annotations

import asyncio
import time
from typing import List

import pytest
from sqlalchemy.orm import sessionmaker

from connectors.messaging import outbox
from connectors.messaging.outbox import OutboxWorker, RetryPolicy, SendOutcome
from handoff.store import ChannelUnitOfWork, OutboundMessage, OutboundStatus

REQUEST = {"method": "sendMessage", "body": {"chat_id": 42, "text": "Delivery takes 3-5 days."}}


def _row(sessions: sessionmaker, message_id: int) -> OutboundMessage:
    with ChannelUnitOfWork(sessions) as uow:
        row = uow.outbox.get(message_id)
        assert row is not None
        return row


def test_a_message_has_been_sent_and_recorded_when_enqueue_returns(sessions):
    sent: List[str] = []

    async def send(message: OutboundMessage) -> SendOutcome:
        sent.append(message.text or "")
        return SendOutcome.ok("tg-1")

    async def turn() -> int:
        worker = OutboxWorker("telegram", sessions, send)
        message_id = await worker.enqueue("telegram:42", REQUEST, "Delivery takes 3-5 days.")
        assert sent == ["Delivery takes 3-5 days."]  # before anything else ran
        await worker.idle()
        return message_id

    row = _row(sessions, asyncio.run(turn()))
    assert row.status == OutboundStatus.SENT and row.provider_message_id == "tg-1"


def test_a_retry_does_not_hold_the_turn_up(sessions):
    attempts: List[float] = []

    async def send(message: OutboundMessage) -> SendOutcome:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            return SendOutcome.later("429: Too Many Requests", retry_after=0.5)
        return SendOutcome.ok("tg-2")

    async def turn() -> tuple:
        worker = OutboxWorker("telegram", sessions, send, RetryPolicy(max_attempts=3))
        started = time.monotonic()
        message_id = await worker.enqueue("telegram:42", REQUEST, "hello")
        returned = time.monotonic() - started
        pending = _row(sessions, message_id).status
        await worker.idle()
        return message_id, returned, pending

    message_id, returned, pending = asyncio.run(turn())
    assert returned < 0.4  # the turn went on while the platform asked to wait 0.5 s
    assert pending == OutboundStatus.PENDING
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 0.5
    assert _row(sessions, message_id).status == OutboundStatus.SENT


def test_a_hanging_platform_holds_the_turn_up_at_most_the_first_attempt_wait(
    sessions, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(outbox, "FIRST_ATTEMPT_WAIT", 0.2)
    release = asyncio.Event()

    async def send(message: OutboundMessage) -> SendOutcome:
        await release.wait()  # the API answers only much later
        return SendOutcome.ok("tg-3")

    async def turn() -> tuple:
        worker = OutboxWorker("telegram", sessions, send)
        started = time.monotonic()
        message_id = await worker.enqueue("telegram:42", REQUEST, "hello")
        returned = time.monotonic() - started
        release.set()
        await worker.idle()
        return message_id, returned

    message_id, returned = asyncio.run(turn())
    assert 0.2 <= returned < 1.0
    assert _row(sessions, message_id).status == OutboundStatus.SENT  # sent in the background


def test_messages_of_one_turn_leave_in_order_even_when_the_first_is_retried(sessions):
    sent: List[str] = []

    async def send(message: OutboundMessage) -> SendOutcome:
        if message.text == "first" and message.attempts == 0:
            return SendOutcome.later("500: Internal Server Error", retry_after=0.2)
        sent.append(message.text or "")
        return SendOutcome.ok(None)

    async def turn() -> None:
        worker = OutboxWorker("telegram", sessions, send, RetryPolicy(max_attempts=3))
        await worker.enqueue("telegram:42", REQUEST, "first")
        await worker.enqueue("telegram:42", REQUEST, "second")
        await worker.idle()

    asyncio.run(turn())
    assert sent == ["first", "second"]
