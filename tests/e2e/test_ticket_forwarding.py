"""Offline tickets copied to an external help desk (a fake Zendesk), through the real servers."""

import time

import pytest
import yaml

from tests.e2e.assistant import LIVE_CHAT_ONLY, start_assistant, write_settings
from tests.fakes.helpdesk_api import FakeHelpdesk

pytestmark = pytest.mark.integration

ZENDESK_USER = "agent@northwind.example"


@pytest.fixture(scope="module")
def zendesk():
    desk = FakeHelpdesk(f"{ZENDESK_USER}/token", "zd-secret")
    yield desk
    desk.stop()


@pytest.fixture(scope="module")
def forwarding_assistant(trained_model, tmp_path_factory, zendesk):
    """Every team on holiday this week, tickets forwarded to the fake Zendesk.

    Refunds reach a person here (no guided return path): the tests need a ticket.
    """
    workdir = tmp_path_factory.mktemp("forwarding")
    written = write_settings(workdir, closed_this_week=True, handling=LIVE_CHAT_ONLY)
    settings = yaml.safe_load(written.read_text())
    settings["desk"]["helpdesk"] = {
        "kind": "zendesk",
        "url": zendesk.url,
        "email": ZENDESK_USER,
        "token_env": "ZENDESK_API_TOKEN",
    }
    path = workdir / "handoff-forwarding.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    running = start_assistant(
        trained_model,
        workdir,
        extra_env={"HANDOFF_SETTINGS": str(path), "ZENDESK_API_TOKEN": "zd-secret"},
    )
    yield running
    running.stop()


def _detail(assistant, handoff_id, until=lambda d: True, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        detail = assistant.desk("GET", f"/api/handoffs/{handoff_id}").json()
        if until(detail) or time.monotonic() > deadline:
            return detail
        time.sleep(0.2)


def test_a_new_ticket_lands_in_the_help_desk_with_the_transcript(forwarding_assistant, zendesk):
    assistant = forwarding_assistant
    sender = assistant.new_conversation()
    assistant.say(sender, "I want my money back for order 48213377, refund me now")
    replies = assistant.say(sender, "jane@example.com")
    assert any("opened a ticket" in reply for reply in replies), replies
    handoff_id = assistant.tracker(sender)["slots"]["handoff_id"]

    (call,) = zendesk.wait_for(lambda c: c.body["ticket"]["external_id"] == handoff_id)
    ticket = call.body["ticket"]
    assert ticket["requester"]["email"] == "jane@example.com"
    assert "billing" in ticket["tags"]
    assert (
        "customer: I want my money back for order 48213377, refund me now"
        in (ticket["comment"]["body"])
    )
    # "pending" while the help desk's answer is on its way (the fake records the call first)
    detail = _detail(
        assistant,
        handoff_id,
        until=lambda d: (d["helpdesk"] or {}).get("status") not in (None, "pending"),
    )
    assert detail["helpdesk"]["status"] == "sent"
    assert detail["helpdesk"]["target"] == "zendesk"
    external_id = detail["helpdesk"]["external_id"]
    assert external_id.isdigit() and detail["helpdesk"]["external_url"].endswith(
        f"/{external_id}.json"
    )

    # Asking again does not create a second ticket.
    again = assistant.desk("POST", f"/api/handoffs/{handoff_id}/forward")
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "sent"
    assert len(zendesk.calls_where(lambda c: c.body["ticket"]["external_id"] == handoff_id)) == 1


def test_forwarding_needs_a_configured_help_desk(assistant):
    sender = assistant.new_conversation()
    assistant.say(sender, "I want to talk to a human")
    assistant.say(sender, "skip")
    assistant.say(sender, "skip")
    handoff_id = assistant.tracker(sender)["slots"]["handoff_id"]

    answer = assistant.desk("POST", f"/api/handoffs/{handoff_id}/forward")

    assert answer.status_code == 409
    assert "no help desk is configured" in answer.json()["error"]
