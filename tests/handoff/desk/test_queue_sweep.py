"""The waiting sweep and the customer's "never mind", on real stores (SQLite and PostgreSQL).

Times are injected: the sweep runs "minutes later" without waiting for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from handoff.desk import queue_sweep
from handoff.desk import service as desk_service
from handoff.desk.queue_sweep import NoticeKind, WaitingRules, cancel_by_customer, sweep
from handoff.desk.waiting import TicketReason, UpdateReason
from handoff.reasons import CUSTOMER_CANCELLED
from handoff.routing.hours import HoursSettings
from handoff.store import HandoffStatus
from tests.handoff.desk_people import add_agent, add_team

# A Monday morning in Berlin; the billing team works 09:00-18:00 there.
START = datetime(2026, 12, 7, 9, 30, tzinfo=timezone.utc)
OFFICE = HoursSettings.parse_obj(
    {"timezone": "Europe/Berlin", "weekly": {day: ["09:00-18:00"] for day in ("mon", "tue")}}
)
RULES = WaitingRules(update_interval=timedelta(minutes=3), timeout=timedelta(minutes=30))


def always_open(team):
    return None


def office_hours(team):
    return OFFICE


def _open(uow, conversation_id: str, at: datetime, language=None) -> str:
    return desk_service.open_handoff(
        uow,
        conversation_id=conversation_id,
        reason="explicit_request",
        context={"summary": "wants a refund"},
        channel="telegram",
        team="billing",
        language=language,
        now=at,
    ).handoff_id


@pytest.fixture
def billing(unit_of_work):
    """The billing team with one online agent, eva; returns eva."""
    with unit_of_work() as uow:
        add_team(uow, "billing")
        return add_agent(uow, "eva", ["billing"], now=START + timedelta(minutes=30))


def test_the_opening_answer_is_what_the_customer_was_told_first(unit_of_work, billing) -> None:
    with unit_of_work() as uow:
        first = _open(uow, "c1", START)
        second = _open(uow, "c2", START + timedelta(seconds=1))
        told = uow.handoffs.get(second)
        assert (told.told_position, told.told_wait, told.told_at) == (
            2,
            240,
            START + timedelta(seconds=1),
        )
        assert uow.handoffs.get(first).told_position == 1


def test_the_customer_hears_a_better_place_once_not_sooner_than_the_interval(
    unit_of_work, billing
) -> None:
    with unit_of_work() as uow:
        ahead = _open(uow, "c1", START)
        waiting = _open(uow, "c2", START + timedelta(seconds=1))
        desk_service.claim(uow, billing, ahead, now=START + timedelta(minutes=1))

        too_soon = sweep(uow, START + timedelta(minutes=2), RULES, always_open)
        due = sweep(uow, START + timedelta(minutes=3, seconds=2), RULES, always_open)
        again = sweep(uow, START + timedelta(minutes=9), RULES, always_open)

    assert too_soon == []
    assert [(n.kind, n.handoff_id, n.reason, n.queue_position) for n in due] == [
        (NoticeKind.UPDATE, waiting, UpdateReason.POSITION_IMPROVED, 1)
    ]
    assert due[0].expected_wait_seconds is not None
    assert again == []  # nothing changed since


def test_a_second_replica_sweeping_the_same_queue_sends_nothing(unit_of_work, billing) -> None:
    with unit_of_work() as uow:
        ahead = _open(uow, "c1", START)
        _open(uow, "c2", START + timedelta(seconds=1))
        desk_service.claim(uow, billing, ahead, now=START + timedelta(minutes=1))
    moment = START + timedelta(minutes=4)
    with unit_of_work() as one, unit_of_work() as two:
        stale = two.handoffs.queued()[0]  # read before the first replica records its update
        assert len(sweep(one, moment, RULES, always_open)) == 1
        assert not two.handoffs.record_told(stale.id, stale.told_at, 1, 120, moment)


def test_a_claim_committed_while_the_sweep_reads_never_tells_a_stale_place(
    unit_of_work, billing, monkeypatch
) -> None:
    """An agent (on any replica) claims the one ahead between the sweep's reads of the place
    and the wait: no "You're now number 2" paired with a wait that already counts the claim."""
    with unit_of_work() as uow:
        ahead = _open(uow, "c1", START)
        waiting = _open(uow, "c2", START + timedelta(seconds=1))
    real_wait = queue_sweep.desk_routing.expected_wait_seconds
    claims = []

    def wait_while_an_agent_claims(uow, handoff, now, position=None):
        if handoff.id == waiting and not claims:
            with unit_of_work() as agent_side:
                claims.append(
                    desk_service.claim(agent_side, billing, ahead, now=START + timedelta(minutes=1))
                )
        return real_wait(uow, handoff, now, position)

    monkeypatch.setattr(
        queue_sweep.desk_routing, "expected_wait_seconds", wait_while_an_agent_claims
    )
    moment = START + timedelta(minutes=4)
    with unit_of_work() as uow:
        torn = sweep(uow, moment, RULES, always_open)
    with unit_of_work() as uow:
        settled = sweep(uow, moment + timedelta(seconds=1), RULES, always_open)

    assert claims and torn == []
    assert [(n.handoff_id, n.reason, n.queue_position) for n in settled] == [
        (waiting, UpdateReason.POSITION_IMPROVED, 1)
    ]


def test_an_agent_has_it_no_more_updates(unit_of_work, billing) -> None:
    with unit_of_work() as uow:
        ahead = _open(uow, "c1", START)
        waiting = _open(uow, "c2", START + timedelta(seconds=1))
        desk_service.claim(uow, billing, ahead, now=START + timedelta(minutes=1))
        desk_service.claim(uow, billing, waiting, now=START + timedelta(minutes=2))
        assert sweep(uow, START + timedelta(minutes=10), RULES, always_open) == []


def test_after_the_timeout_the_handoff_becomes_a_ticket_audited(unit_of_work, billing) -> None:
    with unit_of_work() as uow:
        handoff_id = _open(uow, "c1", START)
        notices = sweep(uow, START + timedelta(minutes=30), RULES, office_hours)
        handoff = uow.handoffs.get(handoff_id)
        entries = uow.audit.entries(handoff_id)

    assert [(n.kind, n.reason, n.back_at) for n in notices] == [
        (NoticeKind.TICKET, TicketReason.TIMEOUT, None)  # open: "as soon as one is free"
    ]
    assert (HandoffStatus(handoff.status), handoff.closed_at) == (HandoffStatus.TICKET, None)
    assert [(e.action, e.actor, e.details["reason"]) for e in entries] == [
        ("ticket", queue_sweep.WAITING.name, TicketReason.TIMEOUT)
    ]


def test_when_the_team_closes_the_customer_hears_when_it_is_back(unit_of_work, billing) -> None:
    evening = datetime(2026, 12, 8, 16, 59, tzinfo=timezone.utc)  # Tuesday 17:59 in Berlin
    rules = WaitingRules(timeout=None)
    with unit_of_work() as uow:
        add_agent(uow, "otto", ["billing"], now=evening)  # online, so the handoff is queued
        _open(uow, "c1", evening)
        assert sweep(uow, evening, rules, office_hours) == []
        notices = sweep(uow, evening + timedelta(minutes=2), rules, office_hours)
    assert [(n.reason, n.back_at) for n in notices] == [
        (TicketReason.TEAM_CLOSED, "Monday 14 December at 09:00 (CET)")
    ]


def test_a_german_customer_hears_when_the_team_is_back_in_german(unit_of_work, billing) -> None:
    evening = datetime(2026, 12, 8, 16, 59, tzinfo=timezone.utc)  # Tuesday 17:59 in Berlin
    with unit_of_work() as uow:
        add_agent(uow, "otto", ["billing"], now=evening)
        _open(uow, "c1", evening, language="de")
        notices = sweep(
            uow, evening + timedelta(minutes=2), WaitingRules(timeout=None), office_hours
        )
    assert [(n.language, n.back_at) for n in notices] == [
        ("de", "am Montag, 14. Dezember um 09:00 (CET)")
    ]


def test_a_claim_wins_over_a_ticket_decided_on_a_stale_read(unit_of_work, billing) -> None:
    with unit_of_work() as uow:
        handoff_id = _open(uow, "c1", START)
    with unit_of_work() as sweeper:
        sweeper.handoffs.queued()  # the sweep has read the queue ...
        with unit_of_work() as desk:  # ... when eva claims it
            desk_service.claim(desk, billing, handoff_id, now=START + timedelta(minutes=29))
        assert sweep(sweeper, START + timedelta(minutes=31), RULES, always_open) == []
        assert HandoffStatus(sweeper.handoffs.get(handoff_id).status) is HandoffStatus.ASSIGNED


def test_never_mind_closes_a_queued_handoff_as_cancelled_by_the_customer(
    unit_of_work, billing
) -> None:
    with unit_of_work() as uow:
        handoff_id = _open(uow, "c1", START)
        closed = cancel_by_customer(uow, handoff_id, now=START + timedelta(minutes=1))
        assert (HandoffStatus(closed.status), closed.outcome) == (
            HandoffStatus.CLOSED,
            CUSTOMER_CANCELLED,
        )
        assert closed.closed_at == START + timedelta(minutes=1)
        assert uow.handoffs.open_route("c1") is None
        actions = [e.action for e in uow.audit.entries(handoff_id)]
        assert actions == ["cancel"]
        with pytest.raises(desk_service.HandoffNotOpen):
            cancel_by_customer(uow, handoff_id, now=START + timedelta(minutes=2))


def test_never_mind_does_not_take_the_chat_from_an_agent(unit_of_work, billing) -> None:
    with unit_of_work() as uow:
        handoff_id = _open(uow, "c1", START)
        desk_service.claim(uow, billing, handoff_id, now=START + timedelta(minutes=1))
        with pytest.raises(desk_service.HandoffNotOpen):
            cancel_by_customer(uow, handoff_id, now=START + timedelta(minutes=2))
        assert HandoffStatus(uow.handoffs.get(handoff_id).status) is HandoffStatus.ASSIGNED
        with pytest.raises(desk_service.HandoffNotFound):
            cancel_by_customer(uow, "nope", now=START)


def test_a_chat_transferred_to_another_queue_waits_its_timeout_anew(unit_of_work, billing) -> None:
    with unit_of_work() as uow:
        add_team(uow, "orders")
        handoff_id = _open(uow, "c1", START)
        desk_service.claim(uow, billing, handoff_id, now=START + timedelta(minutes=1))
        moved = START + timedelta(minutes=40)  # after a long chat, to the orders team's queue
        desk_service.transfer(uow, billing, handoff_id, team="orders", now=moved)

        assert sweep(uow, moved + timedelta(minutes=29), RULES, always_open) == []
        (ticket,) = sweep(uow, moved + timedelta(minutes=30), RULES, always_open)
    assert (ticket.handoff_id, ticket.reason) == (handoff_id, TicketReason.TIMEOUT)
