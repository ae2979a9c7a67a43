"""A real assistant for end-to-end tests: the cached model, an action server and a Rasa server.

Both servers run as subprocesses on free ports with their own SQLite tracker and handoff
stores in a temporary folder, exactly as ``make run`` starts them, so the tests talk HTTP to
what operators deploy. For the production layout ``start_assistant`` takes a PostgreSQL
tracker store, a Redis lock store, a shared handoff store URL, fixed ports and an already
running action server, so several replicas can share one set of stores
(``tests/replicas/``, ``tests/faults/``); ``RunningAssistant.kill``/``start`` kill -9 and
restart one server with the same command.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import requests
import yaml

from ops.model import PROJECT_ROOT

STARTUP_TIMEOUT_SECONDS = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    name: str
    process: subprocess.Popen
    log: Path
    command: List[str] = field(default_factory=list)
    env: Dict[str, str] = field(default_factory=dict)
    ready_url: str = ""

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])


@dataclass
class RunningAssistant:
    """Handles to the running servers plus the calls a customer, an agent and an operator make."""

    rasa_url: str
    action_url: str
    auth_token: str
    desk_token: str
    workdir: Path
    servers: List[ServerProcess] = field(default_factory=list)
    action_token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @staticmethod
    def new_conversation() -> str:
        return f"e2e-{uuid.uuid4().hex[:12]}"

    def say(self, sender: str, text: str) -> List[str]:
        """Send ``text`` through the REST channel; return the bot's replies."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=60,
        )
        response.raise_for_status()
        return [message.get("text", "") for message in response.json()]

    def tracker(self, sender: str) -> Dict[str, Any]:
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker",
            params={"token": self.auth_token},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def let_time_pass(self, sender: str, seconds: float) -> None:
        """Move the conversation's history ``seconds`` into the past, as if nobody wrote.

        Rasa's SQL tracker store only appends events, so the stored rows are re-dated in place
        (both the ``timestamp`` column and the serialised event).
        """
        with sqlite3.connect(self.workdir / "tracker.db") as db:
            rows = db.execute("SELECT id, data FROM events WHERE sender_id = ?", (sender,))
            for row_id, data in rows.fetchall():
                event = json.loads(data)
                event["timestamp"] -= seconds
                db.execute(
                    "UPDATE events SET timestamp = ?, data = ? WHERE id = ?",
                    (event["timestamp"], json.dumps(event), row_id),
                )

    def desk(self, method: str, path: str, token: Optional[str] = "default", **kwargs: Any):
        headers = {}
        if token == "default":
            token = self.desk_token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(
            method,
            f"{self.rasa_url}/webhooks/agent_desk{path}",
            headers=headers,
            timeout=60,
            **kwargs,
        )

    def logs(self) -> str:
        return "\n".join(server.tail() for server in self.servers)

    def server(self, name: str) -> ServerProcess:
        (found,) = (server for server in self.servers if server.name == name)
        return found

    def kill(self, name: str = "rasa server") -> None:
        """kill -9 one server (no graceful stop, nothing flushed) and reap it."""
        server = self.server(name)
        if server.process.poll() is None:
            os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)

    def start(self, name: str = "rasa server") -> None:
        """Start a stopped or killed server again with the same command; wait until ready."""
        server = self.server(name)
        assert server.process.poll() is not None, f"{name} is still running"
        server.process = _launch(server.command, server.env, server.log, append=True)
        _wait_for(server.ready_url, server, self)

    def stop(self) -> None:
        for server in self.servers:
            if server.process.poll() is None:
                server.process.terminate()
        for server in self.servers:
            try:
                server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.process.kill()


