"""``action_session_start``: a new session must not hand a waiting customer back to the bot.

Rasa starts a new session after ``session_expiration_time`` and ``SessionStarted`` clears the
paused flag. For a customer waiting for, or talking to, a person that would silently put the
bot back in charge. This action starts the session the usual way and, if the conversation
was paused, pauses it again and carries the handoff slots over. The introduction is in the
language the channel hints at (message metadata ``language``), else in the carried-over one.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from handoff.language import normalise, response_variation
from handoff.slots import LANGUAGE_SLOT

_NOT_CARRIED = {"requested_slot", "session_started_metadata"}
INTRO = "utter_session_intro"


class ActionSessionStart(Action):
    """Start a session; keep a handed-off conversation paused; introduce the bot honestly."""

    def name(self) -> str:
        """Return the action's name (Rasa's default session start, overridden)."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Return ``SessionStarted``, carried-over slots, ``ConversationPaused`` if it was."""
        paused = tracker.is_paused()
        carry_over = (domain.get("session_config") or {}).get(
            "carry_over_slots_to_new_session", True
        )
        events: List[Dict[str, Any]] = [SessionStarted()]
        metadata = tracker.get_slot("session_started_metadata")
        if metadata:
            events.append(SlotSet("session_started_metadata", metadata))
        language = normalise((metadata or {}).get("language"))
        initial = {
            name: (slot or {}).get("initial_value")
            for name, slot in (domain.get("slots") or {}).items()
        }
        if carry_over or paused:
            # A slot at its initial value needs no carrying (SessionStarted resets it to that),
            # nor does the language a hint replaces below.
            events.extend(
                SlotSet(name, value)
                for name, value in tracker.slots.items()
                if value is not None
                and name not in _NOT_CARRIED
                and value != initial.get(name)
                and not (name == LANGUAGE_SLOT and language)
            )
        if language and language != initial.get(LANGUAGE_SLOT):
            events.append(SlotSet(LANGUAGE_SLOT, language))
        if paused:
            events.append(ConversationPaused())
        elif language:
            # Rasa renders a custom action's responses with the slots from before its events:
            # the channel's language hint picks the intro's variation here.
            dispatcher.utter_message(**response_variation(domain, INTRO, {LANGUAGE_SLOT: language}))
        else:
            dispatcher.utter_message(response=INTRO)
        events.append(ActionExecuted("action_listen"))
        return events
