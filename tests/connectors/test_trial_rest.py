"""The trial configuration's REST channel next to Telegram (issue 17, hole 1).

A real assistant started with the project's ``credentials.yml`` as ``make run`` uses it, plus
Telegram pointed at the fake Bot API (as ``make run`` adds it when ``TELEGRAM_*`` is set).
"""

import uuid

import pytest
import requests
import yaml

from ops.model import PROJECT_ROOT
from tests.e2e.assistant import start_assistant
from tests.fakes.channels import (
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    WA_PHONE_ID,
    WA_TOKEN,
    channel_credentials,
    channel_env,
    telegram_text,
    wait_until,
)
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeTelegramApi

pytestmark = pytest.mark.integration

PAYMENTS = "What payment methods do you accept?"


@pytest.fixture(scope="module")
def trial(trained_model, tmp_path_factory):
    telegram, graph = FakeTelegramApi(TELEGRAM_TOKEN), FakeGraphApi(WA_TOKEN, WA_PHONE_ID)
    channels = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    channels.update(channel_credentials(telegram, graph))
    assistant = start_assistant(
        trained_model,
        tmp_path_factory.mktemp("trial"),
        input_channels=channels,
        extra_env=channel_env(),
    )
    try:
        yield assistant, telegram
    finally:
        assistant.stop()
        telegram.stop()
        graph.stop()


def _post(assistant, body):
    return requests.post(f"{assistant.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)


def _settled(assistant, conversation, text):
    def done():
        tracker = assistant.tracker(conversation)
        events = tracker["events"]
        said = any(e["event"] == "user" and e.get("text") == text for e in events)
        last = events[-1] if events else {}
        return tracker if said and last.get("name") == "action_listen" else None

    return wait_until(done, 60)


@pytest.mark.parametrize("sender", ["telegram:{chat}", "whatsapp:{chat}"])
def test_rest_cannot_write_into_a_messaging_customers_conversation(trial, sender):
    assistant, telegram = trial
    chat = 8_000_000_000 + uuid.uuid4().int % 10**8
    before = len(telegram.texts_to(chat))
    assert telegram_post_ok(assistant, telegram_text(chat, PAYMENTS))
    wait_until(lambda: any("PayPal" in t for t in telegram.texts_to(chat)[before:]), 60)
    conversation = f"telegram:{chat}"
    tracker = _settled(assistant, conversation, PAYMENTS)

    attack = _post(assistant, {"sender": sender.format(chat=chat), "message": "/restart"})

    assert attack.status_code == 403, attack.text
    assert "another channel's conversation" in attack.json()["error"]
    assert assistant.tracker(conversation)["events"] == tracker["events"]


def test_rest_text_is_an_intent_only_when_a_domain_button_carries_it(trial):
    assistant, _ = trial
    sender = assistant.new_conversation()
    _post(assistant, {"sender": sender, "message": "hello"})
    restart = _post(
        assistant, {"sender": sender, "message": "/restart", "input_channel": "telegram"}
    )
    assert restart.status_code == 200
    tracker = _settled(assistant, sender, "\u200b/restart")
    assert not any(e["event"] == "restart" for e in tracker["events"])
    assert tracker["latest_message"]["intent"]["name"] != "restart"
    assert {e["input_channel"] for e in tracker["events"] if e["event"] == "user"} == {"rest"}

    _post(assistant, {"sender": sender, "message": "/human_handoff"})  # the offer's button
    tracker = _settled(assistant, sender, "/human_handoff")
    assert tracker["latest_message"]["intent"]["name"] == "human_handoff"


@pytest.mark.parametrize(
    "body, reason",
    [({"message": "hi"}, "sender"), ({"sender": "me"}, "message"), ([1], "JSON object")],
)
def test_malformed_rest_requests_get_400_with_a_reason(trial, body, reason):
    assistant, _ = trial
    response = _post(assistant, body)
    assert response.status_code == 400
    assert reason in response.json()["error"]


def telegram_post_ok(assistant, update) -> bool:
    response = requests.post(
        f"{assistant.rasa_url}/webhooks/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        timeout=30,
    )
    return response.status_code == 200
