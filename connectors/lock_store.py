"""``AtomicRedisLockStore``: Rasa's Redis lock store without its read-modify-write races.

Rasa 3.6's ``RedisLockStore`` issues a ticket by reading the conversation's lock, adding a
ticket in Python and writing the lock back. Two replicas doing that at the same moment both
read the same lock, both write, and one ticket is lost — both replicas then believe they hold
the conversation and run turns side by side (the same happens when tickets are removed).
This subclass does every read-modify-write inside a Redis ``WATCH``/``MULTI`` transaction
and retries when another replica changed the lock in between, so tickets are issued and
removed exactly once. Same keys, same format, same settings as ``type: redis``:

.. code-block:: yaml

    lock_store:
      type: connectors.lock_store.AtomicRedisLockStore
      url: redis.internal
      port: 6379
      db: 1
      key_prefix: northwind
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]
"""Given the stored lock, return the lock to store and the caller's answer."""


class AtomicRedisLockStore(RedisLockStore):
    """A ``RedisLockStore`` whose ticket changes are Redis transactions."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        """Build from the ``lock_store`` endpoint (as Rasa does for custom types) or kwargs."""
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**kwargs)

    def _change(self, conversation_id: str, change: Change[T]) -> T:
        """Apply ``change`` to the stored lock atomically; a ``None`` lock is deleted."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another replica changed the lock: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket of the conversation's lock (creating the lock if needed)."""

        def issue(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Remove the lock's expired tickets."""

        def drop_expired(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove ``ticket_number`` from the lock."""

        def remove(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, remove)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove ``ticket_number``; delete the lock in the same step if nobody waits."""

        def remove(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, remove)
