"""``make run`` (``python -m ops.run``) prints no secret it was given (issue 17, hole 2).

The operator's own tokens and the store URL's password end up in terminal scrollback, CI logs
and screen shares when printed; ``make run`` prints only the tokens it generated itself (the
operator needs those to log in) and the store URL with its password hidden.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from ops.model import PROJECT_ROOT
from tests.e2e.assistant import free_port
from tests.replicas.production import POSTGRES_HOST, POSTGRES_PORT, postgres_database
from tests.replicas.production import require_services as require_postgres

pytestmark = pytest.mark.integration

RASA_TOKEN = "operator-rasa-token-4c1d9e"
DESK_TOKEN = "operator-desk-token-77b2a0"
STORE_PASSWORD = "store-password-9f3e51"
READY_LINE = "Press Ctrl-C to stop both servers."


def _read_until_ready(process: subprocess.Popen, timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    output = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line == "":
            break  # the process ended
        output.append(line)
        if READY_LINE in line:
            break
    return "".join(output)


def test_make_run_prints_no_token_it_did_not_generate_nor_the_store_password(trained_model):
    require_postgres()
    with postgres_database() as database:
        store_url = (
            f"postgresql+psycopg2://postgres:{STORE_PASSWORD}@{POSTGRES_HOST}:{POSTGRES_PORT}/"
            f"{database}"
        )
        env = {
            **os.environ,
            "RASA_AUTH_TOKEN": RASA_TOKEN,
            "DESK_API_TOKEN": DESK_TOKEN,
            "DESK_STORE_URL": store_url,
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("DESK_ADMIN_USER", "DESK_ADMIN_PASSWORD", "TELEGRAM_TOKEN", "WHATSAPP_TOKEN"):
            env.pop(name, None)
        process = subprocess.Popen(
            [sys.executable, "-m", "ops.run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            output = _read_until_ready(process, timeout=300)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # ops.run stops both servers on SIGTERM
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)

    assert READY_LINE in output, output[-3000:]
    assert RASA_TOKEN not in output
    assert DESK_TOKEN not in output
    assert STORE_PASSWORD not in output
    assert "RASA_AUTH_TOKEN" in output  # says where the token comes from instead
    assert f"@{POSTGRES_HOST}:{POSTGRES_PORT}/{database}" in output  # the store, password hidden
