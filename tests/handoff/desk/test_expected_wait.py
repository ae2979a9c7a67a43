"""The wait promised to a queued customer comes from live chats' observed pick-up times.

Tickets are answered hours later by design (overnight, after a holiday); were their waits
counted, every live customer would be promised far too long a wait.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from handoff.desk import offers
from handoff.desk import service as desk_service
from tests.handoff.desk_people import add_agent, add_team

START = datetime.now(timezone.utc) - timedelta(hours=12)


def _open(uow, conversation_id: str, at: datetime, ticket: bool = False):
    return desk_service.open_handoff(
        uow,
        conversation_id=conversation_id,
        reason="explicit_request",
        context={"summary": "wants a refund"},
        channel="telegram",
        team="billing",
        ticket=ticket,
        now=at,
    )


def _served(uow, agent, conversation_id: str, waited: timedelta, ticket: bool = False) -> None:
    opened = _open(uow, conversation_id, START, ticket=ticket)
    desk_service.claim(uow, agent, opened.handoff_id, now=START + waited)
    desk_service.close(uow, agent, opened.handoff_id, now=START + waited + timedelta(minutes=5))


def test_the_expected_wait_is_the_median_of_live_pick_ups_and_ignores_answered_tickets(
    unit_of_work,
) -> None:
    with unit_of_work() as uow:
        add_team(uow, "billing")
        agent = add_agent(uow, "eva", ["billing"], max_chats=5)
        for n, seconds in enumerate([60, 120, 180]):  # observed live pick-ups
            _served(uow, agent, f"live{n}", timedelta(seconds=seconds))
        # An overnight ticket, answered and closed ten hours later: now "resolved" as well.
        _served(uow, agent, "overnight", timedelta(hours=10), ticket=True)

        now = datetime.now(timezone.utc)
        add_agent(uow, "otto", ["billing"], now=now)  # eva and otto are online
        first = _open(uow, "waiting1", now - timedelta(seconds=3))  # queued in this order
        second = _open(uow, "waiting2", now - timedelta(seconds=2))
        third = _open(uow, "waiting3", now - timedelta(seconds=1))
        waits = [
            offers.expected_wait_seconds(uow, uow.handoffs.get(opened.handoff_id), now)
            for opened in (first, second, third)
        ]
    # Median 120 s; two agents online serve places 1-2 in the first round, 3 in the second.
    assert waits == [120, 120, 240]
    assert first.expected_wait_seconds == 120
