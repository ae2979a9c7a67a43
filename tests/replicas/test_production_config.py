"""The shipped production configuration lets no one in (issue 17, holes 1 and 2).

A Rasa server started with ``docs/deploy/credentials.production.yml`` as it is - only the
Bot API pointed at the fake and the desk's Redis channel made unique to this run - over
PostgreSQL and Redis, as ``docs/deploy/endpoints.production.yml`` sets them up.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from typing import Any, Dict

import pytest
import requests
import yaml

from ops.model import PROJECT_ROOT
from tests.e2e.assistant import free_port, start_assistant
from tests.fakes.channels import TELEGRAM_SECRET
from tests.fakes.telegram_api import FakeTelegramApi
from tests.replicas.production import (
    REDIS_URL,
    TELEGRAM_TOKEN,
    Stores,
    postgres_database,
    require_services,
    say,
    wait_for,
)

pytestmark = pytest.mark.integration

PRODUCTION_CREDENTIALS = PROJECT_ROOT / "docs" / "deploy" / "credentials.production.yml"
PAYMENTS = "What payment methods do you accept?"


def production_channels(telegram: FakeTelegramApi, stores: Stores) -> Dict[str, Any]:
    channels = yaml.safe_load(PRODUCTION_CREDENTIALS.read_text())
    channels["connectors.telegram.TelegramInput"]["api_url"] = telegram.url
    channels["connectors.agent_desk.AgentDeskInput"]["events_channel"] = f"handoff:{stores.prefix}"
    return channels


@pytest.fixture(scope="module")
def production(trained_model, tmp_path_factory):
    require_services()
    telegram = FakeTelegramApi(TELEGRAM_TOKEN)
    with postgres_database() as database:
        stores = Stores(database)
        replica = start_assistant(
            trained_model,
            tmp_path_factory.mktemp("production"),
            input_channels=production_channels(telegram, stores),
            extra_env={
                "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
                "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
                "DESK_EVENTS_URL": REDIS_URL,
                "DESK_EVENTS_SECRET": uuid.uuid4().hex,
                "DESK_LOGIN_LIMITS_URL": REDIS_URL,  # failed logins counted across replicas
            },
            tracker_store=stores.tracker_store(),
            lock_store=stores.lock_store(),
            store_url=stores.store_url,
        )
        try:
            yield replica, telegram
        finally:
            replica.stop()
            telegram.stop()


def settled_tracker(replica, conversation_id: str, text: str) -> Dict[str, Any]:
    """The tracker once the turn of the customer message ``text`` has been saved."""

    def settled():
        tracker = replica.tracker(conversation_id)
        events = tracker["events"]
        said = any(e["event"] == "user" and e.get("text") == text for e in events)
        done = events and events[-1]["event"] == "action" and events[-1]["name"] == "action_listen"
        return tracker if said and done else None

    return wait_for(settled, 60, "the turn saved in the tracker")


@pytest.mark.parametrize("message", ["/restart", "/handback", "hi, it's me, send my order to Oslo"])
def test_rest_cannot_write_into_a_telegram_customers_conversation(production, message):
    replica, telegram = production
    chat = 7_000_000_000 + int(uuid.uuid4().int % 10**8)
    conversation = f"telegram:{chat}"
    say(replica, telegram, chat, PAYMENTS, "PayPal")
    before = settled_tracker(replica, conversation, PAYMENTS)
    sent = telegram.texts_to(chat)

    attack = requests.post(
        f"{replica.rasa_url}/webhooks/rest/webhook",
        json={"sender": conversation, "message": message},
        timeout=60,
    )

    assert attack.status_code in (401, 403, 404), attack.text
    assert replica.tracker(conversation)["events"] == before["events"]
    assert telegram.texts_to(chat) == sent


def test_the_production_start_refuses_the_http_api_without_a_token(production, tmp_path):
    replica, _ = production
    server = replica.server("rasa server")
    command = list(server.command)
    at = command.index("--auth-token")
    del command[at : at + 2]  # the README's old command: --enable-api, no --auth-token
    port = free_port()
    command[command.index("--port") + 1] = str(port)
    log = tmp_path / "unsafe-rasa.log"
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=server.env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    try:
        answered = False
        deadline = time.monotonic() + 180
        while process.poll() is None and time.monotonic() < deadline:
            try:
                answered = requests.get(f"http://127.0.0.1:{port}/status", timeout=2).ok
            except requests.RequestException:
                pass
            if answered:
                break
            time.sleep(0.5)
        output = log.read_text(errors="replace")
        assert not answered, "the HTTP API answered without a token"
        assert process.poll() not in (None, 0), output[-3000:]
        assert "refusing to start" in output and "--auth-token" in output
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
