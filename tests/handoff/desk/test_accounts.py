"""Logging in, tokens and agent administration, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from handoff.desk import accounts as agents
from handoff.desk import admin as desk_admin
from handoff.desk.accounts import SERVICE
from handoff.desk.bodies import parse_body
from handoff.desk.errors import InvalidCredentials, InvalidField, NotAllowed
from handoff.store import AgentRole, AgentToken, Presence
from tests.handoff.desk_people import add_agent, add_team

PASSWORD = "correct horse battery"


@pytest.fixture
def desk(unit_of_work):
    with unit_of_work() as uow:
        add_team(uow, "billing")
        desk_admin.create_agent(
            uow,
            SERVICE,
            desk_admin.NewAgent(
                username="anna", display_name="Anna", password=PASSWORD, teams=["billing"]
            ),
        )
    return unit_of_work


def test_login_sets_online_and_stores_only_the_token_hash(desk) -> None:
    with desk() as uow:
        token, agent, teams = agents.login(uow, "anna", PASSWORD)
    assert (agent.presence, teams) == (Presence.ONLINE, ["billing"])
    with desk() as uow:
        stored = uow._session.execute(select(AgentToken)).scalars().all()
        assert len(stored) == 1
        assert stored[0].token_hash == agents.token_hash(token) != token
        assert token not in str(stored[0].token_hash)
        assert stored[0].expires_at - stored[0].created_at == timedelta(hours=12)
        assert not uow.agents.by_username("anna").password_hash.count(PASSWORD)
        principal = agents.authenticate(uow, token)
        assert (principal.name, principal.role, principal.teams) == ("Anna", "agent", ("billing",))
        assert [e.action for e in uow.audit.entries()] == ["agent.create", "login"]


@pytest.mark.parametrize("username, password", [("anna", "wrong password"), ("nobody", PASSWORD)])
def test_bad_credentials_get_the_same_answer(desk, username, password) -> None:
    with pytest.raises(InvalidCredentials, match="^unknown username or wrong password$"):
        with desk() as uow:
            agents.login(uow, username, password)


def test_logout_and_expiry_end_the_session(desk) -> None:
    with desk() as uow:
        token, _, _ = agents.login(uow, "anna", PASSWORD)
        later, _, _ = agents.login(uow, "anna", PASSWORD)
    with desk() as uow:
        agents.logout(uow, token)
    with pytest.raises(InvalidCredentials), desk() as uow:
        agents.authenticate(uow, token)
    tomorrow = datetime.now(timezone.utc) + timedelta(hours=13)
    with pytest.raises(InvalidCredentials), desk() as uow:
        agents.authenticate(uow, later, now=tomorrow)


def test_supervisors_manage_agents_but_not_admins(desk) -> None:
    with desk() as uow:
        boss = add_agent(uow, "sue", ["billing"], role=AgentRole.SUPERVISOR)
        plain = add_agent(uow, "bob", ["billing"])
    new_admin = desk_admin.NewAgent(
        username="eve", display_name="Eve", password=PASSWORD, role="admin"
    )
    with pytest.raises(NotAllowed, match="only admins"), desk() as uow:
        desk_admin.create_agent(uow, boss, new_admin)
    with pytest.raises(NotAllowed, match="only supervisors and admins"), desk() as uow:
        desk_admin.list_agents(uow, plain)
    with pytest.raises(InvalidField, match="teams: unknown team"), desk() as uow:
        desk_admin.create_agent(
            uow,
            boss,
            desk_admin.NewAgent(username="tim", display_name="T", password=PASSWORD, teams=["x"]),
        )
    with pytest.raises(InvalidField, match="^password: at least 10"), desk() as uow:
        desk_admin.create_agent(
            uow, boss, desk_admin.NewAgent(username="tim", display_name="T", password="short")
        )
    with desk() as uow:
        view = desk_admin.update_agent(
            uow, boss, plain.id, desk_admin.AgentChanges(max_chats=5, teams=[])
        )
        assert (view["max_chats"], view["teams"]) == (5, [])
        assert uow.audit.entries(action="agent.update")[0].details == {
            "agent_id": plain.id,
            "fields": ["max_chats", "teams"],
        }


def test_body_problems_name_the_field() -> None:
    with pytest.raises(InvalidField, match="^role: value is not a valid enumeration"):
        parse_body(
            desk_admin.NewAgent,
            {"username": "x1", "display_name": "X", "password": PASSWORD, "role": "boss"},
        )
    with pytest.raises(InvalidField, match="^username: field required"):
        parse_body(desk_admin.NewAgent, {"display_name": "X", "password": PASSWORD})


def test_a_new_password_revokes_every_other_session_of_the_agent(desk) -> None:
    with desk() as uow:
        stolen, anna, _ = agents.login(uow, "anna", PASSWORD)
        own, _, _ = agents.login(uow, "anna", PASSWORD)
        owner = agents.authenticate(uow, own)
    change = desk_admin.AgentChanges(password="a brand new password")
    as_admin = dataclasses.replace(owner, role="admin")  # admins may change their own password
    with desk() as uow:
        desk_admin.update_agent(uow, as_admin, anna.id, change, caller_token=own)
    with desk() as uow:
        assert agents.authenticate(uow, own).id == anna.id  # the session that changed it stays
        with pytest.raises(InvalidCredentials):
            agents.authenticate(uow, stolen)
    with desk() as uow:
        desk_admin.update_agent(uow, SERVICE, anna.id, change)  # by someone else: all go
    with desk() as uow, pytest.raises(InvalidCredentials):
        agents.authenticate(uow, own)


def test_the_action_token_cannot_manage_agents(desk) -> None:
    new = desk_admin.NewAgent(username="mallory", display_name="M", password=PASSWORD)
    with desk() as uow, pytest.raises(NotAllowed):
        desk_admin.create_agent(uow, agents.ACTION, new)
    with desk() as uow, pytest.raises(NotAllowed):
        desk_admin.list_agents(uow, agents.ACTION)
