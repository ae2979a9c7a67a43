"""What the desk records beside the handoff itself: internal notes and handoff decisions.

Notes are the agents' private remarks on a handoff (never sent to the customer). Decisions
are every choice the assistant made about a person — hand off, ticket, offer, offer
declined/accepted, self-service — posted by the action server for analytics.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from pydantic import Field, validator

from handoff.desk.accounts import Principal, audit
from handoff.desk.bodies import MessageText, StrictBody, parse_body
from handoff.desk.errors import NotAllowed
from handoff.desk.service import visible_handoff
from handoff.names import TEAM_NAME_MAX_LENGTH
from handoff.store.desk_models import Decision, DecisionKind, Note, new_id
from handoff.store.models import utc_now
from handoff.store.unit_of_work import SqlUnitOfWork


def require_text(body: Any) -> str:
    """Return the non-empty ``text`` of a message or note body (at most 4000 characters)."""
    return parse_body(MessageText, body).text


def add_note(
    uow: SqlUnitOfWork,
    actor: Principal,
    handoff_id: str,
    text: str,
    now: Optional[datetime] = None,
) -> Note:
    """Add an internal note to a handoff the caller can see."""
    visible_handoff(uow, actor, handoff_id)
    moment = now or utc_now()
    note = Note(
        id=new_id(),
        handoff_id=handoff_id,
        agent_id=actor.id,
        author=actor.name,
        text=text,
        created_at=moment,
    )
    uow.notes.add(note)
    audit(uow, actor, "note", handoff_id, now=moment, note_id=note.id)
    uow.commit()
    return note


def note_view(note: Note) -> Dict[str, Any]:
    """Return a note as the API shows it."""
    return {
        "id": note.id,
        "handoff_id": note.handoff_id,
        "agent_id": note.agent_id,
        "author": note.author,
        "text": note.text,
        "created_at": note.created_at.isoformat(),
    }


def notes_of(uow: SqlUnitOfWork, handoff_id: str) -> List[Dict[str, Any]]:
    """Return the handoff's notes, oldest first, as the API shows them."""
    return [note_view(note) for note in uow.notes.for_handoff(handoff_id)]


class DecisionRecord(StrictBody):
    """``POST /api/decisions``: one decision of the assistant."""

    conversation_id: str = Field(..., min_length=1, max_length=255)
    decision: DecisionKind
    reason: Optional[str] = Field(default=None, max_length=32)
    signals: List[Any] = Field(default_factory=list)
    intent: Optional[str] = Field(default=None, max_length=128)
    channel: Optional[str] = Field(default=None, max_length=64)
    team: Optional[str] = Field(default=None, max_length=TEAM_NAME_MAX_LENGTH)
    at: Optional[datetime] = None

    @validator("at")
    def _aware(cls, at: Optional[datetime]) -> Optional[datetime]:  # noqa: N805 - pydantic
        if at is not None and (at.tzinfo is None or at.utcoffset() is None):
            raise ValueError("needs a time zone, e.g. 2026-11-23T10:00:00+00:00")
        return at


def record_decision(uow: SqlUnitOfWork, actor: Principal, record: DecisionRecord) -> Decision:
    """Store a decision (service token only: the action server reports them)."""
    if actor.id is not None:
        raise NotAllowed("decisions are reported with the service token")
    moment = utc_now()
    decision = Decision(
        conversation_id=record.conversation_id,
        decision=record.decision,
        reason=record.reason,
        signals=record.signals,
        intent=record.intent,
        channel=record.channel,
        team=record.team,
        at=record.at or moment,
        recorded_at=moment,
    )
    uow.decisions.add(decision)
    uow.commit()
    return decision
