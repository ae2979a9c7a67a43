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

Anyone who can publish on the Redis server could otherwise put events on every agent's
screen (a fake customer message, a fake "handed back"). So every message is signed:
HMAC-SHA256 with the replicas' shared secret (``DESK_EVENTS_SECRET``, the desk channel's
``events_secret``) over the channel name and the message body, which holds a random id and
the time it was sent. A receiver checks the signature in constant time and drops (and logs,
without the secret or the signature) a message that is unsigned, forged, older than
``MAX_AGE_SECONDS`` or already seen - a replay of a captured message within its age is
dropped by its id. Replicas' clocks must agree within that age (NTP).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any, Dict, Optional

import redis

from handoff.desk.events import DeskEvent, LiveEvents

logger = logging.getLogger(__name__)

DEFAULT_CHANNEL = "handoff:desk-events"
RECONNECT_SECONDS = 1.0
MAX_BACKLOG = 10_000  # events waiting to be published; beyond that new ones are dropped
MAX_AGE_SECONDS = 60.0  # a signed message older (or newer) than this is dropped as a replay
MIN_SECRET_LENGTH = 16
WARN_EVERY_SECONDS = 10.0  # dropped messages are logged at most this often (a flood is one line)


class FanoutSecretError(ValueError):
    """The shared secret is missing or too short; the fan-out refuses to start without it."""


def sign(secret: str, channel: str, body: str) -> str:
    """Return the hex HMAC-SHA256 of ``body`` as published on ``channel``."""
    message = f"{channel}\n{body}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_message(secret: str, channel: str, body: Dict[str, Any]) -> str:
    """Return what is published on Redis: the JSON body and its signature."""
    text = json.dumps(body)
    return json.dumps({"body": text, "signature": sign(secret, channel, text)})


class ForgedMessage(ValueError):
    """A message from Redis that is not signed with our secret (or is stale or replayed)."""


def verified_body(secret: str, channel: str, data: Any) -> Dict[str, Any]:
    """Return the body of a signed message; raise ``ForgedMessage`` unless genuine.

    Malformed envelopes count as forged: only a holder of the secret can publish a message
    that gets past this.
    """
    try:
        envelope = json.loads(data)
        text, given = envelope["body"], envelope["signature"]
    except (ValueError, TypeError, KeyError) as error:
        raise ForgedMessage("not a signed message") from error
    if not isinstance(text, str) or not isinstance(given, str):
        raise ForgedMessage("not a signed message")
    expected = sign(secret, channel, text)
    if not hmac.compare_digest(given.encode(errors="surrogatepass"), expected.encode()):
        raise ForgedMessage("wrong signature")
    try:
        body = json.loads(text)
    except ValueError as error:
        raise ForgedMessage("the signed body is not JSON") from error
    if not isinstance(body, dict):
        raise ForgedMessage("the signed body is not an object")
    return body


class RedisFanout:
    """Relays a ``LiveEvents`` hub to and from one Redis pub/sub channel."""

    def __init__(self, url: str, secret: str, channel: str = DEFAULT_CHANNEL) -> None:
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            raise FanoutSecretError(
                f"desk events over Redis need a shared secret of at least {MIN_SECRET_LENGTH} "
                "characters (events_secret, DESK_EVENTS_SECRET)"
            )
        self.url = url
        self.channel = channel
        self.origin = uuid.uuid4().hex
        self._secret = secret
        self._seen: OrderedDict[str, float] = OrderedDict()  # message id -> when received
        self.dropped = 0
        self._dropped_since_warning = 0
        self._last_warning = float("-inf")
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
            body = {
                "origin": self.origin,
                "id": uuid.uuid4().hex,
                "sent": time.time(),
                "event": event.to_json_dict(),
            }
            message = signed_message(self._secret, self.channel, body)
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
            message = verified_body(self._secret, self.channel, data)
            self._check_fresh(message)
        except ForgedMessage as problem:
            self._drop(str(problem))
            return
        try:
            if message.get("origin") == self.origin or self._hub is None:
                return
            self._hub.deliver_locally(DeskEvent(**message["event"]))
        except (ValueError, TypeError, KeyError) as error:
            logger.warning("ignored a malformed desk event from Redis: %s", error)

    def _check_fresh(self, message: Dict[str, Any]) -> None:
        """Raise ``ForgedMessage`` for a stale message or one whose id was seen (a replay)."""
        now = time.time()
        sent, message_id = message.get("sent"), message.get("id")
        if not isinstance(sent, (int, float)) or abs(now - sent) > MAX_AGE_SECONDS:
            raise ForgedMessage("stale or undated message (a replay, or clocks apart)")
        if not isinstance(message_id, str) or message_id in self._seen:
            raise ForgedMessage("replayed message")
        self._seen[message_id] = now
        while self._seen and next(iter(self._seen.values())) < now - 2 * MAX_AGE_SECONDS:
            self._seen.popitem(last=False)

    def _drop(self, reason: str) -> None:
        """Count a dropped message; log at most every ``WARN_EVERY_SECONDS`` (no secrets)."""
        self.dropped += 1
        self._dropped_since_warning += 1
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_SECONDS:
            logger.warning(
                "dropped %d desk event message(s) on Redis channel %s that were not signed "
                "with this deployment's secret (last: %s); someone else can publish there",
                self._dropped_since_warning,
                self.channel,
                reason,
            )
            self._dropped_since_warning = 0
            self._last_warning = now
