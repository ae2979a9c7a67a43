"""The agent desk's web inbox in headless Chromium, against the real assistant.

A customer writes on Telegram (through a fake Bot API), the bot hands over, and an agent who
logged in to the inbox sees the handoff arrive live (toast, title count, queue entry), reads
the transcript and reason, claims it, replies (the fake Telegram API receives the reply; a
reply Telegram refuses is marked undelivered), sees the customer's next message and photo
arrive live, adds an internal note, and hands back — after which the bot answers the
customer again. The queue and the conversation name the customer as Telegram does, and the
customer hears the agent's name on a claim and the team's on a transfer. Further tests:
transfer to another team and close; the analytics tab (``GET /api/analytics``); a wrong
password, presence and logout; a password changed elsewhere ends the inbox's session within a
keep-alive. No request the inbox makes carries its token in the URL (the event stream takes it
from an HttpOnly cookie), and the desk's Content-Security-Policy blocks nothing the inbox does
(a violation is a console error). The tests share one
assistant and run in file order (the analytics test reads the handoffs made before it).

Needs Playwright for Python (pinned in the test extra) and a Chromium (Debian's ``chromium``
package: ``chromium`` on the PATH; ``CHROMIUM_PATH`` overrides). Like the PostgreSQL tests, a
missing browser skips on a developer machine and fails under ``CI``.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import requests

from tests.e2e.assistant import RunningAssistant
from tests.fakes.channels import TELEGRAM_SECRET
from tests.fakes.telegram_api import FakeTelegramApi

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the browser fixture skips (or, under CI, fails) with the reason
    expect = sync_playwright = None

pytestmark = pytest.mark.integration

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = os.environ.get("INBOX_SCREENSHOTS")  # a folder: save what the agent saw
TIMEOUT_MS = 30_000
AGENT = {"username": "anna", "display_name": "Anna Berg", "password": "correct horse battery 9"}
CHAT_ID = 424242
CONVERSATION = f"telegram:{CHAT_ID}"
KEEPALIVE_SECONDS = 3


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(message: str) -> None:
    if _running_in_ci():
        pytest.fail(f"{message} (CI is set, so the browser test must run)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def desk_assistant(start_desk) -> RunningAssistant:
    return start_desk("inbox", keepalive_seconds=KEEPALIVE_SECONDS)


@pytest.fixture(scope="module")
def agent_account(desk_assistant) -> Dict[str, Any]:
    """An agent of every team, created with the desk's service token."""
    teams = desk_assistant.desk("GET", "/api/teams")
    assert teams.status_code == 200, teams.text
    names = [team["name"] for team in teams.json()["teams"]]
    created = desk_assistant.desk("POST", "/api/agents", json={**AGENT, "teams": names})
    assert created.status_code == 201, created.text
    return created.json()


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        _unavailable("Playwright is not installed (pip install -c requirements.lock -e '.[test]')")
    if not os.path.exists(CHROMIUM):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)")
    expect.set_options(timeout=TIMEOUT_MS)  # servers on a busy CI machine answer slowly
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Berlin")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.errors = []  # JavaScript errors and failed requests the console reported
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.urls = []  # every URL the inbox requested
    page.on("request", lambda request: page.urls.append(request.url))
    yield page
    context.close()


def _snapshot(page, name: str) -> None:
    if SCREENSHOTS:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


class TelegramCustomer:
    """A Telegram user writing to the bot: posts webhook updates like Telegram does."""

    _update_ids = itertools.count(int(time.time()) % 100_000 * 1000)

    def __init__(self, assistant: RunningAssistant, api: FakeTelegramApi, chat_id: int):
        self.assistant, self.api, self.chat_id = assistant, api, chat_id

    def say(self, text: str) -> None:
        self._deliver({"text": text})

    def send_photo(self, caption: str) -> None:
        sizes = [{"file_id": f"AgAD-{size}", "width": size, "height": size} for size in (90, 800)]
        self._deliver({"photo": sizes, "caption": caption})

    def _deliver(self, content: Dict[str, Any]) -> None:
        update_id = next(self._update_ids)
        update = {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": self.chat_id, "type": "private", "first_name": "Jane"},
                "from": {"id": self.chat_id, "is_bot": False, "first_name": "Jane",
                         "last_name": "Doe", "language_code": "en"},
                **content,
            },
        }  # fmt: skip
        response = requests.post(
            f"{self.assistant.rasa_url}/webhooks/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            timeout=30,
        )
        assert response.status_code == 200, response.text

    def received(self) -> List[str]:
        return [call.body.get("text", "") for call in self.api.sent_to(self.chat_id)]

    def wait_for_reply(self, after: int, matching: Callable[[str], bool] = bool) -> str:
        """Wait for a message to the customer, beyond the first ``after``, that matches."""
        return _wait_until(
            lambda: next((text for text in self.received()[after:] if matching(text)), None),
            what=lambda: f"a message to the customer after #{after}; got {self.received()}",
        )


