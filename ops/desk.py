"""``python -m ops.desk``: create and list the desk's agents and teams from a shell.

    python -m ops.desk team create billing --language en --language de
    python -m ops.desk agent create --username anna --team billing --role agent
    python -m ops.desk agent list
    python -m ops.desk team list

The password is read from ``$DESK_AGENT_PASSWORD`` when set, otherwise asked for (twice,
without echo). The store is ``$DESK_STORE_URL`` (default ``sqlite:///var/handoff.db``, as
``make run``), migrated first. Changes are audited as made by ``cli``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import List, Optional

from handoff.desk import admin as desk_admin
from handoff.desk.accounts import Principal
from handoff.desk.bodies import parse_body
from handoff.desk.errors import DeskError
from handoff.store import SqlUnitOfWork, create_store_engine, session_factory, upgrade_to_head
from ops.model import PROJECT_ROOT

PASSWORD_ENV = "DESK_AGENT_PASSWORD"
CLI = Principal(id=None, name="cli", role="service")


def store_url() -> str:
    """Return the handoff store's URL (``$DESK_STORE_URL`` or ``make run``'s default)."""
    return os.environ.get("DESK_STORE_URL") or f"sqlite:///{PROJECT_ROOT / 'var' / 'handoff.db'}"


def _password() -> str:
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    first = getpass.getpass("Password (at least 10 characters): ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("error: the passwords differ")
    return first


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ops.desk", description=__doc__.split("\n")[0])
    kinds = parser.add_subparsers(dest="kind", required=True)
    agent = kinds.add_parser("agent").add_subparsers(dest="command", required=True)
    create = agent.add_parser("create")
    create.add_argument("--username", required=True)
    create.add_argument("--display-name")
    create.add_argument("--role", default="agent", choices=["agent", "supervisor", "admin"])
    create.add_argument("--team", action="append", default=[], dest="teams")
    create.add_argument("--language", action="append", dest="languages")
    create.add_argument("--skill", action="append", default=[], dest="skills")
    create.add_argument("--max-chats", type=int, default=3)
    agent.add_parser("list")
    team = kinds.add_parser("team").add_subparsers(dest="command", required=True)
    new_team = team.add_parser("create")
    new_team.add_argument("name")
    new_team.add_argument("--display-name")
    new_team.add_argument("--language", action="append", dest="languages")
    team.add_parser("list")
    return parser


def run(argv: Optional[List[str]] = None, url: Optional[str] = None) -> int:
    """Run one CLI command; return the exit status."""
    args = _parser().parse_args(argv)
    engine = create_store_engine(url or store_url())
    try:
        upgrade_to_head(engine)
        with SqlUnitOfWork(session_factory(engine)) as uow:
            _dispatch(uow, args)
    except DeskError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def _dispatch(uow: SqlUnitOfWork, args: argparse.Namespace) -> None:
    if args.kind == "agent" and args.command == "create":
        body = {
            "username": args.username,
            "display_name": args.display_name or args.username.title(),
            "password": _password(),
            "role": args.role,
            "teams": args.teams,
            "languages": args.languages or ["en"],
            "skills": args.skills,
            "max_chats": args.max_chats,
        }
        view = desk_admin.create_agent(uow, CLI, parse_body(desk_admin.NewAgent, body))
        print(f"created {view['role']} {view['username']} (id {view['id']})")
    elif args.kind == "agent":
        for view in desk_admin.list_agents(uow, CLI):
            teams = ",".join(view["teams"]) or "-"
            print(f"{view['username']:<20} {view['role']:<10} {view['presence']:<8} {teams}")
    elif args.command == "create":
        body = {"name": args.name, "languages": args.languages or ["en"]}
        if args.display_name:
            body["display_name"] = args.display_name
        view = desk_admin.create_team(uow, CLI, parse_body(desk_admin.NewTeam, body))
        print(f"created team {view['name']}")
    else:
        for team in uow.teams.list():
            print(f"{team.name:<20} {','.join(team.languages or [])}")


def ensure_admin(username: str, password: str, url: str) -> bool:
    """Create the admin ``username`` unless an agent of that name exists; True if created."""
    engine = create_store_engine(url)
    try:
        upgrade_to_head(engine)
        with SqlUnitOfWork(session_factory(engine)) as uow:
            if uow.agents.by_username(username) is not None:
                return False
            body = {"username": username, "display_name": username.title(),
                    "password": password, "role": "admin"}  # fmt: skip
            desk_admin.create_agent(uow, CLI, parse_body(desk_admin.NewAgent, body))
            return True
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(run())
