"""What a customer reads when the action server is down: domain.yml's response, in their language.

``connectors.messaging.fallback.trouble_text`` renders with Rasa's own response generator over
the shipped domain, as the Rasa server does; the end-to-end run (action server killed) is in
``tests/faults/test_faults.py``.
"""

import asyncio
from pathlib import Path

import pytest
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from connectors.messaging.fallback import TICKET_TEXT, TROUBLE_TEXT, trouble_text

ROOT = Path(__file__).resolve().parents[3]
TICKET_ID = "7c2e91d4" + "0" * 24


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def _customer(domain: Domain, language: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "telegram:4242", [SlotSet("language", language)], slots=domain.slots
    )


@pytest.mark.parametrize(
    ("language", "ticket_id", "expected"),
    [
        ("en", None, TROUBLE_TEXT),
        ("de", None, "Entschuldigung, ich habe gerade ein technisches Problem — ich verbinde Sie"),
        ("fr", None, "je vous passe à une personne"),
        ("en", TICKET_ID, TICKET_TEXT.format(reference="7C2E91D4")),
        ("es", TICKET_ID, "le responderá aquí (referencia 7C2E91D4)"),
    ],
)
def test_the_customer_is_told_in_their_language(domain, language, ticket_id, expected):
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    customer = _customer(domain, language)

    text = asyncio.run(trouble_text(nlg, customer, "telegram", ticket_id))

    assert expected in text
    assert "{reference}" not in text


def test_a_domain_without_the_responses_still_tells_the_customer(domain):
    kept = {name: v for name, v in domain.responses.items() if "action_server" not in name}
    nlg = TemplatedNaturalLanguageGenerator(kept)
    customer = _customer(domain, "de")

    assert asyncio.run(trouble_text(nlg, customer, "telegram")) == TROUBLE_TEXT
    assert asyncio.run(trouble_text(nlg, customer, "telegram", TICKET_ID)) == TICKET_TEXT.format(
        reference="7C2E91D4"
    )
