"""The operators' desk CLI and make run's admin bootstrap, on a real SQLite store."""

from __future__ import annotations

from handoff.desk import accounts as agents
from handoff.store import SqlUnitOfWork, create_store_engine, session_factory
from ops import desk
from ops.run import desk_admin_line

PASSWORD = "correct horse battery"


def test_cli_creates_teams_and_agents_who_can_log_in(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path}/handoff.db"
    monkeypatch.setenv(desk.PASSWORD_ENV, PASSWORD)
    assert desk.run(["team", "create", "billing"], url) == 0
    assert desk.run(["agent", "create", "--username", "anna", "--team", "billing"], url) == 0
    assert desk.run(["agent", "create", "--username", "anna"], url) == 1
    assert desk.run(["agent", "create", "--username", "bob", "--team", "nope"], url) == 1
    assert desk.run(["agent", "list"], url) == 0
    out, err = capsys.readouterr()
    assert "created agent anna" in out and "anna" in out.splitlines()[-1]
    assert "username 'anna' is already taken" in err
    assert "teams: unknown team(s): nope" in err

    engine = create_store_engine(url)
    with SqlUnitOfWork(session_factory(engine)) as uow:
        _, agent, teams = agents.login(uow, "anna", PASSWORD)
        assert (agent.role.value, teams) == ("agent", ["billing"])
    engine.dispose()


def test_make_run_creates_the_admin_once(tmp_path) -> None:
    env = {"DESK_STORE_URL": f"sqlite:///{tmp_path}/handoff.db"}
    assert "python -m ops.desk agent create" in desk_admin_line(env)
    env.update(DESK_ADMIN_USER="root", DESK_ADMIN_PASSWORD=PASSWORD)
    assert desk_admin_line(env).endswith("root (created)")
    assert desk_admin_line(env).endswith("root (exists)")
