"""The leased work queue both channel queues are: order, one owner, takeover, fail and retry.

Every behaviour runs on a SQLite file and on a PostgreSQL schema (``tests/handoff/conftest.py``:
PostgreSQL is skipped only when unreachable and ``CI`` is unset), and on both configurations
of the queue - the inbox (open until processed, scoped by channel account) and the outbox
(open while pending, scoped by channel). Times are a fixed clock handed in, as the workers do.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, List, Optional

import pytest
from sqlalchemy.orm import sessionmaker

from handoff.store import OutboundMessage, OutboundStatus, SqlUnitOfWork
from handoff.store.work_queue import WorkQueue

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
LEASE = timedelta(seconds=30)


@dataclass(frozen=True)
class Kind:
    """One configuration of the queue and how a row gets into it."""

    name: str
    scope: str
    pick: Callable[[SqlUnitOfWork], WorkQueue]
    put: Callable[[SqlUnitOfWork, str, str, str], int]  # (uow, scope, conversation, text) -> id

    def __repr__(self) -> str:
        return self.name


def _put_delivery(uow: SqlUnitOfWork, scope: str, conversation: str, text: str) -> int:
    delivery = uow.inbox.accept(scope, f"key-{text}", conversation, {"text": text})
    assert delivery is not None
    return int(delivery.id)


def _put_message(uow: SqlUnitOfWork, scope: str, conversation: str, text: str) -> int:
    message = OutboundMessage(channel=scope, conversation_id=conversation, request={}, text=text)
    uow.outbox.add(message)
    return int(message.id)


INBOX = Kind("inbox", "telegram:1", lambda uow: uow.inbox, _put_delivery)
OUTBOX = Kind("outbox", "telegram", lambda uow: uow.outbox, _put_message)


@pytest.fixture(params=[INBOX, OUTBOX], ids=repr)
def kind(request: pytest.FixtureRequest) -> Kind:
    return request.param


def _put(sessions: sessionmaker, kind: Kind, *rows: tuple) -> List[int]:
    """Add ``(conversation, text)`` rows in this order; return their ids."""
    with SqlUnitOfWork(sessions) as uow:
        ids = [kind.put(uow, kind.scope, conversation, text) for conversation, text in rows]
        uow.commit()
    return ids


def _claim(
    sessions: sessionmaker, kind: Kind, conversation: str, owner: str, now: datetime = T0
) -> Optional[Any]:
    with SqlUnitOfWork(sessions) as uow:
        row = kind.pick(uow).claim_oldest(kind.scope, conversation, owner, now + LEASE, now)
        uow.commit()
        return row


def _change(sessions: sessionmaker, kind: Kind, change: Callable[[WorkQueue], Any]) -> Any:
    with SqlUnitOfWork(sessions) as uow:
        result = change(kind.pick(uow))
        uow.commit()
        return result


def test_a_conversation_is_worked_off_oldest_first_and_others_do_not_wait(sessions, kind):
    a1, b1, a2 = _put(sessions, kind, ("c:a", "a1"), ("c:b", "b1"), ("c:a", "a2"))
    with SqlUnitOfWork(sessions) as uow:
        assert kind.pick(uow).conversations_with_open(kind.scope) == ["c:a", "c:b"]
        assert kind.pick(uow).open_before(kind.scope, "c:a", a2)
        assert not kind.pick(uow).open_before(kind.scope, "c:a", a1)

    first = _claim(sessions, kind, "c:a", "replica-a")
    assert first is not None and first.id == a1
    # The newer row waits for the older one, held by a live lease, even for another replica.
    assert _claim(sessions, kind, "c:a", "replica-b") is None
    other = _claim(sessions, kind, "c:b", "replica-b")  # another conversation does not wait
    assert other is not None and other.id == b1

    assert _change(sessions, kind, lambda queue: queue.complete(a1, T0))
    second = _claim(sessions, kind, "c:a", "replica-b")
    assert second is not None and second.id == a2 and second.lease_owner is None  # never leased
    assert _change(sessions, kind, lambda queue: queue.complete(a2, T0))
    assert _change(sessions, kind, lambda queue: queue.complete(b1, T0))
    assert _claim(sessions, kind, "c:a", "replica-a") is None
    with SqlUnitOfWork(sessions) as uow:
        assert kind.pick(uow).conversations_with_open(kind.scope) == []
        assert not kind.pick(uow).has_open(kind.scope, "c:a")


def test_a_queue_is_scoped(sessions, kind):
    _put(sessions, kind, ("c:a", "a1"))
    with SqlUnitOfWork(sessions) as uow:
        assert kind.pick(uow).conversations_with_open("another-scope") == []
        assert kind.pick(uow).oldest_open("another-scope", "c:a") is None


def test_of_replicas_claiming_the_same_row_at_once_exactly_one_gets_it(sessions, kind):
    (row_id,) = _put(sessions, kind, ("c:a", "a1"))
    racers = 6
    barrier = threading.Barrier(racers)
    won: List[str] = []

    def race(owner: str) -> None:
        with SqlUnitOfWork(sessions) as uow:
            queue = kind.pick(uow)
            row = queue.oldest_open(kind.scope, "c:a")  # every racer reads it free
            barrier.wait()
            if row is not None and queue.take(row.id, row.lease_owner, owner, T0 + LEASE, T0):
                won.append(owner)
            uow.commit()

    threads = [threading.Thread(target=race, args=(f"replica-{n}",)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1, won
    with SqlUnitOfWork(sessions) as uow:
        stored = kind.pick(uow).get(row_id)
        assert stored is not None and stored.lease_owner == won[0]


def test_a_lease_decided_on_a_stale_read_loses(sessions, kind):
    (row_id,) = _put(sessions, kind, ("c:a", "a1"))
    assert _claim(sessions, kind, "c:a", "replica-a") is not None
    # replica-b read the row while it had no owner; replica-a has leased it since.
    later = T0 + 2 * LEASE  # even with replica-a's lease run out
    taken = _change(
        sessions, kind, lambda q: q.take(row_id, None, "replica-b", later + LEASE, later)
    )
    assert not taken


def test_an_expired_lease_is_taken_over_and_the_old_holder_can_no_longer_act(sessions, kind):
    (row_id,) = _put(sessions, kind, ("c:a", "a1"))
    assert _claim(sessions, kind, "c:a", "replica-a") is not None
    assert _change(sessions, kind, lambda q: q.renew(row_id, "replica-a", T0 + LEASE))
    with SqlUnitOfWork(sessions) as uow:  # while the lease lives, nobody sweeps the row
        assert kind.pick(uow).sweepable(kind.scope, "replica-b", T0) == []
        assert kind.pick(uow).sweepable(kind.scope, "replica-a", T0) == ["c:a"]  # its own

    expired = T0 + LEASE + timedelta(seconds=1)  # replica-a was killed: no more renewals
    with SqlUnitOfWork(sessions) as uow:
        assert kind.pick(uow).sweepable(kind.scope, "replica-b", expired) == ["c:a"]
    taken = _claim(sessions, kind, "c:a", "replica-b", expired)
    assert taken is not None and taken.id == row_id
    assert taken.lease_owner == "replica-a"  # as read: worked on before, so check first

    assert not _change(sessions, kind, lambda q: q.renew(row_id, "replica-a", expired + LEASE))
    assert not _change(
        sessions, kind, lambda q: q.retry_later(row_id, "replica-a", expired + LEASE)
    )
    assert _claim(sessions, kind, "c:a", "replica-a", expired) is None  # replica-b's now
    with SqlUnitOfWork(sessions) as uow:
        stored = kind.pick(uow).get(row_id)
        assert stored is not None and stored.lease_owner == "replica-b"


def test_a_graceful_stop_gives_the_leases_back_at_once(sessions, kind):
    _put(sessions, kind, ("c:a", "a1"), ("c:b", "b1"))
    assert _claim(sessions, kind, "c:a", "replica-a") is not None
    assert _claim(sessions, kind, "c:b", "replica-a") is not None
    assert _change(sessions, kind, lambda q: q.release_all(kind.scope, "replica-a", T0)) == 2
    moment = T0 + timedelta(milliseconds=1)
    with SqlUnitOfWork(sessions) as uow:
        assert kind.pick(uow).sweepable(kind.scope, "replica-b", moment) == ["c:a", "c:b"]
    taken = _claim(sessions, kind, "c:a", "replica-b", moment)
    assert taken is not None and taken.lease_owner == "replica-a"  # the owner stays recorded


def test_a_failed_attempt_keeps_the_row_for_its_holder_and_giving_up_ends_it(sessions, kind):
    first, second = _put(sessions, kind, ("c:a", "a1"), ("c:a", "a2"))
    assert _claim(sessions, kind, "c:a", "replica-a") is not None
    assert _change(sessions, kind, lambda q: q.retry_later(first, "replica-a", T0 + LEASE))
    assert _claim(sessions, kind, "c:a", "replica-b") is None  # still replica-a's to retry
    again = _claim(sessions, kind, "c:a", "replica-a")  # the retry: the same row, in order
    assert again is not None and again.id == first

    assert _change(sessions, kind, lambda q: q.fail(first, T0))
    assert not _change(sessions, kind, lambda q: q.fail(first, T0))  # once
    assert not _change(sessions, kind, lambda q: q.complete(first, T0))  # not open any more
    assert not _change(sessions, kind, lambda q: q.renew(first, "replica-a", T0 + LEASE))
    with SqlUnitOfWork(sessions) as uow:
        stored = kind.pick(uow).get(first)
        assert stored is not None and stored.lease_owner is None and stored.lease_until is None
    following = _claim(sessions, kind, "c:a", "replica-b")  # the conversation goes on
    assert following is not None and following.id == second


def test_the_outbox_records_attempts_and_outcomes(sessions):
    first, second = _put(sessions, OUTBOX, ("c:a", "a1"), ("c:a", "a2"))
    assert _claim(sessions, OUTBOX, "c:a", "replica-a") is not None
    retry_at = T0 + timedelta(seconds=4)
    assert _change(
        sessions,
        OUTBOX,
        lambda q: q.retry_later(
            first, "replica-a", T0 + LEASE, attempts=1, last_error="429", next_attempt_at=retry_at
        ),
    )
    assert _change(sessions, OUTBOX, lambda q: q.complete(first, T0, attempts=2))
    assert _claim(sessions, OUTBOX, "c:a", "replica-a") is not None
    assert _change(sessions, OUTBOX, lambda q: q.fail(second, T0, last_error="400: blocked"))
    with SqlUnitOfWork(sessions) as uow:
        sent, failed = uow.outbox.get(first), uow.outbox.get(second)
    assert sent is not None and failed is not None
    assert (sent.status, sent.attempts, sent.last_error) == (OutboundStatus.SENT, 2, "429")
    assert sent.next_attempt_at == retry_at
    assert (failed.status, failed.last_error) == (OutboundStatus.FAILED, "400: blocked")
    # A platform's later "failed" status of a sent message: marked once.
    assert _change(sessions, OUTBOX, lambda q: q.mark_failed(first, "131047: undeliverable"))
    assert not _change(sessions, OUTBOX, lambda q: q.mark_failed(first, "again"))


def test_the_inbox_records_when_a_delivery_was_processed(sessions):
    (row_id,) = _put(sessions, INBOX, ("c:a", "a1"))
    assert _claim(sessions, INBOX, "c:a", "replica-a") is not None
    assert _change(sessions, INBOX, lambda q: q.complete(row_id, T0))
    with SqlUnitOfWork(sessions) as uow:
        stored = uow.inbox.get(row_id)
        assert stored is not None and stored.processed_at == T0
        assert uow.inbox.unprocessed(INBOX.scope) == []


def test_a_claim_not_committed_leaves_the_row_free(sessions, kind):
    (row_id,) = _put(sessions, kind, ("c:a", "a1"))
    with pytest.raises(RuntimeError):
        with SqlUnitOfWork(sessions) as uow:
            queue = kind.pick(uow)
            assert queue.claim_oldest(kind.scope, "c:a", "replica-a", T0 + LEASE, T0) is not None
            raise RuntimeError("the worker died before committing")
    taken = _claim(sessions, kind, "c:a", "replica-b")
    assert taken is not None and taken.id == row_id and taken.lease_owner is None
