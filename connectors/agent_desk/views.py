"""How a handoff looks in the desk API's JSON (Rasa-free, so it is tested on its own).

The list shows handoffs without their context package, which can be large and holds the
customer's personal data; only the single-handoff view (``with_context=True``) carries it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional

from handoff.context import AGENT_METADATA_KEY, EXTERNAL_MESSAGE_PREFIX
from handoff.desk import offers as desk_routing
from handoff.store import Handoff, HandoffStatus
from handoff.store.models import utc_now

MEDIA_METADATA_KEY = "media"  # as connectors.bridge.MEDIA_METADATA_KEY (Rasa-free here)


def handoff_view(
    handoff: Handoff, with_context: bool = False, queue_position: Optional[int] = None
) -> Dict[str, Any]:
    """Return the handoff as a JSON-safe dict (times as ISO-8601 strings with ``+00:00``).

    ``queue_position`` is added only when the caller knows it (it needs a query); ``context``
    only when ``with_context`` is true.
    """
    view: Dict[str, Any] = {
        "id": handoff.id,
        "conversation_id": handoff.conversation_id,
        "status": HandoffStatus(handoff.status).value,
        "reason": handoff.reason,
        "team": handoff.team,
        "queue": handoff.queue,
        "priority": handoff.priority,
        "channel": handoff.channel,
        "created_at": _iso(handoff.created_at),
        "updated_at": _iso(handoff.updated_at),
        "closed_at": _iso(handoff.closed_at),
    }
    if queue_position is not None:
        view["queue_position"] = queue_position
    if with_context:
        view["context"] = handoff.context
    return view


def _iso(moment: Optional[datetime]) -> Optional[str]:
    return moment.isoformat() if moment is not None else None


def desk_view(uow: Any, handoff: Handoff, now: Optional[datetime] = None) -> Dict[str, Any]:
    """Return the handoff as the inbox lists it: the base view plus queue and people.

    Adds ``language``, ``wait_seconds`` (until claimed, or until now), ``queue_position``
    (the place in the handoff's own ``queue`` of its team) and ``expected_wait_seconds``
    (None unless queued / live), ``assigned_agent`` and
    ``offered_to`` (``{"id", "display_name"}`` or None), ``claimed_at``, and the context
    package's ``summary`` and ``customer``. ``uow`` is an open ``SqlUnitOfWork``.
    """
    moment = now or utc_now()
    context = handoff.context or {}
    view = handoff_view(handoff)
    waited_until = handoff.claimed_at or handoff.closed_at or moment
    view.update(
        language=handoff.language or context.get("language"),
        wait_seconds=max(0, int((waited_until - handoff.created_at).total_seconds())),
        queue_position=uow.handoffs.queue_position(handoff),
        expected_wait_seconds=desk_routing.expected_wait_seconds(uow, handoff, moment),
        assigned_agent=_agent_ref(uow, handoff.assigned_agent_id),
        offered_to=_agent_ref(uow, handoff.offered_agent_id),
        claimed_at=_iso(handoff.claimed_at),
        summary=context.get("summary"),
        customer=context.get("customer"),
    )
    return view


def _agent_ref(uow: Any, agent_id: Optional[str]) -> Optional[Dict[str, Any]]:
    if agent_id is None:
        return None
    agent = uow.agents.get(agent_id)
    return {"id": agent_id, "display_name": agent.display_name if agent else agent_id}


def transcript_view(events: Iterable[Any]) -> List[Dict[str, Any]]:
    """Return what was said, oldest first, from live Rasa events (UserUttered, BotUttered).

    Agent turns are bot events with ``handoff_agent`` metadata; external intents (the
    ``handback`` trigger) are not something anybody said.
    """
    turns: List[Dict[str, Any]] = []
    for event in events:
        kind = getattr(event, "type_name", None)
        text = getattr(event, "text", None)
        if kind == "user":
            if text is None or text.startswith(EXTERNAL_MESSAGE_PREFIX):
                continue
            parse = event.parse_data or {}
            turns.append(
                {
                    "sender": "customer",
                    "text": text,
                    "timestamp": event.timestamp,
                    "intent": (parse.get("intent") or {}).get("name"),
                    "frustration": (parse.get("frustration") or {}).get("score"),
                    "media": (event.metadata or {}).get(MEDIA_METADATA_KEY),
                }
            )
        elif kind == "bot" and text:
            metadata = event.metadata or {}
            agent = metadata.get(AGENT_METADATA_KEY)
            turn: Dict[str, Any] = {
                "sender": "agent" if agent else "bot",
                "text": text,
                "timestamp": event.timestamp,
                "media": None,
                "intent": None,
                "frustration": None,
            }
            if agent:
                turn["agent"] = {"id": agent.get("id"), "name": agent.get("name")}
            turns.append(turn)
    return turns
