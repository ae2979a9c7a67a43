"""When the action server is down: tell the customer, and hand over anyway.

Rasa only logs a custom action that could not reach the action server and carries on; the
customer hears nothing (every handoff step — decide, intake, ``action_handoff`` — is a custom
action). The messaging channels therefore check each customer turn after ``on_new_message``:

1. the conversation is not paused, the turn produced no bot message, and it ran at least one
   custom action or form; and
2. the action server does not answer its ``/health`` within ``HEALTH_TIMEOUT`` seconds.

Then the Rasa server does what ``action_handoff`` would have done, with what it has: it
tells the customer ``utter_action_server_trouble`` (domain.yml, in their language), opens the
handoff directly in the handoff store it shares with the desk
(:func:`handoff.desk.opening.open_handoff`, the rules every entry point follows, with the
signal ``action_server_unavailable``; outside business hours it becomes a ticket, said by
``utter_action_server_ticket``), publishes ``handoff.opened`` and pauses the conversation
(a ticket leaves the bot active, as ``action_handoff`` does). Healthy turns cost nothing: the
health check runs only for a silent turn that ran custom actions.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional

import aiohttp
from rasa.core.channels.channel import OutputChannel
from rasa.core.nlg import NaturalLanguageGenerator
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
from handoff.desk.events import DeskEvent, DeskEventType, LiveEvents
from handoff.desk.opening import HandoffRequest, open_handoff
from handoff.desk.service import OpenedHandoff
from handoff.routing.teams import RoutingSettings
from handoff.slots import HANDOFF_ID
from handoff.store import SqlUnitOfWork
from handoff.store.models import utc_now

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT = 3.0
TROUBLE_RESPONSE = "utter_action_server_trouble"
TICKET_RESPONSE = "utter_action_server_ticket"
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
    routing: RoutingSettings,
    clock: Callable[[], datetime] = utc_now,
) -> bool:
    """Run the check of the module docstring after a turn; True when it handed over.

    ``routing`` is the process's ``handoff.yml`` routing (read once, by the composition root);
    ``clock`` gives the time business hours are checked against.
    """
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
    request = handoff_request(tracker, channel)
    opened, view = await asyncio.to_thread(_open_handoff, sessions, request, routing, clock())
    ticket = opened.status == "ticket"
    text = await trouble_text(agent.nlg, tracker, channel, opened.handoff_id if ticket else None)
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


async def trouble_text(
    nlg: Optional[NaturalLanguageGenerator],
    tracker: DialogueStateTracker,
    channel: str,
    ticket_id: Optional[str] = None,
) -> str:
    """Return what the customer is told: ``TROUBLE_RESPONSE``, or ``TICKET_RESPONSE`` for a ticket.

    The responses live in domain.yml, so the designer words them and the customer's
    ``language`` slot picks the variation, as for every other response. A domain without them
    (or a generator that fails) still gets the English ``TROUBLE_TEXT`` / ``TICKET_TEXT``:
    the customer must hear something when the action server is down.
    """
    reference = ticket_id[:8].upper() if ticket_id else None
    response = TICKET_RESPONSE if reference else TROUBLE_RESPONSE
    if nlg is not None:
        try:
            generated = await nlg.generate(response, tracker, channel, reference=reference)
        except Exception:  # an NLG server may fail too; the built-in text below stands in
            logger.exception("could not generate %s; saying the built-in text", response)
            generated = None
        if generated and generated.get("text"):
            return str(generated["text"])
    return TICKET_TEXT.format(reference=reference) if reference else TROUBLE_TEXT


def handoff_request(tracker: DialogueStateTracker, channel: str) -> HandoffRequest:
    """Adapt Rasa's tracker to the opening use case, with the ``SIGNAL`` that says why."""
    latest = tracker.latest_message
    latest_dict: Dict[str, Any] = dict(latest.parse_data) if latest else {}
    latest_dict["metadata"] = (latest.metadata if latest else None) or {}
    return HandoffRequest(
        conversation_id=tracker.sender_id,
        events=[event.as_dict() for event in tracker.events],
        slots=tracker.current_slot_values(),
        latest_message=latest_dict,
        channel=channel,
        extra_signals=({"name": SIGNAL, "value": True},),
    )


def _open_handoff(
    sessions: sessionmaker,
    request: HandoffRequest,
    routing: RoutingSettings,
    now: datetime,
) -> tuple[OpenedHandoff, Dict[str, Any]]:
    """Queue the handoff (or ticket) in the store; return it and its desk view."""
    with SqlUnitOfWork(sessions) as uow:
        opened = open_handoff(uow, request, routing, now).opened
        row = uow.handoffs.get(opened.handoff_id)
        assert row is not None  # opened in this unit of work
        view = desk_view(uow, row)
    return opened, view
