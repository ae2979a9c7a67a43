"""Names people choose for things of the desk: one rule per kind of name, checked everywhere.

A team is named in ``handoff.yml`` (``routing.teams``), created through the desk API or CLI
(``POST /api/teams``) and stored in ``teams.name`` and ``handoffs.team``: :class:`TeamName` is
the one rule all of them follow, so a team the desk accepts can always be routed to and the
other way round.
"""

from __future__ import annotations

import re
from typing import Any, Callable, ClassVar, Dict, Iterator

from pydantic.validators import str_validator

TEAM_NAME_MAX_LENGTH = 64  # teams.name and handoffs.team are VARCHAR(64)


class PatternName(str):
    """A ``str`` type for pydantic models that must match ``pattern``.

    Subclasses set ``pattern`` (a regular expression anchored with ``^…$``, valid in Python
    and in JSON Schema) and ``rule`` (the error message, in words). The pattern and the
    length limits also go into the model's JSON schema, so the OpenAPI document states the
    same rule the model checks.
    """

    pattern: ClassVar[str]
    rule: ClassVar[str]
    min_length: ClassVar[int]
    max_length: ClassVar[int]

    @classmethod
    def is_valid(cls, value: str) -> bool:
        """Whether ``value`` follows the rule."""
        return re.match(cls.pattern, value) is not None

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[..., Any]]:
        yield str_validator
        yield cls._validate

    @classmethod
    def _validate(cls, value: str) -> str:
        if not cls.is_valid(value):
            raise ValueError(cls.rule)
        return value

    @classmethod
    def __modify_schema__(cls, field_schema: Dict[str, Any]) -> None:
        field_schema.update(pattern=cls.pattern, minLength=cls.min_length, maxLength=cls.max_length)


class TeamName(PatternName):
    """A team's name, e.g. ``billing``, ``tier-2``, ``1st_line``.

    1-64 lowercase letters, digits, ``_`` or ``-``, starting with a letter or digit.
    """

    pattern = rf"^[a-z0-9][a-z0-9_-]{{0,{TEAM_NAME_MAX_LENGTH - 1}}}$"
    rule = f"1-{TEAM_NAME_MAX_LENGTH} lowercase letters, digits, '_' or '-'"
    min_length = 1
    max_length = TEAM_NAME_MAX_LENGTH
