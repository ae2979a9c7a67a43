from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from handoff.desk import service as desk_service

SUBMITTERS = 20


def test_simultaneous_submissions_open_exactly_one_handoff(unit_of_work) -> None:
    start = threading.Barrier(SUBMITTERS)

    def submit(number: int) -> desk_service.OpenedHandoff:
        start.wait(timeout=30)
        with unit_of_work() as uow:
            return desk_service.open_handoff(
                uow,
                conversation_id="busy-conversation",
                reason="explicit_request",
                context={"submitter": number},
                channel="rest",
            )

    with ThreadPoolExecutor(max_workers=SUBMITTERS) as pool:
        results = list(pool.map(submit, range(SUBMITTERS)))

    assert len({result.handoff_id for result in results}) == 1
    assert sum(result.created for result in results) == 1
    assert all(result.queue_position == 1 for result in results)
    with unit_of_work() as uow:
        stored = uow.handoffs.list()
        assert [h.id for h in stored] == [results[0].handoff_id]


def test_simultaneous_handbacks_close_the_handoff_once(unit_of_work) -> None:
    with unit_of_work() as uow:
        opened = desk_service.open_handoff(
            uow, conversation_id="double-click", reason="explicit_request", context={}
        )
    start = threading.Barrier(8)

    def hand_back(_: int) -> str:
        start.wait(timeout=30)
        with unit_of_work() as uow:
            try:
                return desk_service.hand_back(uow, opened.handoff_id).status
            except desk_service.HandoffNotOpen:
                return "refused"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(hand_back, range(8)))

    assert outcomes.count("handed_back") == 1
    assert outcomes.count("refused") == 7
