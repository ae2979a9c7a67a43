"""The desk on the open internet, attacked end to end against the real assistant.

- A flood of wrong logins from one address is throttled (429 with Retry-After) while the
  Telegram webhook keeps answering within twice its idle latency (argon2 runs on the desk's
  own small executor, not on the one the channels' store work uses).
- The live event stream takes no token from the query string, and closes within one
  keep-alive of logout, deactivation or removal from a team.
- The token the action server holds opens handoffs but cannot create or change agents; a
  password change revokes the agent's other tokens; the inbox and the API send security
  headers.

The assistant runs behind a pretend proxy (``SANIC_PROXIES_COUNT=1``), so each test names the
client address it comes from in ``X-Forwarded-For`` and the throttles of one test do not touch
another's.
"""

from __future__ import annotations

import itertools
import json
import statistics
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional

import pytest
import requests

from handoff.clients.desk_api import DESK_TOKEN_ENV
from tests.e2e.assistant import RunningAssistant
from tests.fakes.channels import TELEGRAM_SECRET, telegram_text, wait_until

pytestmark = pytest.mark.integration

KEEPALIVE_SECONDS = 2.0
PASSWORD = "correct horse battery 7"
FLOOD = 50
_addresses = itertools.count(10)
_chats = itertools.count(int(time.time()) % 10_000 * 1000 + 7_000_000_000)


@pytest.fixture(scope="module")
def desk(start_desk) -> RunningAssistant:
    return start_desk(
        "security", keepalive_seconds=KEEPALIVE_SECONDS, extra_env={"SANIC_PROXIES_COUNT": "1"}
    )


def _address() -> str:
    return f"198.51.100.{next(_addresses)}"


def _post(desk: RunningAssistant, path: str, address: str, token=None, **kwargs):
    headers = {"X-Forwarded-For": address}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(
        f"{desk.rasa_url}/webhooks/agent_desk{path}", headers=headers, timeout=60, **kwargs
    )


def _agent(desk: RunningAssistant, username: str, teams: List[str]) -> Dict:
    body = {"username": username, "display_name": username.title(), "password": PASSWORD}
    created = desk.desk("POST", "/api/agents", json={**body, "teams": teams})
    assert created.status_code == 201, created.text
    return created.json()


def _login(desk: RunningAssistant, username: str, password: str = PASSWORD, address=None):
    body = {"username": username, "password": password}
    return _post(desk, "/api/login", address or _address(), json=body)


def _token(desk: RunningAssistant, username: str) -> str:
    answer = _login(desk, username)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


# -- 3: login throttling ------------------------------------------------------------------


def _webhook_latencies(
    desk: RunningAssistant, count: int = 1000, until: Optional[threading.Event] = None
) -> List[float]:
    """Post customer messages to the Telegram webhook (``count``, or until ``until`` is set).

    Returns how long each took to be answered. Paced like a busy chat: the bots' turns run in
    between, as they would.
    """
    url = f"{desk.rasa_url}/webhooks/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    latencies: List[float] = []
    with requests.Session() as session:
        while len(latencies) < count and not (until and until.is_set() and len(latencies) >= 3):
            update = telegram_text(next(_chats), "hello")
            started = time.perf_counter()
            answer = session.post(url, json=update, headers=headers, timeout=60)
            latencies.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
            time.sleep(0.2)
    return latencies


ATTACKER = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
import requests
url, address, count, victim = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
print("ready", flush=True)  # started and imported
sys.stdin.readline()  # wait for the signal
def wrong_login(attempt):
    username = victim if attempt % 2 else f"nobody{attempt}"
    answer = requests.post(url, json={"username": username, "password": "wrong password!"},
                           headers={"X-Forwarded-For": address}, timeout=120)
    return [answer.status_code, answer.headers.get("Retry-After", "")]
with ThreadPoolExecutor(max_workers=10) as pool:
    print(json.dumps(list(pool.map(wrong_login, range(count)))))
