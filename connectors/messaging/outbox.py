"""The outbox: every message to a customer is persisted, then sent with retries, in order.

``OutboxWorker.enqueue`` writes the message (``channel_outbox``) before anything is sent. When
the message can go at once it waits for that first attempt (at most ``FIRST_ATTEMPT_WAIT``
seconds), like Rasa's own channels wait for their API call; a bot turn never waits for
retries. One drain task per conversation sends that conversation's
pending messages oldest first, so order is kept even while one of them is being retried;
conversations do not wait for each other. On start, ``resume()`` drains every conversation
with pending rows, so nothing accepted is lost across a restart.

Sent before written: a reply of a bot turn the webhook has just accepted, in a conversation
with nothing undelivered (``nothing_pending``), is sent at once and written right after with
the attempt's outcome, before ``enqueue`` returns. Nothing is lost by the order: the customer
message's inbox row is marked processed only after the turn, so if the process dies between
the API call and the write, the turn runs again after the restart (and the reply may reach the
customer twice — the same window as a send cut off before its outcome was recorded). What it
buys: the API call leaves in the same step of the event loop as the turn that produced it, as
with Rasa's own channels; a write first hands the turn to a thread and back, and when many
turns run at once every one of them waits there until all the others' NLU is done (measured in
``benchmarks/channel_latency``: our bot turn 1.25x the stock channel's at 50 conversations
with the write first, 1.05x without it). The first attempt is then bounded by cancelling it
after ``FIRST_ATTEMPT_WAIT``; it counts as a failed attempt and is retried.

Several replicas share one outbox: a drain sends a message only while it holds the row's
lease (``connectors.messaging.leases``), and only the conversation's oldest pending message,
so exactly one replica sends a conversation at a time and in order. A drain that finds the
oldest row leased by another live replica leaves the conversation to it (that replica looks
for newer rows before it stops). Every ``sweep_seconds`` the worker looks for pending rows
again, which picks up a killed replica's messages once their lease ran out.

A send returns a ``SendOutcome``: sent (with the platform's message id), retry (rate limits,
5xx, network errors — after ``retry_after`` when the platform says so, else exponential
backoff up to ``max_delay``), or failed (permanent 4xx, or ``max_attempts`` reached). A
failed message is marked ``failed`` and published as the desk event ``message.failed``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Tuple

import async_timeout
from sqlalchemy.orm import sessionmaker

from connectors.messaging.inbound import mask
from connectors.messaging.leases import (
    REPLICA_ID,
    claim_oldest,
    lease_end,
    lease_renewer,
    renewed,
    take_lease,
    wind_down,
)
from handoff.desk.events import DeskEvent, DeskEventType, LiveEvents
from handoff.store.channel_models import OutboundMessage, OutboundOrigin, OutboundStatus
from handoff.store.channel_repository import ChannelUnitOfWork
from handoff.store.models import utc_now

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a message is retried (credentials keys in brackets)."""

    max_attempts: int = 6  # (send_max_attempts)
    base_delay: float = 1.0  # seconds before the 2nd attempt, doubled each time (send_retry_delay)
    max_delay: float = 60.0  # cap of the backoff and of a platform's retry_after (send_max_delay)
    lease_seconds: float = 30.0  # a killed replica's rows are taken over after this (lease_seconds)
    sweep_seconds: float = 5.0  # how often to look for rows nobody works on (sweep_seconds)

    def delay(self, attempts: int, retry_after: Optional[float]) -> float:
        """Return the wait before the next attempt, after ``attempts`` failed ones."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        return min(self.base_delay * (2 ** max(attempts - 1, 0)), self.max_delay)

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any]) -> RetryPolicy:
        """Read the optional retry settings of a channel's credentials."""
        default = cls()
        return cls(
            max_attempts=int(credentials.get("send_max_attempts") or default.max_attempts),
            base_delay=float(credentials.get("send_retry_delay") or default.base_delay),
            max_delay=float(credentials.get("send_max_delay") or default.max_delay),
            lease_seconds=float(credentials.get("lease_seconds") or default.lease_seconds),
            sweep_seconds=float(credentials.get("sweep_seconds") or default.sweep_seconds),
        )


@dataclass(frozen=True)
class SendOutcome:
    """What one attempt achieved."""

    sent: bool
    retry: bool = False
    provider_message_id: Optional[str] = None
    retry_after: Optional[float] = None
    error: Optional[str] = None

    @classmethod
    def ok(cls, provider_message_id: Optional[str]) -> SendOutcome:
        """Return the outcome of a message the platform accepted."""
        return cls(sent=True, provider_message_id=provider_message_id)

    @classmethod
    def later(cls, error: str, retry_after: Optional[float] = None) -> SendOutcome:
        """Return the outcome of a transient failure: try again."""
        return cls(sent=False, retry=True, error=error, retry_after=retry_after)

    @classmethod
    def failed(cls, error: str) -> SendOutcome:
        """Return the outcome of a permanent failure: do not try again."""
        return cls(sent=False, error=error)


