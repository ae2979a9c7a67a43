"""Agents and teams for desk tests, stored directly (a cheap hash: logins are tested apart)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from handoff.desk.accounts import Principal
from handoff.desk.passwords import hash_password
from handoff.store import Agent, AgentRole, Presence, Team

_HASH = hash_password("correct horse battery")  # computed once per run


def add_team(uow, name: str) -> None:
    uow.teams.add(Team(name=name, display_name=name.title(), languages=["en"]))
    uow.commit()


def add_agent(
    uow,
    username: str,
    teams: Iterable[str],
    role: AgentRole = AgentRole.AGENT,
    online: bool = True,
    max_chats: int = 3,
    now: datetime | None = None,
) -> Principal:
    agent = Agent(
        username=username,
        display_name=username.title(),
        password_hash=_HASH,
        role=role,
        languages=["en"],
        skills=[],
        max_chats=max_chats,
        presence=Presence.ONLINE if online else Presence.OFFLINE,
        last_seen=now or datetime.now(timezone.utc),
        active=True,
    )
    uow.agents.add(agent, list(teams))
    uow.commit()
    return Principal(
        id=agent.id, name=agent.display_name, role=role.value, teams=tuple(sorted(teams))
    )


def open_billing_handoff(uow, conversation_id: str, ticket: bool = False) -> str:
    """A customer's refund request queued for the billing team; returns the handoff id."""
    from handoff.desk import service as desk_service

    return desk_service.open_handoff(
        uow,
        conversation_id=conversation_id,
        reason="explicit_request",
        context={"summary": "wants a refund"},
        channel="telegram",
        team="billing",
        ticket=ticket,
    ).handoff_id
