"""The agent desk's tables beside ``handoffs``: agents, teams, tokens, notes, decisions, audit.

Same ``metadata`` as :mod:`handoff.store.models`, created by migration ``0002_desk``; the
``compare_metadata`` test keeps the two in step on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from enum import Enum

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)

from handoff.names import TEAM_NAME_MAX_LENGTH
from handoff.store.models import Base, UtcDateTime, enum_type, utc_now


def new_id() -> str:
    """Return a fresh id: 32 hex characters, safe in URLs."""
    return uuid.uuid4().hex


class AgentRole(str, Enum):
    """What a person may do at the desk."""

    AGENT = "agent"  # works the handoffs of their own teams
    SUPERVISOR = "supervisor"  # sees every team, manages agents (not admins)
    ADMIN = "admin"  # everything, including other admins


class Presence(str, Enum):
    """Whether an agent takes conversations now (routing only offers to ``online``)."""

    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class DecisionKind(str, Enum):
    """What the assistant decided about a person (``POST /api/decisions``)."""

    HANDOFF = "handoff"
    TICKET = "ticket"
    OFFER = "offer"
    OFFER_DECLINED = "offer_declined"
    OFFER_ACCEPTED = "offer_accepted"
    SELF_SERVICE = "self_service"
    GUIDED = "guided"  # a guided self-service path instead of a person (routing.handling)


class Team(Base):
    """A team of the desk; ``name`` is what ``handoffs.team`` and handoff.yml routing say."""

    __tablename__ = "teams"

    name = Column(String(TEAM_NAME_MAX_LENGTH), primary_key=True)
    display_name = Column(String(128), nullable=False)
    languages = Column(JSON, nullable=False, default=list)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)


class Agent(Base):
    """A person who logs in to the desk."""

    __tablename__ = "agents"

    id = Column(String(32), primary_key=True, default=new_id)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(128), nullable=False)
    password_hash = Column(String(255), nullable=False)
    role = Column(enum_type(AgentRole, "role"), nullable=False, default=AgentRole.AGENT)
    languages = Column(JSON, nullable=False, default=list)
    skills = Column(JSON, nullable=False, default=list)
    max_chats = Column(Integer, nullable=False, default=3)
    presence = Column(enum_type(Presence, "presence"), nullable=False, default=Presence.OFFLINE)
    last_seen = Column(UtcDateTime, nullable=True)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)


class AgentTeam(Base):
    """Membership: which teams an agent serves."""

    __tablename__ = "agent_teams"

    agent_id = Column(String(32), ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    team = Column(
        String(TEAM_NAME_MAX_LENGTH),
        ForeignKey("teams.name", ondelete="CASCADE"),
        primary_key=True,
    )


class AgentToken(Base):
    """A login session: only the token's SHA-256 is stored, never the token."""

    __tablename__ = "agent_tokens"

    token_hash = Column(String(64), primary_key=True)
    agent_id = Column(
        String(32), ForeignKey("agents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)
    expires_at = Column(UtcDateTime, nullable=False)
    revoked_at = Column(UtcDateTime, nullable=True)


class Note(Base):
    """An internal note on a handoff; never sent to the customer."""

    __tablename__ = "notes"

    id = Column(String(32), primary_key=True, default=new_id)
    handoff_id = Column(
        String(32), ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    agent_id = Column(String(32), nullable=True)  # None: written with the service token
    author = Column(String(128), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)


class Decision(Base):
    """One decision of the assistant about handing over, for analytics."""

    __tablename__ = "decisions"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    decision = Column(enum_type(DecisionKind, "decision"), nullable=False)
    reason = Column(String(32), nullable=True)
    signals = Column(JSON, nullable=False, default=list)
    intent = Column(String(128), nullable=True)
    channel = Column(String(64), nullable=True)
    team = Column(String(TEAM_NAME_MAX_LENGTH), nullable=True)
    at = Column(UtcDateTime, nullable=False, default=utc_now)
    recorded_at = Column(UtcDateTime, nullable=False, default=utc_now)


class AuditEntry(Base):
    """Who did what at the desk, and when (login, claim, reply, admin changes, ...)."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(UtcDateTime, nullable=False, default=utc_now)
    actor_id = Column(String(32), nullable=True)  # None: the service token
    actor = Column(String(128), nullable=False)
    action = Column(String(32), nullable=False)
    handoff_id = Column(String(32), nullable=True)
    details = Column(JSON, nullable=False, default=dict)

    __table_args__ = (Index("ix_audit_log_handoff_id_at", "handoff_id", "at"),)