def _wait_for(url: str, server: ServerProcess, assistant: RunningAssistant) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early\n{assistant.logs()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(
        f"{server.name} not ready after {STARTUP_TIMEOUT_SECONDS}s\n{assistant.logs()}"
    )


ALWAYS = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
LIVE_CHAT_ONLY: Dict[str, Any] = {"default": "live_chat"}
"""``routing.handling`` for tests about the desk that need *a* handoff of a refund: the shipped
handoff.yml serves refunds by a guided return-label path instead."""


def write_settings(
    workdir: Path,
    closed_this_week: bool = False,
    desk: Optional[Dict[str, Any]] = None,
    handling: Optional[Dict[str, Any]] = None,
) -> Path:
    """Write the shipped handoff.yml with team hours that do not depend on the wall clock.

    Every team is open around the clock, or (``closed_this_week``) on holiday for the next
    seven days in Berlin, so it reopens on the eighth day at midnight. ``desk`` overrides
    keys of the ``desk`` section (e.g. short queue timings); ``handling`` replaces
    ``routing.handling`` (e.g. :data:`LIVE_CHAT_ONLY`).
    """
    settings = yaml.safe_load((PROJECT_ROOT / "handoff.yml").read_text())
    settings["desk"] = {**(settings.get("desk") or {}), **(desk or {})}
    if handling is not None:
        settings["routing"]["handling"] = handling
    hours: Dict[str, Any] = {"timezone": "Europe/Berlin", "weekly": ALWAYS, "holidays": []}
    if closed_this_week:
        today = datetime.now(ZoneInfo("Europe/Berlin")).date()
        hours["holidays"] = [(today + timedelta(days=n)).isoformat() for n in range(7)]
    for team in settings["routing"]["teams"].values():
        team["hours"] = hours
    path = workdir / "handoff.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def _launch(command: List[str], env: Dict[str, str], log: Path, append: bool = False):
    return subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("a" if append else "w"),
        stderr=subprocess.STDOUT,
    )


