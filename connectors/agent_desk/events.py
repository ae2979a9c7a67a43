"""``GET /api/events``: the desk's live events as server-sent events, per agent's teams.

Each event is sent as ``event: <type>`` / ``data: <DeskEvent JSON>``; a comment line
(``: keep-alive``) every ``KEEPALIVE_SECONDS`` keeps proxies from closing the stream and
marks the agent as seen (so an open inbox keeps them "online" for routing). Agents get only
their teams' events; an event without a team (a customer message from a channel) is matched
through the team of the conversation's open handoff.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any, Optional

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.agent_desk.http import DeskContext
from handoff import agents
from handoff.agents import Principal
from handoff.live_events import DeskEvent

KEEPALIVE_SECONDS = 15.0


def sse_frame(event: DeskEvent) -> str:
    """Return ``event`` as one server-sent-events frame."""
    return f"event: {event.type}\ndata: {jsonlib.dumps(event.to_json_dict())}\n\n"


def register_event_routes(desk: Blueprint, ctx: DeskContext) -> None:
    """Add the event stream to the desk's blueprint."""

    async def team_of(event: DeskEvent) -> Optional[str]:
        if event.team is not None:
            return event.team

        def look_up(uow: Any) -> Optional[str]:
            handoff = uow.handoffs.get(event.handoff_id) if event.handoff_id else None
            handoff = handoff or uow.handoffs.open_for_conversation(event.conversation_id)
            return handoff.team if handoff is not None else None

        return await ctx.run(look_up)

    async def visible(principal: Principal, event: DeskEvent) -> bool:
        return principal.sees_all_teams or principal.serves(await team_of(event))

    @desk.get("/api/events")
    async def stream(request: Request) -> Optional[HTTPResponse]:
        principal: Principal = request.ctx.principal
        subscription = ctx.events.subscribe()
        response = await request.respond(
            content_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        try:
            await response.send(": connected\n\n")
            while not subscription.closed:
                event = await subscription.next(timeout=KEEPALIVE_SECONDS)
                if event is None:
                    await response.send(": keep-alive\n\n")
                    if principal.id is not None:
                        await ctx.run(lambda uow: agents.touch_seen(uow, principal.id))
                elif await visible(principal, event):
                    await response.send(sse_frame(event))
        finally:
            subscription.close()
        await response.eof()
        return None
