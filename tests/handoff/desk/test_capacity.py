"""An agent takes at most ``max_chats`` live chats; a supervisor may go past it on purpose."""

from __future__ import annotations

import pytest

from handoff.desk import service as desk_service
from handoff.desk.errors import Conflict, NotAllowed
from handoff.store import HandoffStatus
from handoff.store.desk_models import AgentRole
from tests.handoff.desk_people import add_agent, add_team, open_billing_handoff


@pytest.fixture
def billing(unit_of_work):
    with unit_of_work() as uow:
        add_team(uow, "billing")
    return unit_of_work


def test_a_claim_beyond_max_chats_is_refused_with_the_reason(billing) -> None:
    with billing() as uow:
        eva = add_agent(uow, "eva", ["billing"], max_chats=2)
        first, second, third = (open_billing_handoff(uow, f"c{n}") for n in range(3))
        desk_service.claim(uow, eva, first)
        desk_service.claim(uow, eva, second)
        with pytest.raises(Conflict, match=r"Eva is at capacity \(2 of 2 chats\)"):
            desk_service.claim(uow, eva, third)
        assert uow.handoffs.get(third).status == HandoffStatus.QUEUED
        desk_service.hand_back(uow, first)  # one chat less: she can take the next
        assert desk_service.claim(uow, eva, third).assigned_agent_id == eva.id


def test_tickets_are_not_chats(billing) -> None:
    with billing() as uow:
        eva = add_agent(uow, "eva", ["billing"], max_chats=1)
        desk_service.claim(uow, eva, open_billing_handoff(uow, "live"))
        ticket = desk_service.claim(uow, eva, open_billing_handoff(uow, "offline", ticket=True))
        assert (ticket.status, ticket.assigned_agent_id) == (HandoffStatus.TICKET, eva.id)


def test_a_supervisor_may_claim_beyond_capacity_and_it_is_audited(billing) -> None:
    with billing() as uow:
        lea = add_agent(uow, "lea", ["billing"], role=AgentRole.SUPERVISOR, max_chats=1)
        desk_service.claim(uow, lea, open_billing_handoff(uow, "c1"))
        with pytest.raises(Conflict, match="at capacity"):
            desk_service.claim(uow, lea, open_billing_handoff(uow, "c2"))
        taken = desk_service.claim(uow, lea, open_billing_handoff(uow, "c3"), beyond_capacity=True)
        assert taken.assigned_agent_id == lea.id
        (entry,) = uow.audit.entries(handoff_id=taken.id, action="claim")
        assert entry.details == {"beyond_capacity": True}


def test_an_agent_may_not_override_the_capacity(billing) -> None:
    with billing() as uow:
        eva = add_agent(uow, "eva", ["billing"], max_chats=1)
        with pytest.raises(NotAllowed, match="only a supervisor or an admin"):
            desk_service.claim(uow, eva, open_billing_handoff(uow, "c1"), beyond_capacity=True)
