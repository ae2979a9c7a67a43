"""The desk's rules for a customer waiting in the queue: updates, the ticket, "never mind".

- :func:`sweep` looks at every queued handoff once: a handoff whose team closed while it
  waited, or that waited ``WaitingRules.timeout``, becomes a ticket; otherwise its customer
  is told a better place or a meaningfully different wait, at most every
  ``WaitingRules.update_interval`` (the decisions are ``handoff.desk.waiting``'s). It returns
  what to tell whom; the caller (``connectors.agent_desk.waiting``) sends it.
- :func:`cancel_by_customer`: the customer said "never mind" while queued.

Safe with several desk replicas sweeping the same store: each change is one conditional
UPDATE (queued → ticket; ``told_at`` as read → now; queued and unclaimed → closed), so of two
replicas exactly one wins and only the winner's notice is returned; the loser's is dropped.
A claim racing a ticket or a cancel is the same: one UPDATE matches, the other does not.
Each change commits with its audit-log row; times come in as ``now``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Dict, List, Optional, Set

from handoff.desk import offers as desk_routing
from handoff.desk import waiting
from handoff.desk.accounts import ACTION_ROLE, Principal, audit
from handoff.desk.service import HandoffNotFound, HandoffNotOpen
from handoff.reasons import CUSTOMER_CANCELLED
from handoff.routing.availability import team_availability
from handoff.routing.hours import HoursSettings
from handoff.store.models import Handoff, HandoffStatus
from handoff.store.unit_of_work import SqlUnitOfWork

logger = logging.getLogger(__name__)

WAITING = Principal(id=None, name="waiting queue", role=ACTION_ROLE)
"""Who the audit log names for the sweep's changes (a queued handoff turned into a ticket)."""

CUSTOMER = Principal(id=None, name="customer", role=ACTION_ROLE)
"""Who the audit log names for a customer's "never mind"."""

HoursOf = Callable[[Optional[str]], Optional[HoursSettings]]
"""A team's business hours (None: the team takes handoffs at any time, or no team)."""


class NoticeKind:
    """What a :class:`WaitingNotice` tells the customer."""

    UPDATE = "queue_update"  # "You're now number 2 ..."
    TICKET = "queue_ticket"  # "... I've made it a ticket; a person will answer {back_at}"


@dataclass(frozen=True)
class WaitingRules:
    """``desk.queue_update_minutes`` and ``desk.queue_timeout_minutes`` as durations."""

    update_interval: timedelta = timedelta(minutes=3)
    timeout: Optional[timedelta] = timedelta(minutes=30)

    @classmethod
    def of_minutes(cls, update: float, timeout: Optional[float]) -> WaitingRules:
        """Build the rules from handoff.yml's minutes (``timeout`` None: wait while open)."""
        return cls(
            update_interval=timedelta(minutes=update),
            timeout=timedelta(minutes=timeout) if timeout is not None else None,
        )


@dataclass(frozen=True)
class WaitingNotice:
    """What one queued customer is to be told, already recorded in the store.

    ``back_at``: for a ticket, when the team is back ("Monday 7 December at 09:00 (CET)");
    None while the team is open (only the timeout ran out) or when its calendar never opens.
    """

    kind: str
    handoff_id: str
    conversation_id: str
    team: Optional[str]
    reason: str
    queue_position: Optional[int] = None
    expected_wait_seconds: Optional[int] = None
    back_at: Optional[str] = None
    language: Optional[str] = None  # the handoff's (the customer's): the text's language


def sweep(
    uow: SqlUnitOfWork, now: datetime, rules: WaitingRules, hours_of: HoursOf
) -> List[WaitingNotice]:
    """Turn overdue queued handoffs into tickets, then find the updates due; return both.

    Tickets first, so the updates count the queue as it is after them. Every notice returned
    was recorded (and committed) by this call and by no other replica.
    """
    notices: List[WaitingNotice] = []
    ticketed: Set[Optional[str]] = set()
    for handoff in uow.handoffs.queued():
        notice = _ticket_if_due(uow, handoff, now, rules, hours_of)
        if notice is not None:
            notices.append(notice)
            ticketed.add(handoff.team)
    for team in ticketed:
        desk_routing.refresh_offers(uow, team, now)
    for handoff in uow.handoffs.queued():
        notice = _update_if_due(uow, handoff, now, rules)
        if notice is not None:
            notices.append(notice)
    return notices


