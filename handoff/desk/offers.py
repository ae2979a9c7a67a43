"""Which agent should take a handoff, and how long the customer will wait.

Offer, don't auto-assign: when a handoff is queued (and whenever an agent comes online,
claims, transfers or hands back) each queued handoff of the team is *offered* to the
least-busy online agent who speaks its language, preferring agents with its topic as a skill,
within their ``max_chats``. The offer is a hint the inbox highlights (``offered_to``); the
handoff stays in the queue until somebody claims it, so a person always decides to take a
conversation, and an offer to someone who walked away never strands the customer.

"Online" means presence ``online`` and seen within ``PRESENCE_TIMEOUT`` (every API call and
the open event stream count), so a closed browser does not look online for long.
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta
from typing import Dict, List, Optional

from handoff.store.desk_models import Agent
from handoff.store.models import Handoff, HandoffStatus
from handoff.store.unit_of_work import SqlUnitOfWork

PRESENCE_TIMEOUT = timedelta(minutes=10)
DEFAULT_WAIT_SECONDS = 120  # expected wait before the team has any claimed handoff
WAIT_SAMPLE = 50  # how many recent claims the median is taken over


def online_agents(uow: SqlUnitOfWork, team: Optional[str], now: datetime) -> List[Agent]:
    """Return the team's agents who are online now (no team: nobody in particular)."""
    if team is None:
        return []
    return uow.agents.online_members(team, now - PRESENCE_TIMEOUT)


def nobody_online(uow: SqlUnitOfWork, team: Optional[str], now: datetime) -> bool:
    """Whether the team has agents at the desk but none of them is online.

    A team without any agent (a desk worked only through the service token, or not set up
    yet) keeps its live queue: the rule is about people who are away, not about setup.
    """
    if team is None or not uow.agents.members(team):
        return False
    return not online_agents(uow, team, now)


def handoff_skill(handoff: Handoff) -> Optional[str]:
    """Return the topic signal of the handoff's context package (what skill fits), if any."""
    for signal in (handoff.context or {}).get("signals") or []:
        if isinstance(signal, dict) and signal.get("name") == "topic" and signal.get("value"):
            return str(signal["value"])
    return None


def _speaks(agent: Agent, language: Optional[str]) -> bool:
    return not language or not agent.languages or language in agent.languages


def refresh_offers(uow: SqlUnitOfWork, team: Optional[str], now: datetime) -> Dict[str, str]:
    """Re-offer the team's queued handoffs to its online agents; commit; return id → agent id.

    Queue order first: the longest-waiting, highest-priority handoff gets the least-busy
    suitable agent; each offer counts towards that agent's load for the next one.
    """
    queued = uow.handoffs.queued_for_team(team)
    if not queued:
        return {}
    agents = online_agents(uow, team, now)
    load = uow.agents.open_chats(agent.id for agent in agents)
    offers: Dict[str, str] = {}
    for handoff in queued:
        skill = handoff_skill(handoff)
        candidates = [
            agent
            for agent in agents
            if load[agent.id] < agent.max_chats and _speaks(agent, handoff.language)
        ]
        candidates.sort(key=lambda a: (skill not in (a.skills or []), load[a.id], a.username))
        chosen = candidates[0].id if candidates else None
        if chosen is not None:
            load[chosen] += 1
            offers[handoff.id] = chosen
        if handoff.offered_agent_id != chosen:
            handoff.offered_agent_id = chosen
    uow.commit()
    return offers


def expected_wait_seconds(
    uow: SqlUnitOfWork, handoff: Handoff, now: datetime, position: Optional[int] = None
) -> Optional[int]:
    """Return how long the customer can expect to wait for a person, in seconds.

    The median of the team's recent waits (``claimed_at - created_at`` of the last
    ``WAIT_SAMPLE`` claimed live handoffs, ``DEFAULT_WAIT_SECONDS`` without history), times
    the number of rounds the online agents need to reach this place in the handoff's own
    queue (``position`` when the caller has just read it, else read here). ``0`` once an
    agent has it; ``None`` for tickets and closed handoffs.

    The queues of one team (``routing.queues``: one per customer tier) share the team's
    agents: offers and the inbox still order the whole team by priority, then age, so an
    agent who claims next takes the highest-priority customer of any queue (the enterprise
    tier's priority puts its queue first). Each queue's customers are told their place in
    their own queue, and this wait is that place over the team's online agents. That is
    exact for the highest-priority queue; a lower-priority queue's customers may wait longer
    than promised while customers of a higher-priority queue keep arriving, and the waiting
    sweep (``handoff.desk.queue_sweep``) tells them the new wait when it grows.
    """
    status = HandoffStatus(handoff.status)
    if status is HandoffStatus.ASSIGNED:
        return 0
    if status is not HandoffStatus.QUEUED:
        return None
    waits = uow.handoffs.recent_waits(handoff.team, WAIT_SAMPLE)
    typical = statistics.median(waits) if waits else DEFAULT_WAIT_SECONDS
    if position is None:
        position = uow.handoffs.queue_position(handoff)
    position = position or 1
    agents = max(1, len(online_agents(uow, handoff.team, now)))
    return int(round(typical * math.ceil(position / agents)))
