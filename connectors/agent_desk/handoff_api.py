"""The desk API's handoff routes: the queue, one handoff, claim, reply, note, transfer, close.

Handback lives here too; it resumes the bot the Rasa way (``handback.resume_conversation``)
after telling the customer the agent left. The customer of a live chat is told who joined (a
claim, by their own name when their channel reported it) and where they are going (a
transfer), in the texts of ``handoff.yml``'s ``desk`` section
(:mod:`connectors.agent_desk.announcements`). Customer-facing messages go through
``connectors.bridge.deliver_agent_message``, which logs them in the tracker as bot events with
``handoff_agent`` metadata and publishes ``message.agent``. The first reply to a ticket makes
it a live chat (``desk_service.reply``): the joined message goes first and pauses the bot
through the same bridge call (``pause=True``), so handback and close then work as for any live
handoff.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Dict, List, Optional, Tuple

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from connectors.agent_desk.announcements import join_greeting, transfer_announcement
from connectors.agent_desk.handback import resume_conversation
from connectors.agent_desk.http import DeskContext, desk_call, json_body
from connectors.agent_desk.views import desk_view, transcript_view
from connectors.bridge import AgentMessageKind, HumanAgent, deliver_agent_message
from handoff.desk import records as desk_records
from handoff.desk import service as desk_service
from handoff.desk.accounts import Principal
from handoff.desk.bodies import ClaimBody, HandbackBody, TransferTarget, parse_body
from handoff.desk.errors import InvalidField
from handoff.desk.events import DeskEventType
from handoff.desk.tickets import forward_of
from handoff.slots import HANDOFF_NOTE, HANDOFF_OUTCOME
from handoff.store import HandoffStatus

DEFAULT_STATUSES = "queued,assigned"


def _statuses(argument: str) -> List[HandoffStatus]:
    try:
        return [HandoffStatus(value) for value in argument.split(",") if value]
    except ValueError:
        valid = ", ".join(status.value for status in HandoffStatus)
        raise InvalidField("status", f"unknown status in {argument!r}; use {valid}") from None


def _human(principal: Principal) -> HumanAgent:
    return HumanAgent(id=principal.id or "service", name=principal.name)


def _owner(left: desk_service.Leaving) -> Optional[HumanAgent]:
    """Return the agent who was in the chat, as the bridge names senders."""
    if left.agent_id is None:
        return None
    return HumanAgent(id=left.agent_id, name=left.agent_name or "another agent")


async def _say_left(
    request: Request,
    ctx: DeskContext,
    left: desk_service.Leaving,
    owner: HumanAgent,
    handoff_id: str,
) -> None:
    """Tell the customer the agent left the chat (``desk.left_message``)."""
    await deliver_agent_message(
        request.app.ctx.agent,
        request.app.ctx.input_channels,
        left.conversation_id,
        ctx.text("left_message", left.language).format(agent=owner.name),
        owner,
        kind=AgentMessageKind.LEFT,
        handoff_id=handoff_id,
        team=left.team,
        events=ctx.events,
    )


async def _say_joined(
    request: Request,
    ctx: DeskContext,
    target: desk_service.ReplyTarget,
    handoff_id: str,
    view: Dict[str, Any],
) -> None:
    """Tell the customer who joined an answered ticket, and pause the bot with that message.

    The same greeting as a live claim (:func:`join_greeting`: by name when the channel
    reported one).
    """
    assert target.agent_id is not None and target.agent_name is not None  # went live
    await deliver_agent_message(
        request.app.ctx.agent,
        request.app.ctx.input_channels,
        target.conversation_id,
        join_greeting(ctx, view, target.agent_name),
        HumanAgent(id=target.agent_id, name=target.agent_name),
        kind=AgentMessageKind.JOINED,
        handoff_id=handoff_id,
        team=target.team,
        events=ctx.events,
        pause=True,
    )


def register_handoff_routes(desk: Blueprint, ctx: DeskContext) -> None:
    """Add the handoff routes to the desk's blueprint."""

    @desk.get("/api/handoffs")
    @desk_call
    async def list_handoffs(request: Request) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        statuses = _statuses(request.args.get("status", DEFAULT_STATUSES))
        queue = request.args.get("queue") or None  # one desk queue (routing.queues), or all

        def read(uow: Any) -> List[Dict[str, Any]]:
            found = uow.handoffs.for_teams(statuses, principal.visible_teams(), queue)
            return [desk_view(uow, handoff) for handoff in found]

        return json({"handoffs": await ctx.run(read)})

    @desk.get("/api/handoffs/<handoff_id>")
    @desk_call
    async def show_handoff(request: Request, handoff_id: str) -> HTTPResponse:
        principal: Principal = request.ctx.principal

        def read(uow: Any) -> Dict[str, Any]:
            handoff = desk_service.visible_handoff(uow, principal, handoff_id)
            view = desk_view(uow, handoff)
            view["context"] = handoff.context
            view["notes"] = desk_records.notes_of(uow, handoff_id)
            forwarded = forward_of(uow, handoff_id)
            view["helpdesk"] = asdict(forwarded) if forwarded else None
            return view

        view = await ctx.run(read)
        processor = request.app.ctx.agent.processor
        tracker = await processor.get_tracker(view["conversation_id"])
        view["transcript"] = transcript_view(tracker.events)
        return json(view)

    @desk.post("/api/handoffs/<handoff_id>/claim")
    @desk_call
    async def claim(request: Request, handoff_id: str) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        body = parse_body(ClaimBody, json_body(request)) if request.body else ClaimBody()

        def take(uow: Any) -> Dict[str, Any]:
            claimed = desk_service.claim(
                uow, principal, handoff_id, now=ctx.clock(), beyond_capacity=body.beyond_capacity
            )
            return desk_view(uow, claimed)

        view = await ctx.run(take)
        ctx.publish(DeskEventType.HANDOFF_CLAIMED, view)
        if view["status"] == HandoffStatus.ASSIGNED.value:  # a live chat: say who joined
            await deliver_agent_message(
                request.app.ctx.agent,
                request.app.ctx.input_channels,
                view["conversation_id"],
                join_greeting(ctx, view, principal.name),
                _human(principal),
                kind=AgentMessageKind.JOINED,
                handoff_id=handoff_id,
                team=view["team"],
                events=ctx.events,
            )
        return json(view)

    @desk.post("/api/handoffs/<handoff_id>/messages")
    @desk_call
    async def reply(request: Request, handoff_id: str) -> HTTPResponse:
        """Send the agent's words; the first reply to a ticket makes it a live chat.

        Then the customer is told who joined (:func:`join_greeting`, as on a live claim)
        and that message pauses the bot (``deliver_agent_message(pause=True)``) before the
        reply goes out; the inbox hears ``handoff.claimed`` with the chat's new status.
        """
        principal: Principal = request.ctx.principal
        text = desk_records.require_text(json_body(request))

        def check(uow: Any) -> Tuple[desk_service.ReplyTarget, Optional[Dict[str, Any]]]:
            target = desk_service.reply(uow, principal, handoff_id, text, now=ctx.clock())
            live = target.went_live and uow.handoffs.get(handoff_id)
            return target, desk_view(uow, live) if live else None

        target, live_view = await ctx.run(check)
        if live_view is not None:
            await _say_joined(request, ctx, target, handoff_id, live_view)
            ctx.publish(DeskEventType.HANDOFF_CLAIMED, live_view)
        event = await deliver_agent_message(
            request.app.ctx.agent,
            request.app.ctx.input_channels,
            target.conversation_id,
            text,
            _human(principal),
            handoff_id=handoff_id,
            team=target.team,
            events=ctx.events,
        )
        return json({"event": event}, status=201)

    @desk.post("/api/handoffs/<handoff_id>/notes")
    @desk_call
    async def add_note(request: Request, handoff_id: str) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        text = desk_records.require_text(json_body(request))

        def write(uow: Any) -> Dict[str, Any]:
            note = desk_records.add_note(uow, principal, handoff_id, text)
            handoff = uow.handoffs.get(handoff_id)
            return {"note": desk_records.note_view(note), "view": desk_view(uow, handoff)}

        written = await ctx.run(write)
        ctx.publish(DeskEventType.NOTE_ADDED, written["view"], note=written["note"])
        return json(written["note"], status=201)

    @desk.post("/api/handoffs/<handoff_id>/transfer")
    @desk_call
    async def transfer(request: Request, handoff_id: str) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        target = parse_body(TransferTarget, json_body(request))
        team, agent_id = target.team, target.agent_id

        def move(uow: Any) -> Tuple[Dict[str, Any], Optional[str], Optional[str]]:
            before = uow.handoffs.get(handoff_id)
            previous = before.assigned_agent_id if before is not None else None
            handoff = desk_service.transfer(
                uow, principal, handoff_id, team=team, agent_id=agent_id, now=ctx.clock()
            )
            found = uow.teams.get(team) if team is not None else None
            return desk_view(uow, handoff), found.display_name if found else team, previous

        view, team_name, previous = await ctx.run(move)
        ctx.publish(DeskEventType.HANDOFF_TRANSFERRED, view)
        said = transfer_announcement(ctx, view, team_name, previous, _human(principal))
        if said is not None:  # a live chat: say where the customer is going
            await deliver_agent_message(
                request.app.ctx.agent,
                request.app.ctx.input_channels,
                view["conversation_id"],
                said.text,
                said.sender,
                kind=said.kind,
                handoff_id=handoff_id,
                team=view["team"],
                events=ctx.events,
            )
        return json(view)

    @desk.post("/api/handoffs/<handoff_id>/close")
    @desk_call
    async def close(request: Request, handoff_id: str) -> HTTPResponse:
        """Resolve without a "welcome back": the agent says goodbye, the bot answers next time.

        A live chat's customer is told the agent left and the bot is resumed silently, so
        the next message gets an answer instead of silence; a ticket's conversation was never
        paused and is left alone.
        """
        principal: Principal = request.ctx.principal

        def resolve(uow: Any) -> Tuple[Dict[str, Any], desk_service.Leaving]:
            handoff = desk_service.close(uow, principal, handoff_id, now=ctx.clock())
            return desk_view(uow, handoff), desk_service.leaving(uow, handoff)

        view, left = await ctx.run(resolve)
        agent, channels = request.app.ctx.agent, request.app.ctx.input_channels
        tracker = await agent.processor.get_tracker(view["conversation_id"])
        owner = _owner(left)
        if owner is not None and tracker.is_paused():  # a live chat, not a ticket
            await _say_left(request, ctx, left, owner, handoff_id)
        await resume_conversation(agent, view["conversation_id"], channels, intent=None)
        ctx.publish(DeskEventType.HANDOFF_CLOSED, view)
        return json(view)

    @desk.post("/api/handoffs/<handoff_id>/handback")
    @desk_call
    async def hand_back(request: Request, handoff_id: str) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        said = parse_body(HandbackBody, json_body(request)) if request.body else HandbackBody()

        found = await ctx.run(lambda uow: desk_service.handback_target(uow, principal, handoff_id))
        agent, channels = request.app.ctx.agent, request.app.ctx.input_channels
        owner = _owner(found)
        if owner is not None:  # a person was in the chat: say they left
            await _say_left(request, ctx, found, owner, handoff_id)
        await resume_conversation(
            agent,
            found.conversation_id,
            channels,
            slots={HANDOFF_OUTCOME: said.outcome and said.outcome.value, HANDOFF_NOTE: said.note},
        )

        def close(uow: Any) -> Dict[str, Any]:
            handoff = desk_service.hand_back(
                uow, handoff_id, now=ctx.clock(), actor=principal, outcome=said.outcome
            )
            return desk_view(uow, handoff)

        view = await ctx.run(close)  # HandoffNotOpen if a simultaneous hand-back won
        ctx.publish(DeskEventType.HANDOFF_CLOSED, view)
        return json(view)
