"""Copying an offline ticket to the external help desk, exactly once per ticket.

The desk calls :func:`forward_ticket` when a ticket is opened (``desk.helpdesk.forward``) and
when an agent asks for it (a retry after a failure). The row in ``ticket_forwards`` is
inserted *before* the help desk is called, so of two replicas (or a double click) only one
sends; the outcome - the help desk's ticket id, or why it failed - is stored on that row and
shown with the handoff. The HTTP call runs outside any database transaction, on the event
loop; the store work before and after it runs in worker threads, so the loop never blocks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Dict, Optional, Union

from sqlalchemy.exc import IntegrityError

from handoff.clients.helpdesk import (
    HelpdeskClient,
    HelpdeskUnavailable,
    TicketContent,
    ticket_content,
)
from handoff.desk.errors import Conflict, NotFound
from handoff.store import ForwardStatus, HandoffStatus, SqlUnitOfWork, TicketForward
from handoff.store.models import utc_now


@dataclass(frozen=True)
class ForwardView:
    """A ticket's copy in the help desk, as the desk API shows it."""

    target: str
    status: str
    external_id: Optional[str]
    external_url: Optional[str]
    attempts: int
    last_error: Optional[str]

    @classmethod
    def of(cls, row: TicketForward) -> ForwardView:
        """Build the view from the stored row."""
        return cls(
            target=row.target,
            status=ForwardStatus(row.status).value,
            external_id=row.external_id,
            external_url=row.external_url,
            attempts=row.attempts,
            last_error=row.last_error,
        )


async def forward_ticket(
    unit_of_work: Callable[[], SqlUnitOfWork],
    client: HelpdeskClient,
    handoff_id: str,
    *,
    now: Optional[Callable[[], datetime]] = None,
) -> ForwardView:
    """Create the ticket in the help desk unless that already happened or is happening.

    A ticket already sent (or being sent) is returned as it is; a failed one is tried again.

    Raises:
        NotFound: no handoff ``handoff_id``.
        Conflict: the handoff is not a ticket (live chats are not forwarded).
    """
    clock = now or utc_now
    claimed = await asyncio.to_thread(_claim, unit_of_work, client.target, handoff_id, clock)
    if isinstance(claimed, ForwardView):
        return claimed
    outcome: Dict[str, Optional[str]]
    try:
        created = await client.create_ticket(claimed)
        outcome = {"external_id": created.id, "external_url": created.url}
    except HelpdeskUnavailable as problem:
        outcome = {"error": str(problem)}

    def finish() -> ForwardView:
        with unit_of_work() as uow:
            uow.ticket_forwards.finish(handoff_id, clock(), **outcome)
            uow.commit()
            return ForwardView.of(_written_forward(uow, handoff_id))

    return await asyncio.to_thread(finish)


def _claim(
    unit_of_work: Callable[[], SqlUnitOfWork],
    target: str,
    handoff_id: str,
    clock: Callable[[], datetime],
) -> Union[TicketContent, ForwardView]:
    """Take the ticket's forward for this caller: its content to send, or the forward as it is.

    Raises:
        NotFound, Conflict: as :func:`forward_ticket`.
    """
    with unit_of_work() as uow:
        handoff = uow.handoffs.get(handoff_id)
        if handoff is None:
            raise NotFound(f"no handoff {handoff_id}")
        if HandoffStatus(handoff.status) is not HandoffStatus.TICKET:
            raise Conflict(f"handoff {handoff_id} is not a ticket; only tickets are forwarded")
        content = ticket_content(
            handoff_id,
            handoff.context or {},
            reason=handoff.reason,
            team=handoff.team,
            priority=handoff.priority or 0,
        )
        existing = uow.ticket_forwards.for_handoff(handoff_id)
        if existing is None:
            moment = clock()
            uow.ticket_forwards.add(
                TicketForward(
                    handoff_id=handoff_id,
                    target=target,
                    status=ForwardStatus.PENDING,
                    attempts=1,
                    created_at=moment,
                    updated_at=moment,
                )
            )
            try:
                uow.commit()
            except IntegrityError:  # another replica inserted it first: theirs to send
                uow.rollback()
                return ForwardView.of(_written_forward(uow, handoff_id))
        elif not uow.ticket_forwards.retry_failed(handoff_id, clock()):
            return ForwardView.of(existing)  # sent, or being sent right now
        else:
            uow.commit()
    return content


def forward_of(uow: SqlUnitOfWork, handoff_id: str) -> Optional[ForwardView]:
    """Return the ticket's help-desk copy, or None if it was never forwarded."""
    row = uow.ticket_forwards.for_handoff(handoff_id)
    return ForwardView.of(row) if row is not None else None


def _written_forward(uow: SqlUnitOfWork, handoff_id: str) -> TicketForward:
    """Return the handoff's forward row, which this module has just written or seen written."""
    row = uow.ticket_forwards.for_handoff(handoff_id)
    if row is None:
        raise LookupError(f"no ticket forward for handoff {handoff_id}")
    return row
