"""Tickets forwarded to an external help desk: one row per ticket, whatever happened to it.

Same ``metadata`` as :mod:`handoff.store.models`, created by migration ``0005``. The unique
``handoff_id`` makes forwarding idempotent across desk replicas: whoever inserts the row
forwards the ticket, everybody else finds it there.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import Column, Integer, String, Text

from handoff.store.models import Base, UtcDateTime, enum_type, utc_now


class ForwardStatus(str, Enum):
    """Where a forwarded ticket is."""

    PENDING = "pending"  # being sent now
    SENT = "sent"  # the help desk created it (external_id set)
    FAILED = "failed"  # the help desk refused or was unreachable (last_error says why)


class TicketForward(Base):
    """A ticket's copy in the external help desk."""

    __tablename__ = "ticket_forwards"

    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(String(32), nullable=False, unique=True)
    target = Column(String(32), nullable=False)  # zendesk, freshdesk
    status = Column(
        enum_type(ForwardStatus, "forward_status"), nullable=False, default=ForwardStatus.PENDING
    )
    external_id = Column(String(64), nullable=True)
    external_url = Column(String(512), nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text, nullable=True)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)
    updated_at = Column(UtcDateTime, nullable=False, default=utc_now, onupdate=utc_now)
