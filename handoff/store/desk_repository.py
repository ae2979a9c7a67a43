"""Repositories of the desk's people and records: agents, teams, tokens, notes, decisions, audit.

Queries only, over the unit of work's session; committing is the unit of work's job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Dict, Iterable, List, Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from handoff.store.desk_models import (
    Agent,
    AgentTeam,
    AgentToken,
    AuditEntry,
    Decision,
    Note,
    Presence,
    Team,
)
from handoff.store.models import Handoff, HandoffStatus


class AgentRepository:
    """Agents and their team memberships."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, agent: Agent, teams: Iterable[str]) -> None:
        """Stage a new agent serving ``teams``."""
        self._session.add(agent)
        self._session.flush()
        self.set_teams(agent.id, teams)

    def get(self, agent_id: str) -> Optional[Agent]:
        """Return the agent with this id, or ``None``."""
        return self._session.get(Agent, agent_id)

    def by_username(self, username: str) -> Optional[Agent]:
        """Return the agent with this user name, or ``None``."""
        query = select(Agent).where(Agent.username == username)
        return self._session.execute(query).scalars().first()

    def list(self) -> List[Agent]:
        """Return every agent, by user name."""
        return list(self._session.execute(select(Agent).order_by(Agent.username)).scalars())

    def teams_of(self, agent_id: str) -> List[str]:
        """Return the names of the teams the agent serves, sorted."""
        query = (
            select(AgentTeam.team).where(AgentTeam.agent_id == agent_id).order_by(AgentTeam.team)
        )
        return list(self._session.execute(query).scalars())

    def set_teams(self, agent_id: str, teams: Iterable[str]) -> None:
        """Replace the agent's team memberships."""
        self._session.execute(delete(AgentTeam).where(AgentTeam.agent_id == agent_id))
        for team in sorted(set(teams)):
            self._session.add(AgentTeam(agent_id=agent_id, team=team))
        self._session.flush()

    def members(self, team: str) -> List[Agent]:
        """Return the active agents who serve ``team``."""
        query = (
            select(Agent)
            .join(AgentTeam, AgentTeam.agent_id == Agent.id)
            .where(AgentTeam.team == team, Agent.active.is_(True))
            .order_by(Agent.username)
        )
        return list(self._session.execute(query).scalars())

    def online_members(self, team: str, seen_since: datetime) -> List[Agent]:
        """Return the team's active agents who are online and were seen since ``seen_since``."""
        return [
            agent
            for agent in self.members(team)
            if agent.presence == Presence.ONLINE
            and agent.last_seen is not None
            and agent.last_seen >= seen_since
        ]

    def open_chats(self, agent_ids: Iterable[str]) -> Dict[str, int]:
        """Return how many live handoffs (status assigned) each agent has."""
        ids = list(agent_ids)
        if not ids:
            return {}
        query = (
            select(Handoff.assigned_agent_id, func.count())
            .where(Handoff.assigned_agent_id.in_(ids), Handoff.status == HandoffStatus.ASSIGNED)
            .group_by(Handoff.assigned_agent_id)
        )
        counts = {agent_id: 0 for agent_id in ids}
        counts.update({agent_id: int(n) for agent_id, n in self._session.execute(query)})
        return counts

    def touch(self, agent_id: str, moment: datetime) -> None:
        """Record that the agent was active at ``moment``."""
        self._session.execute(
            update(Agent)
            .where(Agent.id == agent_id)
            .values(last_seen=moment)
            .execution_options(synchronize_session=False)
        )


class TeamRepository:
    """The desk's teams."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, team: Team) -> None:
        """Stage a new team."""
        self._session.add(team)

    def get(self, name: str) -> Optional[Team]:
        """Return the team called ``name``, or ``None``."""
        return self._session.get(Team, name)

    def list(self) -> List[Team]:
        """Return every team, by name."""
        return list(self._session.execute(select(Team).order_by(Team.name)).scalars())

    def names(self) -> List[str]:
        """Return every team's name, sorted."""
        return list(self._session.execute(select(Team.name).order_by(Team.name)).scalars())


class TokenRepository:
    """Login tokens, looked up by their hash."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, token: AgentToken) -> None:
        """Stage a new token."""
        self._session.add(token)

    def valid(self, token_hash: str, now: datetime) -> Optional[AgentToken]:
        """Return the unrevoked, unexpired token with this hash, or ``None``."""
        query = select(AgentToken).where(
            AgentToken.token_hash == token_hash,
            AgentToken.revoked_at.is_(None),
            AgentToken.expires_at > now,
        )
        return self._session.execute(query).scalars().first()

    def revoke(self, token_hash: str, now: datetime) -> bool:
        """Revoke the token; False if it was not valid."""
        result = self._session.execute(
            update(AgentToken)
            .where(AgentToken.token_hash == token_hash, AgentToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def revoke_all(self, agent_id: str, now: datetime, keep: Optional[str] = None) -> int:
        """Revoke the agent's unrevoked tokens but the one hashed ``keep``; return how many."""
        query = update(AgentToken).where(
            AgentToken.agent_id == agent_id, AgentToken.revoked_at.is_(None)
        )
        if keep is not None:
            query = query.where(AgentToken.token_hash != keep)
        result = self._session.execute(
            query.values(revoked_at=now).execution_options(synchronize_session=False)
        )
        return result.rowcount


class NoteRepository:
    """Internal notes on handoffs."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, note: Note) -> None:
        """Stage a new note."""
        self._session.add(note)

    def for_handoff(self, handoff_id: str) -> List[Note]:
        """Return the handoff's notes, oldest first."""
        query = select(Note).where(Note.handoff_id == handoff_id).order_by(Note.created_at, Note.id)
        return list(self._session.execute(query).scalars())


class DecisionRepository:
    """The assistant's handoff decisions, for analytics."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, decision: Decision) -> None:
        """Stage a decision."""
        self._session.add(decision)

    def for_conversation(self, conversation_id: str) -> List[Decision]:
        """Return the conversation's decisions, oldest first."""
        query = (
            select(Decision)
            .where(Decision.conversation_id == conversation_id)
            .order_by(Decision.at, Decision.id)
        )
        return list(self._session.execute(query).scalars())


class AuditLog:
    """The append-only record of what people did at the desk."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, entry: AuditEntry) -> None:
        """Stage an entry (written with the change it describes)."""
        self._session.add(entry)

    def entries(
        self, handoff_id: Optional[str] = None, action: Optional[str] = None
    ) -> List[AuditEntry]:
        """Return entries, oldest first, optionally of one handoff and/or one action."""
        query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
        if handoff_id is not None:
            query = query.where(AuditEntry.handoff_id == handoff_id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(self._session.execute(query).scalars())