"""


def _flood(desk: RunningAssistant, victim: str):
    """One attacker (a process of its own: another machine in real life) sends 50 wrong logins
    over 10 connections from one address; return its answers and the webhook latencies
    measured meanwhile."""
    url = f"{desk.rasa_url}/webhooks/agent_desk/api/login"
    attack = subprocess.Popen(
        [sys.executable, "-c", ATTACKER, url, _address(), str(FLOOD), victim],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert attack.stdout.readline().strip() == "ready"  # its start is not part of the flood
    flood_over = threading.Event()
    threading.Thread(target=lambda: (attack.wait(), flood_over.set()), daemon=True).start()
    attack.stdin.write("go\n")
    attack.stdin.flush()
    during = _webhook_latencies(desk, until=flood_over)
    answers = json.loads(attack.communicate(timeout=300)[0])
    return answers, during


def test_a_login_flood_is_throttled_while_telegram_webhooks_keep_answering(desk):
    """Three rounds of quiet and flood, pooled: the machine is shared and its load changes."""
    _webhook_latencies(desk, 5)  # warm up the channel and the model
    quiet: List[float] = []
    during: List[float] = []
    for round_ in range(3):
        victim = _agent(desk, f"flooded{round_}", [])["username"]
        quiet += _webhook_latencies(desk, 10)
        answers, flooded_latencies = _flood(desk, victim)
        during += flooded_latencies
        statuses = [status for status, _ in answers]
        retry_after = [value for status, value in answers if status == 429]
        print(f"login answers: {sorted(statuses)}")
        assert statuses.count(429) >= FLOOD - 10, statuses
        assert set(statuses) <= {401, 429}
        assert retry_after and all(value.isdigit() and int(value) >= 1 for value in retry_after)
        # The agent is not locked out from their own address.
        assert _login(desk, victim).status_code == 200
    quiet += _webhook_latencies(desk, 10)

    idle, flooded = statistics.median(quiet), statistics.median(during)
    print(
        f"webhook median idle {idle * 1000:.1f} ms ({len(quiet)}), during the login floods"
        f" {flooded * 1000:.1f} ms ({len(during)}), max {max(during) * 1000:.1f} ms"
    )
    assert flooded <= 2 * idle, (idle, flooded)


def test_wrong_logins_for_one_account_are_throttled_from_every_address(desk):
    _agent(desk, "targeted", [])
    statuses = [_login(desk, "targeted", "wrong password!").status_code for _ in range(25)]
    assert statuses[0] == 401 and statuses[-1] == 429, statuses
    answer = _login(desk, "someone-else", "wrong password!")
    assert answer.status_code == 401  # another account from a fresh address is not throttled


# -- 5: the live event stream ---------------------------------------------------------------


class Stream:
    """The desk's event stream read in a thread; ``ended`` is set when the server closes it."""

    def __init__(self, desk: RunningAssistant, token: Optional[str], **kwargs) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.response = requests.get(
            f"{desk.rasa_url}/webhooks/agent_desk/api/events",
            headers=headers,
            stream=True,
            timeout=60,
            **kwargs,
        )
        self.lines: List[str] = []
        self.ended = threading.Event()
        self.ended_at = 0.0
        if self.response.status_code == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                self.lines.append(line)
        except requests.RequestException:
            pass
        self.ended_at = time.monotonic()
        self.ended.set()

    def closes_within(self, seconds: float) -> float:
        started = time.monotonic()
        assert self.ended.wait(seconds + 30), "the stream is still open"
        took = self.ended_at - started
        print(f"stream closed {took:.2f} s after the change (keep-alive {KEEPALIVE_SECONDS} s)")
        assert took <= seconds, took
        return took


def _open_stream(desk: RunningAssistant, token: str) -> Stream:
    stream = Stream(desk, token)
    assert stream.response.status_code == 200, stream.response.text
    wait_until(lambda: ": connected" in stream.lines, timeout=30)
    return stream


def test_the_event_stream_takes_no_token_from_the_query_string(desk):
    _agent(desk, "querying", [])
    token = _token(desk, "querying")
    assert Stream(desk, None, params={"token": token}).response.status_code == 401


