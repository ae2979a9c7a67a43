"""A real assistant for end-to-end tests: the cached model, an action server and a Rasa server.

Both servers run as subprocesses on free ports with their own SQLite tracker and handoff
stores in a temporary folder, exactly as ``make run`` starts them, so the tests talk HTTP to
what operators deploy.
"""

from __future__ import annotations

import json
import os
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


def write_settings(workdir: Path, closed_this_week: bool = False) -> Path:
    """Write the shipped handoff.yml with team hours that do not depend on the wall clock.

    Every team is open around the clock, or (``closed_this_week``) on holiday for the next
    seven days in Berlin, so it reopens on the eighth day at midnight.
    """
    settings = yaml.safe_load((PROJECT_ROOT / "handoff.yml").read_text())
    hours: Dict[str, Any] = {"timezone": "Europe/Berlin", "weekly": ALWAYS, "holidays": []}
    if closed_this_week:
        today = datetime.now(ZoneInfo("Europe/Berlin")).date()
        hours["holidays"] = [(today + timedelta(days=n)).isoformat() for n in range(7)]
    for team in settings["routing"]["teams"].values():
        team["hours"] = hours
    path = workdir / "handoff.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def start_assistant(
    model: Path,
    workdir: Path,
    extra_env: Optional[Dict[str, str]] = None,
    closed_this_week: bool = False,
    extra_credentials: Optional[Dict[str, Any]] = None,
):
    """Start an action server and a Rasa server serving ``model``; return a RunningAssistant.

    ``extra_credentials`` adds input channels to credentials.yml (e.g. Telegram pointed at a
    fake Bot API); ``extra_env`` adds environment variables for both servers.
    """
    rasa_port, action_port = free_port(), free_port()
    assistant = RunningAssistant(
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_url=f"http://127.0.0.1:{action_port}",
        auth_token=uuid.uuid4().hex,
        desk_token=uuid.uuid4().hex,
        workdir=workdir,
    )
    endpoints = {
        "action_endpoint": {"url": f"{assistant.action_url}/webhook"},
        "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(workdir / "tracker.db")},
        "lock_store": {"type": "in_memory"},
    }
    credentials = {
        "rest": None,
        "connectors.agent_desk.AgentDeskInput": {
            "api_token": "${DESK_API_TOKEN}",
            "store_url": "${DESK_STORE_URL}",
        },
    }
    credentials.update(extra_credentials or {})
    (workdir / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
    (workdir / "credentials.yml").write_text(yaml.safe_dump(credentials))
    env = dict(os.environ)
    env.update(
        {
            "DESK_API_TOKEN": assistant.desk_token,
            "DESK_STORE_URL": f"sqlite:///{workdir / 'handoff.db'}",
            "DESK_URL": f"{assistant.rasa_url}/webhooks/agent_desk",
            "HANDOFF_SETTINGS": str(write_settings(workdir, closed_this_week)),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra_env or {})
    rasa = [sys.executable, "-m", "rasa"]
    commands = {
        "action server": rasa
        + ["run", "actions", "--actions", "actions", "--port", str(action_port)],
        "rasa server": rasa + [
            "run", "--enable-api", "--auth-token", assistant.auth_token, "--model", str(model),
            "--endpoints", str(workdir / "endpoints.yml"),
            "--credentials", str(workdir / "credentials.yml"), "--port", str(rasa_port),
            "--interface", "127.0.0.1",
        ],
    }  # fmt: skip
    for name, command in commands.items():
        log = workdir / f"{name.replace(' ', '-')}.log"
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        assistant.servers.append(ServerProcess(name, process, log))
    try:
        _wait_for(f"{assistant.action_url}/health", assistant.servers[0], assistant)
        _wait_for(
            f"{assistant.rasa_url}/status?token={assistant.auth_token}",
            assistant.servers[1],
            assistant,
        )
    except Exception:
        assistant.stop()
        raise
    return assistant
