"""The production layout for tests and benchmarks: PostgreSQL, Redis, several Rasa replicas.

Each test run gets a PostgreSQL database of its own (tracker store *and* handoff store, as
docs/deploy/endpoints.production.yml sets them up), a Redis key prefix and pub/sub channel
of its own, and a fake Telegram Bot API; replicas are real Rasa servers over those stores.
PostgreSQL/Redis being unreachable skips these tests on a developer machine and fails them
under ``CI`` (they must run there).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.e2e.assistant import RunningAssistant, free_port, start_assistant
from tests.fakes.channels import TELEGRAM_SECRET, TELEGRAM_TOKEN, telegram_text, wait_until
from tests.fakes.telegram_api import BOT_ID, FakeTelegramApi

POSTGRES_HOST = os.environ.get("HANDOFF_TEST_POSTGRES_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("HANDOFF_TEST_POSTGRES_PORT", "5432"))
POSTGRES_ADMIN_URL = f"postgresql+psycopg2://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/test"
REDIS_URL = os.environ.get("HANDOFF_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_HOST = os.environ.get("HANDOFF_TEST_RABBITMQ_HOST", "127.0.0.1")
PASSWORD = "correct horse battery"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(message: str) -> None:
    """Skip on a developer machine, fail under CI."""
    if running_in_ci():
        pytest.fail(f"{message} (CI is set, so these tests must run)")
    pytest.skip(message)


def require_services() -> None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:
        unavailable(f"PostgreSQL is unreachable at {POSTGRES_ADMIN_URL}: {error}")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        unavailable(f"Redis is unreachable at {REDIS_URL}: {error}")


@contextmanager
def postgres_database(host: str = POSTGRES_HOST, port: int = POSTGRES_PORT) -> Iterator[str]:
    """Create a fresh database, yield its name, drop it afterwards."""
    name = f"handoff_{uuid.uuid4().hex[:12]}"
    admin = create_engine(  # no pool: the server may be restarted in between
        f"postgresql+psycopg2://postgres@{host}:{port}/postgres",
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Stores:
    """One production layout's stores: what every replica shares."""

    database: str
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    host: str = POSTGRES_HOST
    port: int = POSTGRES_PORT
    redis_url: str = REDIS_URL
    events_secret: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def store_url(self) -> str:
        return f"postgresql+psycopg2://postgres@{self.host}:{self.port}/{self.database}"

    def tracker_store(self) -> Dict[str, Any]:
        return {
            "type": "connectors.tracker_store.PingingSQLTrackerStore",
            "dialect": "postgresql",
            "url": self.host,
            "port": self.port,
            "db": self.database,
            "username": "postgres",
        }

    def lock_store(self) -> Dict[str, Any]:
        redis_host = self.redis_url.split("://", 1)[1].split(":")[0]
        return {
            "type": "connectors.lock_store.AtomicRedisLockStore",
            "url": redis_host,
            "port": 6379,
            "db": 1,
            "key_prefix": self.prefix,
        }

    def desk_credentials(self) -> Dict[str, Any]:
        return {
            "events_url": self.redis_url,
            "events_channel": f"handoff:{self.prefix}",
            "events_secret": self.events_secret,
        }


def telegram_credentials(telegram: FakeTelegramApi, **overrides: Any) -> Dict[str, Dict[str, Any]]:
    return {
        "connectors.telegram.TelegramInput": {
            "access_token": TELEGRAM_TOKEN,
            "secret_token": "${TELEGRAM_SECRET_TOKEN}",
            "api_url": telegram.url,
            "store_url": "${DESK_STORE_URL}",
            "send_max_attempts": 30,
            "send_retry_delay": 0.2,
            "send_max_delay": 1,
            "lease_seconds": 6,
            "sweep_seconds": 1,
            **overrides,
        }
    }