def _wait_until(condition: Callable[[], Any], timeout: float = 60, what: Any = "condition"):
    """Return ``condition()``'s first truthy value; ``what`` (text or callable) names it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


def _open_handoff(assistant: RunningAssistant, conversation_id: str):
    response = assistant.desk("GET", "/api/handoffs", params={"status": "queued,assigned"})
    response.raise_for_status()
    found = [h for h in response.json()["handoffs"] if h["conversation_id"] == conversation_id]
    return found[0] if found else None


def _log_in(page, assistant: RunningAssistant) -> None:
    page.goto(f"{assistant.rasa_url}/webhooks/agent_desk/")
    page.get_by_test_id("login-username").fill(AGENT["username"])
    page.get_by_test_id("login-password").fill(AGENT["password"])
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("agent-name")).to_contain_text(AGENT["display_name"])


def test_an_agent_takes_a_telegram_conversation_over_and_hands_it_back(
    page, desk_assistant, agent_account, telegram
):
    customer = TelegramCustomer(desk_assistant, telegram, CHAT_ID)

    # The agent logs in to the inbox and waits, live.
    _log_in(page, desk_assistant)
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
    token = page.evaluate("sessionStorage.getItem('agentDesk.token')")
    assert token and not [url for url in page.urls if token in url or "token=" in url]

    # The customer asks for a person on Telegram and answers the intake.
    customer.say("I want to talk to a human")
    customer.wait_for_reply(0, lambda text: "order number" in text)
    sent = len(customer.received())
    customer.say("I don't have one")
    customer.wait_for_reply(sent, lambda text: "e-mail" in text)
    sent = len(customer.received())
    customer.say("jane.doe@example.com")
    customer.wait_for_reply(sent, lambda text: "passed our conversation" in text)
    handoff = _wait_until(
        lambda: _open_handoff(desk_assistant, CONVERSATION), what="the handoff in the desk"
    )

    # It arrives live: a toast, the count in the title, the queue entry with its reason and
    # the customer's name as Telegram gave it (the conversation id on hover).
    expect(page.get_by_test_id("toast").filter(has_text="New handoff: Jane Doe")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^\(1\) "))
    item = page.locator(f'[data-testid="queue-item"][data-handoff-id="{handoff["id"]}"]')
    expect(item).to_be_visible()
    expect(item.get_by_test_id("queue-customer")).to_have_text("Jane Doe")
    expect(item.get_by_test_id("queue-customer")).to_have_attribute("title", CONVERSATION)
    expect(item.get_by_test_id("queue-reason")).to_have_attribute("data-reason", "explicit_request")
    expect(item.get_by_test_id("queue-reason")).to_have_text("Asked for a person")
    expect(item.get_by_test_id("queue-channel")).to_contain_text("Telegram")
    expect(item.get_by_test_id("queue-wait")).to_have_text(re.compile(r"^\d+(s|m \d\ds)$"))
    # Routing offers it to the least busy online agent of the team: Anna, the only one.
    expect(item.get_by_test_id("queue-offered")).to_have_text("Offered to you")

    # The conversation: whole transcript with the right senders, the reason and the context.
    item.click()
    conversation = page.get_by_test_id("conversation")
    expect(conversation).to_have_attribute("data-status", "queued")
    expect(page.get_by_test_id("conversation-customer")).to_have_text("Jane Doe")
    transcript = page.get_by_test_id("transcript")
    first = transcript.get_by_test_id("turn").first
    expect(first).to_have_attribute("data-sender", "customer")
    expect(first.get_by_test_id("turn-text")).to_have_text("I want to talk to a human")
    expect(first.get_by_test_id("turn-time")).to_have_text(re.compile(r"\d\d:\d\d"))
    expect(transcript.locator('[data-sender="bot"]').first).to_be_visible()
    expect(transcript).to_contain_text("jane.doe@example.com")
    panel = page.get_by_test_id("context-panel")
    expect(panel.get_by_test_id("context-reason")).to_have_attribute(
        "data-reason", "explicit_request"
    )
    expect(panel.get_by_test_id("context-summary")).not_to_be_empty()
    expect(panel.get_by_test_id("intake-email")).to_contain_text("jane.doe@example.com")
    expect(panel.get_by_test_id("context-channel")).to_contain_text("Telegram")
    expect(panel.get_by_test_id("context-customer")).to_contain_text("Jane Doe")
    expect(page.get_by_test_id("reply-input")).to_be_disabled()
    _snapshot(page, "queued")

    # Claim: the reply box opens and the customer hears that Anna joined, greeted by name.
    before_claim = len(customer.received())
    page.get_by_test_id("claim-button").click()
    expect(conversation).to_have_attribute("data-status", "assigned")
    expect(page.get_by_test_id("conversation-agent")).to_contain_text("Anna Berg")
    joined = "Hi Jane Doe, Anna Berg from our team has joined the chat."
    customer.wait_for_reply(before_claim, lambda text: text == joined)

    # Reply: the fake Telegram API receives it; the transcript shows Anna as the sender.
    reply = f"Hi Jane, Anna here. Let me look into it ({uuid.uuid4().hex[:6]})."
    before_reply = len(customer.received())
    page.get_by_test_id("reply-input").fill(reply)
    page.get_by_test_id("reply-send").click()
    assert customer.wait_for_reply(before_reply, lambda text: text == reply) == reply
    agent_turn = transcript.locator('[data-sender="agent"]').filter(has_text=reply)
    expect(agent_turn.get_by_test_id("turn-sender")).to_have_text("Anna Berg")
    expect(page.get_by_test_id("reply-input")).to_have_value("")

    # A reply Telegram refuses for good is marked as not delivered, with a visible alert.
    telegram.fail_next(
        1, 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
    )
    page.get_by_test_id("reply-input").fill("Are you still there?")
    page.get_by_test_id("reply-send").click()
    refused = transcript.locator('[data-sender="agent"]').filter(has_text="Are you still there?")
    expect(refused.get_by_test_id("turn-failed")).to_be_visible()
    expect(page.get_by_test_id("toast").filter(has_text="could not be delivered")).to_be_visible()
    expect(agent_turn.get_by_test_id("turn-failed")).to_have_count(0)

    # The customer writes (and sends a photo) while Anna has the conversation: it appears
    # live, the photo as a reference; the bot stays silent.
    before_customer = len(customer.received())
    customer.say("thanks! it is a sofa, ordered last week")
    expect(transcript.locator('[data-sender="customer"]').last).to_contain_text(
        "it is a sofa, ordered last week"
    )

    customer.send_photo("the broken leg")
    photo = transcript.locator('[data-sender="customer"]').filter(has_text="the broken leg")
    expect(photo.get_by_test_id("turn-media")).to_contain_text("photo (ref AgAD-800)")

    # An internal note stays internal.
    page.get_by_test_id("note-input").fill("Customer prefers e-mail follow-up.")
    page.get_by_test_id("note-send").click()
    expect(page.get_by_test_id("note")).to_contain_text("Customer prefers e-mail follow-up.")
    assert len(customer.received()) == before_customer

    _snapshot(page, "assigned")

    # Hand back with an outcome: the conversation closes as handed back and the bot speaks
    # again, in the words the designers wrote for that outcome.
    page.get_by_test_id("handback-outcome").select_option("resolved")
    page.get_by_test_id("handback-button").click()
    expect(conversation).to_have_attribute("data-status", "handed_back")
    expect(page.get_by_test_id("reply-input")).to_be_disabled()
    customer.wait_for_reply(before_customer, lambda text: "left the chat" in text)
    customer.wait_for_reply(
        before_customer, lambda text: text.startswith("Glad that's sorted! I'm back")
    )
    outcomes = desk_assistant.desk("GET", "/api/analytics").json()["handback_outcomes"]
    assert outcomes.get("resolved", 0) >= 1
    _wait_until(lambda: _open_handoff(desk_assistant, CONVERSATION) is None, what="handback")

    after_handback = len(customer.received())
    customer.say("what payment methods do you accept?")
    answer = customer.wait_for_reply(after_handback, lambda text: "We accept Visa" in text)
    tracker = desk_assistant.tracker(CONVERSATION)
    assert tracker["paused"] is False
    last_bot = [event for event in tracker["events"] if event["event"] == "bot"][-1]
    assert last_bot["text"] == answer
    assert "handoff_agent" not in (last_bot.get("metadata") or {})

    assert page.errors == [], page.errors


def test_an_agent_transfers_to_another_team_then_closes(
    page, desk_assistant, agent_account, telegram
):
    customer = TelegramCustomer(desk_assistant, telegram, CHAT_ID + 1)
    _log_in(page, desk_assistant)
    customer.say("I need to speak to someone")
    customer.wait_for_reply(0, lambda text: "order number" in text)
    customer.say("no, just get me a real person now")
    handoff = _wait_until(
        lambda: _open_handoff(desk_assistant, f"telegram:{CHAT_ID + 1}"), what="the handoff"
    )
    item = page.locator(f'[data-testid="queue-item"][data-handoff-id="{handoff["id"]}"]')
    item.click()
    conversation = page.get_by_test_id("conversation")
    page.get_by_test_id("claim-button").click()
    expect(conversation).to_have_attribute("data-status", "assigned")

    expect(item.get_by_test_id("queue-customer")).to_have_text("Jane Doe")

    # A transfer to another team: the customer is told which team, the transcript shows it.
    target = "billing" if handoff["team"] != "billing" else "general"
    teams = {t["name"]: t for t in desk_assistant.desk("GET", "/api/teams").json()["teams"]}
    passing = f"I'm passing you to our {teams[target]['display_name']} team."
    before_transfer = len(customer.received())
    page.get_by_test_id("transfer-target").select_option(f"team:{target}")
    page.get_by_test_id("transfer-button").click()
    expect(conversation).to_have_attribute("data-status", "queued")
    expect(page.get_by_test_id("context-team")).to_have_text(target)
    expect(item.get_by_test_id("queue-team")).to_have_text(target)
    customer.wait_for_reply(before_transfer, lambda text: text == passing)
    transcript = page.get_by_test_id("transcript")
    expect(transcript.locator('[data-sender="agent"]').filter(has_text=passing)).to_be_visible()

    page.get_by_test_id("claim-button").click()
    expect(conversation).to_have_attribute("data-status", "assigned")
    page.get_by_test_id("close-button").click()
    expect(conversation).to_have_attribute("data-status", "resolved")
    expect(item).to_have_count(0)
    expect(page.get_by_test_id("claim-button")).to_be_disabled()
    assert page.errors == [], page.errors


def test_the_analytics_tab_draws_the_report(page, desk_assistant, agent_account):
    """Runs after the takeover above (pytest keeps file order), so the report has a handoff."""
    _log_in(page, desk_assistant)
    page.get_by_test_id("tab-analytics").click()

    view = page.get_by_test_id("analytics-view")
    expect(view.get_by_test_id("figure-handoffs")).to_be_visible()
    expect(view.get_by_test_id("chart-reasons")).to_have_attribute(
        "aria-label", re.compile(r"Asked for a person \d+")
    )
    _snapshot(page, "analytics")
    expect(view.get_by_test_id("chart-channels").locator("g.bar")).not_to_have_count(0)
    with page.expect_download() as download:
        view.get_by_test_id("kb-gaps-csv").click()
    assert download.value.suggested_filename == "kb-gaps.csv"
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("kind,topic,handoffs,conversations,rate,reasons,example_1")
    assert page.errors == [], page.errors


def test_wrong_password_presence_and_logout(page, desk_assistant, agent_account):
    def presence() -> str:
        listed = desk_assistant.desk("GET", "/api/agents").json()["agents"]
        return next(a["presence"] for a in listed if a["username"] == AGENT["username"])

    page.goto(f"{desk_assistant.rasa_url}/webhooks/agent_desk/")
    page.get_by_test_id("login-username").fill(AGENT["username"])
    page.get_by_test_id("login-password").fill("not the password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_have_text("Wrong username or password.")

    _log_in(page, desk_assistant)
    page.get_by_test_id("presence-select").select_option("away")
    expect(page.get_by_test_id("toast").filter(has_text="You are away")).to_be_visible()
    assert presence() == "away"

    page.reload()  # the session survives a reload of the tab
    expect(page.get_by_test_id("presence-select")).to_have_value("away")

    page.get_by_test_id("logout-button").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    assert [e for e in page.errors if "401" not in e] == [], page.errors


def test_a_password_changed_elsewhere_ends_the_inbox_session(page, desk_assistant, agent_account):
    _log_in(page, desk_assistant)
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    path = f"/api/agents/{agent_account['id']}"
    changed = desk_assistant.desk("PATCH", path, json={"password": "a stolen one was reset 1"})
    assert changed.status_code == 200, changed.text
    try:
        # The stream ends at its next keep-alive, the reconnect is refused, the login shows.
        expect(page.get_by_test_id("login-form")).to_be_visible(timeout=TIMEOUT_MS)
    finally:
        restored = desk_assistant.desk("PATCH", path, json={"password": AGENT["password"]})
        assert restored.status_code == 200, restored.text
    assert not [url for url in page.urls if "token=" in url]
    assert [e for e in page.errors if "401" not in e] == [], page.errors
