"""The desk API's handoff routes: the queue, one handoff, claim, reply, note, transfer, close.

Handback lives here too; it resumes the bot the Rasa way (``handback.resume_conversation``)
after telling the customer the agent left. Customer-facing messages go through
``connectors.bridge.deliver_agent_message``, which logs them in the tracker as bot events with
``handoff_agent`` metadata and publishes ``message.agent``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from connectors.agent_desk.handback import resume_conversation
from connectors.agent_desk.http import DeskContext, desk_call, json_body
from connectors.agent_desk.views import desk_view, transcript_view
from connectors.bridge import AgentMessageKind, HumanAgent, deliver_agent_message
from handoff.desk import records as desk_records
from handoff.desk import service as desk_service
from handoff.desk.accounts import Principal, audit
from handoff.desk.bodies import ClaimBody, HandbackBody, TransferTarget, parse_body
from handoff.desk.errors import InvalidField, NotAllowed
from handoff.desk.events import DeskEventType
from handoff.desk.tickets import forward_of
from handoff.slots import HANDOFF_NOTE, HANDOFF_OUTCOME
from handoff.store import HandoffStatus

DEFAULT_STATUSES = "queued,assigned"


@dataclass(frozen=True)
class _Leaving:
    """What a hand-back needs to know before it resumes the bot."""

    conversation_id: str
    team: Optional[str]
    owner: Optional[HumanAgent]  # the agent in the chat, who is said to leave


def _statuses(argument: str) -> List[HandoffStatus]:
    try:
        return [HandoffStatus(value) for value in argument.split(",") if value]
    except ValueError:
        valid = ", ".join(status.value for status in HandoffStatus)
        raise InvalidField("status", f"unknown status in {argument!r}; use {valid}") from None


def _human(principal: Principal) -> HumanAgent:
    return HumanAgent(id=principal.id or "service", name=principal.name)


def register_handoff_routes(desk: Blueprint, ctx: DeskContext) -> None:
    """Add the handoff routes to the desk's blueprint."""

    @desk.get("/api/handoffs")
    @desk_call
    async def list_handoffs(request: Request) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        statuses = _statuses(request.args.get("status", DEFAULT_STATUSES))

        def read(uow: Any) -> List[Dict[str, Any]]:
            found = uow.handoffs.for_teams(statuses, principal.visible_teams())
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
                uow, principal, handoff_id, beyond_capacity=body.beyond_capacity
            )
            return desk_view(uow, claimed)

        view = await ctx.run(take)
        ctx.publish(DeskEventType.HANDOFF_CLAIMED, view)
        if view["status"] == HandoffStatus.ASSIGNED.value:  # a live chat: say who joined
            await deliver_agent_message(
                request.app.ctx.agent,
                request.app.ctx.input_channels,
                view["conversation_id"],
                ctx.joined_message.format(agent=principal.name),
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
        principal: Principal = request.ctx.principal
        text = desk_records.require_text(json_body(request))

        def check(uow: Any) -> Dict[str, Any]:
            handoff = desk_service.workable_handoff(uow, principal, handoff_id)
            if not principal.sees_all_teams and handoff.assigned_agent_id != principal.id:
                raise NotAllowed("only the assigned agent replies; claim it first")
            audit(uow, principal, "reply", handoff_id, length=len(text))
            uow.commit()
            return {"conversation_id": handoff.conversation_id, "team": handoff.team}

        target = await ctx.run(check)
        event = await deliver_agent_message(
            request.app.ctx.agent,
            request.app.ctx.input_channels,
            target["conversation_id"],
            text,
            _human(principal),
            handoff_id=handoff_id,
            team=target["team"],
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

        def move(uow: Any) -> Dict[str, Any]:
            handoff = desk_service.transfer(
                uow, principal, handoff_id, team=team, agent_id=agent_id
            )
            return desk_view(uow, handoff)

        view = await ctx.run(move)
        ctx.publish(DeskEventType.HANDOFF_TRANSFERRED, view)
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

        def resolve(uow: Any) -> Dict[str, Any]:
            handoff = desk_service.close(uow, principal, handoff_id)
            owner = handoff.assigned_agent_id
            view = desk_view(uow, handoff)
            view["_owner_name"] = desk_service.agent_name(uow, owner) if owner else None
            return view

        view = await ctx.run(resolve)
        owner_name = view.pop("_owner_name")
        agent, channels = request.app.ctx.agent, request.app.ctx.input_channels
        owner = (view.get("assigned_agent") or {}).get("id")
        tracker = await agent.processor.get_tracker(view["conversation_id"])
        if owner is not None and tracker.is_paused():  # a live chat, not a ticket
            await deliver_agent_message(
                agent,
                channels,
                view["conversation_id"],
                ctx.left_message.format(agent=owner_name),
                HumanAgent(id=owner, name=owner_name),
                kind=AgentMessageKind.LEFT,
                handoff_id=handoff_id,
                team=view.get("team"),
                events=ctx.events,
            )
        await resume_conversation(agent, view["conversation_id"], channels, intent=None)
        ctx.publish(DeskEventType.HANDOFF_CLOSED, view)
        return json(view)

    @desk.post("/api/handoffs/<handoff_id>/handback")
    @desk_call
    async def hand_back(request: Request, handoff_id: str) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        said = parse_body(HandbackBody, json_body(request)) if request.body else HandbackBody()

        def find(uow: Any) -> _Leaving:
            handoff = desk_service.workable_handoff(uow, principal, handoff_id)
            if HandoffStatus(handoff.status) is HandoffStatus.TICKET:
                raise desk_service.HandoffNotOpen(
                    handoff_id, "is a ticket, not a live chat: close it instead"
                )
            owner = handoff.assigned_agent_id
            return _Leaving(
                conversation_id=handoff.conversation_id,
                team=handoff.team,
                owner=HumanAgent(id=owner, name=desk_service.agent_name(uow, owner))
                if owner
                else None,
            )

        found = await ctx.run(find)
        agent, channels = request.app.ctx.agent, request.app.ctx.input_channels
        if found.owner is not None:  # a person was in the chat: say they left
            await deliver_agent_message(
                agent,
                channels,
                found.conversation_id,
                ctx.left_message.format(agent=found.owner.name),
                found.owner,
                kind=AgentMessageKind.LEFT,
                handoff_id=handoff_id,
                team=found.team,
                events=ctx.events,
            )
        await resume_conversation(
            agent,
            found.conversation_id,
            channels,
            slots={HANDOFF_OUTCOME: said.outcome and said.outcome.value, HANDOFF_NOTE: said.note},
        )

        def close(uow: Any) -> Dict[str, Any]:
            handoff = desk_service.hand_back(uow, handoff_id, actor=principal, outcome=said.outcome)
            return desk_view(uow, handoff)

        view = await ctx.run(close)  # HandoffNotOpen if a simultaneous hand-back won
        ctx.publish(DeskEventType.HANDOFF_CLOSED, view)
        return json(view)
