"""A website customer on Rasa's socket.io protocol, handed to a person and back (real servers).

The customer is a real socket.io client (python-socketio, the protocol of the common Rasa
web-chat widgets): ``session_request`` → ``session_confirm``, ``user_uttered`` in,
``bot_uttered`` out.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import Callable, List, Optional

import pytest
import socketio

from tests.e2e.assistant import start_assistant

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"


class WebsiteCustomer:
    """A browser tab with the chat widget: one persistent session."""

    def __init__(self, url: str, session_id: str = "") -> None:
        self.session_id = session_id or uuid.uuid4().hex
        self.received: List[str] = []
        self._changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("session_confirm", self._confirmed)
        self.client.on("bot_uttered", self._uttered)
        self._confirmed_event = threading.Event()
        self.client.connect(url, socketio_path="/socket.io", transports=["polling"])
        self.client.emit("session_request", {"session_id": self.session_id})
        assert self._confirmed_event.wait(30), "no session_confirm"

    def _confirmed(self, session_id: str) -> None:
        assert session_id == self.session_id
        self._confirmed_event.set()

    def _uttered(self, message: dict) -> None:
        with self._changed:
            self.received.append(message.get("text") or "")
            self._changed.notify_all()

    def say(self, text: str, metadata: Optional[dict] = None) -> int:
        """Send ``text`` (with the widget's ``metadata``); return how many bot messages had
        arrived before it."""
        with self._changed:
            before = len(self.received)
        message = {"message": text, "session_id": self.session_id}
        if metadata is not None:
            message["metadata"] = metadata
        self.client.emit("user_uttered", message)
        return before

    def wait_for(self, after: int, match: Callable[[str], bool], timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for text in self.received[after:]:
                    if match(text):
                        return text
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching bot message; got {self.received[after:]}")
                self._changed.wait(remaining)

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture(scope="module")
def website_assistant(trained_model, tmp_path_factory):
    running = start_assistant(
        trained_model,
        tmp_path_factory.mktemp("website"),
        extra_credentials={"connectors.website.WebsiteInput": {"store_url": "${DESK_STORE_URL}"}},
    )
    yield running
    running.stop()


def _wait(condition: Callable[[], object], what: str, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_website_customer_gets_the_agents_replies_live_and_the_bot_back(website_assistant):
    desk = website_assistant
    customer = WebsiteCustomer(desk.rasa_url)
    try:
        sent = customer.say("I want to talk to a human")
        customer.wait_for(sent, lambda text: "order number" in text)
        sent = customer.say("I don't have one")
        customer.wait_for(sent, lambda text: "e-mail" in text)
        sent = customer.say("jane.doe@example.com")
        customer.wait_for(sent, lambda text: "passed our conversation" in text)
        conversation = customer.session_id

        def open_handoff():
            listed = desk.desk("GET", "/api/handoffs").json()["handoffs"]
            return next((h for h in listed if h["conversation_id"] == conversation), None)

        handoff = _wait(open_handoff, "the handoff in the desk")
        assert handoff["channel"] == "socketio"
        created = desk.desk(
            "POST",
            "/api/agents",
            json={"username": "wanda", "display_name": "Wanda", "password": PASSWORD,
                  "teams": [handoff["team"]]},
        )  # fmt: skip
        assert created.status_code == 201, created.text
        login = {"username": "wanda", "password": PASSWORD}
        wanda = desk.desk("POST", "/api/login", token=None, json=login).json()["token"]

        # The agent joins and replies: both reach the website customer live.
        before = len(customer.received)
        claimed = desk.desk("POST", f"/api/handoffs/{handoff['id']}/claim", token=wanda)
        assert claimed.status_code == 200, claimed.text
        customer.wait_for(before, lambda text: text == "Wanda from our team has joined the chat.")
        sent_reply = desk.desk(
            "POST",
            f"/api/handoffs/{handoff['id']}/messages",
            token=wanda,
            json={"text": "Hi Jane, how can I help?"},
        )
        assert sent_reply.status_code == 201, sent_reply.text
        customer.wait_for(before, lambda text: text == "Hi Jane, how can I help?")

        # The customer answers: the agent reads it, the bot stays silent; a forged intent
        # payload changes nothing.
        customer.say("/restart")
        customer.say("my sofa has a broken leg")

        def relayed():
            detail = desk.desk("GET", f"/api/handoffs/{handoff['id']}", token=wanda).json()
            turns = [(t["sender"], t["text"]) for t in detail["transcript"]]
            return turns if ("customer", "my sofa has a broken leg") in turns else None

        turns = _wait(relayed, "the customer's message in the desk")
        assert ("customer", "/restart") not in turns
        tracker = desk.tracker(conversation)
        assert tracker["paused"] is True
        assert not [e for e in tracker["events"] if e["event"] == "restart"]
        last_user = max(i for i, e in enumerate(tracker["events"]) if e["event"] == "user")
        assert not [
            e for e in tracker["events"][last_user:]
            if e["event"] == "bot" and "handoff_agent" not in (e.get("metadata") or {})
        ]  # fmt: skip

        # Handed back: the bot speaks again on the website.
        before = len(customer.received)
        back = desk.desk("POST", f"/api/handoffs/{handoff['id']}/handback", token=wanda)
        assert back.status_code == 200, back.text
        customer.wait_for(before, lambda text: text.startswith("I'm back"))
        sent = customer.say("what payment methods do you accept?")
        customer.wait_for(sent, lambda text: "PayPal" in text)
    finally:
        customer.close()


def test_a_site_that_names_its_visitor_has_them_greeted_by_name(website_assistant):
    """The widget's metadata may carry ``customer_name`` (the site's signed-in visitor)."""
    desk = website_assistant
    customer = WebsiteCustomer(desk.rasa_url)
    named = {"customer_name": "Jane  Doe\u202e"}  # cleaned like the platforms' names
    try:
        for text, expect in [
            ("I want to talk to a human", "order number"),
            ("I don't have one", "e-mail"),
            ("jane.doe@example.com", "passed our conversation"),
        ]:
            sent = customer.say(text, metadata=named)
            customer.wait_for(sent, lambda said, expect=expect: expect in said)
        listed = desk.desk("GET", "/api/handoffs").json()["handoffs"]
        (handoff,) = (h for h in listed if h["conversation_id"] == customer.session_id)
        assert handoff["customer"] == {"id": customer.session_id, "name": "Jane Doe"}

        username = f"walt-{uuid.uuid4().hex[:6]}"
        created = desk.desk(
            "POST",
            "/api/agents",
            json={"username": username, "display_name": "Walt", "password": PASSWORD,
                  "teams": [handoff["team"]]},
        )  # fmt: skip
        assert created.status_code == 201, created.text
        login = {"username": username, "password": PASSWORD}
        walt = desk.desk("POST", "/api/login", token=None, json=login).json()["token"]
        before = len(customer.received)
        claimed = desk.desk("POST", f"/api/handoffs/{handoff['id']}/claim", token=walt)
        assert claimed.status_code == 200, claimed.text
        greeting = "Hi Jane Doe, Walt from our team has joined the chat."
        customer.wait_for(before, lambda text: text == greeting)
        closed = desk.desk("POST", f"/api/handoffs/{handoff['id']}/close", token=walt)
        assert closed.status_code == 200, closed.text
    finally:
        customer.close()


def test_a_website_session_cannot_write_into_a_telegram_conversation(website_assistant):
    desk = website_assistant
    victim = "telegram:5550001234"
    intruder = WebsiteCustomer(desk.rasa_url, session_id=victim)
    try:
        intruder.say("I want to talk to a human")
        log = desk.workdir / "rasa-server.log"
        _wait(lambda: "refused a message for session telegram…" in log.read_text(), "the refusal")
        assert [e for e in desk.tracker(victim)["events"] if e["event"] == "user"] == []
        assert intruder.received == []
    finally:
        intruder.close()
