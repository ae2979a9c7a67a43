from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from handoff.desk import service as desk_service
from handoff.store import HandoffStatus

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)


def _open(uow, conversation_id: str, minutes: int = 0, **options) -> desk_service.OpenedHandoff:
    return desk_service.open_handoff(
        uow,
        conversation_id=conversation_id,
        reason=options.pop("reason", "explicit_request"),
        context=options.pop("context", {"conversation_id": conversation_id}),
        channel=options.pop("channel", "rest"),
        now=T0 + timedelta(minutes=minutes),
        **options,
    )


def test_open_handoff_is_idempotent_per_conversation(unit_of_work) -> None:
    with unit_of_work() as uow:
        first = _open(uow, "c1", team="billing", priority=2)
    with unit_of_work() as uow:
        again = _open(uow, "c1", minutes=5, reason="frustration")

    assert first.created is True  # the desk answers 201
    assert again.created is False  # ... and 200 for the repeat
    assert again.handoff_id == first.handoff_id
    assert (first.status, first.queue_position) == ("queued", 1)
    assert again.queue_position == 1

    with unit_of_work() as uow:
        stored = uow.handoffs.list()
        assert len(stored) == 1
        handoff = stored[0]
        # The repeat changed nothing: the first submission's data stands.
        assert handoff.reason == "explicit_request"
        assert (handoff.team, handoff.priority, handoff.channel) == ("billing", 2, "rest")
        assert handoff.context == {"conversation_id": "c1"}
        assert handoff.created_at == T0


def test_after_hand_back_a_new_handoff_can_be_opened(unit_of_work) -> None:
    with unit_of_work() as uow:
        first = _open(uow, "c1")
    with unit_of_work() as uow:
        closed = desk_service.hand_back(uow, first.handoff_id, now=T0 + timedelta(minutes=9))
        assert closed.status == HandoffStatus.HANDED_BACK
        assert closed.closed_at == T0 + timedelta(minutes=9)
        assert closed.updated_at == closed.closed_at

    with unit_of_work() as uow:
        second = _open(uow, "c1", minutes=10)
    assert second.created is True
    assert second.handoff_id != first.handoff_id

    with unit_of_work() as uow:
        stored = uow.handoffs.get(first.handoff_id)
        assert stored is not None and stored.status == HandoffStatus.HANDED_BACK
        assert stored.closed_at == T0 + timedelta(minutes=9)
        assert [h.id for h in desk_service.queue(uow)] == [second.handoff_id]


def test_a_channel_sees_who_has_the_conversation_only_while_the_handoff_is_open(
    unit_of_work,
) -> None:
    with unit_of_work() as uow:
        assert uow.handoffs.open_route("c1") is None
        opened = _open(uow, "c1", team="billing")
    with unit_of_work() as uow:
        assert uow.handoffs.open_route("c1") == (opened.handoff_id, "billing")
        assert uow.handoffs.open_route("c2") is None
        desk_service.hand_back(uow, opened.handoff_id, now=T0 + timedelta(minutes=3))
    with unit_of_work() as uow:
        assert uow.handoffs.open_route("c1") is None


def test_queue_is_by_priority_then_oldest_first(unit_of_work) -> None:
    with unit_of_work() as uow:
        old = _open(uow, "old", minutes=0)
        new = _open(uow, "new", minutes=5)
        urgent = _open(uow, "urgent", minutes=9, priority=5)
        assigned = _open(uow, "assigned", minutes=1)
        done = _open(uow, "done", minutes=2)
        desk_service.hand_back(uow, done.handoff_id, now=T0 + timedelta(minutes=3))

    # Positions were reported at submission time, before "urgent" jumped the queue.
    assert (old.queue_position, new.queue_position, urgent.queue_position) == (1, 2, 1)

    with unit_of_work() as uow:
        handoff = uow.handoffs.get(assigned.handoff_id)
        handoff.status = HandoffStatus.ASSIGNED
        uow.commit()

    with unit_of_work() as uow:
        queue = desk_service.queue(uow)
        assert [h.conversation_id for h in queue] == ["urgent", "old", "assigned", "new"]
        positions = {h.conversation_id: uow.handoffs.queue_position(h) for h in queue}
        assert positions == {"urgent": 1, "old": 2, "assigned": None, "new": 3}
        assert [h.conversation_id for h in desk_service.queue(uow, limit=2)] == ["urgent", "old"]
        queued_only = uow.handoffs.list(statuses=[HandoffStatus.QUEUED])
        assert [h.conversation_id for h in queued_only] == ["urgent", "old", "new"]
        closed = uow.handoffs.list(statuses=[HandoffStatus.HANDED_BACK])
        assert [h.conversation_id for h in closed] == ["done"]

    with unit_of_work() as uow:
        repeat = _open(uow, "assigned", minutes=20)
    assert (repeat.created, repeat.status, repeat.queue_position) == (False, "assigned", None)


def test_hand_back_of_unknown_handoff_is_not_found(unit_of_work) -> None:
    with pytest.raises(desk_service.HandoffNotFound), unit_of_work() as uow:
        desk_service.hand_back(uow, "0" * 32)


def test_second_hand_back_is_refused(unit_of_work) -> None:
    with unit_of_work() as uow:
        opened = _open(uow, "c1")
        desk_service.hand_back(uow, opened.handoff_id)
    with pytest.raises(desk_service.HandoffNotOpen), unit_of_work() as uow:
        desk_service.hand_back(uow, opened.handoff_id)

    with unit_of_work() as uow:
        assert uow.handoffs.get(opened.handoff_id).status == HandoffStatus.HANDED_BACK


def test_open_statuses_are_queued_and_assigned() -> None:
    assert desk_service.OPEN_STATUSES == {HandoffStatus.QUEUED, HandoffStatus.ASSIGNED}


def test_naive_now_is_refused(unit_of_work) -> None:
    with pytest.raises(ValueError, match="naive"), unit_of_work() as uow:
        desk_service.open_handoff(
            uow, conversation_id="c1", reason="looping", context={}, now=datetime(2024, 5, 1)
        )


def test_outside_hours_a_ticket_is_stored_once_and_stays_out_of_the_live_queue(unit_of_work):
    def submit(**kwargs):
        with unit_of_work() as uow:
            return desk_service.open_handoff(
                uow,
                conversation_id="after-hours",
                reason="sensitive_topic",
                context={"summary": "refund"},
                team="billing",
                priority=1,
                **kwargs,
            )

    first = submit(ticket=True)
    again = submit(ticket=True)

    assert (first.status, first.created, first.queue_position) == ("ticket", True, None)
    assert (again.handoff_id, again.created) == (first.handoff_id, False)
    with unit_of_work() as uow:
        assert desk_service.queue(uow) == []
        stored = uow.handoffs.get(first.handoff_id)
        assert (stored.team, stored.priority) == ("billing", 1)
