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

Several replicas share one outbox: the outbox is a ``WorkQueue`` (``handoff.store.work_queue``)
worked off by a ``QueueWorker`` (``connectors.messaging.queue_worker``), the same loop as the
inbox's. A message is sent only while its row's lease is held, and only the conversation's
oldest pending message, so exactly one replica sends a conversation at a time and in order.
A drain that finds the oldest row leased by another live replica leaves the conversation to
it (that replica looks for newer rows before it stops). Every ``sweep_seconds`` the worker
looks for pending rows it may take, which picks up a killed replica's messages once their
lease ran out.

A send returns a ``SendOutcome``: sent (with the platform's message id), retry (rate limits,
5xx, network errors — after ``retry_after`` when the platform says so, else exponential
backoff up to ``max_delay``), or failed (permanent 4xx, or ``max_attempts`` reached). A
failed message is marked ``failed`` and published as the desk event ``message.failed``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Dict, Optional, Set, Tuple

import async_timeout
from sqlalchemy.orm import sessionmaker

from connectors.messaging.inbound import mask
from connectors.messaging.queue_worker import Clock, QueueWorker, new_owner_id
from handoff.desk.events import DeskEvent, DeskEventType, LiveEvents
from handoff.store.channel_models import OutboundMessage, OutboundOrigin, OutboundStatus
from handoff.store.models import utc_now
from handoff.store.unit_of_work import SqlUnitOfWork

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
    """Persists and sends one channel's outbound messages (see the module docstring).

    ``owner``: this worker's name in ``lease_owner`` (a new :func:`new_owner_id` by default;
    the channel passes its own). ``clock``: the time of leases and retries (tests pass theirs).
    """

    def __init__(
        self,
        channel: str,
        sessions: sessionmaker,
        send: Sender,
        retry: RetryPolicy = DEFAULT_RETRY,
        events: Optional[LiveEvents] = None,
        *,
        owner: Optional[str] = None,
        clock: Clock = utc_now,
    ) -> None:
        self.channel = channel
        self._sessions = sessions
        self._send = send
        self.retry = retry
        self._events = events or LiveEvents()  # the channel hands in the process's hub
        self._clock = clock
        self._sending_first: Set[str] = set()
        """Conversations whose message is being sent before it is written."""
        self.queue: QueueWorker[OutboundMessage, asyncio.Future] = QueueWorker(
            f"{channel} outbox",
            sessions,
            lambda uow: uow.outbox,
            channel,
            self._send_leased,
            owner=owner or new_owner_id(),
            lease_seconds=retry.lease_seconds,
            sweep_seconds=retry.sweep_seconds,
            clock=clock,
        )

    @property
    def owner(self) -> str:
        """Return this worker's name in ``lease_owner``."""
        return self.queue.owner

    @owner.setter
    def owner(self, owner: str) -> None:
        self.queue.owner = owner

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
        if nothing_pending and idle and not self.queue.stopping:
            return await self._send_then_write(conversation_id, request, text, origin)

        def write() -> OutboundMessage:
            with SqlUnitOfWork(self._sessions) as uow:
                message = self._new_message(conversation_id, request, text, origin)
                if idle:  # inserted leased; let go below unless it is the oldest pending one
                    message.lease_owner = self.owner
                    message.lease_until = self.queue.lease_end()
                uow.outbox.add(message)
                if idle and uow.outbox.open_before(self.channel, conversation_id, message.id):
                    message.lease_owner = message.lease_until = None
                uow.commit()
                return message

        message = await asyncio.to_thread(write)
        if message.lease_owner == self.owner and self._idle(conversation_id):
            attempted = asyncio.get_running_loop().create_future()
            task = self.queue.wake(conversation_id, first=message, hint=attempted)
            if task is not None:
                # The caller (a bot turn, an agent's reply) waits for the first attempt, as
                # Rasa's own channels wait for their API call: the message leaves now, not
                # after the rest of the turn. Retries never hold the caller up.
                await asyncio.wait(
                    {attempted, task},
                    timeout=FIRST_ATTEMPT_WAIT,
                    return_when=asyncio.FIRST_COMPLETED,
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
            message.next_attempt_at = next_at or self._clock()
            if status == OutboundStatus.PENDING:  # this replica retries it, as it started it
                message.lease_owner = self.owner
                message.lease_until = self.queue.lease_end()

            def write() -> None:
                with SqlUnitOfWork(self._sessions) as uow:
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
            # When another message was enqueued meanwhile, its drain takes this one first.
            self.queue.wake(conversation_id, first=message)
        return int(message.id)

    def _idle(self, conversation_id: str) -> bool:
        if conversation_id in self._sending_first:
            return False
        return self.queue.is_idle(conversation_id)

    async def resume(self) -> None:
        """Start draining every conversation with undelivered messages (call on start)."""
        await self.queue.recover()

    def start_sweeping(self) -> None:
        """Look for pending rows every ``sweep_seconds`` (a killed replica's, retries)."""
        self.queue.start_sweeping()

    def wake(self, conversation_id: str) -> None:
        """Make sure a drain task is sending ``conversation_id``'s pending messages."""
        self.queue.wake(conversation_id)

    async def idle(self) -> None:
        """Wait until no conversation has a drain task running (tests, shutdown)."""
        await self.queue.idle()

    async def shutdown(self, grace: float = 5.0) -> None:
        """Let in-flight sends finish (up to ``grace`` seconds), then cancel the rest.

        Pending rows stay in the store for the next start. A send cut off between the
        platform's answer and recording it is sent again after the restart (the outbox is
        at-least-once in that crash window; the platforms offer no idempotency key).
        """
        await self.queue.shutdown(grace)

    async def mark_failed(self, message: OutboundMessage, reason: str) -> None:
        """Mark ``message`` failed (unless it already is) and tell the desk.

        Also a message the platform had accepted and later reported failed (WhatsApp's
        ``failed`` status): one conditional UPDATE, so a repeated report tells the desk once.
        """

        def write() -> bool:
            with SqlUnitOfWork(self._sessions) as uow:
                changed = uow.outbox.mark_failed(message.id, reason)
                uow.commit()
                return changed

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

    async def _send_leased(
        self, message: OutboundMessage, attempted: Optional[asyncio.Future]
    ) -> None:
        """Make one attempt at a message leased to this worker (the queue worker's handler).

        Waits for the message's next attempt time first (unless the worker is stopping);
        ``attempted`` (a message ``enqueue`` waits for) is resolved once the attempt has been
        made and recorded.
        """
        try:
            wait = (message.next_attempt_at - self._clock()).total_seconds()
            if wait > 0:
                if self.queue.stopping:
                    return
                await asyncio.sleep(wait)
            await self._attempt(message)
        finally:
            if attempted is not None and not attempted.done():
                attempted.set_result(None)

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
            return OutboundStatus.PENDING, error, self._clock() + timedelta(seconds=delay)
        if outcome.retry:
            error = f"gave up after {attempts} attempts: {error}"
        return OutboundStatus.FAILED, error, None

    def _log_retry(self, message_id: int, attempts: int, error: str, at: datetime) -> None:
        wait = (at - self._clock()).total_seconds()
        logger.info(
            "%s message %s: %s; attempt %s in %.1fs",
            self.channel,
            message_id,
            error,
            attempts + 1,
            wait,
        )

    async def _attempt(self, message: OutboundMessage) -> None:
        """Make one attempt and record its outcome: sent, retried later, or failed."""
        outcome = await self._try(message)
        attempts = message.attempts + 1
        status, error, next_at = self._verdict(attempts, outcome)
        if status == OutboundStatus.PENDING:
            assert error is not None and next_at is not None
            await asyncio.to_thread(self._record, message.id, status, attempts, outcome, next_at)
            self._log_retry(message.id, attempts, error, next_at)
            return
        recorded = await asyncio.to_thread(
            self._record, message.id, status, attempts, outcome, next_at, error
        )
        if status == OutboundStatus.FAILED and recorded:
            self._report_failed(message, error or "unknown error")

    def _record(
        self,
        message_id: int,
        status: str,
        attempts: int,
        outcome: SendOutcome,
        next_at: Optional[datetime],
        error: Optional[str] = None,
    ) -> bool:
        """Record an attempt in one conditional UPDATE; False when the row moved on meanwhile.

        Sent: completed with the platform's id. Retry: attempts, error and next attempt time,
        the lease kept (this worker retries it). Failed: given up, with the reason.
        """
        with SqlUnitOfWork(self._sessions) as uow:
            now = self._clock()
            if status == OutboundStatus.SENT:
                provider_id = outcome.provider_message_id
                done = uow.outbox.complete(
                    message_id, now, attempts=attempts, provider_message_id=provider_id
                )
            elif status == OutboundStatus.PENDING:
                last_error = (outcome.error or "unknown error")[:500]
                done = uow.outbox.retry_later(
                    message_id,
                    self.owner,
                    self.queue.lease_end(),
                    attempts=attempts,
                    last_error=last_error,
                    next_attempt_at=next_at,
                )
            else:
                reason = (error or "unknown error")[:500]
                done = uow.outbox.fail(message_id, now, attempts=attempts, last_error=reason)
            uow.commit()
            return done