def _ticket_if_due(
    uow: SqlUnitOfWork, handoff: Handoff, now: datetime, rules: WaitingRules, hours_of: HoursOf
) -> Optional[WaitingNotice]:
    """Make the handoff a ticket if :func:`waiting.decide_ticket` says so and nobody claimed it."""
    availability = team_availability(
        handoff.team or "", hours_of(handoff.team), now, language=handoff.language
    )
    decision = waiting.decide_ticket(
        queued_since=handoff.queued_at or handoff.created_at,
        now=now,
        timeout=rules.timeout,
        team_open=availability.open,
    )
    if not decision.act:
        return None
    values: Dict[str, object] = {
        "status": HandoffStatus.TICKET,
        "offered_agent_id": None,
        "updated_at": now,
    }
    if not uow.handoffs.update_if(handoff.id, HandoffStatus.QUEUED, None, values):
        uow.rollback()  # claimed, cancelled or ticketed by another replica meanwhile
        return None
    audit(uow, WAITING, "ticket", handoff.id, now=now, reason=decision.reason, **decision.evidence)
    uow.commit()
    logger.info("Queued handoff %s is now a ticket (%s).", handoff.id, decision.reason)
    return WaitingNotice(
        kind=NoticeKind.TICKET,
        handoff_id=handoff.id,
        conversation_id=handoff.conversation_id,
        team=handoff.team,
        reason=decision.reason,
        back_at=availability.back_at,
        language=handoff.language,
    )


def _update_if_due(
    uow: SqlUnitOfWork, handoff: Handoff, now: datetime, rules: WaitingRules
) -> Optional[WaitingNotice]:
    """Record and return a queue update if :func:`waiting.decide_update` says one is due.

    The place and the wait come from separate reads; a claim committed between them (by an
    agent on any replica) would pair the old place with a wait already counting the claim
    ("You're now number 2" just before "number 1"). So the place is read again after the
    wait, and a queue that moved meanwhile waits for the next sweep, which sees it settled.
    """
    position = uow.handoffs.queue_position(handoff)
    wait = desk_routing.expected_wait_seconds(uow, handoff, now, position)
    if uow.handoffs.queue_position(handoff) != position:
        return None
    decision = waiting.decide_update(
        queued=HandoffStatus(handoff.status) is HandoffStatus.QUEUED,
        position=position,
        wait_seconds=wait,
        told_position=handoff.told_position,
        told_wait_seconds=handoff.told_wait,
        told_at=handoff.told_at,
        now=now,
        min_interval=rules.update_interval,
    )
    if not decision.act:
        return None
    if not uow.handoffs.record_told(handoff.id, handoff.told_at, position, wait, now):
        uow.rollback()  # another replica told them just now, or an agent claimed it
        return None
    uow.commit()
    return WaitingNotice(
        kind=NoticeKind.UPDATE,
        handoff_id=handoff.id,
        conversation_id=handoff.conversation_id,
        team=handoff.team,
        reason=decision.reason,
        queue_position=position,
        expected_wait_seconds=wait,
        language=handoff.language,
    )


def cancel_by_customer(uow: SqlUnitOfWork, handoff_id: str, *, now: datetime) -> Handoff:
    """Close a queued handoff because its customer no longer wants a person ("never mind").

    Status ``closed`` with outcome ``cancelled`` (``handoff.reasons.CUSTOMER_CANCELLED``), so
    analytics tell it apart. Only while queued and unclaimed, in one conditional UPDATE: once
    an agent has it the words are the agent's to read, and of a claim and a cancel racing
    exactly one wins.

    Raises:
        HandoffNotFound: unknown id. HandoffNotOpen: an agent has it, or it is closed.
    """
    values: Dict[str, object] = {
        "status": HandoffStatus.CLOSED,
        "outcome": CUSTOMER_CANCELLED,
        "offered_agent_id": None,
        "closed_at": now,
        "updated_at": now,
    }
    if not uow.handoffs.update_if(handoff_id, HandoffStatus.QUEUED, None, values):
        uow.rollback()
        if uow.handoffs.get(handoff_id) is None:
            raise HandoffNotFound(handoff_id)
        raise HandoffNotOpen(handoff_id, "is not waiting in the queue")
    audit(uow, CUSTOMER, "cancel", handoff_id, now=now)  # never the words: personal data
    uow.commit()
    handoff = uow.handoffs.get(handoff_id)
    assert handoff is not None  # just updated in this unit of work
    uow.handoffs.refresh(handoff)
    desk_routing.refresh_offers(uow, handoff.team, now)
    return handoff
