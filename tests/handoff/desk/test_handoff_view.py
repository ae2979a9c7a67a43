from __future__ import annotations

import json
from datetime import datetime, timezone

from connectors.agent_desk.views import handoff_view
from handoff.desk import service as desk_service

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
CONTEXT = {"conversation_id": "c1", "summary": "wants a refund", "turns": [{"text": "hi"}]}


def _stored_handoff(unit_of_work):
    with unit_of_work() as uow:
        opened = desk_service.open_handoff(
            uow, conversation_id="c1", reason="frustration", context=CONTEXT, now=T0
        )
    with unit_of_work() as uow:
        return uow.handoffs.get(opened.handoff_id)


def test_view_is_json_safe_and_hides_the_context(unit_of_work) -> None:
    handoff = _stored_handoff(unit_of_work)

    view = json.loads(json.dumps(handoff_view(handoff)))

    assert "context" not in view
    assert "queue_position" not in view
    assert view == {
        "id": handoff.id,
        "conversation_id": "c1",
        "status": "queued",
        "reason": "frustration",
        "team": None,
        "queue": None,
        "priority": 0,
        "channel": None,
        "created_at": "2024-05-01T09:00:00+00:00",
        "updated_at": "2024-05-01T09:00:00+00:00",
        "closed_at": None,
    }


def test_view_with_context_and_position(unit_of_work) -> None:
    handoff = _stored_handoff(unit_of_work)

    view = json.loads(json.dumps(handoff_view(handoff, with_context=True, queue_position=1)))

    assert view["context"] == CONTEXT
    assert view["queue_position"] == 1


def test_view_of_a_handed_back_handoff(unit_of_work) -> None:
    handoff = _stored_handoff(unit_of_work)
    with unit_of_work() as uow:
        closed = desk_service.hand_back(uow, handoff.id, now=T0.replace(minute=7))
        view = handoff_view(closed)

    assert view["status"] == "handed_back"
    assert view["closed_at"] == "2024-05-01T09:07:00+00:00"
    json.dumps(view)
