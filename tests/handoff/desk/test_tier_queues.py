"""The queues of one team: each customer is told their place and wait in their own queue.

Routing puts an enterprise customer in the ``senior`` queue and everybody else in
``standard`` (``routing.queues``); both are the billing team's, served by its agents.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from handoff.desk import offers
from handoff.desk import service as desk_service
from handoff.desk.accounts import SERVICE
from tests.handoff.desk_people import add_agent, add_team

NOW = datetime.now(timezone.utc)


def _open(uow, conversation_id: str, queue, seconds_ago: int, priority: int = 0):
    return desk_service.open_handoff(
        uow,
        conversation_id=conversation_id,
        reason="explicit_request",
        context={"summary": "wants a refund"},
        team="billing",
        queue=queue,
        priority=priority,
        now=NOW - timedelta(seconds=seconds_ago),
    )


def _queued(unit_of_work):
    with unit_of_work() as uow:
        add_team(uow, "billing")
        add_team(uow, "sales")  # no agents: its queue stays live
        add_agent(uow, "eva", ["billing"], max_chats=1, now=NOW)  # one agent online
        standard = [_open(uow, f"s{n}", "standard", 60 - n) for n in range(3)]
        senior = _open(uow, "vip", "senior", 10, priority=2)  # the newest of all
        other_team = desk_service.open_handoff(
            uow, conversation_id="x", reason="explicit_request", context={}, team="sales",
            queue="senior", now=NOW - timedelta(seconds=90),
        )  # fmt: skip
    return standard, senior, other_team


def test_two_queues_of_one_team_count_their_own_places(unit_of_work) -> None:
    standard, senior, other_team = _queued(unit_of_work)

    # The enterprise customer is number 1 in the senior queue while three wait in standard;
    # another team's senior queue is not ahead of them.
    assert [opened.queue_position for opened in standard] == [1, 2, 3]
    assert (senior.queue, senior.queue_position) == ("senior", 1)
    assert (other_team.queue, other_team.queue_position) == ("senior", 1)
    with unit_of_work() as uow:
        stored = uow.handoffs.get(senior.handoff_id)
        assert stored.queue == "senior"
        assert uow.handoffs.queue_position(stored) == 1
        # The team's agents still see one list, priority first, across its queues.
        order = [h.conversation_id for h in uow.handoffs.queued_for_team("billing")]
        assert order == ["vip", "s0", "s1", "s2"]


def test_the_expected_wait_is_per_queue(unit_of_work) -> None:
    standard, senior, _ = _queued(unit_of_work)

    with unit_of_work() as uow:
        waits = {
            opened.handoff_id: offers.expected_wait_seconds(
                uow, uow.handoffs.get(opened.handoff_id), NOW
            )
            for opened in (*standard, senior)
        }
    # No history: DEFAULT_WAIT_SECONDS a round, one agent online, one customer a round.
    rounds = offers.DEFAULT_WAIT_SECONDS
    assert [waits[opened.handoff_id] for opened in standard] == [rounds, 2 * rounds, 3 * rounds]
    assert waits[senior.handoff_id] == rounds  # first in its own queue, not fourth


def test_the_desk_lists_one_queue(unit_of_work) -> None:
    _, senior, _ = _queued(unit_of_work)

    with unit_of_work() as uow:
        listed = uow.handoffs.for_teams(["queued"], ["billing"], queue="senior")
        everyone = uow.handoffs.for_teams(["queued"], ["billing"])
    assert [h.id for h in listed] == [senior.handoff_id]
    assert len(everyone) == 4


def test_a_team_transfer_keeps_the_customers_queue(unit_of_work) -> None:
    _, senior, other_team = _queued(unit_of_work)

    with unit_of_work() as uow:
        moved = desk_service.transfer(uow, SERVICE, senior.handoff_id, team="sales", now=NOW)
        # In the sales team's senior queue now, ahead of its earlier customer by priority.
        assert (moved.team, moved.queue) == ("sales", "senior")
        assert uow.handoffs.queue_position(moved) == 1
        assert uow.handoffs.queue_position(uow.handoffs.get(other_team.handoff_id)) == 2
