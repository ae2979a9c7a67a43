"""What the desk API answers, as pydantic models: the source of the OpenAPI components.

The handlers build their answers with the view functions (``handoff_view``, ``agent_view``,
``note_view``, ``team_view``, …); these models state the shape of those answers once, with
the enums of the store and the core for every list of values, and
:mod:`connectors.agent_desk.openapi` generates the document's component schemas from them.
A test checks that real views validate against them.

A field is required when it has no default; an ``Optional`` field may be ``null`` (the
generator marks it ``nullable``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, Field

from handoff.context import Customer, Sender
from handoff.settings import HelpdeskKind
from handoff.store.desk_models import AgentRole, Presence
from handoff.store.helpdesk_models import ForwardStatus
from handoff.store.models import HandoffStatus


class Error(BaseModel):
    """Every 4xx answer."""

    error: str = Field(..., description="names the field or thing at fault")


class Agent(BaseModel):
    """A person of the desk (never the password hash)."""

    id: str
    username: str
    display_name: str
    role: AgentRole
    teams: List[str]
    languages: List[str]
    skills: Optional[List[str]] = None
    max_chats: Optional[int] = None
    presence: Optional[Presence] = None
    last_seen: Optional[datetime] = None
    active: Optional[bool] = None


class Person(BaseModel):
    """The agent a handoff is assigned or offered to."""

    id: str
    display_name: str


class Handoff(BaseModel):
    """A handoff in lists and after a change."""

    id: str
    conversation_id: str
    status: HandoffStatus
    reason: str
    team: Optional[str] = Field(...)
    queue: Optional[str] = Field(
        None, description="the team's desk queue the customer's tier chose; queue_position is in it"
    )
    priority: int
    channel: Optional[str] = None
    language: Optional[str] = None
    created_at: datetime
    updated_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None
    claimed_at: Optional[datetime] = None
    wait_seconds: Optional[int] = None
    queue_position: Optional[int] = None
    expected_wait_seconds: Optional[int] = None
    assigned_agent: Optional[Person] = None
    offered_to: Optional[Person] = None
    summary: Optional[str] = None
    customer: Optional[Customer] = None  # the context package's: the channel's display name


class TurnAgent(BaseModel):
    """The agent who wrote a transcript turn."""

    id: str
    name: str


class Turn(BaseModel):
    """One message of the live transcript."""

    sender: Sender
    text: str
    timestamp: float
    agent: Optional[TurnAgent] = None
    media: Optional[Dict[str, Any]] = None
    intent: Optional[str] = None
    frustration: Optional[float] = None


class Note(BaseModel):
    """An internal note (never sent to the customer)."""

    id: str
    handoff_id: str
    agent_id: Optional[str] = None
    author: str
    text: str
    created_at: datetime


class TicketForward(BaseModel):
    """A ticket's copy in the external help desk."""

    target: HelpdeskKind
    status: ForwardStatus
    external_id: Optional[str] = None
    external_url: Optional[str] = None
    attempts: int
    last_error: Optional[str] = None


class HandoffDetail(Handoff):
    """One handoff with its context package, live transcript and notes."""

    context: Dict[str, Any] = Field(..., description="the context package")
    transcript: List[Turn]
    notes: List[Note]
    helpdesk: Optional[TicketForward] = None


class Team(BaseModel):
    """A team of the desk."""

    name: str
    display_name: str
    languages: List[str]


class HandoffCreated(BaseModel):
    """``POST /api/handoffs``: the handoff opened for a context package."""

    id: str
    status: HandoffStatus
    queue: Optional[str] = None
    queue_position: Optional[int] = None
    expected_wait_seconds: Optional[int] = None
    created: bool


ANSWERS = (Error, Agent, Handoff, HandoffDetail, Turn, Note, Team, TicketForward, HandoffCreated)
"""Every answer model; the OpenAPI document's components include these and what they nest."""
