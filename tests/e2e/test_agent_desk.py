"""The agent desk end to end: a customer on the REST channel, agents on the desk API, real Rasa."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from openapi_spec_validator import validate_spec

from tests.e2e.assistant import RunningAssistant, start_assistant

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"
QUEUED = "passed our conversation"
RACERS = 20


@pytest.fixture(scope="module")
def desk_assistant(trained_model, tmp_path_factory) -> RunningAssistant:
    """An assistant of its own: these tests put agents on the desk, which changes routing."""
    running = start_assistant(trained_model, tmp_path_factory.mktemp("desk"))
    yield running
    running.stop()


def _agent(assistant, username: str, team: str, role: str = "agent") -> str:
    created = assistant.desk(
        "POST",
        "/api/agents",
        json={
            "username": username,
            "display_name": username.title(),
            "password": PASSWORD,
            "role": role,
            "teams": [team],
        },
    )
    assert created.status_code == 201, created.text
    login = assistant.desk(
        "POST", "/api/login", token=None, json={"username": username, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    assert login.json()["agent"]["teams"] == [team]
    return login.json()["token"]


def _hand_off(assistant, sender: str) -> dict:
    assistant.say(sender, "I want to talk to a human")
    assistant.say(sender, "I don't have one")
    assert any(QUEUED in r for r in assistant.say(sender, "jane@example.com"))
    queue = assistant.desk("GET", "/api/handoffs").json()["handoffs"]
    (handoff,) = (h for h in queue if h["conversation_id"] == sender)
    return handoff


def _agent_events(tracker) -> list:
    return [
        e
        for e in tracker["events"]
        if e["event"] == "bot" and "handoff_agent" in (e.get("metadata") or {})
    ]


def test_customer_agent_claim_reply_handback_and_a_second_handoff(desk_assistant):
    desk = desk_assistant
    sender = desk.new_conversation()
    handoff = _hand_off(desk, sender)
    assert handoff["status"] == "queued"
    assert handoff["expected_wait_seconds"] > 0
    team = handoff["team"]
    anna = _agent(desk, "anna", team)
    sam = _agent(desk, "sam", "sales" if team != "sales" else "billing")
    hid = handoff["id"]

    # Another team's agent sees nothing and may do nothing.
    assert sender not in [
        h["conversation_id"]
        for h in desk.desk("GET", "/api/handoffs", token=sam).json()["handoffs"]
    ]
    for method, path, body in [
        ("GET", f"/api/handoffs/{hid}", None),
        ("POST", f"/api/handoffs/{hid}/claim", None),
        ("POST", f"/api/handoffs/{hid}/messages", {"text": "hi"}),
    ]:
        answer = desk.desk(method, path, token=sam, json=body)
        assert answer.status_code == 403, answer.text
        assert f"belongs to team {team}" in answer.json()["error"]

    claimed = desk.desk("POST", f"/api/handoffs/{hid}/claim", token=anna)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "assigned"
    assert claimed.json()["assigned_agent"]["display_name"] == "Anna"
    again = desk.desk("POST", f"/api/handoffs/{hid}/claim", token=anna)
    assert (again.status_code, again.json()) == (409, {"error": "already claimed by Anna"})

    sent = desk.desk(
        "POST",
        f"/api/handoffs/{hid}/messages",
        token=anna,
        json={"text": "Hi Jane, I'm checking your refund now."},
    )
    assert sent.status_code == 201, sent.text
    tracker = desk.tracker(sender)
    joined, reply = _agent_events(tracker)
    assert joined["text"] == "Anna from our team has joined the chat."
    assert reply["text"] == "Hi Jane, I'm checking your refund now."
    assert reply["metadata"]["handoff_agent"]["name"] == "Anna"
    assert tracker["paused"] is True

    # The customer writes; the agent reads it in the live transcript.
    assert desk.say(sender, "thanks, order was a sofa") == []
    detail = desk.desk("GET", f"/api/handoffs/{hid}", token=anna).json()
    senders = [(t["sender"], t["text"]) for t in detail["transcript"]]
    assert ("agent", "Hi Jane, I'm checking your refund now.") in senders
    assert senders[-1] == ("customer", "thanks, order was a sofa")
    assert detail["context"]["reason"] == "explicit_request"

    back = desk.desk("POST", f"/api/handoffs/{hid}/handback", token=anna)
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "handed_back"
    assert desk.desk("POST", f"/api/handoffs/{hid}/handback", token=anna).status_code == 409
    assert desk.desk("POST", f"/api/handoffs/{hid}/close", token=anna).status_code == 409
    tracker = desk.tracker(sender)
    assert tracker["paused"] is False
    assert _agent_events(tracker)[-1]["metadata"]["kind"] == "left"
    assert any("PayPal" in r for r in desk.say(sender, "what payment methods do you accept?"))

    # The same conversation can be handed off again: a new handoff row.
    replies = desk.say(sender, "I want to talk to a human")
    replies += desk.say(sender, "skip") if not any(QUEUED in r for r in replies) else []
    assert any(QUEUED in r for r in replies), replies
    queue = desk.desk("GET", "/api/handoffs", token=anna).json()["handoffs"]
    (second,) = (h for h in queue if h["conversation_id"] == sender)
    assert second["id"] != hid and second["status"] == "queued"

    # Closing a finished chat: the customer hears the agent left, no "welcome back", and the
    # bot answers the next question instead of staying silent.
    assert desk.desk("POST", f"/api/handoffs/{second['id']}/claim", token=anna).status_code == 200
    closed = desk.desk("POST", f"/api/handoffs/{second['id']}/close", token=anna)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "resolved"
    tracker = desk.tracker(sender)
    assert tracker["paused"] is False
    assert _agent_events(tracker)[-1]["metadata"]["kind"] == "left"
    assert tracker["events"][-1]["event"] != "user"  # no external "handback" intent
    assert any("PayPal" in r for r in desk.say(sender, "what payment methods do you accept?"))


def test_bad_requests_get_clear_errors(desk_assistant):
    desk = desk_assistant
    anna = desk.desk(
        "POST", "/api/login", token=None, json={"username": "anna", "password": PASSWORD}
    )
    token = anna.json()["token"] if anna.status_code == 200 else _agent(desk, "anna", "general")
    wrong = desk.desk(
        "POST", "/api/login", token=None, json={"username": "anna", "password": "not the password"}
    )
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"error": "unknown username or wrong password"},
    )
    handoff = _hand_off(desk, desk.new_conversation())
    path = f"/api/handoffs/{handoff['id']}"
    checks = [
        ("POST", f"{path}/notes", {"data": "{not json"}, 400, "not valid JSON"),
        ("POST", f"{path}/notes", {"json": {}}, 422, "text: required"),
        ("POST", f"{path}/transfer", {"json": {"team": "nope"}}, 422, "team: unknown team 'nope'"),
        ("POST", "/api/agents", {"json": {"username": "x1"}}, 403, "only supervisors and admins"),
        ("GET", "/api/handoffs/unknown", {}, 404, "no handoff unknown"),
        (
            "POST",
            "/api/decisions",
            {"json": {"conversation_id": "c", "decision": "x"}},
            403,
            "service token",
        ),
    ]
    for method, url, kwargs, status, message in checks:
        answer = desk.desk(method, url, token=token, **kwargs)
        assert answer.status_code == status, (url, answer.text)
        assert message in answer.json()["error"]
    bad = desk.desk("POST", "/api/decisions", json={"conversation_id": "c", "decision": "x"})
    assert bad.status_code == 422 and bad.json()["error"].startswith("decision:")
    good = desk.desk("POST", "/api/decisions", json={"conversation_id": "c", "decision": "offer"})
    assert good.status_code == 201
    assert desk.desk("GET", "/api/handoffs", token="forged").status_code == 401
    note = desk.desk("POST", f"{path}/notes", token=token, json={"text": "VIP customer"})
    assert note.status_code == 201 and note.json()["author"] == "Anna"


def test_simultaneous_claims_over_http_have_one_winner(desk_assistant):
    desk = desk_assistant
    handoff = _hand_off(desk, desk.new_conversation())
    tokens = [_agent(desk, f"racer{n:02d}", handoff["team"]) for n in range(RACERS)]
    start = threading.Barrier(RACERS)

    def claim(token):
        start.wait(timeout=30)
        return desk.desk("POST", f"/api/handoffs/{handoff['id']}/claim", token=token)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        answers = list(pool.map(claim, tokens))
    elapsed = time.perf_counter() - began
    assert sorted(a.status_code for a in answers) == [200] + [409] * (RACERS - 1)
    winner = next(a for a in answers if a.status_code == 200).json()["assigned_agent"]
    assert {a.json()["error"] for a in answers if a.status_code == 409} == {
        f"already claimed by {winner['display_name']}"
    }
    print(f"\n{RACERS} HTTP claims in {elapsed:.2f}s")


def test_event_stream_shows_the_agents_team_events(desk_assistant):
    desk = desk_assistant
    handoff = _hand_off(desk, desk.new_conversation())
    token = _agent(desk, "eva", handoff["team"])
    got = {}
    subscribed = threading.Event()

    def listen():
        with desk.desk("GET", "/api/events", token=token, stream=True) as stream:
            got["type"] = stream.headers["Content-Type"]
            subscribed.set()  # the desk subscribes before it answers with the headers
            event = None
            for line in stream.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "note.added":
                    got["note"] = json.loads(line.removeprefix("data: "))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert subscribed.wait(timeout=60), "the event stream never answered"
    assert (
        desk.desk(
            "POST", f"/api/handoffs/{handoff['id']}/notes", token=token, json={"text": "looking"}
        ).status_code
        == 201
    )
    listener.join(timeout=20)
    assert got["type"].startswith("text/event-stream")
    assert got["note"]["handoff_id"] == handoff["id"]
    assert got["note"]["data"]["note"]["text"] == "looking"


def test_openapi_document_is_valid_and_public(desk_assistant):
    answer = desk_assistant.desk("GET", "/openapi.json", token=None)
    assert answer.status_code == 200
    document = answer.json()
    validate_spec(document)
    assert {"/api/login", "/api/handoffs/{handoff_id}/claim", "/api/events"} <= set(
        document["paths"]
    )


@pytest.mark.parametrize(
    "number, outcome, first_words",
    [
        (1, None, "I'm back - Northwind Home's virtual assistant. Is there anything else"),
        (2, "resolved", "Glad that's sorted! I'm back"),
        (3, "not_resolved", "I'm sorry this isn't solved yet."),
        (4, "follow_up", "Our team will get back to you about this as promised."),
    ],
)
def test_the_bots_first_words_after_a_handback_follow_the_agents_outcome(
    desk_assistant, number, outcome, first_words
):
    desk = desk_assistant
    sender = desk.new_conversation()
    handoff = _hand_off(desk, sender)
    olga = _agent(desk, f"olga{number}", handoff["team"])
    hid = handoff["id"]
    assert desk.desk("POST", f"/api/handoffs/{hid}/claim", token=olga).status_code == 200

    refused = desk.desk(
        "POST", f"/api/handoffs/{hid}/handback", token=olga, json={"outcome": "done"}
    )
    assert refused.status_code == 422, refused.text
    assert "outcome" in refused.json()["error"]

    body = {"outcome": outcome, "note": "Refund sent; 5 working days."} if outcome else None
    back = desk.desk("POST", f"/api/handoffs/{hid}/handback", token=olga, json=body)
    assert back.status_code == 200, back.text
    tracker = desk.tracker(sender)
    bot_turns = [
        e for e in tracker["events"]
        if e["event"] == "bot" and "handoff_agent" not in (e.get("metadata") or {})
    ]  # fmt: skip
    assert bot_turns[-1]["text"].startswith(first_words)
    assert tracker["slots"]["handoff_outcome"] == outcome
    assert tracker["slots"]["handoff_note"] == (body or {}).get("note")


def test_a_claim_beyond_max_chats_is_refused_over_http_unless_a_supervisor_overrides(
    desk_assistant,
):
    desk = desk_assistant
    first, second = (_hand_off(desk, desk.new_conversation()) for _ in range(2))
    team = first["team"]
    created = desk.desk(
        "POST",
        "/api/agents",
        json={"username": "pia", "display_name": "Pia", "password": PASSWORD, "teams": [team],
              "max_chats": 1},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    pia = desk.desk("POST", "/api/login", token=None,
                    json={"username": "pia", "password": PASSWORD}).json()["token"]  # fmt: skip
    assert desk.desk("POST", f"/api/handoffs/{first['id']}/claim", token=pia).status_code == 200

    refused = desk.desk("POST", f"/api/handoffs/{second['id']}/claim", token=pia)
    assert refused.status_code == 409
    assert refused.json() == {
        "error": "Pia is at capacity (1 of 1 chats): hand one back or close it first"
    }
    forced = desk.desk(
        "POST", f"/api/handoffs/{second['id']}/claim", token=pia, json={"beyond_capacity": True}
    )
    assert forced.status_code == 403, forced.text

    created = desk.desk(
        "POST",
        "/api/agents",
        json={"username": "lea", "display_name": "Lea", "password": PASSWORD, "teams": [team],
              "role": "supervisor", "max_chats": 1},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    lea = desk.desk("POST", "/api/login", token=None,
                    json={"username": "lea", "password": PASSWORD}).json()["token"]  # fmt: skip
    assert desk.desk("POST", f"/api/handoffs/{first['id']}/transfer", token=lea,
                     json={"team": team}).status_code == 200  # fmt: skip
    assert desk.desk("POST", f"/api/handoffs/{first['id']}/claim", token=lea).status_code == 200
    assert desk.desk("POST", f"/api/handoffs/{second['id']}/claim", token=lea).status_code == 409
    taken = desk.desk(
        "POST", f"/api/handoffs/{second['id']}/claim", token=lea, json={"beyond_capacity": True}
    )
    assert taken.status_code == 200, taken.text
    assert taken.json()["assigned_agent"]["display_name"] == "Lea"


def test_a_supervisor_setting_the_offered_agent_offline_moves_the_offer_on(desk_assistant):
    """PATCH /api/agents is a change of who is at the desk: the waiting customer's offer
    leaves the agent set offline at once, as the agent's own logout would."""
    desk = desk_assistant
    handoff = _hand_off(desk, desk.new_conversation())
    _agent(desk, "oskar", handoff["team"])  # somebody online, so the handoff is offered

    def offered_to() -> dict | None:
        view = desk.desk("GET", f"/api/handoffs/{handoff['id']}")
        assert view.status_code == 200, view.text
        return view.json()["offered_to"]

    offered = offered_to()
    assert offered is not None
    changed = desk.desk("PATCH", f"/api/agents/{offered['id']}", json={"presence": "offline"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["presence"] == "offline"
    after = offered_to()
    assert after is None or after["id"] != offered["id"]
