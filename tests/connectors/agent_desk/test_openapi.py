"""The desk's OpenAPI document: valid, generated from the models, and true to the views."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

import pytest
from openapi_spec_validator import validate_spec
from rasa.shared.core.events import BotUttered, UserUttered

from connectors.agent_desk import schemas
from connectors.agent_desk.openapi import BODIES, component_schemas, openapi_document
from connectors.agent_desk.views import handoff_view, transcript_view
from handoff.context import ContextPackage
from handoff.desk.accounts import agent_view
from handoff.desk.admin import team_view
from handoff.desk.records import note_view
from handoff.names import TeamName
from handoff.store.desk_models import Agent, AgentRole, Note, Presence, Team
from handoff.store.models import Handoff, HandoffStatus

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_document_is_valid_openapi_3_and_every_reference_resolves() -> None:
    document = openapi_document()
    validate_spec(document)
    components = document["components"]
    for ref in set(_refs(document)):
        section, name = ref.removeprefix("#/components/").split("/")
        assert name in components[section], ref


def test_every_request_body_model_is_a_component_the_paths_use() -> None:
    document = openapi_document()
    used = set(_refs(document["paths"]))
    for model in BODIES:
        assert f"#/components/schemas/{model.__name__}" in used, model.__name__


def test_lists_of_values_come_from_the_enums() -> None:
    components = openapi_document()["components"]["schemas"]
    assert components["HandoffStatus"]["enum"] == [status.value for status in HandoffStatus]
    assert components["AgentRole"]["enum"] == [role.value for role in AgentRole]
    assert components["Presence"]["enum"] == [presence.value for presence in Presence]
    assert components["NewTeam"]["properties"]["name"]["pattern"] == TeamName.pattern
    parameter = openapi_document()["paths"]["/api/handoffs"]["get"]["parameters"][0]
    assert all(status.value in parameter["description"] for status in HandoffStatus)


def test_two_models_of_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match="several models named Turn"):
        component_schemas([schemas.Turn, ContextPackage])  # the package has its own Turn


def test_the_document_is_the_same_every_time() -> None:
    assert openapi_document() == openapi_document()  # pydantic's cached schemas stay untouched


def test_the_views_fit_their_schemas() -> None:
    handoff = Handoff(
        id="h1",
        conversation_id="c1",
        status=HandoffStatus.QUEUED,
        reason="explicit_request",
        team=None,
        priority=0,
        channel="telegram",
        context={},
        created_at=NOW,
        updated_at=NOW,
    )
    agent = Agent(
        id="a1",
        username="anna",
        display_name="Anna",
        role=AgentRole.AGENT,
        languages=["en"],
        skills=[],
        max_chats=3,
        presence=Presence.ONLINE,
        last_seen=None,
        active=True,
    )
    note = Note(id="n1", handoff_id="h1", agent_id=None, author="Anna", text="x", created_at=NOW)
    team = Team(name="billing", display_name="Billing", languages=["en"])
    turns = transcript_view(
        [
            UserUttered("hi", parse_data={"intent": {"name": "greet"}}),
            BotUttered("Anna joined.", metadata={"handoff_agent": {"id": "a1", "name": "Anna"}}),
        ]
    )

    schemas.Handoff.parse_obj(handoff_view(handoff, queue_position=1))
    schemas.Agent.parse_obj(agent_view(agent, ["billing"]))
    schemas.Note.parse_obj(note_view(note))
    schemas.Team.parse_obj(team_view(team))
    for turn in turns:
        schemas.Turn.parse_obj(turn)
