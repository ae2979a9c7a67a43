"""Which team, queue and language a handoff goes to, and with what priority.

The team follows the customer's topic first (the intent that raised the handoff, e.g.
``cancel_account`` goes to retention), then the handoff reason, then a default team, because the
topic says more about who can help than the reason does. The customer's tier (from channel
metadata or a slot, read by the caller) picks the queue, and a team only gets languages it lists;
otherwise the default team, or finally the default language, takes over. Every step is written to
``Route.why`` so the agent and analytics see why the conversation landed where it did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from pydantic import Field, validator

from handoff.names import TeamName
from handoff.reasons import HandoffReason, reject_unknown_reason_keys
from handoff.routing.handling import HandlingSettings
from handoff.routing.hours import HoursSettings
from handoff.section import Section

DEFAULT_TEAMS = ("sales", "retention", "billing", "technical", "general")


def normalise_language(language: Optional[str]) -> Optional[str]:
    """Return the primary language subtag, lower-case (``"de-AT"`` → ``"de"``), or None.

    Teams are staffed per language, not per regional variant, so ``en-GB`` and ``en`` match.
    """
    if not language or not language.strip():
        return None
    return re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower()


class TeamSettings(Section):
    """One team (``routing.teams.<team>``)."""

    languages: List[str] = Field(default_factory=lambda: ["en"], min_items=1)
    contact: Optional[str] = Field(
        default=None,
        min_length=5,
        description="Self-service route to this team, used when no desk or ticket target is "
        "configured; without one, self_service.contact is used.",
    )
    hours: Optional[HoursSettings] = Field(
        default=None,
        description="Business hours; without them the team takes handoffs at any time.",
    )

    @validator("languages", each_item=True)
    def _language_code(cls, language: str) -> str:  # noqa: N805 - pydantic validator
        code = normalise_language(language)
        if not code or not code.isalpha():
            raise ValueError(f"{language!r} is not a language code like 'en' or 'de'")
        return code


class PrioritySettings(Section):
    """Queue priority: ``base`` plus the increments that apply (the desk serves highest first)."""

    base: int = 0
    tiers: Dict[str, int] = Field(default_factory=lambda: {"enterprise": 2})
    reasons: Dict[HandoffReason, int] = Field(
        default_factory=lambda: {HandoffReason.SENSITIVE_TOPIC: 1, HandoffReason.FRUSTRATION: 1}
    )
    topics: Dict[str, int] = Field(default_factory=lambda: {"account_security": 1})

    @validator("reasons", pre=True)
    def _reason_keys(cls, reasons: object) -> object:  # noqa: N805 - pydantic validator
        return reject_unknown_reason_keys(reasons)

    @validator("tiers")
    def _tier_keys(cls, tiers: Dict[str, int]) -> Dict[str, int]:  # noqa: N805
        return _lower_keys(tiers)


def _default_teams() -> Dict[str, TeamSettings]:
    return {name: TeamSettings() for name in DEFAULT_TEAMS}


class RoutingSettings(Section):
    """The ``routing`` section: teams, topic and reason mapping, queues, priority, handling."""

    teams: Dict[str, TeamSettings] = Field(default_factory=_default_teams)
    default_team: str = "general"
    default_language: str = "en"
    topics: Dict[str, str] = Field(
        default_factory=lambda: {
            "enterprise_pricing": "sales",
            "cancel_account": "retention",
            "refund_request": "billing",
            "billing_dispute": "billing",
            "account_security": "technical",
        }
    )
    reasons: Dict[HandoffReason, str] = Field(
        default_factory=lambda: {HandoffReason.HIGH_VALUE: "sales"}
    )
    queues: Dict[str, str] = Field(default_factory=lambda: {"enterprise": "senior"})
    default_queue: str = "standard"
    priority: PrioritySettings = Field(default_factory=PrioritySettings)
    handling: HandlingSettings = Field(default_factory=HandlingSettings)

    @validator("teams")
    def _team_names(cls, teams: Dict[str, TeamSettings]) -> Dict[str, TeamSettings]:  # noqa: N805
        if not teams:
            raise ValueError("at least one team is needed")
        bad = [name for name in teams if not TeamName.is_valid(name)]
        if bad:
            raise ValueError(
                f"{', '.join(map(repr, bad))}: team names are lower-case words like "
                f"'billing' ({TeamName.rule})"
            )
        return teams

    @validator("default_team")
    def _default_team_known(cls, team: str, values: Dict[str, Any]) -> str:  # noqa: N805
        _check_team(team, values)
        return team

    @validator("default_language")
    def _default_language_served(cls, language: str, values: Dict[str, Any]) -> str:  # noqa: N805
        code = normalise_language(language)
        if not code:
            raise ValueError("a language code like 'en' is needed")
        teams, default_team = values.get("teams"), values.get("default_team")
        if teams and default_team in teams and code not in teams[default_team].languages:
            raise ValueError(
                f"the default team {default_team!r} must serve the default language {code!r} "
                "(it is where every other language falls back to)"
            )
        return code

    @validator("topics")
    def _topic_teams_known(cls, topics: Dict[str, str], values: Dict[str, Any]) -> Dict[str, str]:  # noqa: N805
        for topic, team in topics.items():
            _check_team(team, values, key=topic)
        return topics

    @validator("reasons", pre=True)
    def _reason_keys(cls, reasons: object) -> object:  # noqa: N805
        return reject_unknown_reason_keys(reasons)

    @validator("reasons")
    def _reason_teams_known(
        cls,
        reasons: Dict[HandoffReason, str],  # noqa: N805
        values: Dict[str, Any],
    ) -> Dict[HandoffReason, str]:
        for reason, team in reasons.items():
            _check_team(team, values, key=reason.value)
        return reasons

    @validator("queues")
    def _queue_tiers(cls, queues: Dict[str, str]) -> Dict[str, str]:  # noqa: N805
        return _lower_keys(queues)

    def team(self, name: str) -> TeamSettings:
        """Return the settings of the team ``name`` (a ``Route.team``)."""
        return self.teams[name]


def _check_team(team: str, values: Dict[str, Any], key: Optional[str] = None) -> None:
    teams = values.get("teams")
    if teams is None:  # the teams themselves are invalid; that error is reported already
        return
    if team not in teams:
        prefix = f"{key}: " if key else ""
        raise ValueError(
            f"{prefix}unknown team {team!r}; configured teams: {', '.join(sorted(teams))}"
        )


def _lower_keys(mapping: Dict[str, Any]) -> Dict[str, Any]:
    """Tiers are matched case-insensitively: the caller's tier is lower-cased too."""
    return {key.strip().lower(): value for key, value in mapping.items()}