def test_the_event_stream_accepts_the_login_cookie(desk):
    _agent(desk, "cookie", [])
    with requests.Session() as browser:
        login = browser.post(
            f"{desk.rasa_url}/webhooks/agent_desk/api/login",
            json={"username": "cookie", "password": PASSWORD},
            headers={"X-Forwarded-For": _address()},
            timeout=60,
        )
        assert login.status_code == 200, login.text
        cookie = login.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "/api/events" in cookie
        stream = browser.get(
            f"{desk.rasa_url}/webhooks/agent_desk/api/events", stream=True, timeout=60
        )
        assert stream.status_code == 200
        stream.close()


@pytest.mark.parametrize("change", ["logout", "team removal", "deactivation", "token expiry"])
def test_the_event_stream_closes_within_one_keep_alive(desk, change):
    agent = _agent(desk, f"streamer-{change.split()[0]}", ["general", "billing"])
    token = _token(desk, agent["username"])
    stream = _open_stream(desk, token)
    stream_limit = KEEPALIVE_SECONDS + 1.5  # one keep-alive, and the check's own time

    if change == "logout":
        assert _post(desk, "/api/logout", _address(), token=token).status_code == 200
    elif change == "team removal":
        patched = desk.desk("PATCH", f"/api/agents/{agent['id']}", json={"teams": ["general"]})
        assert patched.status_code == 200, patched.text
    elif change == "deactivation":
        patched = desk.desk("PATCH", f"/api/agents/{agent['id']}", json={"active": False})
        assert patched.status_code == 200, patched.text
    else:
        _expire_tokens(desk, agent["id"])
    stream.closes_within(stream_limit)


def _expire_tokens(desk: RunningAssistant, agent_id: str) -> None:
    import sqlite3

    with sqlite3.connect(desk.workdir / "handoff.db") as db:
        db.execute(
            "UPDATE agent_tokens SET expires_at = ? WHERE agent_id = ?",
            ("2000-01-01 00:00:00.000000", agent_id),
        )


# -- 6: scoped tokens, revocation, headers ----------------------------------------------------


def test_the_action_servers_token_opens_handoffs_but_cannot_manage_agents(desk):
    held = desk.server("action server").env[DESK_TOKEN_ENV]
    new_admin = {"username": "mallory", "display_name": "M", "password": PASSWORD, "role": "admin"}

    created = desk.desk("POST", "/api/agents", token=held, json=new_admin)
    assert created.status_code == 403, created.text
    someone = _agent(desk, "victim", [])
    promoted = desk.desk(
        "PATCH", f"/api/agents/{someone['id']}", token=held, json={"role": "admin"}
    )
    assert promoted.status_code == 403, promoted.text
    assert desk.desk("POST", "/api/teams", token=held, json={"name": "evil"}).status_code == 403

    # The action server still hands customers over with it.
    sender = desk.new_conversation()
    desk.say(sender, "I want to talk to a human")
    desk.say(sender, "I don't have one")
    desk.say(sender, "jane@example.com")
    queue = desk.desk("GET", "/api/handoffs", token=held)
    assert queue.status_code == 200, queue.text
    assert sender in [handoff["conversation_id"] for handoff in queue.json()["handoffs"]]


def test_a_password_change_revokes_the_agents_other_tokens(desk):
    agent = _agent(desk, "changer", [])
    stolen = _token(desk, "changer")
    assert desk.desk("GET", "/api/me", token=stolen).status_code == 200

    changed = desk.desk(
        "PATCH", f"/api/agents/{agent['id']}", json={"password": "a brand new password 1"}
    )

    assert changed.status_code == 200, changed.text
    assert desk.desk("GET", "/api/me", token=stolen).status_code == 401
    assert _login(desk, "changer", "a brand new password 1").status_code == 200


def test_the_inbox_and_the_api_send_security_headers(desk):
    inbox = requests.get(f"{desk.rasa_url}/webhooks/agent_desk/", timeout=30)
    policy = inbox.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert inbox.headers.get("X-Content-Type-Options") == "nosniff"
    assert inbox.headers.get("Referrer-Policy") == "no-referrer"
    me = desk.desk("GET", "/api/me")
    assert me.headers.get("Cache-Control") == "no-store"
    assert me.headers.get("X-Content-Type-Options") == "nosniff"
    refused = desk.desk("GET", "/api/me", token="forged")
    assert refused.status_code == 401 and refused.headers.get("Cache-Control") == "no-store"
