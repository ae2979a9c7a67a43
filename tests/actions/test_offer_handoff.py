import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered

from actions.offer_handoff import ActionOfferDeclined, ActionOfferHandoff
from handoff.clients.desk_api import DESK_TOKEN_ENV, DESK_URL_ENV
from tests.conversation import said
from tests.fake_desk import FakeDesk, closed_port_url

OFFER = (
    "Sorry, I'm not sure I understood that. You can rephrase it - or I can put you through "
    "to a person from our team."
)


@pytest.fixture
def desk_env(monkeypatch):
    def point_to(url):
        monkeypatch.setenv(DESK_URL_ENV, url)
        monkeypatch.setenv(DESK_TOKEN_ENV, "desk-token-1")

    return point_to


@pytest.fixture
def unsure(tracker_from):
    """A message the bot did not understand (the policy offers a person next)."""
    return tracker_from([*said("flibber my ottoman", "nlu_fallback", 0.4)], sender_id="conv-9")


def test_the_offer_is_sent_with_its_buttons_and_recorded(
    run_action, unsure, desk_env, customer_reads, dispatcher
):
    with FakeDesk(reply={"id": "d-1", "conversation_id": "conv-9"}) as desk:
        desk_env(desk.url)
        events = run_action(ActionOfferHandoff(), unsure)

    assert events == []
    assert customer_reads() == [OFFER]
    assert dispatcher.messages[0]["response"] == "utter_offer_handoff"
    (recorded,) = desk.received
    assert recorded.path.endswith("/api/decisions")
    assert recorded.headers["Authorization"] == "Bearer desk-token-1"
    assert recorded.body["decision"] == "offer"
    assert recorded.body["reason"] == "low_confidence"
    assert recorded.body["conversation_id"] == "conv-9"
    assert recorded.body["intent"] == "nlu_fallback"
    assert recorded.body["channel"] == "rest"
    assert {"name": "intent", "value": {"name": "nlu_fallback", "confidence": 0.4}} in (
        recorded.body["signals"]
    )


def test_no_thanks_is_acknowledged_and_recorded(run_action, tracker_from, desk_env, customer_reads):
    tracker = tracker_from(
        [
            *said("flibber my ottoman", "nlu_fallback", 0.4),
            ActionExecuted("action_offer_handoff"),
            BotUttered(OFFER, metadata={"metadata": {"handoff_offer": True}}),
            *said("/deny", "deny", 1.0),
        ]
    )
    with FakeDesk(reply={"id": "d-2"}) as desk:
        desk_env(desk.url)
        events = run_action(ActionOfferDeclined(), tracker)

    assert events == []
    assert customer_reads() == ["Alright. Is there anything else I can do for you?"]
    (recorded,) = desk.received
    assert recorded.body["decision"] == "offer_declined"
    assert recorded.body["intent"] == "deny"


def test_a_desk_that_cannot_record_never_costs_the_customer_the_offer(
    run_action, unsure, desk_env, customer_reads
):
    desk_env(closed_port_url())

    assert run_action(ActionOfferHandoff(), unsure) == []
    assert customer_reads() == [OFFER]
