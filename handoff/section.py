"""The base of every ``handoff.yml`` section model.

A section refuses unknown keys, so a typo in the settings file is an error naming the key
instead of a setting silently left at its default, and it is immutable once loaded, because
one validated copy is shared by the whole process.

It lives at the top of the package, not in ``handoff.settings``, because the routing models
(``handoff.routing.teams``, ``handoff.routing.hours``) are sections too and
``handoff.settings`` imports them.
"""

from __future__ import annotations

from pydantic import BaseModel, Extra


class Section(BaseModel):
    """A ``handoff.yml`` section: unknown keys are errors, values are read-only."""

    class Config:  # noqa: D106 - pydantic configuration
        extra = Extra.forbid
        allow_mutation = False
