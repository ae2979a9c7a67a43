"""The desk side of help-desk forwarding (``desk.helpdesk`` in handoff.yml).

- Automatic: with ``forward: true`` every new ticket is copied to the help desk as soon as the
  desk publishes ``handoff.opened`` for it (in a background task; every replica that hears the
  event tries, the store lets exactly one send).
- ``POST /api/handoffs/<id>/forward``: an agent of the ticket's team (or a supervisor, or the
  service token) forwards it on request, or retries a failed forward. 409 when no help desk
  is configured or the handoff is a live chat.
- ``GET /api/handoffs/<id>`` shows the copy under ``helpdesk`` (see :mod:`.handoff_api`).

The help desk is called through the event loop's shared aiohttp session
(:mod:`handoff.clients.sessions`), which is closed when the server stops.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any, Dict

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from connectors.agent_desk.http import DeskContext, desk_call
from handoff.clients.sessions import close_loop_session
from handoff.desk import service as desk_service
from handoff.desk.errors import Conflict
from handoff.desk.notifications import NotificationEvent, announced
from handoff.desk.tickets import forward_ticket

logger = logging.getLogger(__name__)


def register_ticket_forwarding(desk: Blueprint, ctx: DeskContext) -> None:
    """Add the forward route and, when configured, the automatic forwarder."""

    @desk.post("/api/handoffs/<handoff_id>/forward")
    @desk_call
    async def forward(request: Request, handoff_id: str) -> HTTPResponse:
        if ctx.helpdesk is None:
            raise Conflict("no help desk is configured (desk.helpdesk in handoff.yml)")
        await ctx.run(
            lambda uow: desk_service.workable_handoff(uow, request.ctx.principal, handoff_id)
        )
        view = await forward_ticket(ctx.unit_of_work, ctx.helpdesk, handoff_id)
        return json(asdict(view))

    if ctx.helpdesk is None:
        return

    @desk.listener("after_server_stop")
    async def close_helpdesk_session(*_: Any) -> None:
        await close_loop_session()

    if not ctx.helpdesk.settings.forward:
        return

    @desk.listener("after_server_start")
    async def start_forwarder(app: Any, loop: Any) -> None:
        app.add_task(_forward_new_tickets(ctx), name="handoff-ticket-forwarder")


async def _forward_new_tickets(ctx: DeskContext) -> None:
    """Forward every ticket the desk opens, for as long as the server runs."""
    assert ctx.helpdesk is not None
    async with ctx.events.subscribe() as events:
        async for event in events:
            if event.handoff_id is None or not _is_new_ticket(event.type, event.data):
                continue
            try:
                view = await forward_ticket(ctx.unit_of_work, ctx.helpdesk, event.handoff_id)
            except Exception:  # one bad ticket must not stop the forwarding of the others
                logger.exception("Forwarding ticket %s failed", event.handoff_id)
                continue
            if view.status == "failed":
                logger.warning("Ticket %s not forwarded: %s", event.handoff_id, view.last_error)


def _is_new_ticket(event_type: str, data: Dict[str, Any]) -> bool:
    """Tell a new ticket: opened as one, or a queued handoff that became one (waiting sweep)."""
    return announced(event_type, data) is NotificationEvent.TICKET
