"""The channels' inbox and outbox: two configurations of one ``WorkQueue``.

How a row is leased, ordered, renewed, completed, failed and swept is
``handoff.store.work_queue``; here each queue says which table it is, what scopes it (the
channel *account* of the inbox, the *channel* of the outbox), which rows are open and what
done and failed mean, plus its own look-ups. Both are reached through
``handoff.store.unit_of_work.SqlUnitOfWork`` (``uow.inbox``, ``uow.outbox``), which rolls back
whatever is not committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from handoff.store.channel_models import InboundDelivery, OutboundMessage, OutboundStatus
from handoff.store.models import utc_now
from handoff.store.work_queue import WorkQueue


class InboxRepository(WorkQueue[InboundDelivery]):
    """Accepted webhook deliveries: open until processed, scoped by channel account.

    The inbox never gives a delivery up on its own: a failed turn keeps its lease and is
    retried at the next sweep. ``fail`` (a delivery that must not run again) records it as
    processed, as the table has no failed state.
    """

    model = InboundDelivery
    scope_column = "account"

    def _open(self) -> Any:
        return InboundDelivery.processed_at.is_(None)

    def _done(self, now: datetime) -> Dict[str, Any]:
        return {"processed_at": now}

    def _failed(self, now: datetime) -> Dict[str, Any]:
        return {"processed_at": now}

    def accept(
        self,
        account: str,
        delivery_key: str,
        conversation_id: str,
        payload: Dict[str, Any],
        customer_sent_at: Optional[datetime] = None,
        lease: Optional[Tuple[str, datetime]] = None,
    ) -> Optional[InboundDelivery]:
        """Stage a delivery; return its row, or ``None`` if this delivery was stored before.

        One ``INSERT ... ON CONFLICT DO NOTHING`` on the unique (account, delivery key), the
        cheapest way a webhook can remember a delivery before it answers. A redelivery
        racing the original in another transaction waits for it (PostgreSQL) or for the
        write lock (SQLite), then is ``None`` as well. The row returned is a copy, not
        attached to the session: changing it changes nothing in the store. ``lease``:
        (owner, until) to insert the row already leased.
        """
        values: Dict[str, Any] = dict(
            account=account,
            delivery_key=delivery_key,
            conversation_id=conversation_id,
            payload=payload,
            customer_sent_at=customer_sent_at,
            received_at=utc_now(),
            lease_owner=lease[0] if lease else None,
            lease_until=lease[1] if lease else None,
        )
        unique = ["account", "delivery_key"]
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            insert = postgresql.insert(InboundDelivery).values(**values)
            returning = insert.on_conflict_do_nothing(index_elements=unique)
            row = self._session.execute(returning.returning(InboundDelivery.id)).first()
            new_id = row[0] if row is not None else None
        elif dialect == "sqlite":
            insert = sqlite.insert(InboundDelivery).values(**values)
            result = self._session.execute(insert.on_conflict_do_nothing(index_elements=unique))
            new_id = result.lastrowid if result.rowcount == 1 else None
        else:
            raise NotImplementedError(f"the inbox needs SQLite or PostgreSQL, not {dialect}")
        return InboundDelivery(id=new_id, **values) if new_id is not None else None

    def unprocessed(self, account: str) -> List[InboundDelivery]:
        """Return the account's accepted but unprocessed deliveries, oldest first."""
        query = (
            select(InboundDelivery)
            .where(InboundDelivery.account == account, InboundDelivery.processed_at.is_(None))
            .order_by(InboundDelivery.id)
        )
        return list(self._session.execute(query).scalars())

    def last_customer_message_at(self, conversation_id: str) -> Optional[datetime]:
        """Return when the customer last wrote in this conversation (platform time)."""
        query = (
            select(InboundDelivery.customer_sent_at)
            .where(
                InboundDelivery.conversation_id == conversation_id,
                InboundDelivery.customer_sent_at.is_not(None),
            )
            .order_by(InboundDelivery.customer_sent_at.desc())
            .limit(1)
        )
        return self._session.execute(query).scalars().first()


class OutboxRepository(WorkQueue[OutboundMessage]):
    """Messages to customers: open while pending, scoped by channel."""

    model = OutboundMessage
    scope_column = "channel"

    def _open(self) -> Any:
        return OutboundMessage.status == OutboundStatus.PENDING

    def _done(self, now: datetime) -> Dict[str, Any]:
        return {"status": OutboundStatus.SENT}

    def _failed(self, now: datetime) -> Dict[str, Any]:
        return {"status": OutboundStatus.FAILED}

    def add(self, message: OutboundMessage) -> None:
        """Stage a new outbound message (inserted now, so it has its id; kept on commit)."""
        self._session.add(message)
        self._session.flush()

    def mark_failed(self, message_id: int, reason: str) -> bool:
        """Mark a message failed unless it already is - also a sent one; False if it was.

        For a platform's later "failed" status of a message it had accepted (a sent row is
        no longer open, so ``fail`` would not touch it). One conditional UPDATE: of two
        such reports exactly one returns True.
        """
        return self._change(
            message_id,
            (OutboundMessage.status != OutboundStatus.FAILED,),
            dict(status=OutboundStatus.FAILED, last_error=reason[:500], lease_until=None),
        )

    def release_held(
        self,
        channel: str,
        conversation_id: str,
        origin: str,
        reason: str,
        since: datetime,
        now: datetime,
    ) -> int:
        """Make messages that failed only for a while pending again; return how many.

        Those of ``origin`` queued since ``since`` whose ``last_error`` starts with ``reason``;
        for messages a platform refused only for a while (WhatsApp's 24-hour window) once
        that has passed. One conditional UPDATE: of two replicas releasing at the same moment
        one gets the rows, the other 0, so nothing is sent twice. The released rows keep their
        ids, so the conversation's queue sends them before anything newer.
        """
        result = self._session.execute(
            update(OutboundMessage)
            .where(
                OutboundMessage.channel == channel,
                OutboundMessage.conversation_id == conversation_id,
                OutboundMessage.origin == origin,
                OutboundMessage.status == OutboundStatus.FAILED,
                OutboundMessage.created_at >= since,
                OutboundMessage.last_error.startswith(reason, autoescape=True),
            )
            .values(
                status=OutboundStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                lease_owner=None,
                lease_until=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)

    def by_provider_id(self, channel: str, provider_message_id: str) -> Optional[OutboundMessage]:
        """Return the message the platform knows as ``provider_message_id``."""
        query = select(OutboundMessage).where(
            OutboundMessage.channel == channel,
            OutboundMessage.provider_message_id == provider_message_id,
        )
        return self._session.execute(query).scalars().first()

    def sent_since(
        self, channel: str, conversation_id: str, origin: str, since: Optional[datetime]
    ) -> bool:
        """Whether a message of ``origin`` was queued for the conversation after ``since``."""
        query = select(func.count()).where(
            OutboundMessage.channel == channel,
            OutboundMessage.conversation_id == conversation_id,
            OutboundMessage.origin == origin,
            OutboundMessage.status != OutboundStatus.FAILED,
        )
        if since is not None:
            query = query.where(OutboundMessage.created_at > since)
        return int(self._session.execute(query).scalar_one()) > 0
