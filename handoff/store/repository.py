"""``HandoffRepository``: finding and keeping handoffs, over one SQLAlchemy session.

Queries only; committing is the unit of work's job. "The queue" always means open handoffs by
priority (highest first), then oldest first, then by id so the order is total.
"""

from __future__ import annotations

from datetime import datetime
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from handoff.store.models import OPEN_STATUSES, Handoff, HandoffStatus

QUEUE_ORDER = (Handoff.priority.desc(), Handoff.created_at.asc(), Handoff.id.asc())


class HandoffRepository:
    """The handoffs in the store, as seen through one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, handoff: Handoff) -> None:
        """Stage a new handoff; it is written when the unit of work commits."""
        self._session.add(handoff)

    def get(self, handoff_id: str) -> Optional[Handoff]:
        """Return the handoff with this id, or ``None``."""
        return self._session.get(Handoff, handoff_id)

    def close_if_open(
        self,
        handoff_id: str,
        status: HandoffStatus,
        moment: datetime,
        outcome: Optional[str] = None,
    ) -> bool:
        """Move an open handoff to the closing ``status`` in one conditional UPDATE.

        Returns False when the handoff was not open (or does not exist), so of two
        simultaneous closes exactly one wins, on SQLite and PostgreSQL alike. ``outcome`` is
        a handback's (``handoff.reasons.HandbackOutcome``).
        """
        result = self._session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.status.in_(list(OPEN_STATUSES)))
            .values(status=status, closed_at=moment, updated_at=moment, outcome=outcome)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def close_ticket(self, handoff_id: str, status: HandoffStatus, moment: datetime) -> bool:
        """Close an unanswered ticket (status ticket, not closed) in one conditional UPDATE."""
        result = self._session.execute(
            update(Handoff)
            .where(
                Handoff.id == handoff_id,
                Handoff.status == HandoffStatus.TICKET,
                Handoff.closed_at.is_(None),
            )
            .values(status=status, closed_at=moment, updated_at=moment)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def claim(self, handoff_id: str, agent_id: str, moment: datetime) -> bool:
        """Give an unclaimed handoff to ``agent_id`` in one conditional UPDATE.

        A queued handoff becomes assigned; an open ticket keeps its status and gets the
        agent. Returns False when somebody else has it or it is closed: of any number of
        simultaneous claims exactly one wins, on SQLite and PostgreSQL alike.
        """
        unclaimed = (Handoff.id == handoff_id, Handoff.assigned_agent_id.is_(None))
        claimed = dict(
            assigned_agent_id=agent_id, offered_agent_id=None, claimed_at=moment, updated_at=moment
        )
        result = self._session.execute(
            update(Handoff)
            .where(*unclaimed, Handoff.status == HandoffStatus.QUEUED)
            .values(status=HandoffStatus.ASSIGNED, **claimed)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            return True
        result = self._session.execute(
            update(Handoff)
            .where(*unclaimed, Handoff.status == HandoffStatus.TICKET, Handoff.closed_at.is_(None))
            .values(**claimed)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def update_if(
        self,
        handoff_id: str,
        status: HandoffStatus,
        owner: Optional[str],
        values: Dict[str, object],
    ) -> bool:
        """Change the handoff only if it still has ``status`` and ``owner`` (assigned agent).

        One conditional UPDATE, so a change decided on a stale read (a transfer while
        somebody claims) fails instead of overwriting the other change.
        """
        owner = (
            Handoff.assigned_agent_id.is_(None)
            if owner is None
            else Handoff.assigned_agent_id == owner
        )
        result = self._session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.status == status, owner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def for_teams(
        self,
        statuses: Iterable[HandoffStatus],
        teams: Optional[Sequence[str]],
        queue: Optional[str] = None,
    ) -> List[Handoff]:
        """Return handoffs in queue order; ``teams=None`` means every team.

        Handoffs without a team are everybody's. Tickets already closed are left out.
        ``queue`` keeps only that desk queue's handoffs (None: every queue).
        """
        query = (
            select(Handoff)
            .where(
                Handoff.status.in_([HandoffStatus(s) for s in statuses]),
                or_(Handoff.status != HandoffStatus.TICKET, Handoff.closed_at.is_(None)),
            )
            .order_by(*QUEUE_ORDER)
        )
        if teams is not None:
            query = query.where(or_(Handoff.team.in_(list(teams)), Handoff.team.is_(None)))
        if queue is not None:
            query = query.where(Handoff.queue == queue)
        return list(self._session.execute(query).scalars())

    def queued_for_team(self, team: Optional[str]) -> List[Handoff]:
        """Return the team's queued handoffs in queue order."""
        query = (
            select(Handoff)
            .where(Handoff.status == HandoffStatus.QUEUED, _same_team(team))
            .order_by(*QUEUE_ORDER)
        )
        return list(self._session.execute(query).scalars())

    def record_told(
        self,
        handoff_id: str,
        told_before: Optional[datetime],
        position: Optional[int],
        wait_seconds: Optional[int],
        moment: datetime,
    ) -> bool:
        """Note what a queued customer is told now, if nobody told them anything meanwhile.

        One conditional UPDATE on the handoff still being queued and ``told_at`` still being
        ``told_before`` (what the caller read): of two replicas sweeping the same queue, one
        wins and sends the update, the other gets False and sends nothing.
        """
        told = Handoff.told_at.is_(None) if told_before is None else Handoff.told_at == told_before
        result = self._session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.QUEUED, told)
            .values(
                told_at=moment,
                told_position=position,
                told_wait=wait_seconds,
                updated_at=Handoff.updated_at,  # telling is no change of the handoff itself
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def queued(self) -> List[Handoff]:
        """Return every team's queued handoffs, in queue order."""
        query = select(Handoff).where(Handoff.status == HandoffStatus.QUEUED)
        return list(self._session.execute(query.order_by(*QUEUE_ORDER)).scalars())

    def recent_waits(self, team: Optional[str], limit: int = 50) -> List[float]:
        """Return how long (seconds) the team's latest ``limit`` claimed live handoffs waited.

        Live chats only: a ticket's wait (often overnight) is no pick-up time, also once an
        agent has answered and closed it.
        """
        query = (
            select(Handoff.created_at, Handoff.claimed_at)
            .where(
                _same_team(team),
                Handoff.claimed_at.is_not(None),
                Handoff.opened_as_ticket.is_(False),
            )
            .order_by(Handoff.claimed_at.desc())
            .limit(limit)
        )
        return [
            max(0.0, (claimed - created).total_seconds())
            for created, claimed in self._session.execute(query)
        ]

    def refresh(self, handoff: Handoff) -> None:
        """Reload ``handoff`` from the store (after a bulk UPDATE)."""
        self._session.refresh(handoff)

    def ticket_for_conversation(self, conversation_id: str) -> Optional[Handoff]:
        """Return the conversation's unanswered ticket (status ticket, not closed), if any."""
        query = (
            select(Handoff)
            .where(
                Handoff.conversation_id == conversation_id,
                Handoff.status == HandoffStatus.TICKET,
                Handoff.closed_at.is_(None),
            )
            .order_by(Handoff.created_at.desc())
        )
        return self._session.execute(query).scalars().first()

    def open_route(self, conversation_id: str) -> Optional[Tuple[str, Optional[str]]]:
        """Return (id, team) of the conversation's open handoff, or ``None``.

        What a channel needs on every customer message to know a person has the conversation,
        without loading the handoff's context package.
        """
        query = select(Handoff.id, Handoff.team).where(
            Handoff.conversation_id == conversation_id,
            Handoff.status.in_(sorted(OPEN_STATUSES)),
        )
        row = self._session.execute(query).first()
        return (row[0], row[1]) if row is not None else None

    def open_for_conversation(self, conversation_id: str) -> Optional[Handoff]:
        """Return the conversation's open (queued or assigned) handoff, or ``None``.

        There is at most one: a partial unique index guarantees it.
        """
        query = select(Handoff).where(
            Handoff.conversation_id == conversation_id,
            Handoff.status.in_(sorted(OPEN_STATUSES)),
        )
        return self._session.execute(query).scalars().first()

    def list(
        self, statuses: Optional[Iterable[HandoffStatus]] = None, limit: Optional[int] = None
    ) -> List[Handoff]:
        """Return handoffs in queue order, optionally only some statuses and at most ``limit``.

        ``statuses=None`` means every status; an empty collection means none.
        """
        query = select(Handoff).order_by(*QUEUE_ORDER)
        if statuses is not None:
            query = query.where(Handoff.status.in_([HandoffStatus(s) for s in statuses]))
        if limit is not None:
            query = query.limit(limit)
        return list(self._session.execute(query).scalars())

    def queue_position(self, handoff: Handoff) -> Optional[int]:
        """Return the handoff's 1-based place in its own queue; ``None`` if not queued.

        Its own queue is the handoffs queued for the same team *and* the same desk queue
        (``queue``, the customer's tier's; None is a queue too: routeless and older handoffs),
        in queue order: an enterprise customer first in the ``senior`` queue is number 1
        however many ``standard`` customers wait for the same team. Counted in the database,
        so it is right however long the queue is.
        """
        if HandoffStatus(handoff.status) is not HandoffStatus.QUEUED:
            return None
        ahead = or_(
            Handoff.priority > handoff.priority,
            and_(Handoff.priority == handoff.priority, Handoff.created_at < handoff.created_at),
            and_(
                Handoff.priority == handoff.priority,
                Handoff.created_at == handoff.created_at,
                Handoff.id < handoff.id,
            ),
        )
        query = (
            select(func.count())
            .select_from(Handoff)
            .where(
                Handoff.status == HandoffStatus.QUEUED,
                _same_team(handoff.team),
                _same_queue(handoff.queue),
                ahead,
            )
        )
        return int(self._session.execute(query).scalar_one()) + 1


def _same_team(team: Optional[str]):  # noqa: ANN202 - a SQL expression
    return Handoff.team.is_(None) if team is None else Handoff.team == team


def _same_queue(queue: Optional[str]):  # noqa: ANN202 - a SQL expression
    return Handoff.queue.is_(None) if queue is None else Handoff.queue == queue
