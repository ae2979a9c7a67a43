"""Managing the desk: creating and changing agents and teams (API, CLI and ``make run``).

Request bodies are validated by the pydantic models here, so the API and the CLI refuse the
same things with the same field names. Supervisors manage agents of role ``agent``; only
admins and the service token create or promote supervisors and admins.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from pydantic import Field

from handoff.desk import accounts
from handoff.desk.accounts import Principal
from handoff.desk.bodies import StrictBody
from handoff.desk.errors import Conflict, NotAllowed, NotFound
from handoff.desk.passwords import MIN_PASSWORD_LENGTH
from handoff.names import PatternName, TeamName
from handoff.store.desk_models import Agent, AgentRole, Presence, Team
from handoff.store.models import utc_now
from handoff.store.unit_of_work import SqlUnitOfWork


class Username(PatternName):
    """An agent's login name (``agents.username`` is VARCHAR(64))."""

    pattern = r"^[a-z0-9][a-z0-9._-]{1,63}$"
    rule = "2-64 lowercase letters, digits, '.', '_' or '-'"
    min_length = 2
    max_length = 64


class NewAgent(StrictBody):
    """``POST /api/agents``."""

    username: Username
    display_name: str = Field(..., min_length=1, max_length=128)
    password: str = Field(..., minLength=MIN_PASSWORD_LENGTH)  # checked by accounts.hashed
    role: AgentRole = AgentRole.AGENT
    teams: List[str] = Field(default_factory=list)
    languages: List[str] = Field(default_factory=lambda: ["en"])
    skills: List[str] = Field(default_factory=list)
    max_chats: int = Field(default=3, ge=1, le=accounts.MAX_CHATS_LIMIT)


class AgentChanges(StrictBody):
    """``PATCH /api/agents/<id>``: only the fields given change."""

    display_name: Optional[str] = Field(default=None, min_length=1, max_length=128)
    password: Optional[str] = Field(default=None, minLength=MIN_PASSWORD_LENGTH)
    role: Optional[AgentRole] = None
    teams: Optional[List[str]] = None
    languages: Optional[List[str]] = None
    skills: Optional[List[str]] = None
    max_chats: Optional[int] = Field(default=None, ge=1, le=accounts.MAX_CHATS_LIMIT)
    active: Optional[bool] = None
    presence: Optional[Presence] = None


class NewTeam(StrictBody):
    """``POST /api/teams``."""

    name: TeamName
    display_name: Optional[str] = Field(default=None, max_length=128)
    languages: List[str] = Field(default_factory=lambda: ["en"])


def _may_grant(actor: Principal, role: AgentRole) -> None:
    if not actor.manages_agents:
        raise NotAllowed("only supervisors and admins manage agents")
    if role is not AgentRole.AGENT and not actor.is_admin:
        raise NotAllowed(f"only admins may grant the role {role.value}")


def create_agent(uow: SqlUnitOfWork, actor: Principal, new: NewAgent) -> Dict[str, Any]:
    """Create an agent; return its view."""
    _may_grant(actor, new.role)
    accounts.require_unique_username(uow, new.username)
    teams = accounts.require_team_names(uow, new.teams, "teams")
    agent = Agent(
        username=new.username,
        display_name=new.display_name,
        password_hash=accounts.hashed(new.password),
        role=new.role,
        languages=new.languages,
        skills=new.skills,
        max_chats=new.max_chats,
        presence=Presence.OFFLINE,
        active=True,
        created_at=utc_now(),
    )
    uow.agents.add(agent, teams)
    accounts.audit(uow, actor, "agent.create", agent_id=agent.id, username=new.username)
    uow.commit()
    return accounts.agent_view(agent, teams)


def update_agent(
    uow: SqlUnitOfWork,
    actor: Principal,
    agent_id: str,
    changes: AgentChanges,
    caller_token: Optional[str] = None,
) -> Dict[str, Any]:
    """Apply ``changes`` to an agent; return its view.

    A new password revokes every session of the agent except ``caller_token`` (the session
    making the change, when agents change their own password).
    """
    agent = uow.agents.get(agent_id)
    if agent is None:
        raise NotFound(f"no agent {agent_id}")
    _may_grant(actor, AgentRole(agent.role))  # supervisors may not touch admins
    if changes.role is not None:
        _may_grant(actor, changes.role)
    # A key sent as null leaves that field as it is, like a key not sent.
    given = {
        name: value for name, value in changes.dict(exclude_unset=True).items() if value is not None
    }
    if "teams" in given:
        uow.agents.set_teams(agent.id, accounts.require_team_names(uow, given["teams"], "teams"))
    if "password" in given:
        agent.password_hash = accounts.hashed(given["password"])
        accounts.revoke_other_tokens(uow, agent.id, keep=caller_token)
    for name in ("display_name", "role", "languages", "skills", "max_chats", "active", "presence"):
        if name in given:
            setattr(agent, name, given[name])
    logged = sorted(name for name in given if name != "password")
    accounts.audit(
        uow,
        actor,
        "agent.update",
        agent_id=agent.id,
        fields=logged + ["password"] * ("password" in given),
    )
    uow.commit()
    return accounts.agent_view(agent, uow.agents.teams_of(agent.id))


def list_agents(uow: SqlUnitOfWork, actor: Principal) -> List[Dict[str, Any]]:
    """Return every agent's view (supervisors and admins only)."""
    if not actor.manages_agents:
        raise NotAllowed("only supervisors and admins list agents")
    return [accounts.agent_view(a, uow.agents.teams_of(a.id)) for a in uow.agents.list()]


def create_team(uow: SqlUnitOfWork, actor: Principal, new: NewTeam) -> Dict[str, Any]:
    """Create a team; return its view."""
    if not actor.manages_agents:
        raise NotAllowed("only supervisors and admins create teams")
    if uow.teams.get(new.name) is not None:
        raise Conflict(f"team {new.name!r} already exists")
    team = Team(
        name=new.name,
        display_name=new.display_name or new.name.title(),
        languages=new.languages,
        created_at=utc_now(),
    )
    uow.teams.add(team)
    accounts.audit(uow, actor, "team.create", team=new.name)
    uow.commit()
    return team_view(team)


def team_view(team: Team) -> Dict[str, Any]:
    """Return a team as the API shows it."""
    return {
        "name": team.name,
        "display_name": team.display_name,
        "languages": list(team.languages or []),
    }
