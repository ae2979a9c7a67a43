"""``make run``: the whole assistant on one machine, with embedded defaults.

Checks the configuration first (``python -m ops.check --offline``: handoff.yml, the
credentials and endpoints, the environment variables they name) and stops on any problem.
Then trains the model if data/config/domain changed (see :mod:`ops.model`), then starts

- the action server (``rasa run actions``) on ``ACTION_PORT`` (5055), and
- the Rasa server (``rasa run --enable-api``) on ``RASA_PORT`` (5005) with the REST channel,
  the agent desk channel, the SQLite tracker store in ``var/`` and the in-memory lock store,

prints what runs where, and stops both on Ctrl-C (or when either exits).

Environment (all optional):
    RASA_AUTH_TOKEN: token of Rasa's HTTP API; generated and printed when unset. A token the
        operator set is never printed (scrollback, CI logs and screen shares keep it).
    DESK_API_TOKEN: the agent desk's service token; the same.
    DESK_ACTION_TOKEN: the action server's desk token (handoffs only); generated when unset.
    DESK_STORE_URL: SQLAlchemy URL of the handoff store (default ``sqlite:///var/handoff.db``).
    DESK_URL: where the action server reaches the desk (default: this Rasa server).
    DESK_ADMIN_USER, DESK_ADMIN_PASSWORD: create this admin agent of the desk if missing.
    RASA_PORT, ACTION_PORT: the two ports.
    TELEGRAM_*, WHATSAPP_*: turn the messaging channels on (see :mod:`ops.channels`).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import AbstractSet, Dict, List

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from handoff.settings import DEFAULT_SETTINGS_PATH, SETTINGS_ENV
from ops.channels import webhook_lines, write_credentials
from ops.check import offline_problems
from ops.model import PROJECT_ROOT, ensure_model

DATA_DIR = PROJECT_ROOT / "var"
READY_TIMEOUT_SECONDS = 180
GENERATED_SECRETS = ("RASA_AUTH_TOKEN", "DESK_API_TOKEN")
"""Filled in with a random token when unset; only such a token is printed."""


def launch_environment(base: Dict[str, str]) -> Dict[str, str]:
    """Return the environment for both servers, filling in the embedded defaults."""
    env = dict(base)
    env.setdefault("RASA_PORT", "5005")
    env.setdefault("ACTION_PORT", "5055")
    env.setdefault("RASA_AUTH_TOKEN", secrets.token_urlsafe(24))
    env.setdefault("DESK_API_TOKEN", secrets.token_urlsafe(24))
    env.setdefault("DESK_ACTION_TOKEN", secrets.token_urlsafe(24))
    env.setdefault("DESK_STORE_URL", f"sqlite:///{DATA_DIR / 'handoff.db'}")
    env.setdefault("DESK_URL", f"http://localhost:{env['RASA_PORT']}/webhooks/agent_desk")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    return env


def generated_secrets(base: Dict[str, str]) -> AbstractSet[str]:
    """Return the names of the tokens ``launch_environment`` generates (unset in ``base``)."""
    return {name for name in GENERATED_SECRETS if not base.get(name)}


def shown_secret(env: Dict[str, str], name: str, generated: AbstractSet[str]) -> str:
    """Return a token for printing: itself if generated here, else where it comes from."""
    return env[name] if name in generated else f"from ${name}"


def shown_url(url: str) -> str:
    """Return a store URL for printing, its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(from $DESK_STORE_URL)"


def server_commands(model: Path, env: Dict[str, str]) -> Dict[str, List[str]]:
    """Return the command line of each server."""
    rasa = [sys.executable, "-m", "rasa"]
    return {
        "action server": rasa
        + ["run", "actions", "--actions", "actions", "--port", env["ACTION_PORT"]],
        "rasa server": rasa + [
            "run", "--enable-api", "--auth-token", env["RASA_AUTH_TOKEN"],
            "--model", str(model), "--endpoints", "endpoints.yml",
            "--credentials", env.get("RASA_CREDENTIALS", "credentials.yml"),
            "--port", env["RASA_PORT"],
        ],
    }  # fmt: skip


def server_environment(name: str, env: Dict[str, str]) -> Dict[str, str]:
    """Return ``env`` for one server: the action server never gets the desk's service token."""
    if name != "action server":
        return env
    return {key: value for key, value in env.items() if key != "DESK_API_TOKEN"}


