"""A ticket an agent answers becomes a live chat with them, on SQLite and PostgreSQL (#19)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from handoff.desk import service as desk_service
from handoff.desk.accounts import SERVICE
from handoff.desk.errors import Conflict
from handoff.store import HandoffStatus
from handoff.store.desk_models import AgentRole
from tests.handoff.desk_people import add_agent, add_team, open_billing_handoff

NIGHT = datetime(2026, 12, 5, 22, 0, tzinfo=timezone.utc)
MORNING = NIGHT + timedelta(hours=10)


@pytest.fixture
def billing(unit_of_work):
    with unit_of_work() as uow:
        add_team(uow, "billing")
    return unit_of_work


def _overnight_ticket(uow, conversation_id: str = "telegram:42") -> str:
    return desk_service.open_handoff(
        uow,
        conversation_id=conversation_id,
        reason="explicit_request",
        context={"summary": "wants a refund"},
        channel="telegram",
        team="billing",
        ticket=True,
        now=NIGHT,
    ).handoff_id


def test_the_owners_first_reply_makes_the_ticket_a_live_chat(billing) -> None:
    with billing() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        ticket = _overnight_ticket(uow)
        desk_service.claim(uow, anna, ticket, now=MORNING)
        assert uow.handoffs.open_route("telegram:42") is None  # claimed, not yet answered

        first = desk_service.reply(uow, anna, ticket, "Hello, Anna here.", now=MORNING)
        again = desk_service.reply(uow, anna, ticket, "Which order?", now=MORNING)

    assert (first.went_live, first.agent_id, first.agent_name) == (True, anna.id, "Anna")
    assert (again.went_live, again.agent_id) == (False, None)
    with billing() as uow:
        live = uow.handoffs.get(ticket)
        assert (live.status, live.assigned_agent_id) == (HandoffStatus.ASSIGNED, anna.id)
        assert live.claimed_at == MORNING and live.opened_as_ticket is True
        assert uow.handoffs.open_route("telegram:42") == (ticket, "billing")  # relayed now
        assert uow.agents.open_chats([anna.id]) == {anna.id: 1}  # a chat from now on
        details = [e.details for e in uow.audit.entries(ticket, action="reply")]
        assert details == [{"length": 17, "went_live": True}, {"length": 12}]


def test_an_answered_ticket_is_handed_back_or_closed_like_a_live_chat(billing) -> None:
    with billing() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        handed, closed = _overnight_ticket(uow, "c1"), _overnight_ticket(uow, "c2")
        for ticket in (handed, closed):
            desk_service.claim(uow, anna, ticket, now=MORNING)
            desk_service.reply(uow, anna, ticket, "Hello", now=MORNING)

        left = desk_service.handback_target(uow, anna, handed)
        assert (left.conversation_id, left.agent_name) == ("c1", "Anna")
        back = desk_service.hand_back(uow, handed, actor=anna, now=MORNING)
        done = desk_service.close(uow, anna, closed, now=MORNING)

    assert (back.status, done.status) == (HandoffStatus.HANDED_BACK, HandoffStatus.RESOLVED)


def test_an_unanswered_ticket_still_cannot_be_handed_back(billing) -> None:
    with billing() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        ticket = _overnight_ticket(uow)
        desk_service.claim(uow, anna, ticket, now=MORNING)
        with pytest.raises(desk_service.HandoffNotOpen, match="is a ticket"):
            desk_service.handback_target(uow, anna, ticket)


def test_an_overnight_wait_stays_out_of_the_live_pick_up_times(billing) -> None:
    with billing() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        ticket = _overnight_ticket(uow)
        desk_service.claim(uow, anna, ticket, now=MORNING)
        desk_service.reply(uow, anna, ticket, "Hello", now=MORNING)
        live = open_billing_handoff(uow, "c-live")
        desk_service.claim(uow, anna, live)

        waits = uow.handoffs.recent_waits("billing")

    assert len(waits) == 1 and waits[0] < 60  # the live one only, not ten hours


def test_a_supervisor_answering_an_unowned_ticket_takes_it(billing) -> None:
    with billing() as uow:
        lea = add_agent(uow, "lea", ["billing"], role=AgentRole.SUPERVISOR)
        ticket = _overnight_ticket(uow)

        target = desk_service.reply(uow, lea, ticket, "Hello, Lea here.", now=MORNING)

        live = uow.handoffs.get(ticket)
    assert target.went_live and target.agent_id == lea.id
    assert (live.status, live.assigned_agent_id, live.claimed_at) == (
        HandoffStatus.ASSIGNED,
        lea.id,
        MORNING,
    )


def test_the_service_token_has_no_seat_in_a_chat(billing) -> None:
    with billing() as uow:
        ticket = _overnight_ticket(uow)

        target = desk_service.reply(uow, SERVICE, ticket, "We are on it.", now=MORNING)

        assert not target.went_live
        still = uow.handoffs.get(ticket)
        assert (still.status, still.assigned_agent_id) == (HandoffStatus.TICKET, None)


def test_a_ticket_whose_conversation_went_live_elsewhere_is_refused(billing) -> None:
    """The customer came back in business hours and is already queued: answer there."""
    with billing() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        ticket = _overnight_ticket(uow, "c1")
        desk_service.claim(uow, anna, ticket, now=MORNING)
        queued = open_billing_handoff(uow, "c1")
        assert queued != ticket

        with pytest.raises(Conflict, match="has another open handoff"):
            desk_service.reply(uow, anna, ticket, "Hello", now=MORNING)

    with billing() as uow:
        assert uow.handoffs.get(ticket).status == HandoffStatus.TICKET
        assert uow.audit.entries(ticket, action="reply") == []
