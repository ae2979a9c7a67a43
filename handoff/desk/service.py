"""The desk's rules for handoffs: open, queue, claim, transfer, hand back, close.

Each function works inside a caller's ``SqlUnitOfWork`` and commits its own change (with its
audit-log row), so the result it returns is already in the store. Times default to now; tests
pass ``now``. Who may do what is checked here too (``Principal``), so every entry point — the
HTTP API, the CLI, tests — obeys the same rules.

Who is at the desk decides who is offered the queue: logging in and out, presence and agent
changes live in :mod:`handoff.desk.attendance`, which re-offers the waiting handoffs.

Lifecycle: ``queued`` → (claim) ``assigned`` → ``handed_back`` (the bot resumes) or
``resolved`` (closed by the agent). A handoff opened while the team is outside its hours, or
while none of the team's agents is online, is a ``ticket``: outside the live queue, but agents
may still claim (it stays a ticket, with an owner) and close it. The owner's first reply makes
it a live chat (``ticket`` → ``assigned``, see :func:`reply`): from then on it is handed back
or closed like any live handoff. ``opened_as_ticket`` stays set, so its wait never counts as a
live pick-up time. While queued, a handoff may also become a ticket (it waited too long, or the
team closed) or be ``closed`` by its customer's "never mind": :mod:`handoff.desk.queue_sweep`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy.exc import IntegrityError

from handoff.desk import offers as desk_routing
from handoff.desk.accounts import Principal, audit
from handoff.desk.errors import Conflict, InvalidField, NotAllowed, NotFound
from handoff.reasons import HandbackOutcome
from handoff.store.models import OPEN_STATUSES, Handoff, HandoffStatus, utc_now
from handoff.store.unit_of_work import SqlUnitOfWork

__all__ = [
    "OPEN_STATUSES",
    "HandoffNotFound",
    "HandoffNotOpen",
    "Leaving",
    "OpenedHandoff",
    "ReplyTarget",
    "aware",
    "claim",
    "close",
    "hand_back",
    "handback_target",
    "open_handoff",
    "queue",
    "reply",
    "transfer",
    "visible_handoff",
]


class HandoffNotFound(NotFound):
    """No handoff has this id (the desk answers 404)."""

    def __init__(self, handoff_id: str) -> None:
        super().__init__(f"no handoff {handoff_id}")
        self.handoff_id = handoff_id


class HandoffNotOpen(Conflict, RuntimeError):
    """The handoff is already resolved, handed back or closed (the desk answers 409)."""

    def __init__(self, handoff_id: str, detail: str = "is already closed") -> None:
        super().__init__(f"handoff {handoff_id} {detail}")
        self.handoff_id = handoff_id


@dataclass(frozen=True)
class OpenedHandoff:
    """What submitting a context package achieved.

    ``created`` is False when the conversation already had an open handoff, which is then the
    one returned (the desk answers 200 instead of 201). ``queue_position`` is 1-based and
    ``None`` once an agent has the handoff: the place in the handoff's own ``queue`` of its
    team (``HandoffRepository.queue_position``).
    """

    handoff_id: str
    status: str
    queue_position: Optional[int]
    created: bool
    expected_wait_seconds: Optional[int] = None
    queue: Optional[str] = None


def open_handoff(
    uow: SqlUnitOfWork,
    *,
    conversation_id: str,
    reason: str,
    context: Dict[str, Any],
    channel: Optional[str] = None,
    team: Optional[str] = None,
    priority: int = 0,
    now: Optional[datetime] = None,
    ticket: bool = False,
    language: Optional[str] = None,
    queue: Optional[str] = None,
) -> OpenedHandoff:
    """Queue a handoff for the conversation, unless it already has an open one.

    Idempotent per conversation, also across desk replicas and threads: when two submissions
    race, the store's unique index lets one insert win, and the loser rolls back and returns
    the winner's handoff with ``created=False``.

    With ``ticket`` (the team is outside its business hours) the handoff is stored as a
    ticket instead of joining the live queue; a conversation that already has an open
    handoff or an unanswered ticket gets that one back. The same happens when the team has
    agents at the desk but none of them is online (``desk_routing.nobody_online``). A queued
    handoff is offered to the least-busy online agent of its team (``desk_routing``).

    ``queue`` is the team's desk queue the customer's tier chose (``routing.queues``): the
    customer's place and expected wait are counted within it.
    """
    moment = aware(now)
    ticket = ticket or desk_routing.nobody_online(uow, team, moment)
    existing = uow.handoffs.open_for_conversation(conversation_id) or (
        uow.handoffs.ticket_for_conversation(conversation_id) if ticket else None
    )
    if existing is not None:
        return _opened(uow, existing, created=False, now=moment)
    handoff = Handoff(
        conversation_id=conversation_id,
        status=HandoffStatus.TICKET if ticket else HandoffStatus.QUEUED,
        opened_as_ticket=ticket,
        reason=reason,
        team=team,
        queue=queue,
        priority=priority,
        channel=channel,
        language=language,
        context=context,
        created_at=moment,
        updated_at=moment,
        queued_at=None if ticket else moment,
    )
    uow.handoffs.add(handoff)
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        winner = uow.handoffs.open_for_conversation(conversation_id)
        if winner is None:  # not the one-open-handoff race: a real error
            raise
        return _opened(uow, winner, created=False, now=moment)
    if ticket:
        return _opened(uow, handoff, created=True, now=moment)
    desk_routing.refresh_offers(uow, team, moment)
    opened = _opened(uow, handoff, created=True, now=moment)
    # The opening answer is what the customer is told first (the waiting sweep's baseline).
    told = (opened.queue_position, opened.expected_wait_seconds)
    if uow.handoffs.record_told(handoff.id, None, *told, moment):
        uow.commit()
    return opened


def hand_back(
    uow: SqlUnitOfWork,
    handoff_id: str,
    *,
    now: Optional[datetime] = None,
    actor: Optional[Principal] = None,
    outcome: Optional[HandbackOutcome] = None,
) -> Handoff:
    """Close an open handoff because the agent gave the conversation back to the bot.

    ``outcome`` (what the agent said of the customer's problem) is stored for analytics.

    Returns the updated handoff (status ``handed_back``, ``closed_at`` set). Raises
    ``HandoffNotFound`` for an unknown id and ``HandoffNotOpen`` if it was already closed, so
    a second hand-back is refused rather than silently repeated. The status change is one
    conditional UPDATE, so of two simultaneous hand-backs exactly one succeeds.
    """
    moment = aware(now)
    closed = uow.handoffs.close_if_open(
        handoff_id, HandoffStatus.HANDED_BACK, moment, outcome=outcome.value if outcome else None
    )
    handoff = uow.handoffs.get(handoff_id)
    if handoff is None:
        raise HandoffNotFound(handoff_id)
    if not closed:  # a concurrent hand-back (another replica, a double click) won
        raise HandoffNotOpen(handoff_id)
    if actor is not None:
        outcome_detail = {"outcome": outcome.value} if outcome else {}
        audit(uow, actor, "handback", handoff_id, now=moment, **outcome_detail)
    uow.commit()
    uow.handoffs.refresh(handoff)
    desk_routing.refresh_offers(uow, handoff.team, moment)
    return handoff


def visible_handoff(uow: SqlUnitOfWork, actor: Principal, handoff_id: str) -> Handoff:
    """Return the handoff if the caller may see it (their team, or a wider role).

    Raises:
        HandoffNotFound: unknown id. NotAllowed: another team's handoff.
    """
    handoff = uow.handoffs.get(handoff_id)
    if handoff is None:
        raise HandoffNotFound(handoff_id)
    if not actor.serves(handoff.team):
        raise NotAllowed(f"handoff {handoff_id} belongs to team {handoff.team}, not yours")
    return handoff


def workable_handoff(uow: SqlUnitOfWork, actor: Principal, handoff_id: str) -> Handoff:
    """Return the handoff if the caller may work it now.

    That is: visible to them, not closed, and (for role agent) not somebody else's.
    """
    handoff = visible_handoff(uow, actor, handoff_id)
    if not is_workable(handoff):
        raise HandoffNotOpen(handoff_id)
    owner = handoff.assigned_agent_id
    if not actor.sees_all_teams and owner is not None and owner != actor.id:
        raise NotAllowed(f"handoff {handoff_id} is assigned to {agent_name(uow, owner)}")
    return handoff


def is_workable(handoff: Handoff) -> bool:
    """Whether the handoff is live (queued, assigned) or an open ticket (not answered yet)."""
    status = HandoffStatus(handoff.status)
    return status in OPEN_STATUSES or (status is HandoffStatus.TICKET and handoff.closed_at is None)


def agent_name(uow: SqlUnitOfWork, agent_id: Optional[str]) -> str:
    """Return the display name of an agent id (for messages like "already claimed by")."""
    agent = uow.agents.get(agent_id) if agent_id else None
    return agent.display_name if agent is not None else "another agent"


def claim(
    uow: SqlUnitOfWork,
    actor: Principal,
    handoff_id: str,
    *,
    now: Optional[datetime] = None,
    beyond_capacity: bool = False,
) -> Handoff:
    """Take an unclaimed handoff (queued, or an open ticket) for the calling agent.

    Atomic: one conditional UPDATE, so of any number of simultaneous claims exactly one wins;
    the others get ``Conflict("already claimed by <name>")``. A live chat is refused when the
    agent already has ``max_chats`` of them (``Conflict`` naming the count), unless a
    supervisor or admin claims ``beyond_capacity`` on purpose (audited). Tickets are not
    chats and are not counted.
    """
    if actor.id is None:
        raise NotAllowed("the service token cannot claim; transfer with agent_id instead")
    moment = aware(now)
    handoff = visible_handoff(uow, actor, handoff_id)
    if HandoffStatus(handoff.status) is HandoffStatus.QUEUED:
        _check_capacity(uow, actor, beyond_capacity)
    if not uow.handoffs.claim(handoff_id, actor.id, moment):
        uow.rollback()
        uow.handoffs.refresh(handoff)
        if not is_workable(handoff):
            raise HandoffNotOpen(handoff_id)
        raise Conflict(f"already claimed by {agent_name(uow, handoff.assigned_agent_id)}")
    audit(
        uow,
        actor,
        "claim",
        handoff_id,
        now=moment,
        **({"beyond_capacity": True} if beyond_capacity else {}),
    )
    uow.commit()
    uow.handoffs.refresh(handoff)
    desk_routing.refresh_offers(uow, handoff.team, moment)
    return handoff


def _check_capacity(uow: SqlUnitOfWork, actor: Principal, beyond_capacity: bool) -> None:
    """Refuse a live chat beyond the agent's ``max_chats`` (see :func:`claim`)."""
    if beyond_capacity and not actor.manages_agents:
        raise NotAllowed("only a supervisor or an admin may claim beyond capacity")
    agent = uow.agents.get(actor.id) if actor.id else None
    if agent is None or beyond_capacity:
        return
    chats = uow.agents.open_chats([agent.id])[agent.id]
    if chats >= agent.max_chats:
        raise Conflict(
            f"{agent.display_name} is at capacity ({chats} of {agent.max_chats} chats): "
            "hand one back or close it first"
        )


def transfer(
    uow: SqlUnitOfWork,
    actor: Principal,
    handoff_id: str,
    *,
    team: Optional[str] = None,
    agent_id: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Handoff:
    """Move a handoff to another team's queue, or straight to one agent.

    A team transfer puts a live handoff back in that team's queue (a ticket stays a ticket),
    unassigned; it keeps its desk ``queue`` (the customer's tier is the same in the new team),
    so its place is counted in that queue of the new team. An agent transfer assigns it to an
    active agent who serves its team and has a free chat (``max_chats``).
    """
    if (team is None) == (agent_id is None):
        raise InvalidField("team", "give exactly one of team or agent_id")
    moment = aware(now)
    handoff = workable_handoff(uow, actor, handoff_id)
    status, owner = HandoffStatus(handoff.status), handoff.assigned_agent_id
    live = status is not HandoffStatus.TICKET
    values: Dict[str, object]
    if team is not None:
        if uow.teams.get(team) is None:
            raise InvalidField("team", f"unknown team {team!r}")
        values = dict(team=team, assigned_agent_id=None, offered_agent_id=None, claimed_at=None)
        if live:
            values.update(status=HandoffStatus.QUEUED, queued_at=moment)  # its wait starts anew
    else:
        assert agent_id is not None  # exactly one of the two, checked above
        _check_transfer_target(uow, handoff, agent_id)
        values = dict(assigned_agent_id=agent_id, offered_agent_id=None, claimed_at=moment)
        if live:
            values["status"] = HandoffStatus.ASSIGNED
    if not uow.handoffs.update_if(handoff_id, status, owner, {**values, "updated_at": moment}):
        uow.rollback()
        raise Conflict(f"handoff {handoff_id} changed meanwhile; reload and try again")
    audit(uow, actor, "transfer", handoff_id, now=moment, team=team, agent_id=agent_id)
    try:
        uow.commit()
    except IntegrityError:  # the conversation got another open handoff meanwhile
        uow.rollback()
        raise Conflict(f"conversation {handoff.conversation_id} has another open handoff") from None
    uow.handoffs.refresh(handoff)
    for affected in {handoff.team, team} if team else {handoff.team}:
        desk_routing.refresh_offers(uow, affected, moment)
    return handoff


def _check_transfer_target(uow: SqlUnitOfWork, handoff: Handoff, agent_id: str) -> None:
    agent = uow.agents.get(agent_id)
    if agent is None or not agent.active:
        raise InvalidField("agent_id", f"no active agent {agent_id}")
    if handoff.team is not None and handoff.team not in uow.agents.teams_of(agent_id):
        raise InvalidField("agent_id", f"{agent.display_name} does not serve team {handoff.team}")
    chats = uow.agents.open_chats([agent_id])[agent_id]
    if chats >= agent.max_chats:
        raise Conflict(f"{agent.display_name} is at capacity ({chats} of {agent.max_chats} chats)")


def close(
    uow: SqlUnitOfWork, actor: Principal, handoff_id: str, *, now: Optional[datetime] = None
) -> Handoff:
    """Resolve a live handoff or an open ticket without giving the conversation to the bot."""
    moment = aware(now)
    handoff = workable_handoff(uow, actor, handoff_id)
    if HandoffStatus(handoff.status) is HandoffStatus.TICKET:
        closed = uow.handoffs.close_ticket(handoff_id, HandoffStatus.RESOLVED, moment)
    else:
        closed = uow.handoffs.close_if_open(handoff_id, HandoffStatus.RESOLVED, moment)
    if not closed:
        uow.rollback()
        raise HandoffNotOpen(handoff_id)
    audit(uow, actor, "close", handoff_id, now=moment)
    uow.commit()
    uow.handoffs.refresh(handoff)
    desk_routing.refresh_offers(uow, handoff.team, moment)
    return handoff


@dataclass(frozen=True)
class Leaving:
    """Who leaves a chat that is handed back or closed (``agent_id`` None: nobody had it)."""

    conversation_id: str
    team: Optional[str]
    agent_id: Optional[str]
    agent_name: Optional[str]
    language: Optional[str] = None  # the handoff's: the desk's texts are in it


def leaving(uow: SqlUnitOfWork, handoff: Handoff) -> Leaving:
    """Return the handoff's conversation, team and the agent in the chat, if any."""
    owner = handoff.assigned_agent_id
    return Leaving(
        conversation_id=handoff.conversation_id,
        team=handoff.team,
        agent_id=owner,
        agent_name=agent_name(uow, owner) if owner else None,
        language=handoff.language or (handoff.context or {}).get("language"),
    )


def handback_target(uow: SqlUnitOfWork, actor: Principal, handoff_id: str) -> Leaving:
    """Return whom a hand-back concerns, if the caller may hand this handoff back now.

    Checked before the bot is resumed (the hand-back itself, :func:`hand_back`, comes after),
    so a refused hand-back leaves the conversation untouched. Only a live chat is handed
    back: a ticket's conversation was never paused (``HandoffNotOpen``: close it instead).
    """
    handoff = workable_handoff(uow, actor, handoff_id)
    if HandoffStatus(handoff.status) is HandoffStatus.TICKET:
        raise HandoffNotOpen(handoff_id, "is a ticket, not a live chat: close it instead")
    return leaving(uow, handoff)


@dataclass(frozen=True)
class ReplyTarget:
    """Where an agent's reply goes.

    ``went_live``: this reply made a ticket a live chat of ``agent_id`` (``agent_name``), so
    the caller tells the customer who joined and pauses the bot before the reply goes out.
    """

    conversation_id: str
    team: Optional[str]
    went_live: bool = False
    agent_id: Optional[str] = None
    agent_name: Optional[str] = None


def reply(
    uow: SqlUnitOfWork,
    actor: Principal,
    handoff_id: str,
    text: str,
    *,
    now: Optional[datetime] = None,
) -> ReplyTarget:
    """Allow (and audit) an agent's reply to the customer; return where it goes.

    Only the assigned agent replies (a supervisor, an admin or the service token may step
    in): anybody else gets ``NotAllowed`` — claim it first — so a customer never hears two
    people at once. The delivery itself is the caller's (the customer's channel).

    A reply to a ticket makes it a live chat (:func:`_answer_ticket`): status ``assigned``,
    with its owner — or, unowned, with the person replying (a supervisor). The service token
    has no seat in a chat: its reply to an unowned ticket leaves the ticket as it is.
    """
    moment = aware(now)
    handoff = workable_handoff(uow, actor, handoff_id)
    if not actor.sees_all_teams and handoff.assigned_agent_id != actor.id:
        raise NotAllowed("only the assigned agent replies; claim it first")
    owner = handoff.assigned_agent_id or actor.id
    went_live = HandoffStatus(handoff.status) is HandoffStatus.TICKET and owner is not None
    if went_live:
        assert owner is not None  # checked just above
        _answer_ticket(uow, handoff, owner, moment)
    live = {"went_live": True} if went_live else {}
    audit(uow, actor, "reply", handoff_id, now=moment, length=len(text), **live)
    uow.commit()
    if went_live:  # one more live chat for the owner: the queue's offers may move
        uow.handoffs.refresh(handoff)
        desk_routing.refresh_offers(uow, handoff.team, moment)
    return ReplyTarget(
        conversation_id=handoff.conversation_id,
        team=handoff.team,
        went_live=went_live,
        agent_id=owner if went_live else None,
        agent_name=agent_name(uow, owner) if went_live else None,
    )


def _answer_ticket(uow: SqlUnitOfWork, handoff: Handoff, owner: str, moment: datetime) -> None:
    """Make the ticket a live chat of ``owner``: one conditional UPDATE, staged, not committed.

    Only while it is still the ticket just read, with the same owner (or none): a claim,
    transfer or close that won meanwhile makes the reply fail with ``Conflict`` and nothing
    goes out. ``claimed_at`` is kept (set now if the replier takes an unowned ticket);
    ``opened_as_ticket`` keeps the wait out of the live pick-up times. The chat counts
    towards the agent's ``max_chats`` from now on, but is not refused for it: the agent chose
    to answer. A conversation that meanwhile got another live handoff refuses the change
    (the one-open-handoff index): ``Conflict``.
    """
    values: Dict[str, object] = dict(
        status=HandoffStatus.ASSIGNED,
        assigned_agent_id=owner,
        offered_agent_id=None,
        claimed_at=handoff.claimed_at or moment,
        updated_at=moment,
    )
    handoff_id, conversation_id = handoff.id, handoff.conversation_id
    try:
        changed = uow.handoffs.update_if(
            handoff_id, HandoffStatus.TICKET, handoff.assigned_agent_id, values
        )
    except IntegrityError:  # the index is checked by the UPDATE itself (SQLite, PostgreSQL)
        uow.rollback()
        raise Conflict(
            f"conversation {conversation_id} has another open handoff: answer there"
        ) from None
    if not changed:
        uow.rollback()
        raise Conflict(f"handoff {handoff_id} changed meanwhile; reload and try again")


def queue(uow: SqlUnitOfWork, limit: Optional[int] = None) -> List[Handoff]:
    """Return the open handoffs, highest priority first, then oldest first."""
    return uow.handoffs.list(statuses=OPEN_STATUSES, limit=limit)


def _opened(uow: SqlUnitOfWork, handoff: Handoff, *, created: bool, now: datetime) -> OpenedHandoff:
    return OpenedHandoff(
        handoff_id=handoff.id,
        status=HandoffStatus(handoff.status).value,
        queue_position=uow.handoffs.queue_position(handoff),
        created=created,
        expected_wait_seconds=desk_routing.expected_wait_seconds(uow, handoff, now),
        queue=handoff.queue,
    )


def aware(now: Optional[datetime]) -> datetime:
    """``now``, or the current UTC time; a naive time is refused (``ValueError``)."""
    if now is None:
        return utc_now()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now!r}: pass a timezone-aware time")
    return now
