"""When the action server is down: tell the customer, and hand over anyway.

Rasa only logs a custom action that could not reach the action server and carries on; the
customer hears nothing (every handoff step — decide, intake, ``action_handoff`` — is a custom
action). The messaging channels therefore check each customer turn after ``on_new_message``:

1. the conversation is not paused, the turn produced no bot message, and it ran at least one
   custom action or form; and
2. the action server does not answer its ``/health`` within ``HEALTH_TIMEOUT`` seconds.

Then the Rasa server does what ``action_handoff`` would have done, with what it has: it
tells the customer ``TROUBLE_TEXT``, opens the handoff directly in the handoff store it shares
with the desk (context package from the tracker, reason from ``handoff_reason`` or
``low_confidence``, signal ``action_server_unavailable``, routed with ``handoff.yml``; outside
business hours it becomes a ticket), publishes ``handoff.opened`` and pauses the conversation
(a ticket leaves the bot active, as ``action_handoff`` does). Healthy turns cost nothing: the
health check runs only for a silent turn that ran custom actions.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import aiohttp
from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker

from connectors.agent_desk.handback import LOCK_POLL_SECONDS
from connectors.agent_desk.views import desk_view
from connectors.messaging.inbound import mask
from handoff.context import build_context_package, package_to_json_dict
from handoff.desk import service as desk_service
from handoff.desk.events import DeskEvent, DeskEventType, LiveEvents
from handoff.reasons import HandoffReason
from handoff.routing.plan import plan_route
from handoff.settings import SettingsError, load_settings
from handoff.slots import HANDOFF_ID, HANDOFF_REASON, HANDOFF_SIGNALS
from handoff.store import SqlUnitOfWork

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT = 3.0
TROUBLE_TEXT = "Sorry, I'm having trouble right now — I'm passing you to a person."
TICKET_TEXT = (
    "Sorry, I'm having trouble right now. I've passed your message to our team; "
    "they will get back to you here (reference {reference})."
)
SIGNAL = "action_server_unavailable"
FALLBACK_KIND = "action_server_fallback"


def silent_turn_with_actions(
    tracker: DialogueStateTracker, message_id: str, custom_actions: set
) -> bool:
    """Whether the turn of ``message_id`` ran a custom action or form and said nothing."""
    if tracker.is_paused():
        return False
    events: List[Any] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and event.message_id == message_id:
            break
        events.append(event)
    else:
        return False  # the turn is not in the tracker (it was not processed)
    if any(isinstance(event, BotUttered) for event in events):
        return False
    return any(
        isinstance(event, ActionExecuted) and event.action_name in custom_actions
        for event in events
    )


async def action_server_is_up(webhook_url: Optional[str]) -> bool:
    """Whether the action server at ``webhook_url`` answers ``GET /health`` with 200."""
    if not webhook_url:
        return True  # no action server configured: nothing to blame
    health = webhook_url.rstrip("/").rsplit("/", 1)[0] + "/health"
    try:
        timeout = aiohttp.ClientTimeout(total=HEALTH_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(health) as response:
                return response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return False


async def hand_over_if_actions_failed(
    agent: Any,
    conversation_id: str,
    message_id: str,
    output: Optional[OutputChannel],
    sessions: sessionmaker,
    channel: str,
    events: LiveEvents,
) -> bool:
    """Run the check of the module docstring after a turn; True when it handed over."""
    domain = agent.domain
    custom = {
        name for name in (*domain.user_actions, *domain.form_names) if not name.startswith("utter_")
    }
    tracker = await agent.tracker_store.retrieve(conversation_id)
    if tracker is None or not silent_turn_with_actions(tracker, message_id, custom):
        return False
    endpoint = agent.action_endpoint
    if await action_server_is_up(endpoint.url if endpoint else None):
        return False
    logger.warning("the action server is down: handing %s over without it", mask(conversation_id))
    opened, view = await asyncio.to_thread(_open_handoff, sessions, tracker, channel)
    ticket = opened.status == "ticket"
    text = TICKET_TEXT.format(reference=opened.handoff_id[:8]) if ticket else TROUBLE_TEXT
    if output is not None:
        await output.send_text_message(conversation_id, text)
    async with agent.lock_store.lock(conversation_id, wait_time_in_seconds=LOCK_POLL_SECONDS):
        tracker = await agent.tracker_store.retrieve(conversation_id)
        tracker.update(BotUttered(text=text, metadata={"kind": FALLBACK_KIND}))
        tracker.update(SlotSet(HANDOFF_ID, opened.handoff_id))
        if not ticket:
            tracker.update(ConversationPaused())
        await agent.tracker_store.save(tracker)
    if opened.created:
        events.publish(
            DeskEvent(
                type=DeskEventType.HANDOFF_OPENED,
                conversation_id=conversation_id,
                handoff_id=view["id"],
                team=view.get("team"),
                data=view,
            )
        )
    return True


def _open_handoff(
    sessions: sessionmaker, tracker: DialogueStateTracker, channel: str
) -> tuple[desk_service.OpenedHandoff, Dict[str, Any]]:
    """Queue the handoff (or ticket) in the store; return it and its desk view."""
    latest = tracker.latest_message
    latest_dict: Dict[str, Any] = dict(latest.parse_data) if latest else {}
    metadata = (latest.metadata if latest else None) or {}
    latest_dict["metadata"] = metadata
    try:
        reason = HandoffReason(tracker.get_slot(HANDOFF_REASON))
    except ValueError:
        reason = HandoffReason.LOW_CONFIDENCE
    signals = list(tracker.get_slot(HANDOFF_SIGNALS) or []) + [{"name": SIGNAL, "value": True}]
    route_info = None
    try:
        settings = load_settings()
        topic = (latest_dict.get("intent") or {}).get("name")
        _, route_info = plan_route(
            reason, topic, metadata, settings.routing, datetime.now(timezone.utc)
        )
    except SettingsError as problem:
        logger.warning("handing over without routing: %s", problem)
    package = build_context_package(
        conversation_id=tracker.sender_id,
        events=[event.as_dict() for event in tracker.events],
        reason=reason,
        signals=signals,
        slots=tracker.current_slot_values(),
        latest_message=latest_dict,
        channel=channel,
        route=route_info,
    )
    with SqlUnitOfWork(sessions) as uow:
        opened = desk_service.open_handoff(
            uow,
            conversation_id=tracker.sender_id,
            reason=reason.value,
            context=package_to_json_dict(package),
            channel=channel,
            team=route_info.team if route_info else None,
            priority=route_info.priority if route_info else 0,
            ticket=bool(route_info and not route_info.open),
            language=route_info.language if route_info else package.language,
        )
        row = uow.handoffs.get(opened.handoff_id)
        assert row is not None  # opened in this unit of work
        view = desk_view(uow, row)
    return opened, view
