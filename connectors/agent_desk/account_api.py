"""The desk API's people routes: login/logout, me and presence, agents, teams, decisions.

The handlers translate requests and errors only; the rules (who may do what, and re-offering
the waiting handoffs when somebody comes or goes) are :mod:`handoff.desk.service`'s.

A login is refused before any password hashing when its address or account has too many
recent failures, and runs on the desk's own login executor (``login_guard``), so a password
flood can neither take every core nor delay the channels' store work.
"""

from __future__ import annotations

from typing import Any, Dict

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json, text

from connectors.agent_desk.auth import request_token, set_events_cookie
from connectors.agent_desk.http import DeskContext, desk_call, json_body
from handoff.analytics import build_report, learn_next_csv, parse_period
from handoff.desk import accounts as agents
from handoff.desk import admin as desk_admin
from handoff.desk import attendance
from handoff.desk import records as desk_records
from handoff.desk.accounts import Principal
from handoff.desk.bodies import Credentials, PresenceChange, parse_body
from handoff.desk.errors import InvalidField, NotAllowed


def _require_manager(principal: Principal) -> None:
    """Refuse plain agents before their body is even looked at."""
    if not principal.manages_agents:
        raise NotAllowed("only supervisors and admins manage agents and teams")


def register_account_routes(desk: Blueprint, ctx: DeskContext) -> None:
    """Add the login, profile, admin and decision routes to the desk's blueprint."""

    @desk.post("/api/login")
    @desk_call
    async def login(request: Request) -> HTTPResponse:
        credentials = parse_body(Credentials, json_body(request))
        username, password = credentials.username, credentials.password
        address = request.remote_addr or request.ip
        await ctx.login_throttle.admit(address, username)  # 429 before any hashing

        def enter() -> Dict[str, Any]:
            with ctx.unit_of_work() as uow:
                verify = ctx.login_executor.verify  # Argon2 in the login process
                token, agent, teams = attendance.log_in(
                    uow, username, password, verify=verify, now=ctx.clock()
                )
                return {"token": token, "agent": agents.agent_view(agent, teams)}

        entered = await ctx.login_executor.run(enter)
        await ctx.login_throttle.succeeded(address, username)
        answer = json(entered)
        set_events_cookie(request, answer, entered["token"])
        return answer

    @desk.post("/api/logout")
    @desk_call
    async def logout(request: Request) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        token = request_token(request)
        await ctx.run(lambda uow: attendance.log_out(uow, principal, token, now=ctx.clock()))
        answer = json({"status": "logged out"})
        set_events_cookie(request, answer, None)
        return answer

    @desk.get("/api/me")
    @desk_call
    async def me(request: Request) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        return json(await ctx.run(lambda uow: agents.me(uow, principal)))

    @desk.post("/api/me/presence")
    @desk_call
    async def presence(request: Request) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        status = parse_body(PresenceChange, json_body(request)).status

        def change(uow: Any) -> Dict[str, Any]:
            return attendance.change_presence(uow, principal, status, now=ctx.clock())

        return json(await ctx.run(change))

    @desk.get("/api/agents")
    @desk_call
    async def list_agents(request: Request) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        return json({"agents": await ctx.run(lambda uow: desk_admin.list_agents(uow, principal))})

    @desk.post("/api/agents")
    @desk_call
    async def create_agent(request: Request) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        _require_manager(principal)
        new = parse_body(desk_admin.NewAgent, json_body(request))
        view = await ctx.run(lambda uow: desk_admin.create_agent(uow, principal, new))
        return json(view, status=201)

    @desk.patch("/api/agents/<agent_id>")
    @desk_call
    async def update_agent(request: Request, agent_id: str) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        _require_manager(principal)
        changes = parse_body(desk_admin.AgentChanges, json_body(request))
        own = request_token(request) if principal.id == agent_id else None

        def change(uow: Any) -> Dict[str, Any]:
            return attendance.update_agent(
                uow, principal, agent_id, changes, caller_token=own, now=ctx.clock()
            )

        return json(await ctx.run(change))

    @desk.get("/api/teams")
    @desk_call
    async def list_teams(request: Request) -> HTTPResponse:
        def read(uow: Any) -> list:
            return [desk_admin.team_view(team) for team in uow.teams.list()]

        return json({"teams": await ctx.run(read)})

    @desk.post("/api/teams")
    @desk_call
    async def create_team(request: Request) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        _require_manager(principal)
        new = parse_body(desk_admin.NewTeam, json_body(request))
        return json(
            await ctx.run(lambda uow: desk_admin.create_team(uow, principal, new)), status=201
        )

    async def _report(request: Request) -> Dict[str, Any]:
        try:
            since, until = parse_period(request.args.get("since"), request.args.get("until"))
        except ValueError as problem:
            raise InvalidField("since", str(problem)) from None
        return await ctx.run(lambda uow: build_report(uow, since, until, masker=ctx.masker))

    @desk.get("/api/analytics")
    @desk_call
    async def analytics(request: Request) -> HTTPResponse:
        """Return the analytics report (handoff.analytics) for ?since=&until= (default 30 days)."""
        return json(await _report(request))

    @desk.get("/api/analytics/kb-gaps.csv")
    @desk_call
    async def kb_gaps_csv(request: Request) -> HTTPResponse:
        """Return the knowledge-base gap list of the report as CSV (a spreadsheet download)."""
        report = await _report(request)
        return text(
            learn_next_csv(report["learn_next"]),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="kb-gaps.csv"'},
        )

    @desk.post("/api/decisions")
    @desk_call
    async def record_decision(request: Request) -> HTTPResponse:
        principal: Principal = request.ctx.principal
        if principal.id is not None:
            raise NotAllowed("decisions are reported with the service token")
        record = parse_body(desk_records.DecisionRecord, json_body(request))

        def store(uow: Any) -> Dict[str, Any]:
            decision = desk_records.record_decision(uow, principal, record)
            return {"id": decision.id, "conversation_id": decision.conversation_id}

        return json(await ctx.run(store), status=201)
