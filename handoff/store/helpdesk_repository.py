"""``TicketForwardRepository``: the help-desk copies of offline tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Dict, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from handoff.store.helpdesk_models import ForwardStatus, TicketForward


class TicketForwardRepository:
    """Rows of ``ticket_forwards``; status changes are conditional UPDATEs (replica-safe)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, forward: TicketForward) -> None:
        """Stage a new forward (the unique handoff id refuses a second one at commit)."""
        self._session.add(forward)

    def for_handoff(self, handoff_id: str) -> Optional[TicketForward]:
        """Return the ticket's forward, if it was ever forwarded."""
        query = select(TicketForward).where(TicketForward.handoff_id == handoff_id)
        return self._session.execute(query).scalars().first()

    def retry_failed(self, handoff_id: str, moment: datetime) -> bool:
        """Turn a failed forward back to pending for one more attempt; False if not failed."""
        result = self._session.execute(
            update(TicketForward)
            .where(
                TicketForward.handoff_id == handoff_id,
                TicketForward.status == ForwardStatus.FAILED,
            )
            .values(
                status=ForwardStatus.PENDING,
                attempts=TicketForward.attempts + 1,
                updated_at=moment,
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def finish(
        self,
        handoff_id: str,
        moment: datetime,
        *,
        external_id: Optional[str] = None,
        external_url: Optional[str] = None,
        error: Optional[str] = None,
    ) -> None:
        """Record the outcome of the attempt in progress (sent with ids, or failed with why)."""
        values: Dict[str, object] = (
            {"status": ForwardStatus.FAILED, "last_error": error}
            if error is not None
            else {
                "status": ForwardStatus.SENT,
                "external_id": external_id,
                "external_url": external_url,
                "last_error": None,
            }
        )
        self._session.execute(
            update(TicketForward)
            .where(
                TicketForward.handoff_id == handoff_id,
                TicketForward.status == ForwardStatus.PENDING,
            )
            .values(updated_at=moment, **values)
            .execution_options(synchronize_session=False)
        )
