"""``GET /api/events``: the desk's live events as server-sent events, per agent's teams.

Each event is sent as ``event: <type>`` / ``data: <DeskEvent JSON>``; a comment line
(``: keep-alive``) every ``keepalive_seconds`` (15 by default) keeps proxies from closing the
stream. Agents get only their teams' events; an event without a team (a customer message from
a channel) is matched through the team of the conversation's open handoff.

A stream is authorised again at every keep-alive, whether or not events flowed in between:
its token is looked up as on connect (which also marks the agent as seen, so an open inbox
keeps them "online" for routing). After a logout, the token's expiry, a password change, the
agent's deactivation, or a change of role or teams, the stream ends within one keep-alive; the
inbox reconnects with what its agent may now see (and reloads its queue), or shows the login.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from typing import Any, Optional

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from connectors.agent_desk.auth import identify, request_token, set_events_cookie
from connectors.agent_desk.http import DeskContext, desk_call
from handoff.desk.accounts import Principal
from handoff.desk.errors import DeskError, InvalidField
from handoff.desk.events import DeskEvent

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

    async def still_allowed(principal: Principal, token: Optional[str]) -> bool:
        """Whether the stream's token still stands for the same agent, role and teams."""
        if principal.id is None:
            return True  # the service and action tokens are fixed in credentials.yml
        try:
            now = await identify(token, ctx.service_token, ctx.unit_of_work, ctx.action_token)
        except DeskError:
            return False  # logged out, expired, revoked or deactivated
        return (now.role, now.teams) == (principal.role, principal.teams)  # else reconnect

    @desk.post("/api/events/cookie")
    @desk_call
    async def stream_cookie(request: Request) -> HTTPResponse:
        """Put the caller's login token in the stream's cookie (EventSource sends no headers)."""
        if request.ctx.principal.id is None:
            raise InvalidField("token", "the service tokens use the Authorization header")
        answer = json({"status": "ok"})
        set_events_cookie(request, answer, request_token(request))
        return answer

    @desk.get("/api/events")
    async def stream(request: Request) -> Optional[HTTPResponse]:
        principal: Principal = request.ctx.principal
        token = request_token(request, allow_cookie=True)
        loop = asyncio.get_running_loop()
        subscription = ctx.events.subscribe()
        response = await request.respond(
            content_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
        try:
            await response.send(": connected\n\n")
            check_at = loop.time() + ctx.keepalive_seconds
            while not subscription.closed:
                event = await subscription.next(timeout=max(check_at - loop.time(), 0))
                if event is not None and await visible(principal, event):
                    await response.send(sse_frame(event))
                if loop.time() >= check_at:
                    if not await still_allowed(principal, token):
                        break
                    await response.send(": keep-alive\n\n")
                    check_at = loop.time() + ctx.keepalive_seconds
        finally:
            subscription.close()
        await response.eof()
        return None
