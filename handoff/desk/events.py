"""Live desk events: what the inbox must see the moment it happens.

The desk publishes an event when a handoff is opened, claimed, transferred or closed, when a
customer writes during a handoff and when an agent's reply is delivered (or finally fails);
the desk's event stream (server-sent events) subscribes. Rasa-free.

``LiveEvents`` is the in-process hub: every subscriber gets every event published in this
process, in order. ``publish`` is safe to call from the event loop and from worker threads
(desk work runs in ``asyncio.to_thread``). A subscriber that falls more than ``max_queue``
events behind is disconnected (its iterator ends) rather than slowing everybody down; the
inbox reconnects and reloads the queue. Fan-out across several Rasa replicas plugs in behind
the same two calls (see ``LiveEvents.relay``).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Callable, Dict, List, Optional


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


class DeskEventType:
    """The event types, as sent on the wire (``event:`` field of the SSE stream)."""

    HANDOFF_OPENED = "handoff.opened"
    HANDOFF_CLAIMED = "handoff.claimed"
    HANDOFF_TRANSFERRED = "handoff.transferred"
    HANDOFF_CLOSED = "handoff.closed"  # resolved, handed back, closed or turned into a ticket
    CUSTOMER_MESSAGE = "message.customer"
    CUSTOMER_MESSAGE_ANALYSED = "message.analysed"  # NLU's reading of a relayed message
    AGENT_MESSAGE = "message.agent"
    MESSAGE_FAILED = "message.failed"  # an agent reply the channel finally could not deliver
    NOTE_ADDED = "note.added"


@dataclass(frozen=True)
class DeskEvent:
    """One thing that happened in a conversation the desk cares about.

    ``team`` lets the stream show each agent only their teams' events; ``data`` is the
    type-specific payload (a message's text, sender and media reference; a handoff's view).
    """

    type: str
    conversation_id: str
    data: Dict[str, Any] = field(default_factory=dict)
    handoff_id: Optional[str] = None
    team: Optional[str] = None
    at: str = field(default_factory=_now_iso)

    def to_json_dict(self) -> Dict[str, Any]:
        """Return the event as a JSON-ready dict (the SSE ``data:`` payload)."""
        return asdict(self)


class Subscription:
    """One subscriber's ordered view of the events; iterate with ``async for``."""

    def __init__(self, hub: LiveEvents, loop: asyncio.AbstractEventLoop, max_queue: int):
        self._hub = hub
        self._loop = loop
        self._queue: asyncio.Queue[Optional[DeskEvent]] = asyncio.Queue()
        self._max_queue = max_queue
        self.closed = False

    def _offer(self, event: Optional[DeskEvent]) -> None:
        """Queue ``event`` for this subscriber (called on its own loop)."""
        if self.closed:
            return
        if event is not None and self._queue.qsize() >= self._max_queue:
            self.closed = True  # too slow: end its stream instead of growing without bound
            self._queue.put_nowait(None)
            return
        self._queue.put_nowait(event)

    def __aiter__(self) -> AsyncIterator[DeskEvent]:
        return self

    async def __anext__(self) -> DeskEvent:
        if self.closed and self._queue.empty():
            raise StopAsyncIteration
        event = await self._queue.get()
        if event is None:
            self.closed = True
            raise StopAsyncIteration
        return event

    async def next(self, timeout: float) -> Optional[DeskEvent]:
        """Return the next event, or None when nothing came within ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self.__anext__(), timeout)
        except asyncio.TimeoutError:
            return None

    def close(self) -> None:
        """Stop receiving events (idempotent)."""
        self._hub._remove(self)
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(None)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()


class LiveEvents:
    """In-process publish/subscribe hub for desk events."""

    def __init__(self) -> None:
        self._subscribers: List[Subscription] = []
        self._lock = threading.Lock()
        self._relays: List[Callable[[DeskEvent], None]] = []

    def subscribe(self, max_queue: int = 1000) -> Subscription:
        """Start receiving every event published from now on (call on the event loop)."""
        subscription = Subscription(self, asyncio.get_running_loop(), max_queue)
        with self._lock:
            self._subscribers.append(subscription)
        return subscription

    def publish(self, event: DeskEvent) -> None:
        """Deliver ``event`` to every local subscriber and every relay; never blocks."""
        self.deliver_locally(event)
        for relay in list(self._relays):
            relay(event)

    def deliver_locally(self, event: DeskEvent) -> None:
        """Deliver ``event`` to this process's subscribers only (used by relays on receipt)."""
        with self._lock:
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            try:
                subscription._loop.call_soon_threadsafe(subscription._offer, event)
            except RuntimeError:  # the subscriber's loop is closed
                self._remove(subscription)

    def relay(self, send: Callable[[DeskEvent], None]) -> None:
        """Also hand every published event to ``send`` (e.g. a cross-replica fan-out)."""
        self._relays.append(send)

    @property
    def subscriber_count(self) -> int:
        """How many subscribers are connected in this process."""
        with self._lock:
            return len(self._subscribers)

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription in self._subscribers:
                self._subscribers.remove(subscription)
