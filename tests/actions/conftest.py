import asyncio
import os
from pathlib import Path

import pytest
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from handoff.clients.sessions import close_loop_session

ROOT = Path(__file__).resolve().parents[2]

# The actions read handoff.yml when imported; make that independent of the working directory.
os.environ.setdefault("HANDOFF_SETTINGS", str(ROOT / "handoff.yml"))


@pytest.fixture(scope="session")
def rasa_domain():
    return Domain.load(ROOT / "domain.yml")


@pytest.fixture(scope="session")
def domain(rasa_domain):
    """The domain as the Rasa server sends it to the action server."""
    return rasa_domain.as_dict()


@pytest.fixture
def dispatcher():
    return CollectingDispatcher()


@pytest.fixture
def tracker_from(rasa_domain):
    """Build the action server's Tracker from Rasa events, exactly as Rasa serialises it."""

    def build(events, sender_id="customer-1"):
        rasa_tracker = DialogueStateTracker.from_events(
            sender_id, list(events), slots=rasa_domain.slots
        )
        return Tracker.from_dict(rasa_tracker.current_state(EventVerbosity.ALL))

    return build


@pytest.fixture
def run_action(dispatcher, domain):
    """Run the action in a loop of its own, closing the HTTP session it used (as a server stop)."""

    async def run_and_stop(action, tracker):
        try:
            return await action.run(dispatcher, tracker, domain)
        finally:
            await close_loop_session()

    def run(action, tracker):
        return asyncio.run(run_and_stop(action, tracker))

    return run


@pytest.fixture
def customer_reads(dispatcher, rasa_domain):
    """The texts the customer sees for what the action uttered (responses filled by Rasa)."""
    standard = {
        "text",
        "buttons",
        "elements",
        "custom",
        "template",
        "response",
        "image",
        "attachment",
    }
    nlg = TemplatedNaturalLanguageGenerator(rasa_domain.responses)

    def read(**slots):
        """Render with these slot values (``language="de"`` picks the German variations)."""
        events = [SlotSet(name, value) for name, value in slots.items()]
        reader = DialogueStateTracker.from_events("reader", events, slots=rasa_domain.slots)
        texts = []
        for message in dispatcher.messages:
            variables = {k: v for k, v in message.items() if k not in standard}
            rendered = asyncio.run(nlg.generate(message["response"], reader, "rest", **variables))
            texts.append(rendered["text"])
        return texts

    return read
