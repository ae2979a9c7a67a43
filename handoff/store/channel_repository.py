"""Repositories of the channels' inbox and outbox, and their unit of work.

Queries only; committing is the unit of work's job (``with ChannelUnitOfWork(sessions) as uow:
...; uow.commit()``; leaving the block without committing rolls back).

Leases (several Rasa replicas on one store): before a replica processes a delivery or sends a
message it takes a lease on the row with one conditional UPDATE — a compare-and-set on the
``lease_owner`` it read, allowed only when the row has no lease, its own, or an expired one.
Exactly one replica wins; the holder renews the lease while it works, and a killed replica's
lease simply runs out, after which any replica takes the row over. Per conversation only the
*oldest* open row may be worked on, so leasing that row orders the whole conversation.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, Dict, List, Optional, Tuple, Type

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from handoff.store.channel_models import InboundDelivery, OutboundMessage, OutboundStatus
from handoff.store.models import utc_now
from handoff.store.repository import HandoffRepository


def _claimable(model: Any, seen_owner: Optional[str], owner: str, now: datetime) -> Any:
    """Return the lease condition: unchanged since read, and free, ours or expired."""
    unchanged = (
        model.lease_owner.is_(None) if seen_owner is None else (model.lease_owner == seen_owner)
    )
    free = or_(
        model.lease_owner.is_(None),
        model.lease_owner == owner,
        model.lease_until.is_(None),
        model.lease_until < now,
    )
    return unchanged & free


def _unprocessed(account: str, conversation_id: str) -> Tuple[Any, ...]:
    """Return the conditions of a conversation's accepted but unprocessed deliveries."""
    return (
        InboundDelivery.account == account,
        InboundDelivery.conversation_id == conversation_id,
        InboundDelivery.processed_at.is_(None),
    )


def _pending(channel: str, conversation_id: str) -> Tuple[Any, ...]:
    """Return the conditions of a conversation's undelivered messages."""
    return (
        OutboundMessage.channel == channel,
        OutboundMessage.conversation_id == conversation_id,
        OutboundMessage.status == OutboundStatus.PENDING,
    )


def lease_is_live(row: Any, owner: str, now: Optional[datetime] = None) -> bool:
    """Whether another replica holds an unexpired lease on ``row``."""
    if row.lease_owner is None or row.lease_owner == owner or row.lease_until is None:
        return False
    return row.lease_until >= (now or utc_now())


