"""The one handoff settings file (``handoff.yml``) that designers and operators edit.

It is validated when the action server starts, and a mistake is reported with the file and the
key (``handoff.yml: intake.questions.explicit_request: at most two questions``) instead of
surfacing as a wrong answer in a customer conversation.
"""

from __future__ import annotations

import os
import re
from enum import Enum
from pathlib import Path
from typing import Dict, List, Optional, Union

import yaml
from pydantic import Field, ValidationError, validator

from handoff.desk.notifications import NotificationTarget
from handoff.desk.waiting import DEFAULT_CANCEL_PHRASES, normalise_phrase
from handoff.reasons import HandoffReason, reject_unknown_reason_keys
from handoff.routing.teams import RoutingSettings
from handoff.section import Section
from handoff.settings.desk_texts import (
    TEXT_KEYS,
    DeskTexts,
    fills,
    merged_translations,
)
from handoff.settings.policy import PolicySettings
from handoff.signals.intake import DEFAULT_ORDER_NUMBER_PATTERN, IntakeField, OrderNumberFormat

SETTINGS_ENV = "HANDOFF_SETTINGS"
DEFAULT_SETTINGS_PATH = Path("handoff.yml")
MAX_INTAKE_QUESTIONS = 2
DEFAULT_RETENTION_DAYS = 90  # retention.days when handoff.yml has no retention section


class SettingsError(ValueError):
    """The handoff settings file is missing, unreadable or has an invalid key."""


class SettingsMissing(SettingsError):
    """The handoff settings file does not exist (callers with a bundled default catch this)."""


class IntakeSettings(Section):
    """What the intake form asks before a handoff."""

    order_number_pattern: str = DEFAULT_ORDER_NUMBER_PATTERN
    questions: Dict[HandoffReason, List[IntakeField]] = Field(
        default_factory=lambda: {
            HandoffReason.EXPLICIT_REQUEST: [IntakeField.ORDER_NUMBER, IntakeField.EMAIL]
        }
    )

    @validator("order_number_pattern")
    def _compiles(cls, pattern: str) -> str:  # noqa: N805 - pydantic validator
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a valid regular expression ({error})") from error
        return pattern

    _known_reasons = validator("questions", pre=True, allow_reuse=True)(reject_unknown_reason_keys)

    @validator("questions")
    def _at_most_two(
        cls,
        questions: Dict[HandoffReason, List[IntakeField]],  # noqa: N805
    ) -> Dict[HandoffReason, List[IntakeField]]:
        for reason, fields in questions.items():
            if len(fields) > MAX_INTAKE_QUESTIONS:
                raise ValueError(
                    f"{reason.value}: at most {MAX_INTAKE_QUESTIONS} intake questions "
                    f"(got {len(fields)})"
                )
            if len(set(fields)) != len(fields):
                raise ValueError(f"{reason.value}: a question is listed twice")
        return questions

    @property
    def order_number_format(self) -> OrderNumberFormat:
        """The configured order-number format."""
        return OrderNumberFormat(self.order_number_pattern)

    def questions_for(self, reason: Optional[HandoffReason]) -> List[IntakeField]:
        """Return the intake questions to ask before handing over for ``reason``."""
        if reason is None:
            return []
        return list(self.questions.get(reason, []))


def _cancel_phrases(phrases: List[str]) -> List[str]:
    if not phrases:
        raise ValueError("list at least one phrase (customers need a way out of the queue)")
    empty = [phrase for phrase in phrases if not normalise_phrase(phrase)]
    if empty:
        raise ValueError(f"{empty!r}: a phrase needs at least one letter or digit")
    return phrases


class HelpdeskKind(str, Enum):
    """The external help desks tickets can be forwarded to (their REST API shapes)."""

    ZENDESK = "zendesk"  # POST {url}/api/v2/tickets.json, basic auth "{email}/token:{token}"
    FRESHDESK = "freshdesk"  # POST {url}/api/v2/tickets, basic auth "{api key}:X"


