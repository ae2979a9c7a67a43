"""``WorkQueue``: one leased, ordered, durable work queue over a table, shared by its workers.

The channels' inbox (``channel_inbox``) and outbox (``channel_outbox``) are both this queue:
rows are the work, kept until done, so nothing accepted is lost across a restart. A row is
*open* until it is completed or failed; what "open", "done" and "failed" mean in columns is
all a queue's subclass says (``handoff.store.channel_repository``).

Rules, the same on SQLite and PostgreSQL:

- **Ordered per conversation.** Only a conversation's *oldest* open row may be worked on
  (:meth:`WorkQueue.claim_oldest`), so leasing that row orders the whole conversation;
  conversations do not wait for each other.
- **One owner per lease.** Several Rasa replicas share the table. Before a replica works on a
  row it takes the row's lease with one conditional UPDATE - a compare-and-set on the
  ``lease_owner`` it read, allowed only when the row has no lease, its own, or an expired one.
  Of two replicas reading the same row exactly one wins.
- **Expiry takeover.** The holder renews its lease while it works (:meth:`WorkQueue.renew`); a
  killed replica's lease simply runs out, after which any replica's sweep
  (:meth:`WorkQueue.sweepable`) finds the row and takes it over. A row leased before says so
  (its ``lease_owner`` as read), so the new owner can check whether the work was done.
- **Fail and retry.** :meth:`WorkQueue.retry_later` records a failed attempt and keeps the row
  open and leased to the worker that will retry it; :meth:`WorkQueue.fail` gives up on it.

Every state change is one conditional UPDATE returning whether it happened, so a change
decided on a stale read loses instead of overwriting. Times come in as arguments (``now``,
``until``): the worker's clock, not the database's. Queries only; committing is the unit of
work's job (``handoff.store.unit_of_work.SqlUnitOfWork`` exposes ``inbox`` and ``outbox``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Dict, Generic, List, Optional, TypeVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

Row = TypeVar("Row")
"""A mapped class with ``id``, ``conversation_id``, ``lease_owner`` and ``lease_until``."""


def lease_is_live(row: Any, owner: str, now: datetime) -> bool:
    """Whether a replica other than ``owner`` holds an unexpired lease on ``row``."""
    if row.lease_owner is None or row.lease_owner == owner or row.lease_until is None:
        return False
    return bool(row.lease_until >= now)


class WorkQueue(Generic[Row]):
    """A leased, ordered work queue over one table, as seen through one session.

    A subclass names the table (``model``), the column that scopes a queue within it
    (``scope_column``: the channel account of the inbox, the channel of the outbox) and says
    which rows are open and what completing or failing one writes.
    """

    model: ClassVar[Any]
    scope_column: ClassVar[str]

    def __init__(self, session: Session) -> None:
        self._session = session

    # -- what a subclass says ----------------------------------------------------------------

    def _open(self) -> Any:
        """Return the condition of the rows still to be worked on."""
        raise NotImplementedError

    def _done(self, now: datetime) -> Dict[str, Any]:
        """Return the column values of a row whose work is done."""
        raise NotImplementedError

    def _failed(self, now: datetime) -> Dict[str, Any]:
        """Return the column values of a row given up on."""
        raise NotImplementedError

    # -- reading -----------------------------------------------------------------------------

    def get(self, row_id: int) -> Optional[Row]:
        """Return the row with this id, or ``None``."""
        return self._session.get(self.model, row_id)

    def oldest_open(self, scope: str, conversation_id: str) -> Optional[Row]:
        """Return the conversation's oldest open row: the only one that may be worked on."""
        query = select(self.model).where(*self._conversation(scope, conversation_id))
        return self._session.execute(query.order_by(self.model.id).limit(1)).scalars().first()

    def has_open(self, scope: str, conversation_id: str) -> bool:
        """Whether the conversation has an open row (leased or not)."""
        query = select(self.model.id).where(*self._conversation(scope, conversation_id))
        return self._session.execute(query.limit(1)).first() is not None

    def open_before(self, scope: str, conversation_id: str, row_id: int) -> bool:
        """Whether the conversation has an open row older than ``row_id``."""
        query = select(self.model.id).where(*self._conversation(scope, conversation_id))
        query = query.where(self.model.id < row_id).limit(1)
        return self._session.execute(query).first() is not None

    def conversations_with_open(self, scope: str) -> List[str]:
        """Return the conversations that have open rows, the longest waiting first."""
        return self._conversations(self._in_scope(scope), self._open())

    def sweepable(self, scope: str, owner: str, now: datetime) -> List[str]:
        """Return the conversations ``owner`` could take work of now (a sweep), longest first.

        Those with an open row that has no lease, ``owner``'s own (its worker may have
        stopped) or an expired one (its replica was killed). A conversation whose rows are
        all leased to another live replica is left to that replica.
        """
        return self._conversations(self._in_scope(scope), self._open(), self._free_for(owner, now))

    # -- state changes: each one conditional UPDATE ------------------------------------------

    def claim_oldest(
        self, scope: str, conversation_id: str, owner: str, until: datetime, now: datetime
    ) -> Optional[Row]:
        """Lease the conversation's oldest open row to ``owner`` until ``until``; return it.

        ``None`` when the conversation has no open row, when another replica holds a live
        lease on that row (that replica looks for newer rows itself), or when another replica
        took it between the read and the UPDATE. The row is returned as it was *read*: its
        ``lease_owner`` is who held it before (``None``: nobody ever worked on it).
        """
        row = self.oldest_open(scope, conversation_id)
        seen: Any = row
        if seen is None or lease_is_live(seen, owner, now):
            return None
        return row if self.take(seen.id, seen.lease_owner, owner, until, now) else None

    def take(
        self, row_id: int, seen_owner: Optional[str], owner: str, until: datetime, now: datetime
    ) -> bool:
        """Lease an open row to ``owner``: a compare-and-set on the ``seen_owner`` read.

        Succeeds only while the row is open, still has the owner it was read with, and has no
        lease, ``owner``'s own or an expired one; so of two replicas that read the same row,
        exactly one gets it.
        """
        unchanged = (
            self.model.lease_owner.is_(None)
            if seen_owner is None
            else self.model.lease_owner == seen_owner
        )
        return self._change(
            row_id,
            (self._open(), unchanged, self._free_for(owner, now)),
            dict(lease_owner=owner, lease_until=until),
        )

    def renew(self, row_id: int, owner: str, until: datetime) -> bool:
        """Extend ``owner``'s lease on an open row; False when it no longer holds it."""
        return self._change(
            row_id, (self._open(), self.model.lease_owner == owner), dict(lease_until=until)
        )

    def retry_later(self, row_id: int, owner: str, until: datetime, **values: Any) -> bool:
        """Record a failed attempt (``values``); the row stays open, leased to ``owner``.

        The lease is extended to ``until``: the holder retries the row itself, in order, so
        nobody else may take it meanwhile. False when ``owner`` lost the lease: the new
        holder's record stands.
        """
        leased = (self._open(), self.model.lease_owner == owner)
        return self._change(row_id, leased, {**values, "lease_until": until})

    def complete(self, row_id: int, now: datetime, **values: Any) -> bool:
        """Mark an open row done (plus ``values``) and drop its lease; False if not open."""
        done = {**self._done(now), **values, "lease_owner": None, "lease_until": None}
        return self._change(row_id, (self._open(),), done)

    def fail(self, row_id: int, now: datetime, **values: Any) -> bool:
        """Give up on an open row (plus ``values``) and drop its lease; False if not open."""
        failed = {**self._failed(now), **values, "lease_owner": None, "lease_until": None}
        return self._change(row_id, (self._open(),), failed)

    def release_all(self, scope: str, owner: str, now: datetime) -> int:
        """Let every lease ``owner`` holds run out now (a graceful stop); return how many.

        The owner stays recorded, so whoever takes a row over knows it was worked on.
        """
        result = self._session.execute(
            update(self.model)
            .where(self._in_scope(scope), self.model.lease_owner == owner)
            .values(lease_until=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)

    # -- helpers -----------------------------------------------------------------------------

    def _in_scope(self, scope: str) -> Any:
        return getattr(self.model, self.scope_column) == scope

    def _conversation(self, scope: str, conversation_id: str) -> tuple:
        return (self._in_scope(scope), self.model.conversation_id == conversation_id, self._open())

    def _free_for(self, owner: str, now: datetime) -> Any:
        """No lease, ``owner``'s own, or an expired one."""
        return or_(
            self.model.lease_owner.is_(None),
            self.model.lease_owner == owner,
            self.model.lease_until.is_(None),
            self.model.lease_until < now,
        )

    def _conversations(self, *conditions: Any) -> List[str]:
        query = (
            select(self.model.conversation_id, func.min(self.model.id))
            .where(*conditions)
            .group_by(self.model.conversation_id)
            .order_by(func.min(self.model.id))
        )
        return [row[0] for row in self._session.execute(query)]

    def _change(self, row_id: int, conditions: tuple, values: Dict[str, Any]) -> bool:
        result = self._session.execute(
            update(self.model)
            .where(self.model.id == row_id, *conditions)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1
