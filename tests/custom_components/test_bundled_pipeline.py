"""The three NLU signals inside the bundled assistant's real trained model (cached by hash)."""

import asyncio

import pytest

from ops.model import ensure_model

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def parse():
    from rasa.core.agent import Agent

    agent = Agent.load(str(ensure_model(quiet=True)))
    loop = asyncio.new_event_loop()
    yield lambda text: loop.run_until_complete(agent.parse_message(text))
    loop.close()


@pytest.mark.parametrize(
    "angry, calm",
    [
        ("this is ridiculous, I've been waiting three weeks!!!", "unfortunately my parcel is a bit late"),  # noqa: E501
        ("WHERE IS MY ORDER, this is the third time I'm asking", "where is my order?"),
        ("worst service ever, I want a manager", "I hate rainy Mondays"),
    ],
)  # fmt: skip
def test_frustration_is_scored_on_every_message(parse, angry, calm):
    angry_result, calm_result = parse(angry)["frustration"], parse(calm)["frustration"]
    assert angry_result["score"] > 0.5 > calm_result["score"]
    assert angry_result["cues"]


@pytest.mark.parametrize(
    "question, unrelated",
    [
        ("how long does shipping take to germany?", "what's the capital of peru"),
        ("can I pay with klarna?", "set an alarm for 7 tomorrow morning"),
    ],
)
def test_unrelated_messages_leave_the_bot_more_unsure(parse, question, unrelated):
    known, unknown = parse(question), parse(unrelated)
    assert unknown["bot_uncertainty"]["score"] > known["bot_uncertainty"]["score"]
    assert known["bot_uncertainty"]["fallback"] is False
    assert known["intent"]["name"] in {"shipping_times", "payment_methods"}


def test_gibberish_falls_back_to_nlu_fallback(parse):
    result = parse("qwzx blorf vuut")
    assert result["intent"]["name"] == "nlu_fallback"
    assert result["bot_uncertainty"]["fallback"] is True


def test_intake_entities_are_extracted_and_normalised(parse):
    result = parse("my order is #1234567 and my email is Jane.Doe@Example.com")
    found = {entity["entity"]: entity["value"] for entity in result["entities"]}
    assert found == {"order_number": "1234567", "email": "jane.doe@example.com"}
