"""How a handoff looks in the desk API's JSON (Rasa-free, so it is tested on its own).

The list shows handoffs without their context package, which can be large and holds the
customer's personal data; only the single-handoff view (``with_context=True``) carries it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Optional

from handoff.store import Handoff, HandoffStatus


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
