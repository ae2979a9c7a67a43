"""The outbox's first attempt happens inside the caller (a bot turn, an agent's reply).

Like Rasa's own channels, a bot turn's message has left when ``send_text_message`` returns -
but only the first attempt is waited for: a retry, or a platform that hangs, never holds the
turn up longer than ``FIRST_ATTEMPT_WAIT``; the message keeps being sent in the background.
A bot turn's reply in a conversation with nothing undelivered is sent before it is written
(``nothing_pending``); it is written with the attempt's outcome before ``enqueue`` returns.
Run on SQLite and PostgreSQL (the store fixtures of ``tests/handoff/store``).
"""

from __future__ import annotations

import asyncio
import time
from typing import List

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from connectors.messaging import outbox
from connectors.messaging.outbox import OutboxWorker, RetryPolicy, SendOutcome
from handoff.desk.events import DeskEventType, LiveEvents
from handoff.store import OutboundMessage, OutboundStatus, SqlUnitOfWork
from handoff.store.channel_models import OutboundOrigin

REQUEST = {"method": "sendMessage", "body": {"chat_id": 42, "text": "Delivery takes 3-5 days."}}


def _row(sessions: sessionmaker, message_id: int) -> OutboundMessage:
    with SqlUnitOfWork(sessions) as uow:
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
    # the retry is scheduled on the wall clock (it is stored), measured here on the monotonic
    # one: a few milliseconds of slack for the two drifting apart
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 0.49, attempts
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


# -- a bot turn's reply in a conversation with nothing undelivered: sent, then written ---------


def _rows(sessions: sessionmaker, conversation_id: str) -> List[OutboundMessage]:
    with sessions() as session:
        query = select(OutboundMessage).where(OutboundMessage.conversation_id == conversation_id)
        return list(session.execute(query).scalars())


def test_a_reply_leaves_before_any_other_waiting_task_runs_and_is_written_with_its_outcome(
    sessions,
):
    """The API call is made in the turn's own step of the event loop, as Rasa's channels make
    theirs: another turn that is ready to run (its NLU, say) does not go first."""
    order: List[str] = []
    rows_at_send: List[int] = []

    async def send(message: OutboundMessage) -> SendOutcome:
        order.append("api call")
        rows_at_send.append(len(_rows(sessions, "telegram:42")))
        return SendOutcome.ok("tg-7")

    async def other_turn() -> None:
        order.append("other turn")

    async def turn() -> int:
        worker = OutboxWorker("telegram", sessions, send)
        waiting = asyncio.get_running_loop().create_task(other_turn())
        message_id = await worker.enqueue(
            "telegram:42", REQUEST, "Delivery takes 3-5 days.", nothing_pending=True
        )
        await waiting
        return message_id

    row = _row(sessions, asyncio.run(turn()))
    assert order == ["api call", "other turn"]
    assert rows_at_send == [0]  # sent first ...
    assert (row.status, row.attempts, row.provider_message_id) == (OutboundStatus.SENT, 1, "tg-7")


def test_without_nothing_pending_the_message_is_written_before_the_api_call(sessions):
    rows_at_send: List[int] = []

    async def send(message: OutboundMessage) -> SendOutcome:
        rows_at_send.append(len(_rows(sessions, "telegram:43")))
        return SendOutcome.ok("tg-8")

    async def turn() -> None:
        worker = OutboxWorker("telegram", sessions, send)
        await worker.enqueue("telegram:43", REQUEST, "Hi, Anna here.", OutboundOrigin.AGENT)
        await worker.idle()

    asyncio.run(turn())
    assert rows_at_send == [1]


def test_a_reply_sent_first_that_is_rate_limited_is_written_pending_and_retried_in_order(
    sessions,
):
    attempts: List[tuple] = []

    async def send(message: OutboundMessage) -> SendOutcome:
        attempts.append((message.text, time.monotonic()))
        if len(attempts) == 1:
            return SendOutcome.later("429: Too Many Requests", retry_after=0.5)
        return SendOutcome.ok(f"tg-{len(attempts)}")

    async def turn() -> tuple:
        worker = OutboxWorker("telegram", sessions, send, RetryPolicy(max_attempts=3))
        started = time.monotonic()
        first = await worker.enqueue("telegram:44", REQUEST, "first", nothing_pending=True)
        returned = time.monotonic() - started
        pending = _row(sessions, first)
        # the turn's next reply: the first one is still undelivered, so it waits its turn
        second = await worker.enqueue("telegram:44", REQUEST, "second", nothing_pending=True)
        await worker.idle()
        return first, second, returned, pending

    first, second, returned, pending = asyncio.run(turn())
    assert returned < 0.4, returned
    assert (pending.status, pending.attempts) == (OutboundStatus.PENDING, 1)
    assert "429" in (pending.last_error or "")
    assert [text for text, _ in attempts] == ["first", "first", "second"], attempts
    assert attempts[1][1] - attempts[0][1] >= 0.49, attempts  # retry_after (see above)
    assert _row(sessions, first).status == _row(sessions, second).status == OutboundStatus.SENT


def test_a_reply_sent_first_to_a_hanging_platform_is_given_up_after_the_wait_and_retried(
    sessions, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(outbox, "FIRST_ATTEMPT_WAIT", 0.2)
    calls: List[int] = []

    async def send(message: OutboundMessage) -> SendOutcome:
        calls.append(message.attempts)
        if len(calls) == 1:
            await asyncio.sleep(30)  # the API never answers this call
        return SendOutcome.ok("tg-9")

    async def turn() -> tuple:
        worker = OutboxWorker("telegram", sessions, send, RetryPolicy(base_delay=0.1))
        started = time.monotonic()
        message_id = await worker.enqueue("telegram:45", REQUEST, "hello", nothing_pending=True)
        returned = time.monotonic() - started
        pending = _row(sessions, message_id)
        await worker.idle()
        return message_id, returned, pending

    message_id, returned, pending = asyncio.run(turn())
    assert 0.2 <= returned < 1.0
    assert pending.status == OutboundStatus.PENDING and "no answer" in (pending.last_error or "")
    assert calls == [0, 1]  # the call that hung counts as an attempt
    assert _row(sessions, message_id).status == OutboundStatus.SENT


def test_a_reply_sent_first_that_fails_for_good_is_written_failed_and_the_desk_is_told(sessions):
    events = LiveEvents()

    async def send(message: OutboundMessage) -> SendOutcome:
        return SendOutcome.failed("403: Forbidden: bot was blocked by the user")

    async def turn() -> tuple:
        subscription = events.subscribe()
        worker = OutboxWorker("telegram", sessions, send, events=events)
        message_id = await worker.enqueue("telegram:46", REQUEST, "hello", nothing_pending=True)
        failed = await subscription.next(timeout=1)
        subscription.close()
        return message_id, failed

    message_id, failed = asyncio.run(turn())
    row = _row(sessions, message_id)
    assert row.status == OutboundStatus.FAILED and "blocked" in (row.last_error or "")
    assert failed is not None and failed.type == DeskEventType.MESSAGE_FAILED
    assert failed.data["outbox_id"] == message_id and failed.data["text"] == "hello"