DEFAULT_RETRY = RetryPolicy()

Sender = Callable[[OutboundMessage], Awaitable[SendOutcome]]

FIRST_ATTEMPT_WAIT = 5.0
"""Seconds ``enqueue`` waits for the first attempt of a message it can send at once."""


class OutboxWorker:
    """Persists and sends one channel's outbound messages (see the module docstring)."""

    def __init__(
        self,
        channel: str,
        sessions: sessionmaker,
        send: Sender,
        retry: RetryPolicy = DEFAULT_RETRY,
        events: Optional[LiveEvents] = None,
    ) -> None:
        self.channel = channel
        self._sessions = sessions
        self._send = send
        self.retry = retry
        self._events = events or LiveEvents()  # the channel hands in the process's hub
        self._drains: Dict[str, asyncio.Task] = {}
        self._sending_first: Set[str] = set()
        """Conversations whose message is being sent before it is written."""
        self._woken: Set[str] = set()
        self._stopping = False
        self._sweeper: Optional[asyncio.Task] = None
        self.owner = REPLICA_ID

    async def enqueue(
        self,
        conversation_id: str,
        request: Dict[str, Any],
        text: Optional[str],
        origin: str = OutboundOrigin.BOT,
        *,
        nothing_pending: bool = False,
    ) -> int:
        """Persist a message for ``conversation_id`` and start sending; returns its id.

        Fast path: when this replica is not sending the conversation already and the new
        message is its oldest pending one, the row is leased to this replica in the same
        transaction and handed straight to a new drain task (no second look-up and lease
        round trip before the API call), and the caller waits for that first attempt.
        Otherwise the usual drain picks it up in order and the caller does not wait.

        ``nothing_pending``: the caller knows the store held no undelivered message of the
        conversation when its turn began (a bot turn the webhook has just accepted). If this
        replica is not sending the conversation either, the message is sent before it is
        written (module docstring); the row exists, with the outcome, when this returns.
        """
        idle = self._idle(conversation_id)
        if nothing_pending and idle and not self._stopping:
            return await self._send_then_write(conversation_id, request, text, origin)

        def write() -> OutboundMessage:
            with ChannelUnitOfWork(self._sessions) as uow:
                message = self._new_message(conversation_id, request, text, origin)
                if idle:  # inserted leased; let go below unless it is the oldest pending one
                    message.lease_owner = self.owner
                    message.lease_until = lease_end(self.retry.lease_seconds)
                uow.outbox.add(message)
                if idle and uow.outbox.pending_before(self.channel, conversation_id, message.id):
                    message.lease_owner = message.lease_until = None
                uow.commit()
                return message

        message = await asyncio.to_thread(write)
        if message.lease_owner == self.owner and self._idle(conversation_id):
            loop = asyncio.get_running_loop()
            attempted = loop.create_future()
            task = loop.create_task(
                self._drain(conversation_id, first=message, attempted=attempted)
            )
            self._drains[conversation_id] = task
            # The caller (a bot turn, an agent's reply) waits for the first attempt, as Rasa's
            # own channels wait for their API call: the message leaves now, not after the
            # rest of the turn. Retries never hold the caller up.
            await asyncio.wait(
                {attempted, task}, timeout=FIRST_ATTEMPT_WAIT, return_when=asyncio.FIRST_COMPLETED
            )
        else:
            self.wake(conversation_id)
        return int(message.id)

    def _new_message(
        self, conversation_id: str, request: Dict[str, Any], text: Optional[str], origin: str
    ) -> OutboundMessage:
        return OutboundMessage(
            channel=self.channel,
            conversation_id=conversation_id,
            origin=origin,
            request=request,
            text=text,
            status=OutboundStatus.PENDING,
            attempts=0,
        )

    async def _send_then_write(
        self, conversation_id: str, request: Dict[str, Any], text: Optional[str], origin: str
    ) -> int:
        message = self._new_message(conversation_id, request, text, origin)
        self._sending_first.add(conversation_id)
        try:
            try:
                # No task of its own: a new task would start only after every turn already
                # waiting for the event loop (async_timeout cancels in place instead).
                async with async_timeout.timeout(FIRST_ATTEMPT_WAIT):
                    outcome = await self._try(message)
            except asyncio.TimeoutError:
                outcome = SendOutcome.later(f"no answer within {FIRST_ATTEMPT_WAIT:g} s")
            status, error, next_at = self._verdict(1, outcome)
            message.status, message.attempts = status, 1
            message.last_error = error[:500] if error else None
            message.provider_message_id = outcome.provider_message_id
            message.next_attempt_at = next_at or utc_now()
            if status == OutboundStatus.PENDING:  # this replica retries it, as it started it
                message.lease_owner = self.owner
                message.lease_until = lease_end(self.retry.lease_seconds)

            def write() -> None:
                with ChannelUnitOfWork(self._sessions) as uow:
                    uow.outbox.add(message)
                    uow.commit()

            await asyncio.to_thread(write)
        finally:
            self._sending_first.discard(conversation_id)
        if status == OutboundStatus.FAILED:
            self._report_failed(message, error or "unknown error")
        elif status == OutboundStatus.PENDING:
            assert error is not None and next_at is not None
            self._log_retry(message.id, 1, error, next_at)
            if self._idle(conversation_id):
                task = asyncio.get_running_loop().create_task(
                    self._drain(conversation_id, first=message)
                )
                self._drains[conversation_id] = task
            else:  # another message was enqueued meanwhile; its drain takes this one first
                self.wake(conversation_id)
        return int(message.id)

    def _idle(self, conversation_id: str) -> bool:
        if conversation_id in self._sending_first:
            return False
        task = self._drains.get(conversation_id)
        return task is None or task.done()

    async def resume(self) -> None:
        """Start draining every conversation with undelivered messages (call on start)."""

        def read() -> list:
            with ChannelUnitOfWork(self._sessions) as uow:
                return uow.outbox.conversations_with_pending(self.channel)

        for conversation_id in await asyncio.to_thread(read):
            self.wake(conversation_id)

    def start_sweeping(self) -> None:
        """Look for pending rows every ``sweep_seconds`` (a killed replica's, retries)."""

        async def sweep() -> None:
            while not self._stopping:
                await asyncio.sleep(self.retry.sweep_seconds)
                try:
                    await self.resume()
                except Exception as error:  # the store is unreachable: next sweep
                    logger.warning("%s outbox sweep failed: %s", self.channel, error)

        self._sweeper = asyncio.get_running_loop().create_task(sweep())

    def wake(self, conversation_id: str) -> None:
        """Make sure a drain task is sending ``conversation_id``'s pending messages."""
        self._woken.add(conversation_id)
        task = self._drains.get(conversation_id)
        if task is None or task.done():
            self._drains[conversation_id] = asyncio.get_running_loop().create_task(
                self._drain(conversation_id)
            )

    async def idle(self) -> None:
        """Wait until no conversation has a drain task running (tests, shutdown)."""
        while any(not task.done() for task in self._drains.values()):
            await asyncio.gather(*self._drains.values(), return_exceptions=True)

    async def shutdown(self, grace: float = 5.0) -> None:
        """Let in-flight sends finish (up to ``grace`` seconds), then cancel the rest.

        Pending rows stay in the store for the next start. A send cut off between the
        platform's answer and recording it is sent again after the restart (the outbox is
        at-least-once in that crash window; the platforms offer no idempotency key).
        """
        self._stopping = True

        def release() -> None:
            with ChannelUnitOfWork(self._sessions) as uow:
                uow.outbox.release_leases(self.channel, self.owner)
                uow.commit()

        await wind_down(self._drains, self._sweeper, release, grace, f"{self.channel} outbox")

    async def mark_failed(self, message: OutboundMessage, reason: str) -> None:
        """Mark ``message`` failed (unless it already is) and tell the desk."""

        def write() -> bool:
            with ChannelUnitOfWork(self._sessions) as uow:
                row = uow.outbox.get(message.id)
                if row is None or row.status == OutboundStatus.FAILED:
                    return False
                row.status = OutboundStatus.FAILED
                row.last_error = reason[:500]
                row.lease_until = None
                uow.commit()
                return True

        if await asyncio.to_thread(write):
            self._report_failed(message, reason)

    def _report_failed(self, message: OutboundMessage, reason: str) -> None:
        """Log a message that finally failed and publish ``message.failed`` to the desk."""
        logger.warning(
            "%s message %s to %s failed: %s",
            self.channel,
            message.id,
            mask(message.conversation_id),
            reason,
        )
        self._events.publish(
            DeskEvent(
                type=DeskEventType.MESSAGE_FAILED,
                conversation_id=message.conversation_id,
                data={
                    "channel": self.channel,
                    "outbox_id": message.id,
                    "origin": message.origin,
                    "text": message.text,
                    "reason": reason,
                },
            )
        )

    async def _drain(
        self,
        conversation_id: str,
        first: Optional[OutboundMessage] = None,
        attempted: Optional[asyncio.Future] = None,
    ) -> None:
        """Send the conversation's pending messages oldest first.

        ``first`` is already leased to this replica; ``attempted`` is resolved once its first
        attempt has been made and recorded (or the drain ended before).
        """
        try:
            while not self._stopping:
                self._woken.discard(conversation_id)
                if first is not None:
                    message, first = first, None
                else:
                    find = functools.partial(self._next_pending, conversation_id)
                    claimed = await claim_oldest(find, self._take_lease, self.owner)
                    if claimed is None:
                        if conversation_id in self._woken:
                            continue  # enqueued while we looked: look again
                        return
                    message = claimed
                async with renewed(self._renew(message.id), self.retry.lease_seconds):
                    wait = (message.next_attempt_at - utc_now()).total_seconds()
                    if wait > 0:
                        if self._stopping:
                            return
                        await asyncio.sleep(wait)
                    await self._attempt(message)
                if attempted is not None and not attempted.done():
                    attempted.set_result(None)
        except asyncio.CancelledError:
            raise
        except Exception:  # never let one conversation's bug kill the worker silently
            logger.exception("outbox drain of %s stopped", mask(conversation_id))
        finally:
            if attempted is not None and not attempted.done():
                attempted.set_result(None)

    def _next_pending(self, conversation_id: str) -> Optional[OutboundMessage]:
        with ChannelUnitOfWork(self._sessions) as uow:
            return uow.outbox.next_pending(self.channel, conversation_id)

    def _take_lease(self, message: OutboundMessage) -> bool:
        return take_lease(self._sessions, "outbox", message, self.owner, self.retry.lease_seconds)

    def _renew(self, message_id: int) -> Callable[[datetime], bool]:
        return lease_renewer(self._sessions, "outbox", message_id, self.owner)

    async def _try(self, message: OutboundMessage) -> SendOutcome:
        try:
            return await self._send(message)
        except Exception as error:  # a bug in a sender: fail the message, keep the order
            logger.exception("sending %s message %s raised", self.channel, message.id)
            return SendOutcome.failed(f"internal error: {type(error).__name__}")

    def _verdict(
        self, attempts: int, outcome: SendOutcome
    ) -> Tuple[str, Optional[str], Optional[datetime]]:
        """Return (status, error, next attempt) of a message after ``attempts`` attempts."""
        if outcome.sent:
            return OutboundStatus.SENT, None, None
        error = outcome.error or "unknown error"
        if outcome.retry and attempts < self.retry.max_attempts:
            delay = self.retry.delay(attempts, outcome.retry_after)
            return OutboundStatus.PENDING, error, utc_now() + timedelta(seconds=delay)
        if outcome.retry:
            error = f"gave up after {attempts} attempts: {error}"
        return OutboundStatus.FAILED, error, None

    def _log_retry(self, message_id: int, attempts: int, error: str, at: datetime) -> None:
        wait = (at - utc_now()).total_seconds()
        logger.info(
            "%s message %s: %s; attempt %s in %.1fs",
            self.channel,
            message_id,
            error,
            attempts + 1,
            wait,
        )

    async def _attempt(self, message: OutboundMessage) -> None:
        outcome = await self._try(message)
        attempts = message.attempts + 1
        status, error, next_at = self._verdict(attempts, outcome)
        if status == OutboundStatus.SENT:
            await asyncio.to_thread(self._record_sent, message.id, attempts, outcome)
        elif status == OutboundStatus.PENDING:
            assert error is not None and next_at is not None
            await asyncio.to_thread(self._record_retry, message.id, attempts, error, next_at)
            self._log_retry(message.id, attempts, error, next_at)
        else:
            await asyncio.to_thread(self._record_attempts, message.id, attempts)
            await self.mark_failed(message, error or "unknown error")

    def _record_sent(self, message_id: int, attempts: int, outcome: SendOutcome) -> None:
        with ChannelUnitOfWork(self._sessions) as uow:
            row = uow.outbox.get(message_id)
            assert row is not None
            row.status = OutboundStatus.SENT
            row.attempts = attempts
            row.lease_until = None
            row.provider_message_id = outcome.provider_message_id
            uow.commit()

    def _record_retry(self, message_id: int, attempts: int, error: str, at: datetime) -> None:
        with ChannelUnitOfWork(self._sessions) as uow:
            row = uow.outbox.get(message_id)
            assert row is not None
            row.attempts = attempts
            row.last_error = error[:500]
            row.next_attempt_at = at
            uow.commit()

    def _record_attempts(self, message_id: int, attempts: int) -> None:
        with ChannelUnitOfWork(self._sessions) as uow:
            row = uow.outbox.get(message_id)
            assert row is not None
            row.attempts = attempts
            uow.commit()