@dataclass(frozen=True)
class Route:
    """Where a handoff goes: team, desk queue, language and priority, and why."""

    team: str
    queue: str
    language: str
    priority: int
    why: List[str] = field(default_factory=list)
    contact: Optional[str] = None
    """The team's self-service contact, if it has one (else use ``self_service.contact``)."""

    def as_signal(self) -> Dict[str, Any]:
        """Return the route as a signal (``{"name", "value"}``) for the agent and analytics."""
        return {
            "name": "route",
            "value": {
                "team": self.team,
                "queue": self.queue,
                "language": self.language,
                "priority": self.priority,
                "why": list(self.why),
            },
        }


def route_to_team(
    reason: HandoffReason,
    topic: Optional[str],
    tier: Optional[str],
    language: Optional[str],
    settings: RoutingSettings,
) -> Route:
    """Choose the team, queue, language and priority for a handoff.

    Args:
        reason: the primary handoff reason.
        topic: the topic behind the handoff (the intent, e.g. ``refund_request``), if any.
        tier: the customer's tier (channel metadata or a slot), e.g. ``enterprise``.
        language: the conversation's language (``de``, ``en-GB``), if known.
        settings: the ``routing`` settings.
    """
    why: List[str] = []
    team = _team_for(reason, topic, settings, why)
    team, routed_language = _language_for(team, language, settings, why)
    tier_key = (tier or "").strip().lower() or None
    queue = settings.queues.get(tier_key or "", settings.default_queue)
    why.append(f"tier {tier_key or 'unknown'} → {queue} queue")
    priority = _priority_for(reason, topic, tier_key, settings.priority, why)
    return Route(
        team=team,
        queue=queue,
        language=routed_language,
        priority=priority,
        why=why,
        contact=settings.team(team).contact,
    )


def _team_for(
    reason: HandoffReason, topic: Optional[str], settings: RoutingSettings, why: List[str]
) -> str:
    if topic and topic in settings.topics:
        team = settings.topics[topic]
        why.append(f"topic {topic} → {team}")
    elif reason in settings.reasons:
        team = settings.reasons[reason]
        why.append(f"reason {reason.value} → {team}")
    else:
        team = settings.default_team
        why.append(f"no team for topic {topic or 'none'} or reason {reason.value} → {team}")
    return team


def _language_for(
    team: str, language: Optional[str], settings: RoutingSettings, why: List[str]
) -> tuple[str, str]:
    """Keep the team if it serves the language; else the default team; else the default language."""
    requested, fallback = normalise_language(language), settings.default_language
    default_team = settings.default_team
    if requested is None:
        why.append(f"language unknown → {fallback}")
        requested = fallback
    if requested in settings.team(team).languages:
        return team, requested
    if requested in settings.team(default_team).languages:
        why.append(f"{team} does not serve {requested!r} → {default_team}, which does")
        return default_team, requested
    teams = team if team == default_team else f"{team} nor {default_team}"
    why.append(f"neither {teams} serves {requested!r} → {fallback}")
    if fallback not in settings.team(team).languages:
        why.append(f"{team} does not serve {fallback!r} → {default_team}")
        team = default_team
    return team, fallback


def _priority_for(
    reason: HandoffReason,
    topic: Optional[str],
    tier: Optional[str],
    priority: PrioritySettings,
    why: List[str],
) -> int:
    total = priority.base
    for label, increment in (
        (f"tier {tier}", priority.tiers.get(tier or "", 0)),
        (f"reason {reason.value}", priority.reasons.get(reason, 0)),
        (f"topic {topic}", priority.topics.get(topic or "", 0)),
    ):
        if increment:
            total += increment
            why.append(f"priority {increment:+d}: {label}")
    return total
