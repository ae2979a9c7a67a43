"""Who is at the desk: agents logging in and out, presence and agent changes.

Who is at the desk decides who is offered the queue, so each change here re-offers the waiting
handoffs of the agent's teams (:func:`handoff.desk.offers.refresh_offers`), whichever entry
point — HTTP API, CLI, tests — made it. Each function works inside the caller's
``SqlUnitOfWork``; the account change commits with its audit row, as in
:mod:`handoff.desk.service`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Tuple

from handoff.desk import accounts
from handoff.desk import admin as desk_admin
from handoff.desk import offers as desk_routing
from handoff.desk.accounts import Principal
from handoff.desk.errors import InvalidField
from handoff.desk.passwords import Verifier, verify_password
from handoff.desk.service import aware
from handoff.store.desk_models import Agent
from handoff.store.unit_of_work import SqlUnitOfWork


def log_in(
    uow: SqlUnitOfWork,
    username: str,
    password: str,
    *,
    verify: Verifier = verify_password,
    now: Optional[datetime] = None,
) -> Tuple[str, Agent, List[str]]:
    """Log an agent in (:func:`handoff.desk.accounts.login`) and re-offer their teams' queue.

    Somebody came online: the waiting handoffs of their teams may now be offered to them.
    """
    moment = aware(now)
    token, agent, teams = accounts.login(uow, username, password, now=moment, verify=verify)
    _reoffer(uow, teams, moment)
    return token, agent, teams


def log_out(
    uow: SqlUnitOfWork, actor: Principal, token: Optional[str], *, now: Optional[datetime] = None
) -> None:
    """End the agent's session, set them offline and re-offer what was offered to them.

    Raises:
        InvalidField: the service token (or a call without a token) cannot log out.
    """
    if actor.id is None or token is None:
        raise InvalidField("token", "the service token cannot log out")
    moment = aware(now)
    accounts.logout(uow, token, now=moment)
    _reoffer(uow, actor.teams, moment)


def change_presence(
    uow: SqlUnitOfWork, actor: Principal, status: str, *, now: Optional[datetime] = None
) -> Dict[str, Any]:
    """Set the calling agent's presence and re-offer their teams' queue; return their view.

    Going away or offline hands their offers to somebody still there; coming back online
    makes them a candidate again.
    """
    moment = aware(now)
    agent = accounts.set_presence(uow, actor, status, now=moment)
    _reoffer(uow, actor.teams, moment)
    return accounts.agent_view(agent, actor.teams)


def update_agent(
    uow: SqlUnitOfWork,
    actor: Principal,
    agent_id: str,
    changes: desk_admin.AgentChanges,
    *,
    caller_token: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Dict[str, Any]:
    """Change an agent (:func:`handoff.desk.admin.update_agent`) and re-offer the queue.

    Presence, activity, teams, languages, skills and ``max_chats`` all decide who is offered
    what, so the waiting handoffs of every team the agent was or is in are re-offered —
    a supervisor setting an agent offline moves their offers on, as the agent's own logout
    does.
    """
    moment = aware(now)
    before = uow.agents.teams_of(agent_id) if uow.agents.get(agent_id) is not None else []
    view = desk_admin.update_agent(uow, actor, agent_id, changes, caller_token=caller_token)
    _reoffer(uow, [*before, *view["teams"]], moment)
    return view


def _reoffer(uow: SqlUnitOfWork, teams: Iterable[str], now: datetime) -> None:
    """Re-offer the waiting handoffs of each team once (sorted: a stable lock order)."""
    for team in sorted(set(teams)):
        desk_routing.refresh_offers(uow, team, now)
