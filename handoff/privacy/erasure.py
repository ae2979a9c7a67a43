"""Erasing one customer's data on request (a data-protection erasure request), Rasa-free.

A customer is named by a conversation id (``telegram:<chat id>``, ``whatsapp:<phone>``) or by
an e-mail address. An e-mail is looked up (case-insensitively, as a substring) in everything
that holds customer text: handoff context packages (transcripts, intake answers), notes, the
channels' inbox and outbox rows and the tracker store's events; every conversation it appears
in is then erased as a whole, so no half of a conversation stays behind.

Erasing a conversation deletes, in the handoff store, its handoffs with their notes, audit-log
rows and help-desk copy records, its decisions and its channel inbox/outbox rows (one
transaction); in Rasa's SQL tracker store, its events (another). The help-desk copies (tickets
in Zendesk/Freshdesk) cannot be deleted from here: their ids are returned for manual
follow-up. Erasing again finds nothing and changes nothing (idempotent). Every request writes
one audit-log row — who asked, when, how the customer was named (``conversation`` or
``email``), the counts and the help-desk ticket ids — and never the id or address itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, Iterable, List, Optional, Sequence, Set

from sqlalchemy import Text, cast, delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import column, table

from handoff.store import (
    AuditEntry,
    Decision,
    Handoff,
    InboundDelivery,
    Note,
    OutboundMessage,
    TicketForward,
)
from handoff.store.models import utc_now

ERASE_ACTION = "privacy.erase"
TRACKER_EVENTS = table("events", column("sender_id"), column("data"))
"""Rasa's ``SQLTrackerStore`` table (only the columns an erasure needs)."""


@dataclass
class ErasureReport:
    """What an erasure removed, and the help-desk tickets left for a person to delete."""

    conversations: int = 0
    counts: Dict[str, int] = field(default_factory=dict)
    helpdesk_tickets: List[str] = field(default_factory=list)

    def add(self, kind: str, rowcount: int) -> None:
        """Count ``rowcount`` more rows of ``kind``."""
        self.counts[kind] = self.counts.get(kind, 0) + max(rowcount, 0)

    def lines(self) -> List[str]:
        """Return the human-readable summary (no personal data)."""
        lines = [f"erased {self.conversations} conversations"]
        lines += [f"deleted {count} {kind}" for kind, count in self.counts.items()]
        for ticket in self.helpdesk_tickets:
            lines.append(f"help-desk copy to delete by hand: {ticket}")
        return lines


def _contains(expression, needle: str):  # noqa: ANN001, ANN202 - SQL expressions
    escaped = needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(cast(expression, Text)).like(f"%{escaped}%", escape="\\")


def conversations_with_email(
    sessions: sessionmaker, email: str, tracker: Optional[Engine] = None
) -> Set[str]:
    """Return every conversation whose stored text mentions ``email``."""
    found: Set[str] = set()
    noted = select(Handoff.conversation_id).join(Note, Note.handoff_id == Handoff.id)
    searches = (
        select(Handoff.conversation_id).where(_contains(Handoff.context, email)),
        noted.where(_contains(Note.text, email)),
        select(InboundDelivery.conversation_id).where(_contains(InboundDelivery.payload, email)),
        select(OutboundMessage.conversation_id).where(
            _contains(OutboundMessage.request, email) | _contains(OutboundMessage.text, email)
        ),
    )
    with sessions() as session:
        for search in searches:
            found.update(session.scalars(search))
    if tracker is not None:
        query = select(TRACKER_EVENTS.c.sender_id).distinct()
        with tracker.connect() as connection:
            found.update(
                connection.execute(query.where(_contains(TRACKER_EVENTS.c.data, email))).scalars()
            )
    return found


def erase_conversations(
    sessions: sessionmaker,
    conversation_ids: Iterable[str],
    tracker: Optional[Engine] = None,
) -> ErasureReport:
    """Delete everything stored about ``conversation_ids``; return the counts and tickets."""
    ids = sorted(set(conversation_ids))
    report = ErasureReport(conversations=len(ids))
    with sessions() as session, session.begin():
        _erase_handoff_store(session, ids, report)
    report.add("tracker events", 0)
    if tracker is not None and ids:
        with tracker.connect() as connection:  # Rasa's engine is not in 2.0 style
            transaction = connection.begin()
            try:
                doomed = delete(TRACKER_EVENTS).where(TRACKER_EVENTS.c.sender_id.in_(ids))
                report.add("tracker events", connection.execute(doomed).rowcount)
            except BaseException:
                transaction.rollback()
                raise
            transaction.commit()
    return report


def _erase_handoff_store(session: Session, ids: Sequence[str], report: ErasureReport) -> None:
    handoffs = list(session.scalars(select(Handoff.id).where(Handoff.conversation_id.in_(ids))))
    copies = select(TicketForward.target, TicketForward.external_id).where(
        TicketForward.handoff_id.in_(handoffs), TicketForward.external_id.is_not(None)
    )
    report.helpdesk_tickets += [f"{target} {ticket}" for target, ticket in session.execute(copies)]
    for kind, statement in (
        ("notes", delete(Note).where(Note.handoff_id.in_(handoffs))),
        ("audit-log rows", delete(AuditEntry).where(AuditEntry.handoff_id.in_(handoffs))),
        (
            "help-desk copy records",
            delete(TicketForward).where(TicketForward.handoff_id.in_(handoffs)),
        ),
        ("handoffs", delete(Handoff).where(Handoff.id.in_(handoffs))),
        ("decisions", delete(Decision).where(Decision.conversation_id.in_(ids))),
        (
            "channel inbox rows",
            delete(InboundDelivery).where(InboundDelivery.conversation_id.in_(ids)),
        ),
        (
            "channel outbox rows",
            delete(OutboundMessage).where(OutboundMessage.conversation_id.in_(ids)),
        ),
    ):
        options = statement.execution_options(synchronize_session=False)
        report.add(kind, session.execute(options).rowcount)


def record_erasure(
    sessions: sessionmaker,
    operator: str,
    matched_by: str,
    report: ErasureReport,
    now: Optional[datetime] = None,
) -> None:
    """Write the request's audit-log row: who, when, how matched, counts — no personal data."""
    with sessions() as session, session.begin():
        session.add(
            AuditEntry(
                at=now or utc_now(),
                actor_id=None,
                actor=operator[:128],
                action=ERASE_ACTION,
                handoff_id=None,
                details={
                    "matched_by": matched_by,
                    "conversations": report.conversations,
                    "counts": dict(report.counts),
                    "helpdesk_tickets": list(report.helpdesk_tickets),
                },
            )
        )


def erase(
    sessions: sessionmaker,
    operator: str,
    conversation_id: Optional[str] = None,
    email: Optional[str] = None,
    tracker: Optional[Engine] = None,
) -> ErasureReport:
    """Erase one customer, named by exactly one of ``conversation_id`` and ``email``; audit it.

    Raises:
        ValueError: neither or both given, or an empty value.
    """
    if (conversation_id is None) == (email is None) or not (conversation_id or email or "").strip():
        raise ValueError("name the customer by exactly one of a conversation id or an e-mail")
    if email is not None:
        ids = conversations_with_email(sessions, email.strip(), tracker)
        matched_by = "email"
    else:
        ids = {str(conversation_id).strip()}
        matched_by = "conversation"
    report = erase_conversations(sessions, ids, tracker)
    if not any(report.counts.values()):
        report.conversations = 0  # erased before, or never known: nothing was there
    record_erasure(sessions, operator, matched_by, report)
    return report
