"""The handoff table: one row per time the bot handed a conversation to a person.

The desk's other tables (agents, teams, tokens, notes, decisions, audit log) are in
``handoff.store.desk_models`` on the same ``metadata``.

Framework-free (SQLAlchemy only). The schema itself is created by the Alembic migrations in
``handoff/store/migrations``; these mappings must match them, which a test checks with
Alembic's ``compare_metadata`` on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from enum import Enum
from typing import Any, FrozenSet, Optional, Type

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    false,
    text,
)
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator

from handoff.names import TEAM_NAME_MAX_LENGTH

QUEUE_NAME_MAX_LENGTH = 64

# Deterministic constraint names, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
mapper_registry = registry(metadata=metadata)
# SQLAlchemy 1.4 types the generated base loosely; the mapped classes below are its subclasses.
Base: Any = mapper_registry.generate_base()


class HandoffStatus(str, Enum):
    """Where a handoff is in its life; stored as these exact lowercase values."""

    QUEUED = "queued"  # waiting for an agent
    ASSIGNED = "assigned"  # an agent has taken it
    RESOLVED = "resolved"  # the agent solved it; the conversation ended with the agent
    HANDED_BACK = "handed_back"  # the agent gave the conversation back to the bot
    TICKET = "ticket"  # turned into an offline ticket
    CLOSED = "closed"  # closed without any of the above (abandoned, expired)


OPEN_STATUSES: FrozenSet[HandoffStatus] = frozenset({HandoffStatus.QUEUED, HandoffStatus.ASSIGNED})
"""A conversation has at most one handoff in these statuses (enforced by a unique index)."""

# Literal SQL for the partial index, in the form both databases reflect it back.
OPEN_STATUS_PREDICATE = "status IN ('queued', 'assigned')"


def utc_now() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(timezone.utc)


def new_handoff_id() -> str:
    """Return a fresh handoff id: 32 hex characters, safe in URLs."""
    return uuid.uuid4().hex


class UtcDateTime(TypeDecorator):
    """A ``DateTime(timezone=True)`` that is always timezone-aware UTC in Python.

    SQLite keeps no offset and returns naive datetimes; PostgreSQL returns the session's
    time zone. Both are normalised to UTC on read, and naive datetimes are refused on write
    so a local time can never be stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Any:
        """Convert an aware datetime to UTC before storing it; refuse naive ones."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: handoff times must be timezone-aware")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: Optional[datetime], dialect: Dialect) -> Any:
        """Return stored times as aware UTC (SQLite's naive values are UTC by construction)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enum_type(kind: Type[Enum], name: str, length: int = 16) -> SqlEnum:
    """Return the column type of a ``str`` enum, stored as its member *values*.

    A ``VARCHAR(length)`` with a CHECK constraint named ``name`` (the naming convention makes
    it ``ck_<table>_<name>``) rather than a native database enum, so adding a member is a
    migration of the CHECK only, the same on SQLite and PostgreSQL.
    """
    return SqlEnum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class Handoff(Base):
    """One handoff of one conversation, with the context package the agent reads."""

    __tablename__ = "handoffs"

    id = Column(String(32), primary_key=True, default=new_handoff_id)
    conversation_id = Column(String(255), nullable=False, index=True)
    status = Column(
        enum_type(HandoffStatus, "status"), nullable=False, default=HandoffStatus.QUEUED
    )
    reason = Column(String(32), nullable=False)
    team = Column(String(TEAM_NAME_MAX_LENGTH), nullable=True)
    # The team's desk queue the customer's tier chose (routing.queues, e.g. ``senior``);
    # None without a route (and for handoffs from before migration 0008): the team's own.
    queue = Column(String(QUEUE_NAME_MAX_LENGTH), nullable=True)
    priority = Column(Integer, nullable=False, default=0)
    channel = Column(String(64), nullable=True)
    context = Column(JSON, nullable=False, default=dict)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)
    updated_at = Column(UtcDateTime, nullable=False, default=utc_now, onupdate=utc_now)
    closed_at = Column(UtcDateTime, nullable=True)
    # The agent who has the conversation (claim or transfer); ids of ``agents`` rows, which
    # are deactivated, never deleted. ``offered_agent_id``: whom routing suggests for it.
    assigned_agent_id = Column(String(32), nullable=True, index=True)
    offered_agent_id = Column(String(32), nullable=True)
    claimed_at = Column(UtcDateTime, nullable=True)
    language = Column(String(16), nullable=True)
    # Began as an offline ticket: its wait is not a live pick-up time (expected wait).
    opened_as_ticket = Column(Boolean, nullable=False, default=False, server_default=false())
    # How the agent ended a handed-back chat (handoff.reasons.HandbackOutcome), if they said.
    outcome = Column(String(16), nullable=True)
    # When it last joined a queue (opened, or transferred to a team): the queue timeout's start.
    queued_at = Column(UtcDateTime, nullable=True)
    # What a queued customer was last told (place, expected wait in seconds) and when: the
    # opening answer, then the waiting sweep's updates (handoff.desk.queue_sweep).
    told_at = Column(UtcDateTime, nullable=True)
    told_position = Column(Integer, nullable=True)
    told_wait = Column(Integer, nullable=True)

    __table_args__ = (
        # At most one open handoff per conversation, even with several desk replicas.
        Index(
            "uq_handoffs_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text(OPEN_STATUS_PREDICATE),
            postgresql_where=text(OPEN_STATUS_PREDICATE),
        ),
        # The queue: open handoffs by priority, oldest first.
        Index("ix_handoffs_queue", "status", "priority", "created_at"),
    )

    @property
    def is_open(self) -> bool:
        """Whether an agent still owns (or is about to own) the conversation."""
        return HandoffStatus(self.status) in OPEN_STATUSES

    def __repr__(self) -> str:
        return (
            f"Handoff(id={self.id!r}, conversation_id={self.conversation_id!r}, "
            f"status={self.status!r})"
        )
