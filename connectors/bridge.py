"""The live-agent bridge, shared by every messaging channel and the agent desk.

While a conversation is handed off, Rasa itself keeps the bot silent (the tracker is paused by
``ConversationPaused``) but still parses and logs each customer message, so NLU signals keep
flowing. This module adds the two things Rasa does not do:

- ``relay_incoming`` / ``relay_analysis``: the messaging channels know
  from the handoff store *before* Rasa runs that a person has the conversation. The message
  (text, media) is on the desk's stream at once, NLU runs afterwards as usual, and its reading
  (intent, confidence, frustration) follows as ``message.analysed`` for the same message id.
  Every function publishes on the live-events hub it is given (the process's, from
  ``connectors.services``).
- ``deliver_agent_message``: send an agent's words (or "Anna joined", "Ben is taking over")
  through the customer's own channel and log them into the tracker as a ``bot`` event whose
  metadata names the human agent, so the tracker stays the whole history and the bot knows on
  handback what was said. With ``pause`` (a ticket an agent answers becomes a live chat) the
  same tracker update pauses the bot with ``ConversationPaused``, exactly as ``action_handoff``
  pauses a live handoff; the handback resumes both the same way
  (``connectors.agent_desk.handback``).

Channels that can push messages (Telegram, WhatsApp) deliver through their output channel,
which persists the message in their outbox before trying; the REST channel cannot push, so
there the agent's words only land in the tracker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, Optional

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel
from rasa.shared.core.events import BotUttered, ConversationPaused, SlotSet, UserUttered

from connectors.agent_desk.handback import LOCK_POLL_SECONDS, output_channel_for
from handoff.desk.events import DeskEvent, DeskEventType, LiveEvents
from handoff.slots import HANDOFF_ID

AGENT_METADATA_KEY = "handoff_agent"
"""BotUttered metadata key naming the human who wrote the message: {"id": ..., "name": ...}."""

MEDIA_METADATA_KEY = "media"
"""UserUttered metadata key channels use for a media reference (kind, id, mime type, caption)."""


@dataclass(frozen=True)
class HumanAgent:
    """The person behind a message sent from the desk."""

    id: str
    name: str


class AgentMessageKind:
    """What an agent-side message is; stored in the BotUttered metadata as ``kind``."""

    MESSAGE = "message"  # the agent's own words
    JOINED = "joined"  # "Anna from our team has joined the chat"
    LEFT = "left"  # "Anna has left the chat; the assistant is back"
    TRANSFERRED = "transferred"  # "I'm passing you to our Billing team" / "Ben is taking over"


async def deliver_agent_message(
    agent: Agent,
    input_channels: Iterable[InputChannel],
    conversation_id: str,
    text: str,
    human: HumanAgent,
    *,
    kind: str = AgentMessageKind.MESSAGE,
    handoff_id: Optional[str] = None,
    team: Optional[str] = None,
    events: LiveEvents,
    pause: bool = False,
) -> Dict[str, Any]:
    """Send ``text`` from ``human`` to the customer and log it in the tracker.

    Runs under the conversation's lock, like Rasa's own message handling, so it cannot
    interleave with a customer message. The output channel is the customer's own: the one
    whose namespace the conversation id is in (``telegram:``), else the latest input
    channel's (``output_channel_for``). Returns the logged event as a dict (what the desk
    shows).

    ``pause``: the conversation becomes live with ``human`` now (an answered ticket): the
    tracker also gets the ``handoff_id`` slot and ``ConversationPaused``, under the same lock,
    so the customer's next message goes to the agent and not to the bot.
    """
    metadata = {AGENT_METADATA_KEY: {"id": human.id, "name": human.name}, "kind": kind}
    return await _send_logged(
        agent, input_channels, conversation_id, text, metadata, handoff_id, team, events, pause
    )


async def deliver_desk_notice(
    agent: Agent,
    input_channels: Iterable[InputChannel],
    conversation_id: str,
    text: str,
    *,
    kind: str,
    handoff_id: Optional[str] = None,
    team: Optional[str] = None,
    events: LiveEvents,
) -> Dict[str, Any]:
    """Send the desk's own words (no person wrote them) to the customer; log and publish them.

    The queue update, "it's a ticket now" and "I've taken you out of the queue"
    (``connectors.agent_desk.waiting``): like :func:`deliver_agent_message`, but the
    ``BotUttered`` names no human agent, only its ``kind``, so the transcript shows the
    assistant's voice and the bot's history has the words.
    """
    return await _send_logged(
        agent, input_channels, conversation_id, text, {"kind": kind}, handoff_id, team, events
    )


async def _send_logged(
    agent: Agent,
    input_channels: Iterable[InputChannel],
    conversation_id: str,
    text: str,
    metadata: Dict[str, Any],
    handoff_id: Optional[str],
    team: Optional[str],
    events: LiveEvents,
    pause: bool = False,
) -> Dict[str, Any]:
    """Send ``text`` through the customer's channel under the conversation's lock; log, publish.

    ``pause``: also pause the bot in the same tracker update (:func:`deliver_agent_message`).
    """
    processor = agent.processor
    assert processor is not None, "the Rasa server has no model loaded"
    async with agent.lock_store.lock(conversation_id, wait_time_in_seconds=LOCK_POLL_SECONDS):
        tracker = await processor.get_tracker(conversation_id)
        latest = tracker.get_latest_input_channel()
        output = output_channel_for(input_channels, conversation_id, latest)
        await output.send_text_message(conversation_id, text)
        event = BotUttered(text=text, metadata=metadata)
        tracker.update(event)
        if pause and not tracker.is_paused():
            if handoff_id is not None:
                tracker.update(SlotSet(HANDOFF_ID, handoff_id), processor.domain)
            tracker.update(ConversationPaused())
        await processor.save_tracker(tracker)
    logged = event.as_dict()
    events.publish(
        DeskEvent(
            type=DeskEventType.AGENT_MESSAGE,
            conversation_id=conversation_id,
            handoff_id=handoff_id or tracker.get_slot(HANDOFF_ID),
            team=team,
            data=logged,
        )
    )
    return logged


def relay_incoming(
    conversation_id: str,
    *,
    text: str,
    message_id: str,
    timestamp: float,
    media: Optional[Dict[str, Any]] = None,
    input_channel: Optional[str] = None,
    handoff_id: Optional[str] = None,
    team: Optional[str] = None,
    events: LiveEvents,
) -> None:
    """Publish a customer message of a handed-off conversation before Rasa has parsed it.

    The desk shows the words at once; ``relay_analysis`` adds the NLU's reading when Rasa
    has run (the ``intent``/``frustration`` keys are None until then).
    """
    events.publish(
        DeskEvent(
            type=DeskEventType.CUSTOMER_MESSAGE,
            conversation_id=conversation_id,
            handoff_id=handoff_id,
            team=team,
            data={
                "event": "user",
                "text": text,
                "timestamp": timestamp,
                "message_id": message_id,
                "intent": None,
                "confidence": None,
                "frustration": None,
                "media": media,
                "input_channel": input_channel,
            },
        )
    )


async def relay_analysis(
    agent: Agent,
    conversation_id: str,
    message_id: str,
    *,
    handoff_id: Optional[str] = None,
    team: Optional[str] = None,
    events: LiveEvents,
) -> bool:
    """Publish ``message.analysed``: the NLU's reading of a message relayed by ``relay_incoming``.

    Returns False when the tracker has no such message (Rasa did not log it).
    """
    processor = agent.processor
    assert processor is not None, "the Rasa server has no model loaded"
    tracker = await processor.get_tracker(conversation_id)
    message = next(
        (
            event
            for event in reversed(tracker.events)
            if isinstance(event, UserUttered) and event.message_id == message_id
        ),
        None,
    )
    if message is None:
        return False
    events.publish(
        DeskEvent(
            type=DeskEventType.CUSTOMER_MESSAGE_ANALYSED,
            conversation_id=conversation_id,
            handoff_id=handoff_id,
            team=team,
            data=customer_message_view(message),
        )
    )
    return True


def customer_message_view(message: UserUttered) -> Dict[str, Any]:
    """Return what the desk shows of a customer message: text, time, signals, media."""
    parse = message.parse_data or {}
    intent = parse.get("intent") or {}
    metadata = message.metadata or {}
    return {
        "event": "user",
        "text": message.text,
        "timestamp": message.timestamp,
        "message_id": message.message_id,
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
        "frustration": (parse.get("frustration") or {}).get("score"),
        "media": metadata.get(MEDIA_METADATA_KEY),
        "input_channel": message.input_channel,
    }
