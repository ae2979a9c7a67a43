"""``python -m ops.check`` on a good deployment and on one broken configuration at a time.

The good deployment is the production layout (PostgreSQL tracker and handoff stores, Redis
lock store and desk events, RabbitMQ broker) on the local services, with a fake action
server answering ``/health``; each broken case changes one thing and expects exactly the
``file: key: problem`` line that names it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Tuple

import pytest
import yaml

from ops.check.cli import main, offline_problems
from ops.model import PROJECT_ROOT
from tests.fakes.recording_server import Call, RecordingServer

POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
CLOSED_PORT = 1  # nothing listens there: connections are refused at once
SECRETS = {
    "DESK_API_TOKEN": "desk-api-token-for-ops-check",
    "DESK_ACTION_TOKEN": "desk-action-token-for-ops-check",
    "DESK_EVENTS_SECRET": "desk-events-secret-0123456789",
    "PG_PASSWORD": "not-needed-with-trust",
}


class FakeActionServer(RecordingServer):
    def answer(self, call: Call) -> Tuple[int, Any]:
        return (200, {"status": "ok"}) if call.path == "/health" else (404, {})


@pytest.fixture(scope="module")
def action_server() -> Iterator[FakeActionServer]:
    server = FakeActionServer()
    yield server
    server.stop()


@pytest.fixture
def deployment(tmp_path: Path, action_server: FakeActionServer) -> Path:
    shutil.copy(PROJECT_ROOT / "handoff.yml", tmp_path / "handoff.yml")
    write(tmp_path / "credentials.yml", {
        "connectors.agent_desk.AgentDeskInput": {
            "api_token": "${DESK_API_TOKEN}",
            "action_token": "${DESK_ACTION_TOKEN}",
            "store_url": POSTGRES,
            "events_url": "redis://127.0.0.1:6379/0",
            "events_secret": "${DESK_EVENTS_SECRET}",
        },
    })  # fmt: skip
    write(tmp_path / "endpoints.yml", {
        "action_endpoint": {"url": f"{action_server.url}/webhook"},
        "tracker_store": {
            "type": "connectors.tracker_store.PingingSQLTrackerStore",
            "dialect": "postgresql", "url": "127.0.0.1", "port": 5432, "db": "test",
            "username": "postgres", "password": "${PG_PASSWORD}",
        },
        "lock_store": {"type": "connectors.lock_store.AtomicRedisLockStore",
                       "url": "127.0.0.1", "port": 6379, "db": 1},
        "event_broker": {"type": "pika", "url": "127.0.0.1", "username": "guest",
                         "password": "guest", "queues": ["rasa_events"]},
    })  # fmt: skip
    return tmp_path


def write(path: Path, data: Dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def edit(path: Path, change: Callable[[Dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    write(path, data)


def check(directory: Path, env: Dict[str, str], *options: str) -> int:
    files = ["--settings", "handoff.yml", "--credentials", "credentials.yml"]
    files += ["--endpoints", "endpoints.yml"]
    argv = [arg if arg.startswith("--") else str(directory / arg) for arg in files]
    return main([*argv, *options], env)


def team_without_hours(directory: Path) -> None:
    edit(directory / "handoff.yml", lambda data: data["routing"]["teams"]["billing"].pop("hours"))


def unset_variable(directory: Path) -> None:
    pass  # the environment below lacks DESK_EVENTS_SECRET


def unknown_topic_team(directory: Path) -> None:
    edit(directory / "handoff.yml", lambda d: d["routing"]["topics"].update(refund_request="ops"))


def unreachable_postgres(directory: Path) -> None:
    edit(
        directory / "credentials.yml",
        lambda d: d["connectors.agent_desk.AgentDeskInput"].update(
            store_url=f"postgresql+psycopg2://postgres:pg-secret@127.0.0.1:{CLOSED_PORT}/test"
        ),
    )


def unreachable_redis_lock_store(directory: Path) -> None:
    edit(directory / "endpoints.yml", lambda d: d["lock_store"].update(port=CLOSED_PORT))


def unreachable_rabbitmq(directory: Path) -> None:
    edit(directory / "endpoints.yml", lambda d: d["event_broker"].update(port=CLOSED_PORT))


def silent_action_server(directory: Path) -> None:
    edit(
        directory / "endpoints.yml",
        lambda d: d["action_endpoint"].update(url=f"http://127.0.0.1:{CLOSED_PORT}/webhook"),
    )


def invalid_yaml(directory: Path) -> None:
    (directory / "endpoints.yml").write_text("tracker_store:\n  type: SQL\n   db: [unclosed\n")


def unknown_store_type(directory: Path) -> None:
    edit(directory / "endpoints.yml", lambda d: d["lock_store"].update(type="nowhere.LockStore"))


def channel_missing_its_secret(directory: Path) -> None:
    edit(
        directory / "credentials.yml",
        lambda d: d.update({"connectors.telegram.TelegramInput": {"access_token": "1:x"}}),
    )


BROKEN = [
    (team_without_hours, "handoff.yml: routing.teams.billing.hours: missing, though "
     "routing.topics.refund_request, routing.topics.billing_dispute routes handoffs here"),
    (unset_variable, "credentials.yml: connectors.agent_desk.AgentDeskInput.events_secret: "
     "the environment variable DESK_EVENTS_SECRET is not set"),
    (unknown_topic_team, "handoff.yml: routing.topics: refund_request: unknown team 'ops'"),
    (unreachable_postgres, "credentials.yml: connectors.agent_desk.AgentDeskInput.store_url: "
     f"cannot reach postgresql+psycopg2://postgres:***@127.0.0.1:{CLOSED_PORT}/test: "),
    (unreachable_redis_lock_store, "endpoints.yml: lock_store.url: cannot reach "
     f"redis://127.0.0.1:{CLOSED_PORT}/1: "),
    (unreachable_rabbitmq, "endpoints.yml: event_broker.url: cannot reach "
     f"amqp://guest:***@127.0.0.1:{CLOSED_PORT}/: "),
    (silent_action_server, "endpoints.yml: action_endpoint.url: the action server at "
     f"http://127.0.0.1:{CLOSED_PORT}/webhook does not answer GET /health"),
    (invalid_yaml, "endpoints.yml: (file): not valid YAML at line 3"),
    (unknown_store_type, "endpoints.yml: lock_store.type: cannot import nowhere.LockStore"),
    (channel_missing_its_secret, "credentials.yml: connectors.telegram.TelegramInput: a "
     "required key is missing or empty"),
]  # fmt: skip


def test_a_good_deployment_passes(deployment, capsys) -> None:
    assert check(deployment, SECRETS) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert out.startswith("OK: ")
    services = ["tracker store", "lock store", "event broker", "action server", "handoff store"]
    for service in [*services, "desk events"]:
        assert f"{service} reached" in out
    assert "pg-secret" not in out


@pytest.mark.parametrize("breakage, problem", BROKEN, ids=[b.__name__ for b, _ in BROKEN])
def test_each_broken_configuration_is_named(deployment, capsys, breakage, problem) -> None:
    breakage(deployment)
    env = {k: v for k, v in SECRETS.items() if breakage is not unset_variable or
           k != "DESK_EVENTS_SECRET"}  # fmt: skip
    assert check(deployment, env) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 1, out  # exactly the one problem, nothing else
    assert lines[0].startswith(f"{deployment}/{problem}"), out
    assert "pg-secret" not in out


def test_offline_skips_the_network(deployment, capsys) -> None:
    unreachable_redis_lock_store(deployment)
    assert check(deployment, SECRETS, "--offline") == 0
    assert offline_problems(
        deployment / "handoff.yml", deployment / "credentials.yml",
        deployment / "endpoints.yml", {},
    )  # fmt: skip


def test_make_run_checks_what_it_starts_and_stops_on_a_problem(tmp_path) -> None:
    from ops.channels import write_credentials
    from ops.run import configuration_problems, launch_environment

    env = launch_environment({"TELEGRAM_TOKEN": "1:x", "TELEGRAM_SECRET_TOKEN": "s"})
    credentials = tmp_path / "credentials.yml"
    write_credentials(PROJECT_ROOT / "credentials.yml", credentials, env)
    assert configuration_problems(env, credentials) == []

    (tmp_path / "handoff.yml").write_text("routing:\n  teams: [\n")
    env["HANDOFF_SETTINGS"] = str(tmp_path / "handoff.yml")
    assert configuration_problems(env, credentials) == [
        f"  {tmp_path}/handoff.yml: (file): not valid YAML at line 3"
    ]


def test_online_checks_the_channel_apis(deployment, capsys) -> None:
    from tests.fakes.graph_api import FakeGraphApi
    from tests.fakes.telegram_api import FakeTelegramApi

    bot, graph = FakeTelegramApi("7000001:AAH-online"), FakeGraphApi("EAAG-online", "1065")
    channels = {
        "connectors.telegram.TelegramInput": {
            "access_token": "7000001:AAH-online", "secret_token": "s", "api_url": bot.url,
        },
        "connectors.whatsapp.WhatsAppInput": {
            "access_token": "${WA_TOKEN}", "phone_number_id": "1065", "app_secret": "a",
            "verify_token": "v", "api_url": graph.api_url,
        },
    }  # fmt: skip
    edit(deployment / "credentials.yml", lambda data: data.update(channels))
    try:
        assert check(deployment, {**SECRETS, "WA_TOKEN": "EAAG-wrong"}, "--online") == 1
        out = capsys.readouterr().out
        assert out.splitlines() == [
            f"{deployment}/credentials.yml: connectors.telegram.TelegramInput: no webhook "
            "registered: python -m ops.channels register telegram --url https://...",
            f"{deployment}/credentials.yml: connectors.whatsapp.WhatsAppInput.access_token: the "
            "Graph API refused it (190: Invalid OAuth access token)",
        ]
        assert "EAAG-wrong" not in out and "AAH-online" not in out

        url = "https://bot.example.com/webhooks/telegram/webhook"
        bot.webhook = {"url": url, "allowed_updates": ["message"]}  # set by hand, say
        assert check(deployment, {**SECRETS, "WA_TOKEN": "EAAG-online"}, "--online") == 1
        (line,) = capsys.readouterr().out.splitlines()
        assert line.startswith(
            f"{deployment}/credentials.yml: connectors.telegram.TelegramInput: the webhook "
            "leaves out callback_query, which"
        ), line

        bot.webhook = {"url": url}
        assert check(deployment, {**SECRETS, "WA_TOKEN": "EAAG-online"}, "--online") == 0
        out = capsys.readouterr().out
        assert "Telegram Bot API accepts the token" in out and "WhatsApp Graph API accepts" in out
    finally:
        bot.stop()
        graph.stop()
