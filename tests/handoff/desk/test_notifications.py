"""Which targets hear of a new handoff, and what they are told (nothing personal)."""

import pytest

from handoff.desk.notifications import (
    NotificationEvent,
    NotificationTarget,
    announced,
    notices_for,
    slack_payload,
    webhook_payload,
)
from handoff.settings import SettingsError, parse_settings

ENV = {"SLACK_BILLING": "https://hooks.slack.example/services/T/B/X", "OPS_HOOK": "https://ops"}

VIEW = {
    "id": "h-1",
    "status": "queued",
    "team": "billing",
    "reason": "frustration",
    "channel": "telegram",
    "priority": 1,
    "created_at": "2026-12-05T10:00:00+00:00",
    "queue_position": 2,
    "summary": "Jane wants a refund for order 48213377",
    "customer": {"email": "jane@example.com", "name": "Jane Doe"},
    "context": {"transcript": [{"text": "jane@example.com"}]},
}


def _target(**fields):
    return NotificationTarget.parse_obj(fields)


@pytest.mark.parametrize(
    "team, status, expected",
    [
        ("billing", "queued", ["SLACK_BILLING", "OPS_HOOK"]),
        ("billing", "ticket", ["OPS_HOOK"]),  # Slack asked for live handoffs only
        ("sales", "queued", ["OPS_HOOK"]),  # Slack asked for billing only
        ("sales", "ticket", ["OPS_HOOK"]),
    ],
)
def test_each_target_hears_only_its_teams_and_events(team, status, expected):
    targets = [
        _target(kind="slack", url_env="SLACK_BILLING", teams=["billing"], events=["handoff"]),
        _target(kind="webhook", url_env="OPS_HOOK"),
    ]
    notices = notices_for({**VIEW, "team": team, "status": status}, targets, environ=ENV)
    assert [n.target.url_env for n in notices] == expected
    assert all(n.handoff_id == "h-1" for n in notices)


@pytest.mark.parametrize(
    "event_type, status, closed_at, expected",
    [
        ("handoff.opened", "queued", None, NotificationEvent.HANDOFF),
        ("handoff.opened", "ticket", None, NotificationEvent.TICKET),
        # the waiting sweep made a queued handoff a ticket (queue timeout, team closed)
        ("handoff.closed", "ticket", None, NotificationEvent.TICKET),
        # an answered ticket closed by its agent, a chat handed back, a claim: nothing new
        ("handoff.closed", "ticket", "2026-12-05T11:00:00+00:00", None),
        ("handoff.closed", "resolved", "2026-12-05T11:00:00+00:00", None),
        ("handoff.claimed", "assigned", None, None),
    ],
)
def test_a_ticket_the_waiting_sweep_made_is_announced_like_a_new_one(
    event_type, status, closed_at, expected
):
    view = {**VIEW, "status": status, "closed_at": closed_at}
    assert announced(event_type, view) is expected


def test_a_target_whose_url_variable_is_unset_is_skipped():
    targets = [_target(kind="webhook", url_env="NOT_SET_ANYWHERE")]
    assert notices_for(VIEW, targets, environ=ENV) == []


@pytest.mark.parametrize("build", [webhook_payload, slack_payload])
def test_no_personal_data_leaves_the_desk(build):
    body = str(build(VIEW, NotificationEvent.HANDOFF, "https://desk.example/webhooks/agent_desk/"))
    for personal in ("Jane", "48213377", "jane@example.com", "refund for"):
        assert personal not in body


def test_the_slack_message_says_who_waits_where_and_links_the_inbox():
    text = slack_payload(VIEW, NotificationEvent.HANDOFF, "https://desk.example/inbox")["text"]
    assert text == (
        "A customer is waiting for *billing*: frustration on telegram, position 2 in the queue"
        " — <https://desk.example/inbox|open the inbox>"
    )
    ticket = slack_payload({**VIEW, "status": "ticket"}, NotificationEvent.TICKET)["text"]
    assert ticket.startswith("New ticket for *billing*")
    senior = slack_payload({**VIEW, "queue": "senior"}, NotificationEvent.HANDOFF)["text"]
    assert senior.startswith("A customer is waiting for *billing* (senior queue): frustration")


def test_the_webhook_document_names_the_event_and_the_handoff():
    body = webhook_payload({**VIEW, "status": "ticket"}, NotificationEvent.TICKET)
    assert body["event"] == "ticket.opened"
    assert body["handoff"]["id"] == "h-1" and body["handoff"]["team"] == "billing"
    assert (
        webhook_payload({**VIEW, "queue": "senior"}, NotificationEvent.HANDOFF)["handoff"]["queue"]
        == "senior"
    )


def _settings(notifications):
    return {
        "self_service": {"contact": "e-mail help@example.com"},
        "desk": {"notifications": notifications},
    }


def test_a_notification_for_a_team_that_does_not_exist_is_refused_naming_the_key():
    raw = _settings([{"kind": "slack", "url_env": "SLACK", "teams": ["biling"]}])
    with pytest.raises(SettingsError, match=r"desk: notifications: biling not in routing.teams"):
        parse_settings(raw, "handoff.yml")


@pytest.mark.parametrize(
    "entry, problem",
    [
        ({"kind": "teams", "url_env": "X"}, "desk.notifications.0.kind"),
        ({"kind": "slack", "url": "https://hooks.slack.com/x"}, "desk.notifications.0.url"),
        ({"kind": "slack", "url_env": "https://hooks"}, "desk.notifications.0.url_env"),
        ({"kind": "webhook", "url_env": "X", "events": []}, "desk.notifications.0.events"),
    ],
)
def test_a_wrong_notification_entry_is_refused_naming_the_key(entry, problem):
    with pytest.raises(SettingsError, match=problem):
        parse_settings(_settings([entry]), "handoff.yml")