def start_assistant(
    model: Path,
    workdir: Path,
    extra_env: Optional[Dict[str, str]] = None,
    closed_this_week: bool = False,
    extra_credentials: Optional[Dict[str, Any]] = None,
    *,
    tracker_store: Optional[Dict[str, Any]] = None,
    lock_store: Optional[Dict[str, Any]] = None,
    event_broker: Optional[Dict[str, Any]] = None,
    store_url: Optional[str] = None,
    desk_credentials: Optional[Dict[str, Any]] = None,
    rasa_port: Optional[int] = None,
    action_port: Optional[int] = None,
    action_url: Optional[str] = None,
    auth_token: Optional[str] = None,
    desk_token: Optional[str] = None,
    action_token: Optional[str] = None,
    name: str = "",
    input_channels: Optional[Dict[str, Any]] = None,
    desk_settings: Optional[Dict[str, Any]] = None,
    handling: Optional[Dict[str, Any]] = None,
):
    """Start an action server and a Rasa server serving ``model``; return a RunningAssistant.

    ``extra_credentials`` adds input channels to credentials.yml (e.g. Telegram pointed at a
    fake Bot API); ``extra_env`` adds environment variables for both servers.

    Production layout (all optional; the defaults are the SQLite/in-memory ones above):
    ``tracker_store``, ``lock_store`` and ``event_broker`` are endpoints.yml sections;
    ``store_url`` is the handoff store (``DESK_STORE_URL``); ``desk_credentials`` adds keys
    to the agent desk channel (e.g. ``events_url``); ``rasa_port``/``action_port`` fix the
    ports; with ``action_url`` no action server is started and that one is used;
    ``auth_token``/``desk_token``/``action_token`` let replicas share tokens; ``name`` keeps
    several replicas' files apart in one ``workdir``; ``input_channels`` is a whole
    credentials.yml (e.g. the production one), used instead of the REST channel, the desk and
    ``extra_credentials``; ``desk_settings`` overrides keys of handoff.yml's ``desk`` section;
    ``handling`` replaces its ``routing.handling``.
    """
    rasa_port = rasa_port or free_port()
    suffix = f"-{name}" if name else ""
    assistant = RunningAssistant(
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_url=action_url or f"http://127.0.0.1:{action_port or free_port()}",
        auth_token=auth_token or uuid.uuid4().hex,
        desk_token=desk_token or uuid.uuid4().hex,
        action_token=action_token or uuid.uuid4().hex,
        workdir=workdir,
    )
    endpoints: Dict[str, Any] = {
        "action_endpoint": {"url": f"{assistant.action_url}/webhook"},
        "tracker_store": tracker_store
        or {"type": "SQL", "dialect": "sqlite", "db": str(workdir / "tracker.db")},
        "lock_store": lock_store or {"type": "in_memory"},
    }
    if event_broker:
        endpoints["event_broker"] = event_broker
    credentials = {
        "rest": None,
        "connectors.agent_desk.AgentDeskInput": {
            "api_token": "${DESK_API_TOKEN}",
            "action_token": "${DESK_ACTION_TOKEN}",
            "store_url": "${DESK_STORE_URL}",
            **(desk_credentials or {}),
        },
    }
    credentials.update(extra_credentials or {})
    if input_channels is not None:
        credentials = input_channels
    endpoints_file = workdir / f"endpoints{suffix}.yml"
    credentials_file = workdir / f"credentials{suffix}.yml"
    endpoints_file.write_text(yaml.safe_dump(endpoints))
    credentials_file.write_text(yaml.safe_dump(credentials))
    env = dict(os.environ)
    env.update(
        {
            "DESK_API_TOKEN": assistant.desk_token,
            "DESK_ACTION_TOKEN": assistant.action_token,
            "DESK_STORE_URL": store_url or f"sqlite:///{workdir / 'handoff.db'}",
            "DESK_URL": f"{assistant.rasa_url}/webhooks/agent_desk",
            "HANDOFF_SETTINGS": str(
                write_settings(workdir, closed_this_week, desk_settings, handling)
            ),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra_env or {})
    rasa = [sys.executable, "-m", "rasa"]
    action_port = int(assistant.action_url.rsplit(":", 1)[1])
    commands = {
        "rasa server": rasa + [
            "run", "--enable-api", "--auth-token", assistant.auth_token, "--model", str(model),
            "--endpoints", str(endpoints_file),
            "--credentials", str(credentials_file), "--port", str(rasa_port),
            "--interface", "127.0.0.1",
        ],
    }  # fmt: skip
    ready = {
        "action server": f"{assistant.action_url}/health",
        "rasa server": f"{assistant.rasa_url}/status?token={assistant.auth_token}",
    }
    if action_url is None:
        commands = {
            "action server": rasa
            + ["run", "actions", "--actions", "actions", "--port", str(action_port)],
            **commands,
        }
    for server_name, command in commands.items():
        log = workdir / f"{server_name.replace(' ', '-')}{suffix}.log"
        server_env = dict(env)
        if server_name == "action server":  # it holds only its own, scoped desk token
            server_env.pop("DESK_API_TOKEN", None)
        process = _launch(command, server_env, log)
        assistant.servers.append(
            ServerProcess(server_name, process, log, command, server_env, ready[server_name])
        )
    try:
        for server in assistant.servers:
            _wait_for(server.ready_url, server, assistant)
    except Exception:
        assistant.stop()
        raise
    return assistant


def start_desk_with_telegram(
    model: Path,
    workdir: Path,
    telegram_url: str,
    token: str,
    secret: str,
    keepalive_seconds: float,
    **kwargs: Any,
) -> RunningAssistant:
    """Start the assistant with the desk (``keepalive_seconds`` on its event stream) and the
    Telegram channel pointed at a fake Bot API; other keywords go to :func:`start_assistant`."""
    return start_assistant(
        model,
        workdir,
        desk_credentials={"events_keepalive_seconds": keepalive_seconds},
        extra_credentials={
            "connectors.telegram.TelegramInput": {
                "access_token": token,
                "secret_token": secret,
                "api_url": telegram_url,
                "store_url": "${DESK_STORE_URL}",
            }
        },
        **kwargs,
    )
