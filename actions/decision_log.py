"""Reporting handoff decisions to the agent desk, for its analytics.

Every decision the action server takes or carries out - a handoff, a ticket, a guided
self-service path (``routing.handling``), the self-service fallback, an offer of a person and
the customer's "no thanks" - is sent to the desk's ``POST /api/decisions``. The customer has
always been answered first, so a desk that cannot take the record costs a warning in the log,
never the customer's turn.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.settings import handoff_settings
from handoff.clients.desk_api import (
    DEFAULT_DESK_URL,
    DESK_TOKEN_ENV,
    DESK_URL_ENV,
    DeskClient,
    DeskUnavailable,
)

logger = logging.getLogger(__name__)


def desk_client() -> DeskClient:
    """Return a client for the desk named by ``DESK_URL`` / ``DESK_API_TOKEN``."""
    return DeskClient(
        os.environ.get(DESK_URL_ENV, DEFAULT_DESK_URL),
        os.environ.get(DESK_TOKEN_ENV, ""),
        timeout=handoff_settings().desk.timeout_seconds,
    )


async def report_decision(
    tracker: Tracker,
    decision: str,
    reason: Optional[str],
    signals: List[Dict[str, Any]],
    *,
    team: Optional[str] = None,
    client: Optional[DeskClient] = None,
) -> bool:
    """Send one decision record; return whether the desk stored it.

    ``decision`` is one of handoff, ticket, guided, self_service, offer, offer_declined (the desk
    refuses other values).
    """
    intent = (tracker.latest_message or {}).get("intent") or {}
    record = {
        "conversation_id": tracker.sender_id,
        "decision": decision,
        "reason": reason,
        "signals": signals,
        "intent": intent.get("name"),
        "channel": tracker.get_latest_input_channel(),
        "team": team,
    }
    try:
        await (client or desk_client()).record_decision(record)
    except DeskUnavailable as error:
        logger.warning("Decision %s (%s) not recorded at the desk: %s", decision, reason, error)
        return False
    return True
