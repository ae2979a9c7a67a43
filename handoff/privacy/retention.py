"""Data retention: purge finished handoffs and old conversations after ``retention.days``.

What a purge removes, with ``cutoff = now - days``:

- handoff store: every handoff that is finished (resolved, handed back, closed — a ticket
  counts once it was closed) and whose ``closed_at`` is before the cutoff, with its notes and
  its audit-log rows; the assistant's decisions (``/api/decisions``) recorded before the cutoff;
  the channels' processed inbox rows and sent/failed outbox rows from before the cutoff (they
  hold what the customer and the bot wrote).
- tracker store (Rasa's ``SQLTrackerStore`` table ``events``): whole conversations whose
  *newest* event is older than the cutoff. A conversation is removed entirely or not at all
  (deleting only its old events would leave Rasa a half history), and never while it has an
  open handoff or an unanswered ticket.

What stays: open handoffs (queued, assigned), unanswered tickets, anything newer than the
cutoff, agents, teams and tokens. ``ops.retention`` runs it from a shell or a scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Dict, Iterable, List, Optional, Sequence, Set

from sqlalchemy import delete, func, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import column, table

from handoff.store import (
    OPEN_STATUSES,
    AuditEntry,
    Decision,
    Handoff,
    HandoffStatus,
    InboundDelivery,
    Note,
    OutboundMessage,
    OutboundStatus,
    TicketForward,
)
from handoff.store.models import utc_now

BATCH = 500  # ids per DELETE ... IN (...), well under every database's parameter limit

TRACKER_EVENTS = table("events", column("sender_id"), column("timestamp"))
"""Rasa's ``SQLTrackerStore`` table (only the two columns a purge needs)."""


@dataclass
class PurgeReport:
    """How many rows a purge removed (or, in a dry run, would remove), per kind."""

    cutoff: datetime
    counts: Dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def add(self, kind: str, rowcount: int) -> None:
        """Count ``rowcount`` more rows of ``kind``."""
        self.counts[kind] = self.counts.get(kind, 0) + max(rowcount, 0)

    def lines(self) -> List[str]:
        """Return one human-readable line per kind."""
        verb = "would purge" if self.dry_run else "purged"
        return [f"{verb} {count} {kind}" for kind, count in self.counts.items()]


def cutoff_for(days: int, now: Optional[datetime] = None) -> datetime:
    """Return the moment before which data is purged (``now - days``, timezone-aware UTC)."""
    if days < 1:
        raise ValueError(f"retention days must be at least 1 (got {days})")
    return (now or utc_now()) - timedelta(days=days)


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _finished_before(cutoff: datetime):  # noqa: ANN202 - a SQL expression
    return (
        Handoff.closed_at.is_not(None),
        Handoff.closed_at < cutoff,
        Handoff.status.not_in(list(OPEN_STATUSES)),
    )


def _still_open():  # noqa: ANN202 - a SQL expression
    unanswered_ticket = (Handoff.status == HandoffStatus.TICKET) & Handoff.closed_at.is_(None)
    return or_(Handoff.status.in_(list(OPEN_STATUSES)), unanswered_ticket)


def purge_handoff_store(
    sessions: sessionmaker, cutoff: datetime, dry_run: bool = False
) -> PurgeReport:
    """Remove the finished handoffs and the channel/decision rows older than ``cutoff``.

    One transaction: either everything listed in the module docstring is removed or nothing
    (``dry_run`` counts and rolls back).
    """
    report = PurgeReport(cutoff, dry_run=dry_run)
    with sessions() as session:
        with session.begin():
            _purge_handoffs(session, cutoff, report)
            report.add(
                "decisions",
                _delete(session, delete(Decision).where(Decision.at < cutoff)),
            )
            processed_inbox = delete(InboundDelivery).where(
                InboundDelivery.processed_at.is_not(None), InboundDelivery.received_at < cutoff
            )
            report.add("channel inbox rows", _delete(session, processed_inbox))
            finished = [OutboundStatus.SENT, OutboundStatus.FAILED]
            old_outbox = delete(OutboundMessage).where(
                OutboundMessage.status.in_(finished), OutboundMessage.updated_at < cutoff
            )
            report.add("channel outbox rows", _delete(session, old_outbox))
            if dry_run:
                session.rollback()
    return report


def _delete(session: Session, statement) -> int:  # noqa: ANN001 - a DELETE statement
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount


def _purge_handoffs(session: Session, cutoff: datetime, report: PurgeReport) -> None:
    ids = list(session.scalars(select(Handoff.id).where(*_finished_before(cutoff))))
    report.add("handoffs", 0)
    for chunk in _chunks(ids):
        report.add("notes", _delete(session, delete(Note).where(Note.handoff_id.in_(chunk))))
        audit = delete(AuditEntry).where(AuditEntry.handoff_id.in_(chunk))
        report.add("audit-log rows", _delete(session, audit))
        forwards = delete(TicketForward).where(TicketForward.handoff_id.in_(chunk))
        report.add("help-desk copies", _delete(session, forwards))
        report.add("handoffs", _delete(session, delete(Handoff).where(Handoff.id.in_(chunk))))


def conversations_to_keep(sessions: sessionmaker) -> Set[str]:
    """Return the conversations with an open handoff or an unanswered ticket."""
    with sessions() as session:
        return set(session.scalars(select(Handoff.conversation_id).where(_still_open())))


def purge_tracker_events(
    tracker: Engine, cutoff: datetime, keep: Set[str], dry_run: bool = False
) -> PurgeReport:
    """Remove every conversation of Rasa's SQL tracker store that went quiet before ``cutoff``.

    Args:
        tracker: an engine on the tracker store's database (the one with the ``events`` table).
        cutoff: conversations whose newest event is older are removed entirely.
        keep: conversation ids never removed (open handoffs, unanswered tickets).
        dry_run: count, remove nothing.
    """
    report = PurgeReport(cutoff, dry_run=dry_run)
    with tracker.connect() as connection:  # Rasa's engine is not in 2.0 style: explicit begin
        transaction = connection.begin()
        try:
            quiet = _quiet_conversations(connection, cutoff.timestamp())
            doomed = [sender for sender in quiet if sender not in keep]
            report.add("conversations", len(doomed))
            report.add("tracker events", 0)
            for chunk in _chunks(doomed):
                statement = delete(TRACKER_EVENTS).where(TRACKER_EVENTS.c.sender_id.in_(chunk))
                report.add("tracker events", connection.execute(statement).rowcount)
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    return report


def _quiet_conversations(connection: Connection, before: float) -> List[str]:
    sender, moment = TRACKER_EVENTS.c.sender_id, TRACKER_EVENTS.c.timestamp
    newest_before = select(sender).group_by(sender).having(func.max(moment) < before)
    return list(connection.execute(newest_before).scalars())


def purge(
    sessions: sessionmaker,
    days: int,
    tracker: Optional[Engine] = None,
    now: Optional[datetime] = None,
    dry_run: bool = False,
) -> PurgeReport:
    """Purge the handoff store and (when given) the SQL tracker store; return what went.

    Conversations with an open handoff are looked up first, so their tracker events stay even
    if the handoff store purge runs in between.
    """
    cutoff = cutoff_for(days, now)
    keep = conversations_to_keep(sessions)
    report = purge_handoff_store(sessions, cutoff, dry_run)
    if tracker is not None:
        for kind, count in purge_tracker_events(tracker, cutoff, keep, dry_run).counts.items():
            report.add(kind, count)
    return report