class HelpdeskSettings(Section):
    """Where offline tickets are forwarded (``desk.helpdesk``; absent: they stay in the inbox)."""

    kind: HelpdeskKind
    url: str = Field(..., regex=r"^https?://")  # e.g. https://northwind.zendesk.com
    token_env: str = Field(..., min_length=1)  # the env var holding the API token / key
    email: Optional[str] = None  # Zendesk: the agent e-mail the API token belongs to
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    forward: bool = True  # every new ticket automatically; False: only on an agent's request

    @validator("email", always=True)
    def _zendesk_needs_email(cls, email: Optional[str], values: Dict[str, object]) -> Optional[str]:  # noqa: N805
        if values.get("kind") is HelpdeskKind.ZENDESK and not email:
            raise ValueError("zendesk needs the e-mail of the agent the API token belongs to")
        return email


class DeskSettings(Section):
    """How the action server talks to the agent desk, and what the desk tells customers."""

    timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    # Sent to the customer when an agent claims the conversation / hands it back; a customer
    # whose channel reported their name ({customer}) is greeted with greeting_message.
    joined_message: str = Field(default="{agent} from our team has joined the chat.", min_length=1)
    greeting_message: str = Field(
        default="Hi {customer}, {agent} from our team has joined the chat.", min_length=1
    )
    left_message: str = Field(
        default="{agent} has left the chat. You're talking to the assistant again.", min_length=1
    )
    # Sent to the customer of a live chat transferred to another team / straight to an agent
    # ({team} is the team's display name, {agent} the agent's).
    team_transfer_message: str = Field(default="I'm passing you to our {team} team.", min_length=1)
    agent_transfer_message: str = Field(
        default="{agent} from our team is taking over.", min_length=1
    )

    # Forward offline tickets to an external help desk (optional).
    helpdesk: Optional[HelpdeskSettings] = None

    # Tell teams outside the inbox tab: JSON webhooks and Slack (handoff.desk.notifications).
    notifications: List[NotificationTarget] = Field(default_factory=list)
    # The inbox's public address, linked from notifications (optional).
    inbox_url: Optional[str] = Field(default=None, regex=r"^https?://")

    # While queued (handoff.desk.queue_sweep): how often the desk looks at the queue, the
    # least time between two updates to one customer, and when waiting becomes a ticket.
    queue_sweep_seconds: float = Field(default=30.0, gt=0, le=3600)
    queue_update_minutes: float = Field(default=3.0, ge=0, le=120)
    queue_timeout_minutes: Optional[float] = Field(default=30.0, gt=0, le=24 * 60)
    queue_update_message: str = Field(
        default="You're now number {queue_position} in the queue. Expected wait: {expected_wait}.",
        min_length=1,
    )
    queue_ticket_message: str = Field(
        default=(
            "Sorry for the wait - nobody from our team could take your chat in time, so I've "
            "made it a ticket with everything you've told me. A person will answer you "
            "{back_at}. Until then I'm here again if I can help."
        ),
        min_length=1,
    )
    # {back_at} while the team is still open (only the queue timeout ran out).
    queue_ticket_soon: str = Field(default="as soon as one of them is free", min_length=1)
    # The whole message, normalised (case, punctuation), cancels a queued handoff.
    cancel_phrases: List[str] = Field(default_factory=lambda: list(DEFAULT_CANCEL_PHRASES))
    cancelled_message: str = Field(
        default="OK, I've taken you out of the queue. I'm back - how can I help?", min_length=1
    )

    # The texts above in other languages, key by key (handoff/settings/desk_texts.py):
    # German, French and Spanish are built in; a key a language leaves out is English.
    translations: Dict[str, DeskTexts] = Field(default_factory=dict)

    _templates = validator(
        "joined_message", "left_message", "agent_transfer_message", allow_reuse=True
    )(fills("agent"))
    _team_templates = validator("team_transfer_message", allow_reuse=True)(fills("team"))
    _greetings = validator("greeting_message", allow_reuse=True)(fills("agent", "customer"))
    _update = validator("queue_update_message", allow_reuse=True)(
        fills("queue_position", "expected_wait")
    )
    _ticket = validator("queue_ticket_message", allow_reuse=True)(fills("back_at"))
    _plain = validator("queue_ticket_soon", "cancelled_message", allow_reuse=True)(fills())
    _phrases = validator("cancel_phrases", allow_reuse=True)(_cancel_phrases)

    @validator("translations", pre=True, always=True)
    def _with_built_in(cls, configured: object) -> Dict[str, DeskTexts]:  # noqa: N805
        if configured is not None and not isinstance(configured, dict):
            raise ValueError(
                "a mapping of language code -> texts, e.g. {de: {joined_message: ...}}"
            )
        return {code: DeskTexts(**texts) for code, texts in merged_translations(configured).items()}

    def texts_for(self, language: Optional[str]) -> Dict[str, str]:
        """Return every desk text in ``language`` ("de", "de-AT"); English for what it lacks."""
        code = (language or "").strip().lower().replace("_", "-").split("-")[0]
        translated = self.translations.get(code)
        return {
            key: (getattr(translated, key, None) if translated else None) or getattr(self, key)
            for key in TEXT_KEYS
        }

    def all_texts(self) -> Dict[str, Dict[str, str]]:
        """Return :meth:`texts_for` of every configured language, by language code."""
        return {code: self.texts_for(code) for code in self.translations}


