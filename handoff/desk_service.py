"""The desk's rules for handoffs: opening one per conversation, the queue, handing back.

Each function works inside a caller's ``SqlUnitOfWork`` and commits its own change, so the
result it returns is already in the store. Times default to now; tests pass ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy.exc import IntegrityError

from handoff.store.models import OPEN_STATUSES, Handoff, HandoffStatus, utc_now
from handoff.store.unit_of_work import SqlUnitOfWork

__all__ = [
    "OPEN_STATUSES",
    "HandoffNotFound",
    "HandoffNotOpen",
    "OpenedHandoff",
    "hand_back",
    "open_handoff",
    "queue",
]


class HandoffNotFound(LookupError):
    """No handoff has this id (the desk answers 404)."""


class HandoffNotOpen(RuntimeError):
    """The handoff is already resolved, handed back or closed (the desk answers 409)."""


@dataclass(frozen=True)
class OpenedHandoff:
    """What submitting a context package achieved.

    ``created`` is False when the conversation already had an open handoff, which is then the
    one returned (the desk answers 200 instead of 201). ``queue_position`` is 1-based and
    ``None`` once an agent has the handoff.
    """

    handoff_id: str
    status: str
    queue_position: Optional[int]
    created: bool


def open_handoff(
    uow: SqlUnitOfWork,
    *,
    conversation_id: str,
    reason: str,
    context: Dict[str, Any],
    channel: Optional[str] = None,
    team: Optional[str] = None,
    priority: int = 0,
    now: Optional[datetime] = None,
    ticket: bool = False,
) -> OpenedHandoff:
    """Queue a handoff for the conversation, unless it already has an open one.

    Idempotent per conversation, also across desk replicas and threads: when two submissions
    race, the store's unique index lets one insert win, and the loser rolls back and returns
    the winner's handoff with ``created=False``.

    With ``ticket`` (the team is outside its business hours) the handoff is stored as a
    ticket instead of joining the live queue; a conversation that already has an open
    handoff or an unanswered ticket gets that one back.
    """
    existing = uow.handoffs.open_for_conversation(conversation_id) or (
        uow.handoffs.ticket_for_conversation(conversation_id) if ticket else None
    )
    if existing is not None:
        return _opened(uow, existing, created=False)
    moment = _aware(now)
    handoff = Handoff(
        conversation_id=conversation_id,
        status=HandoffStatus.TICKET if ticket else HandoffStatus.QUEUED,
        reason=reason,
        team=team,
        priority=priority,
        channel=channel,
        context=context,
        created_at=moment,
        updated_at=moment,
    )
    uow.handoffs.add(handoff)
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        winner = uow.handoffs.open_for_conversation(conversation_id)
        if winner is None:  # not the one-open-handoff race: a real error
            raise
        return _opened(uow, winner, created=False)
    return _opened(uow, handoff, created=True)


def hand_back(uow: SqlUnitOfWork, handoff_id: str, *, now: Optional[datetime] = None) -> Handoff:
    """Close an open handoff because the agent gave the conversation back to the bot.

    Returns the updated handoff (status ``handed_back``, ``closed_at`` set). Raises
    ``HandoffNotFound`` for an unknown id and ``HandoffNotOpen`` if it was already closed, so
    a second hand-back is refused rather than silently repeated. The status change is one
    conditional UPDATE, so of two simultaneous hand-backs exactly one succeeds.
    """
    moment = _aware(now)
    closed = uow.handoffs.close_if_open(handoff_id, HandoffStatus.HANDED_BACK, moment)
    uow.commit()
    handoff = uow.handoffs.get(handoff_id)
    if handoff is None:
        raise HandoffNotFound(handoff_id)
    if not closed:  # a concurrent hand-back (another replica, a double click) won
        raise HandoffNotOpen(handoff_id)
    uow.handoffs.refresh(handoff)
    return handoff


def queue(uow: SqlUnitOfWork, limit: Optional[int] = None) -> List[Handoff]:
    """Return the open handoffs, highest priority first, then oldest first."""
    return uow.handoffs.list(statuses=OPEN_STATUSES, limit=limit)


def _opened(uow: SqlUnitOfWork, handoff: Handoff, *, created: bool) -> OpenedHandoff:
    return OpenedHandoff(
        handoff_id=handoff.id,
        status=HandoffStatus(handoff.status).value,
        queue_position=uow.handoffs.queue_position(handoff),
        created=created,
    )


def _aware(now: Optional[datetime]) -> datetime:
    if now is None:
        return utc_now()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now!r}: pass a timezone-aware time")
    return now
