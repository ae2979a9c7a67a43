"""One rule for team names: handoff.yml (routing.teams) and the desk (POST /api/teams) agree."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from handoff.desk.admin import NewTeam
from handoff.desk.bodies import parse_body
from handoff.desk.errors import InvalidField
from handoff.names import TEAM_NAME_MAX_LENGTH, TeamName
from handoff.routing.teams import DEFAULT_TEAMS, RoutingSettings, TeamSettings

NAMES = [
    ("billing", True),
    ("tier-2", True),
    ("1st_line", True),
    ("vip_de", True),
    ("b2b", True),
    ("x", True),
    ("7", True),
    ("a" * TEAM_NAME_MAX_LENGTH, True),
    ("a" * (TEAM_NAME_MAX_LENGTH + 1), False),
    ("", False),
    ("Billing", False),
    ("_billing", False),
    ("-billing", False),
    ("billing team", False),
    ("support.de", False),
    ("kundendienst-ü", False),
    ("billing/de", False),
]


def _routing_accepts(name: str) -> bool:
    teams = {team: TeamSettings() for team in DEFAULT_TEAMS}
    try:
        RoutingSettings(teams={**teams, name: TeamSettings()})
    except ValidationError as error:
        assert [e["loc"] for e in error.errors()] == [("teams",)]
        return False
    return True


def _desk_accepts(name: str) -> bool:
    try:
        parse_body(NewTeam, {"name": name})
    except InvalidField as error:
        assert error.field == "name"
        return False
    return True


@pytest.mark.parametrize("name,valid", NAMES)
def test_handoff_yml_and_desk_accept_the_same_team_names(name: str, valid: bool) -> None:
    assert _routing_accepts(name) is valid
    assert _desk_accepts(name) is valid
    assert TeamName.is_valid(name) is valid


def test_the_desk_names_the_rule_when_it_refuses() -> None:
    with pytest.raises(InvalidField, match="1-64 lowercase letters, digits, '_' or '-'"):
        parse_body(NewTeam, {"name": "Billing"})


def test_the_openapi_schema_of_a_team_name_is_the_rule() -> None:
    schema = NewTeam.schema()["properties"]["name"]
    assert schema["pattern"] == TeamName.pattern
    assert schema["maxLength"] == TEAM_NAME_MAX_LENGTH