class SelfServiceSettings(Section):
    """Where customers can reach a person when the desk cannot take the conversation."""

    contact: str = Field(..., min_length=5)


class RetentionSettings(Section):
    """How long finished handoffs, tickets and conversations are kept.

    What a purge removes is in ``handoff.privacy.retention``.

    ``python -m ops.retention`` purges what is older than ``days``: 90 unless handoff.yml says
    otherwise, so a deployment that never thought about it does not keep personal data for
    ever; ``days: null`` turns retention off (keeps everything).
    """

    days: Optional[int] = Field(default=DEFAULT_RETENTION_DAYS, ge=1, le=36500)


class HandoffSettings(Section):
    """The whole ``handoff.yml``."""

    intake: IntakeSettings = Field(default_factory=IntakeSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    desk: DeskSettings = Field(default_factory=DeskSettings)
    self_service: SelfServiceSettings
    retention: RetentionSettings = Field(default_factory=RetentionSettings)

    @validator("desk")
    def _notified_teams_exist(cls, desk: DeskSettings, values: Dict[str, object]) -> DeskSettings:  # noqa: N805
        routing = values.get("routing")
        if not isinstance(routing, RoutingSettings):
            return desk  # routing itself is invalid and reported
        for target in desk.notifications:
            unknown = sorted(set(target.teams or []) - set(routing.teams))
            if unknown:
                raise ValueError(
                    f"notifications: {', '.join(unknown)} not in routing.teams "
                    f"({', '.join(sorted(routing.teams))})"
                )
        return desk


def _describe(error: ValidationError, source: str) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"] if part != "__root__")
        lines.append(f"{source}: {key}: {item['msg']}")
    return "\n".join(lines)


def parse_settings(raw: object, source: str = "handoff.yml") -> HandoffSettings:
    """Validate already-loaded settings data.

    Raises:
        SettingsError: naming ``source`` and the offending key.
    """
    if not isinstance(raw, dict):
        raise SettingsError(f"{source}: expected a mapping at the top level")
    try:
        return HandoffSettings.parse_obj(raw)
    except ValidationError as error:
        raise SettingsError(_describe(error, source)) from None


def load_settings(path: Union[str, Path, None] = None) -> HandoffSettings:
    """Read and validate the settings file.

    Args:
        path: the file; defaults to ``$HANDOFF_SETTINGS`` or ``handoff.yml`` in the
            working directory (the project root, where Rasa runs).

    Raises:
        SettingsError: if the file is missing, is not YAML, or has an invalid key.
    """
    resolved = Path(path or os.environ.get(SETTINGS_ENV) or DEFAULT_SETTINGS_PATH)
    try:
        raw = yaml.safe_load(resolved.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsMissing(f"{resolved}: the handoff settings file does not exist") from None
    except yaml.YAMLError as error:
        raise SettingsError(f"{resolved}: not valid YAML ({error})") from None
    return parse_settings(raw, str(resolved))