class InboxRepository:
    """Accepted webhook deliveries, as seen through one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

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

    def get(self, delivery_id: int) -> Optional[InboundDelivery]:
        """Return the delivery with this id, or ``None``."""
        return self._session.get(InboundDelivery, delivery_id)

    def unprocessed(self, account: str) -> List[InboundDelivery]:
        """Return the account's accepted but unprocessed deliveries, oldest first."""
        query = (
            select(InboundDelivery)
            .where(InboundDelivery.account == account, InboundDelivery.processed_at.is_(None))
            .order_by(InboundDelivery.id)
        )
        return list(self._session.execute(query).scalars())

    def mark_processed(self, delivery_id: int, moment: Optional[datetime] = None) -> None:
        """Record that the delivery was handled (and let go of its lease)."""
        self._session.execute(
            update(InboundDelivery)
            .where(InboundDelivery.id == delivery_id)
            .values(processed_at=moment or utc_now(), lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )

    def next_unprocessed(self, account: str, conversation_id: str) -> Optional[InboundDelivery]:
        """Return the conversation's oldest unprocessed delivery: the only one to process."""
        query = select(InboundDelivery).where(*_unprocessed(account, conversation_id))
        query = query.order_by(InboundDelivery.id).limit(1)
        return self._session.execute(query).scalars().first()

    def has_unprocessed(self, account: str, conversation_id: str) -> bool:
        """Whether the conversation has an accepted delivery not processed yet."""
        query = select(InboundDelivery.id).where(*_unprocessed(account, conversation_id))
        return self._session.execute(query.limit(1)).first() is not None

    def conversations_unprocessed(self, account: str) -> List[str]:
        """Return the conversations with unprocessed deliveries (oldest first)."""
        query = (
            select(InboundDelivery.conversation_id, func.min(InboundDelivery.id))
            .where(InboundDelivery.account == account, InboundDelivery.processed_at.is_(None))
            .group_by(InboundDelivery.conversation_id)
            .order_by(func.min(InboundDelivery.id))
        )
        return [row[0] for row in self._session.execute(query)]

    def take_lease(
        self, delivery_id: int, seen_owner: Optional[str], owner: str, until: datetime
    ) -> bool:
        """Lease an unprocessed delivery to ``owner`` (compare-and-set, see the module doc)."""
        result = self._session.execute(
            update(InboundDelivery)
            .where(
                InboundDelivery.id == delivery_id,
                InboundDelivery.processed_at.is_(None),
                _claimable(InboundDelivery, seen_owner, owner, utc_now()),
            )
            .values(lease_owner=owner, lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def renew_lease(self, delivery_id: int, owner: str, until: datetime) -> bool:
        """Extend ``owner``'s lease; False when it no longer holds it."""
        result = self._session.execute(
            update(InboundDelivery)
            .where(InboundDelivery.id == delivery_id, InboundDelivery.lease_owner == owner)
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def release_leases(self, account: str, owner: str) -> int:
        """Let every lease ``owner`` holds run out now (a graceful stop); returns how many.

        The owner stays recorded, so whoever takes a row over knows it was worked on.
        """
        result = self._session.execute(
            update(InboundDelivery)
            .where(InboundDelivery.account == account, InboundDelivery.lease_owner == owner)
            .values(lease_until=utc_now())
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)

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


class OutboxRepository:
    """Messages to customers, as seen through one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, message: OutboundMessage) -> None:
        """Stage a new outbound message (inserted now, so it has its id; kept on commit)."""
        self._session.add(message)
        self._session.flush()

    def get(self, message_id: int) -> Optional[OutboundMessage]:
        """Return the outbound message with this id, or ``None``."""
        return self._session.get(OutboundMessage, message_id)

    def next_pending(self, channel: str, conversation_id: str) -> Optional[OutboundMessage]:
        """Return the conversation's oldest pending message: the only one that may be sent."""
        query = select(OutboundMessage).where(*_pending(channel, conversation_id))
        query = query.order_by(OutboundMessage.id).limit(1)
        return self._session.execute(query).scalars().first()

    def has_pending(self, channel: str, conversation_id: str) -> bool:
        """Whether the conversation has an undelivered message (pending, retried or not)."""
        query = select(OutboundMessage.id).where(*_pending(channel, conversation_id))
        return self._session.execute(query.limit(1)).first() is not None

    def pending_before(self, channel: str, conversation_id: str, message_id: int) -> bool:
        """Whether the conversation has a pending message older than ``message_id``."""
        query = select(OutboundMessage.id).where(*_pending(channel, conversation_id))
        query = query.where(OutboundMessage.id < message_id).limit(1)
        return self._session.execute(query).first() is not None

    def conversations_with_pending(self, channel: str) -> List[str]:
        """Return the conversations that have undelivered messages (oldest first)."""
        query = (
            select(OutboundMessage.conversation_id, func.min(OutboundMessage.id))
            .where(
                OutboundMessage.channel == channel,
                OutboundMessage.status == OutboundStatus.PENDING,
            )
            .group_by(OutboundMessage.conversation_id)
            .order_by(func.min(OutboundMessage.id))
        )
        return [row[0] for row in self._session.execute(query)]

    def take_lease(
        self, message_id: int, seen_owner: Optional[str], owner: str, until: datetime
    ) -> bool:
        """Lease a pending message to ``owner`` (compare-and-set, see the module doc)."""
        result = self._session.execute(
            update(OutboundMessage)
            .where(
                OutboundMessage.id == message_id,
                OutboundMessage.status == OutboundStatus.PENDING,
                _claimable(OutboundMessage, seen_owner, owner, utc_now()),
            )
            .values(lease_owner=owner, lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def renew_lease(self, message_id: int, owner: str, until: datetime) -> bool:
        """Extend ``owner``'s lease; False when it no longer holds it."""
        result = self._session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == message_id, OutboundMessage.lease_owner == owner)
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def release_leases(self, channel: str, owner: str) -> int:
        """Let every lease ``owner`` holds run out now (a graceful stop); returns how many.

        The owner stays recorded, so whoever takes a row over knows it was worked on.
        """
        result = self._session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.channel == channel, OutboundMessage.lease_owner == owner)
            .values(lease_until=utc_now())
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


class ChannelUnitOfWork:
    """A transaction over the channels' tables, exposing ``inbox`` and ``outbox``."""

    inbox: InboxRepository
    outbox: OutboxRepository
    handoffs: HandoffRepository  # read-only here: is a person on the conversation now?

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions
        self._session: Optional[Session] = None

    def __enter__(self) -> ChannelUnitOfWork:
        self._session = self._sessions()
        self.inbox = InboxRepository(self._session)
        self.outbox = OutboxRepository(self._session)
        self.handoffs = HandoffRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        assert self._session is not None
        self._session.close()  # rolls back whatever was not committed
        self._session = None

    def commit(self) -> None:
        """Write every change made in this unit of work, atomically."""
        if self._session is None:
            raise RuntimeError("use the unit of work in a `with` block")
        self._session.commit()
