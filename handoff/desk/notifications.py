"""Telling a team outside the inbox tab that a handoff or ticket is waiting.

``desk.notifications`` in ``handoff.yml`` lists targets; each is a generic JSON webhook or a
Slack incoming webhook, for some teams or all of them, for new live handoffs, new tickets or
both. This module decides *which* targets an opened handoff goes to and *what* they receive;
``connectors.agent_desk.notifier`` sends it off the customer's turn, with retries.

What leaves the desk is deliberately small: the handoff's id, team, queue, reason, channel,
priority, status and a link to the inbox — never the customer's words, name, order number or
e-mail address, because a chat tool or a third-party webhook is outside the desk's data
retention and erasure. The URL of a target is a secret (a Slack webhook URL lets anyone post
to the channel), so ``handoff.yml`` names the environment variable that holds it.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from pydantic import Field, validator

from handoff.desk.events import DeskEventType
from handoff.section import Section


class NotificationKind(str, enum.Enum):
    """The wire format of a target."""

    WEBHOOK = "webhook"  # the JSON document of :func:`webhook_payload`
    SLACK = "slack"  # Slack's incoming-webhook message (``{"text": ...}``)


class NotificationEvent(str, enum.Enum):
    """What a target is told about."""

    HANDOFF = "handoff"  # a conversation is queued for a person now
    TICKET = "ticket"  # a conversation became a ticket (no one there now)


class NotificationTarget(Section):
    """One entry of ``desk.notifications`` (unknown keys are errors, like every section)."""

    kind: NotificationKind
    url_env: str = Field(..., min_length=1, description="The env var holding the target URL.")
    teams: Optional[List[str]] = Field(
        default=None, description="Only handoffs routed to these teams; absent: every team."
    )
    events: List[NotificationEvent] = Field(
        default_factory=lambda: [NotificationEvent.HANDOFF, NotificationEvent.TICKET],
        min_items=1,
    )
    timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    attempts: int = Field(
        default=4, ge=1, le=10, description="Tries before the notice is given up."
    )

    @validator("url_env")
    def _variable_name(cls, name: str) -> str:  # noqa: N805 - pydantic validator
        if not name.replace("_", "").isalnum() or name[0].isdigit():
            raise ValueError(f"{name!r} is not an environment variable name like SLACK_URL")
        return name

    def url(self, environ: Mapping[str, str] = os.environ) -> Optional[str]:
        """Return the target URL from the environment (None when the variable is unset)."""
        return environ.get(self.url_env) or None


@dataclass(frozen=True)
class Notice:
    """One notification to send: where, in which format, and the body."""

    target: NotificationTarget
    url: str
    body: Dict[str, Any]
    handoff_id: str


def event_of(view: Mapping[str, Any]) -> NotificationEvent:
    """Return whether an opened handoff (its desk view) is a live handoff or a ticket."""
    return NotificationEvent.TICKET if view.get("status") == "ticket" else NotificationEvent.HANDOFF


def announced(event_type: str, view: Mapping[str, Any]) -> Optional[NotificationEvent]:
    """Return what a desk event (its type, the handoff's view) announces to the teams, if any.

    A handoff opened live or as a ticket; or a ticket the waiting sweep made of a queued
    handoff (queue timeout, team closed): ``handoff.closed`` with status ``ticket`` and no
    ``closed_at``. That ticket waits for the team exactly like one opened as a ticket, so
    whoever hears of new tickets (a notification target, the help-desk forwarding) hears of
    it too. Claims, transfers, closes and messages are the inbox's business: ``None``.
    """
    if event_type == DeskEventType.HANDOFF_OPENED:
        return event_of(view)
    if (
        event_type == DeskEventType.HANDOFF_CLOSED
        and view.get("status") == "ticket"
        and view.get("closed_at") is None
    ):
        return NotificationEvent.TICKET
    return None


def notices_for(
    view: Mapping[str, Any],
    targets: List[NotificationTarget],
    inbox_url: Optional[str] = None,
    environ: Mapping[str, str] = os.environ,
) -> List[Notice]:
    """Return the notices a new handoff or ticket causes: one per target that wants it.

    A target whose URL variable is unset is skipped (``ops.check`` reports it before start).
    """
    event = event_of(view)
    notices = []
    for target in targets:
        if event not in target.events:
            continue
        if target.teams is not None and view.get("team") not in target.teams:
            continue
        url = target.url(environ)
        if url is None:
            continue
        body = (
            slack_payload(view, event, inbox_url)
            if target.kind is NotificationKind.SLACK
            else webhook_payload(view, event, inbox_url)
        )
        notices.append(Notice(target, url, body, str(view.get("id"))))
    return notices


def webhook_payload(
    view: Mapping[str, Any], event: NotificationEvent, inbox_url: Optional[str] = None
) -> Dict[str, Any]:
    """Return the generic webhook's JSON document (no personal data, see the module doc)."""
    return {
        "event": f"{event.value}.opened",
        "handoff": {
            key: view.get(key)
            for key in (
                "id",
                "status",
                "team",
                "queue",
                "reason",
                "channel",
                "priority",
                "created_at",
            )
        },
        "queue_position": view.get("queue_position"),
        "expected_wait_seconds": view.get("expected_wait_seconds"),
        "inbox_url": inbox_url,
    }


def slack_payload(
    view: Mapping[str, Any], event: NotificationEvent, inbox_url: Optional[str] = None
) -> Dict[str, Any]:
    """Return a Slack incoming-webhook message (``text`` in Slack's mrkdwn)."""
    what = "New ticket" if event is NotificationEvent.TICKET else "A customer is waiting"
    reason = str(view.get("reason") or "handoff").replace("_", " ")
    where = f"*{view.get('team') or 'the desk'}*"
    if view.get("queue"):
        where += f" ({view['queue']} queue)"
    text = f"{what} for {where}: {reason} on {view.get('channel')}"
    if view.get("queue_position"):
        text += f", position {view['queue_position']} in the queue"
    if inbox_url:
        text += f" — <{inbox_url}|open the inbox>"
    return {"text": text}
