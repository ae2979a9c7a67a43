"""Forwarding offline tickets to an external help desk (Zendesk- or Freshdesk-style REST API).

When no person can take a conversation now, the desk keeps it as a ticket; operators who work
tickets in their existing help desk configure ``desk.helpdesk`` in ``handoff.yml`` and every
ticket is created there too, with the context package written out for a human: the summary,
why the bot handed over, the intake data and the whole transcript. Framework-free: the one
async call path of :mod:`handoff.clients.json_api`, which raises ``HelpdeskUnavailable`` (an
``ApiError``).
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple

import aiohttp

from handoff.clients.errors import ApiError
from handoff.clients.json_api import JsonApi
from handoff.settings import HelpdeskKind, HelpdeskSettings

ZENDESK_PRIORITIES = {0: "normal", 1: "high", 2: "urgent"}
FRESHDESK_PRIORITIES = {0: 2, 1: 3, 2: 4}  # medium, high, urgent
FRESHDESK_OPEN = 2
HELPDESK_API = "help desk"


class HelpdeskUnavailable(ApiError):
    """The help desk did not create the ticket (no token, unreachable, timed out, refused)."""


@dataclass(frozen=True)
class ExternalTicket:
    """The ticket as the help desk knows it."""

    id: str
    url: Optional[str]


@dataclass(frozen=True)
class TicketContent:
    """What the help desk ticket says, built from a handoff and its context package."""

    subject: str
    body: str
    requester_email: Optional[str]
    requester_name: Optional[str]
    priority: int
    tags: List[str]
    external_id: str


def ticket_content(
    handoff_id: str,
    context: Mapping[str, Any],
    *,
    reason: str,
    team: Optional[str],
    priority: int,
) -> TicketContent:
    """Write the context package out as a ticket a person can act on."""
    intake = context.get("intake") or {}
    customer = context.get("customer") or {}
    summary = (context.get("summary") or "").strip()
    lines = [summary, "", f"Why the assistant handed over: {reason}"]
    for signal in context.get("signals") or []:
        lines.append(f"  - {signal.get('name')}: {signal.get('value')}")
    lines += [
        "",
        f"Order number: {intake.get('order_number') or '-'}",
        f"E-mail: {intake.get('email') or '-'}",
        f"Channel: {context.get('channel') or '-'} · conversation {context.get('conversation_id')}",
        "",
        "Transcript:",
    ]
    for turn in context.get("transcript") or []:
        lines.append(f"[{_clock(turn.get('timestamp'))}] {turn.get('sender')}: {turn.get('text')}")
    first_line = summary.split(". ")[0].strip().rstrip(".") if summary else reason
    return TicketContent(
        subject=f"[{team or 'general'}] {first_line}"[:150],
        body="\n".join(lines).strip(),
        requester_email=intake.get("email") or customer.get("email"),
        requester_name=customer.get("name"),
        priority=priority,
        tags=[tag for tag in ("handoff", reason, team) if tag],
        external_id=handoff_id,
    )


def _clock(timestamp: Any) -> str:
    try:
        moment = datetime.fromtimestamp(float(timestamp), tz=timezone.utc)
    except (TypeError, ValueError):
        return "?"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


class HelpdeskClient:
    """Creates tickets in the configured help desk.

    Args:
        settings: ``desk.helpdesk`` of handoff.yml.
        token: the API token / key (default: read from the env var ``settings.token_env``).
        session: the aiohttp session to call through; None: the running event loop's shared
            one (:mod:`handoff.clients.sessions`; the desk closes it when the server stops).
    """

    def __init__(
        self,
        settings: HelpdeskSettings,
        token: Optional[str] = None,
        session: Optional[aiohttp.ClientSession] = None,
    ) -> None:
        self.settings = settings
        self._token = token if token is not None else os.environ.get(settings.token_env, "")
        if settings.kind is HelpdeskKind.ZENDESK:
            auth = aiohttp.BasicAuth(f"{settings.email}/token", self._token)
        else:
            auth = aiohttp.BasicAuth(self._token, "X")
        self._api = JsonApi(
            HELPDESK_API,
            settings.url,
            timeout=settings.timeout_seconds,
            session=session,
            auth=auth,
            error=HelpdeskUnavailable,
        )

    @property
    def target(self) -> str:
        """A short name of the help desk, stored with each forwarded ticket."""
        return self.settings.kind.value

    async def create_ticket(self, content: TicketContent) -> ExternalTicket:
        """Create the ticket; return its id (and URL when the help desk gives one).

        Raises:
            HelpdeskUnavailable: no token configured, connection errors, time-outs, non-2xx.
        """
        if not self._token:
            raise HelpdeskUnavailable(
                HELPDESK_API, None, f"no API token in ${self.settings.token_env}"
            )
        path, body = self._shape(content)
        answer = await self._api.call("POST", path, body)
        if self.settings.kind is HelpdeskKind.ZENDESK:
            ticket = answer.get("ticket") or {}
            return ExternalTicket(str(ticket.get("id")), ticket.get("url"))
        return ExternalTicket(str(answer.get("id")), None)

    def _shape(self, content: TicketContent) -> Tuple[str, Dict[str, Any]]:
        level = max(0, min(content.priority, 2))
        if self.settings.kind is HelpdeskKind.ZENDESK:
            requester = (
                {"email": content.requester_email, "name": content.requester_name or "Customer"}
                if content.requester_email
                else None
            )
            ticket: Dict[str, Any] = {
                "subject": content.subject,
                "comment": {"body": content.body},
                "priority": ZENDESK_PRIORITIES[level],
                "tags": content.tags,
                "external_id": content.external_id,
            }
            if requester:
                ticket["requester"] = requester
            return "/api/v2/tickets.json", {"ticket": ticket}
        body = {
            "subject": content.subject,
            "description": "<br>".join(html.escape(line) for line in content.body.splitlines()),
            "priority": FRESHDESK_PRIORITIES[level],
            "status": FRESHDESK_OPEN,
            "tags": content.tags,
            # Freshdesk needs a requester; the conversation id stands in for an anonymous one.
            "email": content.requester_email or f"{content.external_id}@handoff.invalid",
        }
        if content.requester_name:
            body["name"] = content.requester_name
        return "/api/v2/tickets", body
