"""New handoffs and tickets announced to a JSON webhook and to Slack, through the real servers.

Billing is on holiday this week (its refund requests become tickets); the other teams are open.
The generic webhook hears every new handoff and ticket; Slack only billing's tickets.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.e2e.assistant import LIVE_CHAT_ONLY, start_assistant, write_settings
from tests.fakes.notification_receivers import SLACK_PATH, FakeSlack, FakeWebhook

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def receivers():
    webhook, slack = FakeWebhook(), FakeSlack()
    yield webhook, slack
    webhook.stop()
    slack.stop()


@pytest.fixture(scope="module")
def notifying_assistant(trained_model, tmp_path_factory, receivers):
    webhook, slack = receivers
    workdir = tmp_path_factory.mktemp("notifications")
    # Refunds reach a person here (no guided return path): billing's ticket is the point.
    settings = yaml.safe_load(write_settings(workdir, handling=LIVE_CHAT_ONLY).read_text())
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    billing = settings["routing"]["teams"]["billing"]
    billing["hours"] = {
        **billing["hours"],
        "holidays": [(today + timedelta(days=n)).isoformat() for n in range(7)],
    }
    settings["desk"]["notifications"] = [
        {"kind": "webhook", "url_env": "OPS_WEBHOOK_URL"},
        {
            "kind": "slack",
            "url_env": "SLACK_WEBHOOK_URL",
            "teams": ["billing"],
            "events": ["ticket"],
        },
    ]
    settings["desk"]["inbox_url"] = "https://desk.example/webhooks/agent_desk/"
    path = workdir / "handoff-notifications.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    running = start_assistant(
        trained_model,
        workdir,
        extra_env={
            "HANDOFF_SETTINGS": str(path),
            "OPS_WEBHOOK_URL": f"{webhook.url}/desk-events",
            "SLACK_WEBHOOK_URL": f"{slack.url}{SLACK_PATH}",
        },
    )
    yield running
    running.stop()


def _delivered(call) -> bool:
    return call.answered == 200


def test_each_new_handoff_and_ticket_is_announced_once_to_each_target_that_wants_it(
    notifying_assistant, receivers
):
    webhook, slack = receivers
    assistant = notifying_assistant
    webhook.fail_next(1, 500, {"error": "busy"})  # the first notice is retried

    live = assistant.new_conversation()
    assistant.say(live, "I want to talk to a human")
    assistant.say(live, "I don't have one")
    assistant.say(live, "jane@example.com")
    live_id = assistant.tracker(live)["slots"]["handoff_id"]

    ticket = assistant.new_conversation()
    assistant.say(ticket, "I want my money back for order 48213377, refund me now")
    replies = assistant.say(ticket, "jane@example.com")
    assert any("opened a ticket" in reply for reply in replies), replies
    ticket_id = assistant.tracker(ticket)["slots"]["handoff_id"]

    (live_call,) = webhook.wait_for(
        lambda c: _delivered(c) and c.body["handoff"]["id"] == live_id, timeout=60
    )
    (ticket_call,) = webhook.wait_for(
        lambda c: _delivered(c) and c.body["handoff"]["id"] == ticket_id, timeout=60
    )
    assert live_call.body["event"] == "handoff.opened"
    assert ticket_call.body["event"] == "ticket.opened"
    assert ticket_call.body["handoff"]["team"] == "billing"
    assert ticket_call.body["inbox_url"] == "https://desk.example/webhooks/agent_desk/"
    assert len(webhook.calls_where(lambda c: c.answered == 500)) == 1

    (slack_call,) = slack.wait_for(_delivered, timeout=60)
    assert slack_call.body["text"].startswith("New ticket for *billing*")
    assert "<https://desk.example/webhooks/agent_desk/|open the inbox>" in slack_call.body["text"]

    # Exactly one delivered notice per handoff and target, and nothing personal in any.
    assistant.tracker(ticket)  # both conversations' turns are over
    delivered = webhook.calls_where(_delivered)
    assert sorted(c.body["handoff"]["id"] for c in delivered) == sorted([live_id, ticket_id])
    assert len(slack.calls_where(_delivered)) == 1
    for call in delivered + slack.calls_where(_delivered):
        assert "jane" not in str(call.body) and "48213377" not in str(call.body)