def desk_admin_line(env: Dict[str, str]) -> str:
    """Create the desk admin from DESK_ADMIN_USER/PASSWORD (idempotent); say how to log in."""
    from ops.desk import ensure_admin  # the store's code; not needed to start the servers

    user, password = env.get("DESK_ADMIN_USER"), env.get("DESK_ADMIN_PASSWORD")
    if not (user and password):
        return (
            "  desk agents    none created here: set DESK_ADMIN_USER and DESK_ADMIN_PASSWORD, or"
            " run python -m ops.desk agent create --username anna --team general"
        )
    created = ensure_admin(user, password, env["DESK_STORE_URL"])
    return f"  desk admin     {user} ({'created' if created else 'exists'})"


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float) -> bool:
    """Poll ``url`` until it answers 200; False if the process died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def stop(processes: Dict[str, subprocess.Popen]) -> None:
    """Stop every started server: SIGTERM, then SIGKILL after 10 seconds."""
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # same clean shutdown as Ctrl-C


def configuration_problems(env: Dict[str, str], credentials: Path) -> List[str]:
    """Return ``ops.check``'s offline problems with what ``make run`` starts, as lines."""
    settings = Path(env.get(SETTINGS_ENV) or PROJECT_ROOT / DEFAULT_SETTINGS_PATH)
    problems = offline_problems(settings, credentials, PROJECT_ROOT / "endpoints.yml", env)
    return [f"  {problem}" for problem in problems]


def main() -> int:
    """Check the configuration, then start both servers and supervise them until Ctrl-C."""
    DATA_DIR.mkdir(exist_ok=True)
    env = launch_environment(dict(os.environ))
    generated = generated_secrets(dict(os.environ))
    # Telegram/WhatsApp are on when their variables are set (ops.channels).
    channels_file = DATA_DIR / "credentials.yml"
    write_credentials(PROJECT_ROOT / "credentials.yml", channels_file, env)
    env["RASA_CREDENTIALS"] = str(channels_file)
    problems = configuration_problems(env, channels_file)
    if problems:
        print(
            "error: not starting; fix these first (var/credentials.yml is credentials.yml plus "
            "the TELEGRAM_*/WHATSAPP_* channels):",
            *problems,
            sep="\n",
            file=sys.stderr,
        )
        return 1
    model = ensure_model()
    admin = desk_admin_line(env)
    processes: Dict[str, subprocess.Popen] = {}
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # Even when started in the background (where SIGINT is ignored), Ctrl-C means stop.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for name, command in server_commands(model, env).items():
            server_env = server_environment(name, env)
            processes[name] = subprocess.Popen(command, cwd=PROJECT_ROOT, env=server_env)
        rasa_url = f"http://localhost:{env['RASA_PORT']}"
        ready = wait_until_ready(
            f"http://localhost:{env['ACTION_PORT']}/health",
            processes["action server"],
            READY_TIMEOUT_SECONDS,
        ) and wait_until_ready(f"{rasa_url}/", processes["rasa server"], READY_TIMEOUT_SECONDS)
        if not ready:
            print("error: a server did not start; see its output above", file=sys.stderr)
            return 1
        print(
            "\n".join(
                [
                    "",
                    "Northwind Home support assistant is running:",
                    f"  model          {model.relative_to(PROJECT_ROOT)}",
                    f"  Rasa server    {rasa_url}  (HTTP API token: "
                    f"{shown_secret(env, 'RASA_AUTH_TOKEN', generated)})",
                    f"  REST channel   POST {rasa_url}/webhooks/rest/webhook",
                    f"  agent desk     {env['DESK_URL']}/api/handoffs"
                    f"  (token: {shown_secret(env, 'DESK_API_TOKEN', generated)})",
                    f"  action server  http://localhost:{env['ACTION_PORT']}/webhook",
                    "  tracker store  var/tracker.db (SQLite)",
                    f"  handoff store  {shown_url(env['DESK_STORE_URL'])}",
                    *webhook_lines(env, rasa_url),
                    f"  agent inbox    {env['DESK_URL']}/",
                    admin,
                    "Try: curl -s -XPOST "
                    f"{rasa_url}/webhooks/rest/webhook "
                    '-d \'{"sender": "me", "message": "I want to talk to a human"}\'',
                    "Press Ctrl-C to stop both servers.",
                ]
            ),
            flush=True,
        )
        while all(process.poll() is None for process in processes.values()):
            time.sleep(1)
        print("error: a server exited; stopping the other one", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
