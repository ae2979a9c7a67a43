"""``SqlUnitOfWork``: one session, one transaction, committed only when asked.

Used as ``with SqlUnitOfWork(sessions) as uow: ...``. Leaving the block without
``uow.commit()`` — normally or by an exception — rolls everything back, so a half-done change
never reaches the store. Read-only blocks need no commit.
"""

from __future__ import annotations

from types import TracebackType
from typing import Optional, Type

from sqlalchemy.orm import Session, sessionmaker

from handoff.store.channel_repository import InboxRepository, OutboxRepository
from handoff.store.desk_repository import (
    AgentRepository,
    AuditLog,
    DecisionRepository,
    NoteRepository,
    TeamRepository,
    TokenRepository,
)
from handoff.store.helpdesk_repository import TicketForwardRepository
from handoff.store.repository import HandoffRepository


class SqlUnitOfWork:
    """A transaction over the handoff store, with one repository per kind of record."""

    handoffs: HandoffRepository
    agents: AgentRepository
    teams: TeamRepository
    tokens: TokenRepository
    notes: NoteRepository
    decisions: DecisionRepository
    audit: AuditLog
    ticket_forwards: TicketForwardRepository
    inbox: InboxRepository  # the channels' accepted webhook deliveries (a WorkQueue)
    outbox: OutboxRepository  # the channels' messages to customers (a WorkQueue)

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions
        self._session: Optional[Session] = None

    def __enter__(self) -> SqlUnitOfWork:
        self._session = self._sessions()
        self.handoffs = HandoffRepository(self._session)
        self.agents = AgentRepository(self._session)
        self.teams = TeamRepository(self._session)
        self.tokens = TokenRepository(self._session)
        self.notes = NoteRepository(self._session)
        self.decisions = DecisionRepository(self._session)
        self.audit = AuditLog(self._session)
        self.ticket_forwards = TicketForwardRepository(self._session)
        self.inbox = InboxRepository(self._session)
        self.outbox = OutboxRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        # close() rolls back whatever was not committed. Unlike rollback(), it leaves the
        # handoffs already loaded readable (detached), so callers can use what they read.
        self._require_session().close()
        self._session = None

    def commit(self) -> None:
        """Write every change made in this unit of work, atomically."""
        self._require_session().commit()

    def rollback(self) -> None:
        """Drop every uncommitted change; the unit of work stays usable afterwards."""
        self._require_session().rollback()

    def _require_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work in a `with` block")
        return self._session
