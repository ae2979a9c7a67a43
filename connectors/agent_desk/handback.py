"""Giving a conversation back to the bot, the Rasa way.

The tracker gets ``ConversationResumed`` (and the handoff slots cleared), then the external
intent ``handback`` is triggered, so designers decide the bot's first words with a rule.
Everything happens under the conversation's lock, like Rasa's own ``trigger_intent`` endpoint,
so a customer message arriving at the same moment cannot interleave.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ConversationResumed, SlotSet

from handoff.slots import HANDBACK_RESET

HANDBACK_INTENT = "handback"

LOCK_POLL_SECONDS = 0.02
"""How often a desk action re-checks the conversation lock while Rasa finishes a turn. Rasa's
default is a whole second, which an agent would feel on a reply sent right after the customer
wrote; the lock is in-process or Redis, so polling it is cheap."""


def output_channel_for(
    input_channels: Iterable[InputChannel], conversation_id: str, latest_channel: Optional[str]
) -> OutputChannel:
    """Return the output channel of the customer's own channel.

    A conversation id in a channel's namespace (``telegram:<chat id>``, ``whatsapp:<wa_id>``)
    belongs to that channel, whichever channel wrote into the conversation last: where a
    caller may choose the sender (Rasa's REST channel in a trial setup), a person's replies
    must still reach the real customer, not the caller. Other ids use the latest input
    channel. Falls back to a collecting channel (the words still land in the tracker) when
    the channel cannot push messages, like the REST channel.
    """
    namespace = conversation_id.split(":", 1)[0] if ":" in conversation_id else None
    for name in (namespace, latest_channel):
        for channel in input_channels:
            if name and channel.name() == name:
                output = channel.get_output_channel()
                if output is not None:
                    return output
    return CollectingOutputChannel()


async def resume_conversation(
    agent: Agent,
    conversation_id: str,
    input_channels: Iterable[InputChannel],
    intent: Optional[str] = HANDBACK_INTENT,
    slots: Optional[Dict[str, Any]] = None,
) -> Any:
    """Resume the bot for ``conversation_id`` and trigger the handback intent.

    ``slots`` are set before the intent is triggered (the handback's ``handoff_outcome`` and
    ``handoff_note``), so the designers' rule and response conditions can read them.

    With ``intent=None`` (the agent closed a finished chat) the bot is resumed silently: it
    says nothing now and answers the customer's next message. A conversation that is not
    paused (a ticket: the bot never stopped) is left as it is in that case.

    Returns:
        The updated tracker.
    """
    processor = agent.processor
    assert processor is not None, "the Rasa server has no model loaded"
    async with agent.lock_store.lock(conversation_id, wait_time_in_seconds=LOCK_POLL_SECONDS):
        tracker = await processor.fetch_tracker_and_update_session(conversation_id)
        if intent is None and not tracker.is_paused():
            return tracker
        tracker.update(ConversationResumed())
        for slot in HANDBACK_RESET:
            tracker.update(SlotSet(slot, None), processor.domain)
        for slot, value in (slots or {}).items():
            tracker.update(SlotSet(slot, value), processor.domain)
        if tracker.latest_action_name != ACTION_LISTEN_NAME:
            # A paused bot never predicted action_listen after pausing; without it the
            # designers' `intent: handback` rule would not match the conversation's state.
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        if intent is None:
            await processor.save_tracker(tracker)
            return tracker
        latest = tracker.get_latest_input_channel()
        output = output_channel_for(input_channels, conversation_id, latest)
        await processor.trigger_external_user_uttered(intent, None, tracker, output)
        return tracker