@dataclass
class Replicas:
    """Rasa replicas over one set of stores, with one fake Bot API."""

    model: Path
    workdir: Path
    stores: Optional[Stores]
    telegram: FakeTelegramApi
    replicas: List[RunningAssistant] = field(default_factory=list)
    channel_overrides: Dict[str, Any] = field(default_factory=dict)
    event_broker: Optional[Dict[str, Any]] = None
    shared_sqlite: bool = False  # SQLite replicas: Redis lock store and desk events anyway
    prefix: str = field(default_factory=lambda: f"s{uuid.uuid4().hex[:10]}")
    desk_settings: Optional[Dict[str, Any]] = None  # handoff.yml desk keys (e.g. queue timings)

    def start_replica(self, name: str, action_url: Optional[str] = None) -> RunningAssistant:
        first = self.replicas[0] if self.replicas else None
        production: Dict[str, Any] = {}
        if self.stores is not None:
            production = {
                "tracker_store": self.stores.tracker_store(),
                "lock_store": self.stores.lock_store(),
                "store_url": self.stores.store_url,
                "desk_credentials": self.stores.desk_credentials(),
            }
        elif self.shared_sqlite:  # SQLite files shared by replicas on one machine
            production = {
                "lock_store": {
                    "type": "connectors.lock_store.AtomicRedisLockStore",
                    "url": REDIS_URL.split("://", 1)[1].split(":")[0],
                    "port": 6379,
                    "db": 1,
                    "key_prefix": self.prefix,
                },
                "desk_credentials": {
                    "events_url": REDIS_URL,
                    "events_channel": f"handoff:{self.prefix}",
                    "events_secret": f"secret-{self.prefix}",
                },
            }
        replica = start_assistant(
            self.model,
            self.workdir,
            extra_credentials=telegram_credentials(self.telegram, **self.channel_overrides),
            extra_env={"TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET},
            event_broker=self.event_broker,
            action_url=action_url or (first.action_url if first else None),
            auth_token=first.auth_token if first else None,
            desk_token=first.desk_token if first else None,
            action_token=first.action_token if first else None,
            rasa_port=free_port(),
            name=name,
            desk_settings=self.desk_settings,
            **production,
        )
        self.replicas.append(replica)
        return replica

    def stop(self) -> None:
        for replica in reversed(self.replicas):
            replica.stop()
        self.telegram.stop()


def post_update(replica: RunningAssistant, update: Dict[str, Any]) -> requests.Response:
    """Deliver a Telegram update to ``replica``'s webhook, as Telegram does."""
    return requests.post(
        f"{replica.rasa_url}/webhooks/telegram/webhook",
        data=json.dumps(update),
        headers={
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
        },
        timeout=30,
    )


def say(replica: RunningAssistant, telegram: FakeTelegramApi, chat: int, words: str,
        expect: str, timeout: float = 90) -> List[str]:  # fmt: skip
    """Send ``words`` to ``replica``; wait for a bot message containing ``expect``."""
    before = len(telegram.texts_to(chat))
    answer = post_update(replica, telegram_text(chat, words))
    assert answer.status_code == 200, answer.text
    wait_until(lambda: any(expect in t for t in telegram.texts_to(chat)[before:]), timeout)
    return telegram.texts_to(chat)[before:]


def hand_over(replica: RunningAssistant, telegram: FakeTelegramApi, chat: int) -> Dict[str, Any]:
    """Hand the Telegram conversation ``chat`` over through ``replica``; return the handoff."""
    say(replica, telegram, chat, "I want to talk to a person", "order number")
    say(replica, telegram, chat, "I don't have one", "e-mail")
    say(replica, telegram, chat, "skip", "passed our conversation")
    queue = replica.desk("GET", "/api/handoffs").json()["handoffs"]
    (handoff,) = (h for h in queue if h["conversation_id"] == f"telegram:{chat}")
    return handoff


def agent_token(replica: RunningAssistant, username: str, team: str) -> str:
    """Create an agent of ``team`` (if new), log in on ``replica``, go online; the token."""
    created = replica.desk(
        "POST",
        "/api/agents",
        json={
            "username": username,
            "display_name": username.title(),
            "password": PASSWORD,
            "role": "agent",
            "teams": [team],
        },
    )
    assert created.status_code in (201, 409), created.text
    login = replica.desk(
        "POST", "/api/login", token=None, json={"username": username, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    online = replica.desk("POST", "/api/me/presence", token=token, json={"status": "online"})
    assert online.status_code == 200, online.text
    return token


def user_texts(replica: RunningAssistant, conversation_id: str) -> List[str]:
    return [e["text"] for e in replica.tracker(conversation_id)["events"] if e["event"] == "user"]


def wait_for(condition: Any, timeout: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} not met within {timeout}s")


__all__ = ["BOT_ID", "FakeTelegramApi", "TELEGRAM_TOKEN"]


class SwitchableTelegramApi(FakeTelegramApi):
    """The fake Bot API that can be switched off: while ``down``, every call gets a 502."""

    down = False

    def answer(self, call: Any) -> Any:
        if self.down:
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        return super().answer(call)


class PrivatePostgres:
    """A PostgreSQL server of the test's own (initdb into a temporary folder), to restart.

    The machine's shared server is never restarted; this one runs as the ``postgres`` system
    user (initdb refuses root) on a free port, trust authentication, and is removed at the end.
    """

    def __init__(self) -> None:
        import glob
        import shutil
        import subprocess
        import tempfile

        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries or shutil.which("runuser") is None:
            unavailable("no PostgreSQL server binaries (initdb) to start a private server")
        self._bin = Path(binaries[-1]).parent
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="handoff-pg-"))
        shutil.chown(self.directory, "postgres", "postgres")
        self._run = subprocess.run
        self._as_postgres(
            [str(self._bin / "initdb"), "-D", str(self.directory / "data"), "-A", "trust",
             "-U", "postgres", "--no-sync"]
        )  # fmt: skip
        self.start()

    def _as_postgres(self, command: List[str]) -> None:
        result = self._run(
            ["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stdout}\n{result.stderr}")

    def _pg_ctl(self, *arguments: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            [str(self._bin / "pg_ctl"), "-D", str(self.directory / "data"), "-o", options,
             "-l", str(self.directory / "server.log"), "-w", "-t", "60", *arguments]
        )  # fmt: skip

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    def restart(self) -> None:
        """Stop (fast: every connection is cut) and start again."""
        self._pg_ctl("restart", "-m", "fast")

    def remove(self) -> None:
        import shutil

        try:
            self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
