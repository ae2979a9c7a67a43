"""Claiming, working and closing handoffs through the desk service, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from handoff.desk import records as desk_records
from handoff.desk import service as desk_service
from handoff.desk.accounts import SERVICE
from handoff.desk.errors import Conflict, InvalidField, NotAllowed
from handoff.store import HandoffStatus
from tests.handoff.desk_people import add_agent, add_team

CLAIMS = 1000
AGENTS = 25


def _open(uow, conversation_id: str = "c1", team: str = "billing", **options):
    return desk_service.open_handoff(
        uow,
        conversation_id=conversation_id,
        reason="explicit_request",
        context={"summary": "wants a refund", "signals": [{"name": "topic", "value": "refund"}]},
        channel="rest",
        team=team,
        **options,
    )


@pytest.fixture
def billing(unit_of_work):
    with unit_of_work() as uow:
        add_team(uow, "billing")
        add_team(uow, "sales")
    return unit_of_work


def test_a_thousand_simultaneous_claims_have_exactly_one_winner(billing) -> None:
    with billing() as uow:
        agents = [add_agent(uow, f"agent{n:02d}", ["billing"]) for n in range(AGENTS)]
        opened = _open(uow)
    start = threading.Barrier(AGENTS)

    def attempt(number: int) -> str:
        agent = agents[number % AGENTS]
        if number < AGENTS:
            start.wait(timeout=60)  # the first wave hits the UPDATE at the same moment
        with billing() as uow:
            try:
                desk_service.claim(uow, agent, opened.handoff_id)
                return f"won:{agent.id}"
            except Conflict as refused:
                return str(refused)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=AGENTS) as pool:
        outcomes = list(pool.map(attempt, range(CLAIMS)))
    elapsed = time.perf_counter() - began

    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(winners) == 1, winners
    winner_id = winners[0].removeprefix("won:")
    winner = next(a for a in agents if a.id == winner_id)
    assert outcomes.count(f"already claimed by {winner.name}") == CLAIMS - 1
    with billing() as uow:
        stored = uow.handoffs.get(opened.handoff_id)
        assert (stored.status, stored.assigned_agent_id) == (HandoffStatus.ASSIGNED, winner_id)
        assert stored.claimed_at is not None
        assert len(uow.audit.entries(opened.handoff_id, "claim")) == 1
    print(f"\n{CLAIMS} claims in {elapsed:.2f}s ({CLAIMS / elapsed:.0f}/s)")


def test_another_teams_agent_cannot_see_claim_or_note(billing) -> None:
    with billing() as uow:
        seller = add_agent(uow, "sam", ["sales"])
        add_agent(uow, "anna", ["billing"])
        opened = _open(uow)
    for act in (
        lambda uow: desk_service.visible_handoff(uow, seller, opened.handoff_id),
        lambda uow: desk_service.claim(uow, seller, opened.handoff_id),
        lambda uow: desk_records.add_note(uow, seller, opened.handoff_id, "hi"),
        lambda uow: desk_service.close(uow, seller, opened.handoff_id),
    ):
        with pytest.raises(NotAllowed, match="belongs to team billing"), billing() as uow:
            act(uow)
    with billing() as uow:
        assert [h.id for h in uow.handoffs.for_teams(["queued"], seller.teams)] == []
        assert uow.handoffs.get(opened.handoff_id).status == HandoffStatus.QUEUED


def test_claimed_handoff_is_not_another_agents_to_close(billing) -> None:
    with billing() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        bert = add_agent(uow, "bert", ["billing"])
        opened = _open(uow)
        desk_service.claim(uow, anna, opened.handoff_id)
    with pytest.raises(NotAllowed, match="assigned to Anna"), billing() as uow:
        desk_service.close(uow, bert, opened.handoff_id)
    with pytest.raises(Conflict, match="already claimed by Anna"), billing() as uow:
        desk_service.claim(uow, bert, opened.handoff_id)


def test_transfer_to_team_requeues_and_to_agent_respects_capacity(billing) -> None:
    with billing() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        full = add_agent(uow, "fred", ["billing"], max_chats=1)
        add_agent(uow, "sam", ["sales"])
        busy = _open(uow, "busy")
        opened = _open(uow, "c1")
        desk_service.transfer(uow, SERVICE, busy.handoff_id, agent_id=full.id)
        desk_service.claim(uow, anna, opened.handoff_id)
    with pytest.raises(Conflict, match="Fred is at capacity"), billing() as uow:
        desk_service.transfer(uow, anna, opened.handoff_id, agent_id=full.id)
    with pytest.raises(InvalidField, match="team: unknown team 'nope'"), billing() as uow:
        desk_service.transfer(uow, anna, opened.handoff_id, team="nope")

    with billing() as uow:
        moved = desk_service.transfer(uow, anna, opened.handoff_id, team="sales")
        assert (moved.status, moved.team, moved.assigned_agent_id) == ("queued", "sales", None)
        assert uow.handoffs.get(opened.handoff_id).offered_agent_id is not None  # sam is online


def test_a_conversation_is_handed_off_again_after_handback(billing) -> None:
    with billing() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        first = _open(uow)
        desk_service.claim(uow, anna, first.handoff_id)
        desk_service.hand_back(uow, first.handoff_id, actor=anna)
    with pytest.raises(desk_service.HandoffNotOpen), billing() as uow:
        desk_service.close(uow, anna, first.handoff_id)
    with billing() as uow:
        second = _open(uow)
        assert second.created and second.handoff_id != first.handoff_id
        assert second.status == "queued"
        assert [e.action for e in uow.audit.entries(first.handoff_id)] == ["claim", "handback"]


def test_nobody_online_makes_a_ticket_that_can_be_claimed_and_closed(billing) -> None:
    with billing() as uow:
        anna = add_agent(uow, "anna", ["billing"], online=False)
        opened = _open(uow)
    assert (opened.status, opened.queue_position, opened.expected_wait_seconds) == (
        "ticket",
        None,
        None,
    )
    with billing() as uow:
        claimed = desk_service.claim(uow, anna, opened.handoff_id)
        assert (claimed.status, claimed.assigned_agent_id) == (HandoffStatus.TICKET, anna.id)
        closed = desk_service.close(uow, anna, opened.handoff_id)
        assert closed.status == HandoffStatus.RESOLVED


def test_team_without_agents_keeps_its_live_queue_and_a_default_wait(billing) -> None:
    with billing() as uow:
        opened = _open(uow, team="sales")
    assert (opened.status, opened.queue_position, opened.expected_wait_seconds) == (
        "queued",
        1,
        120,
    )


def test_routing_offers_the_least_busy_online_agent(billing) -> None:
    with billing() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        bert = add_agent(uow, "bert", ["billing"])
        add_agent(uow, "carl", ["billing"], online=False)
        first = _open(uow, "c1")
        desk_service.claim(uow, anna, first.handoff_id)
        second = _open(uow, "c2")
        assert uow.handoffs.get(second.handoff_id).offered_agent_id == bert.id


def test_decisions_are_stored_from_the_service_token_only(billing) -> None:
    record = desk_records.DecisionRecord(conversation_id="c1", decision="offer_declined")
    with billing() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        desk_records.record_decision(uow, SERVICE, record)
        with pytest.raises(NotAllowed):
            desk_records.record_decision(uow, anna, record)
    with billing() as uow:
        assert [d.decision.value for d in uow.decisions.for_conversation("c1")] == [
            "offer_declined"
        ]
