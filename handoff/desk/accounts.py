"""The desk's people: who is calling (``Principal``), logging in and out, teams, agent admin.

Every function works inside a caller's ``SqlUnitOfWork`` and commits its own change together
with its audit-log row. Roles:

- ``agent`` sees and works the handoffs of their own teams (and handoffs with no team);
- ``supervisor`` sees every team and manages agents (but cannot create or promote admins or
  supervisors);
- ``admin`` and the desk's service token (role ``service``) may do everything;
- the action server's token (role ``action``) opens, reads and updates handoffs and reports
  decisions, but never sees or changes agents and teams: the action server is the part most
  exposed to customers' input, so its token must not be able to create an admin.

Tokens are 256-bit random strings; the store keeps only their SHA-256 (a fast hash is enough
for random tokens, unlike passwords, which get Argon2id), with an expiry.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional, Tuple

from handoff.desk.errors import Conflict, InvalidCredentials, InvalidField, NotAllowed, NotFound
from handoff.desk.passwords import (
    MIN_PASSWORD_LENGTH,
    Verifier,
    hash_password,
    spend_verification_time,
    verify_password,
)
from handoff.store.desk_models import Agent, AgentRole, AgentToken, AuditEntry, Presence, Team
from handoff.store.models import utc_now
from handoff.store.unit_of_work import SqlUnitOfWork

TOKEN_LIFETIME = timedelta(hours=12)
SEEN_RESOLUTION = timedelta(seconds=60)  # last_seen is written at most once a minute
SERVICE_ROLE = "service"
ACTION_ROLE = "action"
MAX_CHATS_LIMIT = 50


@dataclass(frozen=True)
class Principal:
    """Who makes a desk call: an agent (by token) or the service token (``id`` None)."""

    id: Optional[str]
    name: str
    role: str
    teams: Tuple[str, ...] = field(default_factory=tuple)

    @property
    def sees_all_teams(self) -> bool:
        """Supervisors, admins and the service token see and work every team."""
        return self.role != AgentRole.AGENT.value

    @property
    def manages_agents(self) -> bool:
        """Whether the caller may list, create and change agents and teams."""
        return self.role not in (AgentRole.AGENT.value, ACTION_ROLE)

    @property
    def is_admin(self) -> bool:
        """Admins and the service token may grant any role."""
        return self.role in (AgentRole.ADMIN.value, SERVICE_ROLE)

    def serves(self, team: Optional[str]) -> bool:
        """Whether the caller may see and work a handoff of ``team`` (None: everybody's)."""
        return self.sees_all_teams or team is None or team in self.teams

    def visible_teams(self) -> Optional[Tuple[str, ...]]:
        """Return the teams whose handoffs the caller sees; None means all."""
        return None if self.sees_all_teams else self.teams


SERVICE = Principal(id=None, name="service", role=SERVICE_ROLE)
"""The desk's service token (credentials ``api_token``): operators' scripts and tools."""

ACTION = Principal(id=None, name="action server", role=ACTION_ROLE)
"""The action server's token (credentials ``action_token``): handoffs and decisions only."""


def token_hash(token: str) -> str:
    """Return what the store keeps of a login token."""
    return hashlib.sha256(token.encode()).hexdigest()


def audit(
    uow: SqlUnitOfWork,
    actor: Principal,
    action: str,
    handoff_id: Optional[str] = None,
    now: Optional[datetime] = None,
    **details: Any,
) -> None:
    """Stage an audit-log row; it is written with the caller's next commit."""
    uow.audit.add(
        AuditEntry(
            at=now or utc_now(),
            actor_id=actor.id,
            actor=actor.name,
            action=action,
            handoff_id=handoff_id,
            details=details,
        )
    )


def agent_view(agent: Agent, teams: Iterable[str]) -> Dict[str, Any]:
    """Return an agent as the API shows it (never the password hash)."""
    return {
        "id": agent.id,
        "username": agent.username,
        "display_name": agent.display_name,
        "role": AgentRole(agent.role).value,
        "teams": sorted(teams),
        "languages": list(agent.languages or []),
        "skills": list(agent.skills or []),
        "max_chats": agent.max_chats,
        "presence": Presence(agent.presence).value,
        "last_seen": agent.last_seen.isoformat() if agent.last_seen else None,
        "active": agent.active,
    }


def login(
    uow: SqlUnitOfWork,
    username: str,
    password: str,
    now: Optional[datetime] = None,
    verify: Verifier = verify_password,
) -> Tuple[str, Agent, List[str]]:
    """Check the password, open a 12-hour session and set the agent online.

    Returns the token (shown once, stored only hashed), the agent and their teams. Unknown
    users and wrong passwords fail alike, in about the same time. ``verify`` checks the
    password against the stored hash (the desk runs it in a process of its own).
    """
    moment = now or utc_now()
    agent = uow.agents.by_username(username)
    if agent is None or not agent.active:
        spend_verification_time(password, verify)
        raise InvalidCredentials("unknown username or wrong password")
    if not verify(agent.password_hash, password):
        raise InvalidCredentials("unknown username or wrong password")
    token = secrets.token_urlsafe(32)
    uow.tokens.add(
        AgentToken(
            token_hash=token_hash(token),
            agent_id=agent.id,
            created_at=moment,
            expires_at=moment + TOKEN_LIFETIME,
        )
    )
    agent.presence = Presence.ONLINE
    agent.last_seen = moment
    teams = uow.agents.teams_of(agent.id)
    audit(uow, _principal(agent, teams), "login", now=moment)
    uow.commit()
    return token, agent, teams


def logout(uow: SqlUnitOfWork, token: str, now: Optional[datetime] = None) -> None:
    """Revoke the session's token and set the agent offline."""
    moment = now or utc_now()
    stored = uow.tokens.valid(token_hash(token), moment)
    if stored is None:
        raise InvalidCredentials("invalid or expired token")
    uow.tokens.revoke(stored.token_hash, moment)
    agent = uow.agents.get(stored.agent_id)
    if agent is not None:
        agent.presence = Presence.OFFLINE
        audit(uow, _principal(agent, uow.agents.teams_of(agent.id)), "logout", now=moment)
    uow.commit()


def revoke_other_tokens(
    uow: SqlUnitOfWork, agent_id: str, keep: Optional[str] = None, now: Optional[datetime] = None
) -> int:
    """Revoke every session of the agent except the one whose token is ``keep``.

    Called when the password changes: whoever logged in with the old password (perhaps a
    thief) is logged out everywhere. Staged with the caller's commit; returns how many.
    """
    return uow.tokens.revoke_all(
        agent_id, now or utc_now(), keep=token_hash(keep) if keep else None
    )


def authenticate(uow: SqlUnitOfWork, token: str, now: Optional[datetime] = None) -> Principal:
    """Return the agent behind a login token, recording that they were seen.

    Raises:
        InvalidCredentials: unknown, revoked or expired token, or a deactivated agent.
    """
    moment = now or utc_now()
    stored = uow.tokens.valid(token_hash(token), moment)
    agent = uow.agents.get(stored.agent_id) if stored is not None else None
    if agent is None or not agent.active:
        raise InvalidCredentials("invalid or expired token")
    if agent.last_seen is None or moment - agent.last_seen >= SEEN_RESOLUTION:
        uow.agents.touch(agent.id, moment)
        uow.commit()
    return _principal(agent, uow.agents.teams_of(agent.id))


def set_presence(
    uow: SqlUnitOfWork, principal: Principal, status: str, now: Optional[datetime] = None
) -> Agent:
    """Set the calling agent's presence (online, away, offline)."""
    try:
        presence = Presence(status)
    except ValueError:
        raise InvalidField("status", "use online, away or offline") from None
    agent = _own_agent(uow, principal)
    moment = now or utc_now()
    agent.presence = presence
    agent.last_seen = moment
    audit(uow, principal, "presence", now=moment, status=presence.value)
    uow.commit()
    return agent


def me(uow: SqlUnitOfWork, principal: Principal) -> Dict[str, Any]:
    """Return the caller as the API shows it (the service token has no agent row)."""
    if principal.id is None:
        return {"id": None, "username": "service", "display_name": "service", "role": "service"}
    agent = _own_agent(uow, principal)
    return agent_view(agent, uow.agents.teams_of(agent.id))


def _own_agent(uow: SqlUnitOfWork, principal: Principal) -> Agent:
    if principal.id is None:
        raise NotAllowed("the service token has no presence or profile; log in as an agent")
    agent = uow.agents.get(principal.id)
    if agent is None:
        raise NotFound(f"no agent {principal.id}")
    return agent


def _principal(agent: Agent, teams: Iterable[str]) -> Principal:
    return Principal(
        id=agent.id,
        name=agent.display_name,
        role=AgentRole(agent.role).value,
        teams=tuple(sorted(teams)),
    )


def check_password(password: Any, field_name: str = "password") -> str:
    """Return ``password`` if it is long enough to store."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidField(field_name, f"at least {MIN_PASSWORD_LENGTH} characters")
    return password


def ensure_teams(uow: SqlUnitOfWork, teams: Dict[str, List[str]]) -> List[str]:
    """Create the teams that do not exist yet (name → languages); return the new names.

    The desk seeds its teams from handoff.yml's ``routing.teams`` at start-up, so handoffs
    routed there always have a team agents can join.
    """
    known = set(uow.teams.names())
    created = [name for name in teams if name not in known]
    for name in created:
        uow.teams.add(Team(name=name, display_name=name.title(), languages=list(teams[name])))
    if created:
        uow.commit()
    return created


def hashed(password: str) -> str:
    """Return the stored form of a new password (see :mod:`handoff.desk.passwords`)."""
    return hash_password(check_password(password))


def require_team_names(uow: SqlUnitOfWork, teams: Iterable[str], field_name: str) -> List[str]:
    """Return ``teams`` if every one exists, else name the unknown ones."""
    names = list(teams)
    unknown = sorted(set(names) - set(uow.teams.names()))
    if unknown:
        raise InvalidField(field_name, f"unknown team(s): {', '.join(unknown)}")
    return names


def require_unique_username(uow: SqlUnitOfWork, username: str) -> None:
    """Refuse a user name that is taken."""
    if uow.agents.by_username(username) is not None:
        raise Conflict(f"username {username!r} is already taken")


def touch_seen(uow: SqlUnitOfWork, agent_id: str, now: Optional[datetime] = None) -> None:
    """Record that the agent is still there (their inbox's event stream is open)."""
    uow.agents.touch(agent_id, now or utc_now())
    uow.commit()
