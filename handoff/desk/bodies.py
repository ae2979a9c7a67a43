"""Request bodies of the desk API, as pydantic models, and the one way to read them.

Each model is the single source of its body's rule: :func:`parse_body` checks a request with
it, and the OpenAPI document's component schema is generated from it
(``connectors.agent_desk.openapi``). The bodies here keep the API's historic answers: the
first invalid field in declaration order, as ``<field>: <problem>`` with the problem in the
desk's words, and unknown keys ignored (the bodies managing the desk, in
:mod:`handoff.desk.admin`, refuse unknown keys).
"""

from __future__ import annotations

from typing import Any, Optional, Type, TypeVar

from pydantic import BaseModel, Extra, Field, ValidationError, validator

from handoff.desk.errors import InvalidField
from handoff.reasons import NOTE_MAX_LENGTH, HandbackOutcome
from handoff.store.desk_models import Presence

MAX_TEXT_LENGTH = 4000
REQUIRED_STRING = "required, a non-empty string"
PRESENCE_RULE = "use online, away or offline"

Model = TypeVar("Model", bound=BaseModel)


def parse_body(model: Type[Model], body: Any) -> Model:
    """Validate a JSON body against ``model``; raise ``InvalidField`` naming the field."""
    if not isinstance(body, dict):
        raise InvalidField("body", "must be a JSON object")
    try:
        return model.parse_obj(body)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidField(name, first["msg"]) from None


class StrictBody(BaseModel):
    """A body that refuses keys it does not know (a typo is an error, not ignored)."""

    class Config:  # noqa: D106 - pydantic configuration
        extra = Extra.forbid


class Credentials(BaseModel):
    """``POST /api/login``."""

    username: str = Field(..., min_length=1)
    password: str = Field(..., min_length=1)

    class Config:  # noqa: D106 - pydantic configuration
        error_msg_templates = {"value_error.missing": REQUIRED_STRING}

    @validator("username", "password", pre=True)
    def _non_empty(cls, value: Any) -> str:  # noqa: N805 - pydantic validator
        if not isinstance(value, str) or not value:
            raise ValueError(REQUIRED_STRING)
        return value


class PresenceChange(BaseModel):
    """``POST /api/me/presence``."""

    status: Presence

    class Config:  # noqa: D106 - pydantic configuration
        error_msg_templates = {"value_error.missing": PRESENCE_RULE}

    @validator("status", pre=True)
    def _known(cls, value: Any) -> Presence:  # noqa: N805 - pydantic validator
        try:
            return Presence(value)
        except (ValueError, TypeError):
            raise ValueError(PRESENCE_RULE) from None


class MessageText(BaseModel):
    """``POST /api/handoffs/<id>/messages`` and ``…/notes``: the text, stripped."""

    text: str = Field(..., min_length=1, max_length=MAX_TEXT_LENGTH)

    class Config:  # noqa: D106 - pydantic configuration
        error_msg_templates = {"value_error.missing": REQUIRED_STRING}

    @validator("text", pre=True)
    def _text(cls, value: Any) -> str:  # noqa: N805 - pydantic validator
        if not isinstance(value, str) or not value.strip():
            raise ValueError(REQUIRED_STRING)
        if len(value) > MAX_TEXT_LENGTH:
            raise ValueError(f"at most {MAX_TEXT_LENGTH} characters")
        return value.strip()


class TransferTarget(BaseModel):
    """``POST /api/handoffs/<id>/transfer``: another team's queue, or an agent."""

    team: Optional[str] = Field(default=None, min_length=1)
    agent_id: Optional[str] = Field(default=None, min_length=1)

    @validator("team", "agent_id", pre=True)
    def _non_empty(cls, value: Any) -> Optional[str]:  # noqa: N805 - pydantic validator
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError("must be a non-empty string")
        return value


class ClaimBody(StrictBody):
    """``POST /api/handoffs/<id>/claim`` (optional body)."""

    beyond_capacity: bool = False  # supervisors and admins only: take a chat past max_chats


class HandbackBody(StrictBody):
    """``POST /api/handoffs/<id>/handback`` (optional body; both fields optional)."""

    outcome: Optional[HandbackOutcome] = None
    note: Optional[str] = Field(default=None, max_length=NOTE_MAX_LENGTH)
