"""Desk live events across Rasa replicas, over Redis pub/sub.

With several replicas, a customer's webhook may reach replica A while the agent's inbox
streams events from replica B. ``RedisFanout`` plugs into the in-process hub
(``LiveEvents.relay``): every event published in this process is also published on a Redis
channel, and every event another replica published there is delivered to this process's
subscribers (``LiveEvents.deliver_locally``). Redis pub/sub is fire-and-forget, like the hub:
an inbox that missed events while disconnected reloads the queue when it reconnects, and the
store stays the source of truth.

Two daemon threads keep it off the event loop: one publishes (a queue in front, so
``publish`` never blocks), one listens and reconnects with a pause when Redis goes away.
Each message carries the publishing process's id, so a replica ignores its own events (they
were already delivered locally). Rasa-free; uses ``redis`` (redis-py).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from typing import Any, Dict, Optional

import redis

from handoff.live_events import DeskEvent, LiveEvents

logger = logging.getLogger(__name__)

DEFAULT_CHANNEL = "handoff:desk-events"
RECONNECT_SECONDS = 1.0
MAX_BACKLOG = 10_000  # events waiting to be published; beyond that new ones are dropped


class RedisFanout:
    """Relays a ``LiveEvents`` hub to and from one Redis pub/sub channel."""

    def __init__(self, url: str, channel: str = DEFAULT_CHANNEL) -> None:
        self.url = url
        self.channel = channel
        self.origin = uuid.uuid4().hex
        self._outgoing: queue.Queue[Optional[DeskEvent]] = queue.Queue(MAX_BACKLOG)
        self._stopped = threading.Event()
        self._hub: Optional[LiveEvents] = None
        self._subscribed = threading.Event()

    def attach(self, hub: LiveEvents) -> RedisFanout:
        """Start relaying ``hub``'s events both ways (idempotent per hub)."""
        if self._hub is not None:
            return self
        self._hub = hub
        hub.relay(self._enqueue)
        for target, name in ((self._publish_loop, "publish"), (self._listen_loop, "listen")):
            threading.Thread(target=target, name=f"desk-events-{name}", daemon=True).start()
        return self

    def wait_until_subscribed(self, timeout: float) -> bool:
        """Wait until the listener is subscribed (startup; tests)."""
        return self._subscribed.wait(timeout)

    def stop(self) -> None:
        """Stop both threads (best effort; they are daemons)."""
        self._stopped.set()
        try:
            self._outgoing.put_nowait(None)
        except queue.Full:
            pass

    def _enqueue(self, event: DeskEvent) -> None:
        try:
            self._outgoing.put_nowait(event)
        except queue.Full:
            logger.warning("desk event backlog full: %s not sent to other replicas", event.type)

    def _client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)

    def _publish_loop(self) -> None:
        client = self._client()
        while not self._stopped.is_set():
            event = self._outgoing.get()
            if event is None:
                return
            message = json.dumps({"origin": self.origin, "event": event.to_json_dict()})
            try:
                client.publish(self.channel, message)
            except redis.RedisError as error:
                logger.warning("could not publish %s to other replicas: %s", event.type, error)

    def _listen_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                pubsub = self._client().pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self._subscribed.set()
                while not self._stopped.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._receive(message.get("data"))
            except redis.RedisError as error:
                self._subscribed.clear()
                logger.warning("desk events from other replicas interrupted: %s", error)
                self._stopped.wait(RECONNECT_SECONDS)

    def _receive(self, data: Any) -> None:
        try:
            message: Dict[str, Any] = json.loads(data)
            if message.get("origin") == self.origin or self._hub is None:
                return
            self._hub.deliver_locally(DeskEvent(**message["event"]))
        except (ValueError, TypeError, KeyError) as error:
            logger.warning("ignored a malformed desk event from Redis: %s", error)


_fanouts: Dict[str, RedisFanout] = {}
_lock = threading.Lock()


def fan_out(hub: LiveEvents, url: str, channel: str = DEFAULT_CHANNEL) -> RedisFanout:
    """Attach one ``RedisFanout`` per (url, channel) to ``hub`` for this process."""
    with _lock:
        key = f"{url}|{channel}"
        if key not in _fanouts:
            _fanouts[key] = RedisFanout(url, channel).attach(hub)
        return _fanouts[key]
