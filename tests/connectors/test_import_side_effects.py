"""Importing the channels builds nothing: no password hash, no connection, no store engine.

Rasa imports every channel module of credentials.yml (and tools such as ``rasa data validate``
import them without serving anything); the services are built by the composition root
(``connectors.services``) when a channel creates its routes. Checked in a fresh interpreter,
with the calls that would build something counted.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, socket
import argon2, argon2.low_level, sqlalchemy

built = []

def counting(name, real):
    def call(*args, **kwargs):
        built.append(name)
        return real(*args, **kwargs)
    return call

socket.socket.connect = counting("socket.connect", socket.socket.connect)
socket.socket.connect_ex = counting("socket.connect_ex", socket.socket.connect_ex)
argon2.PasswordHasher.hash = counting("argon2.hash", argon2.PasswordHasher.hash)
argon2.low_level.hash_secret = counting("argon2.hash_secret", argon2.low_level.hash_secret)
sqlalchemy.create_engine = counting("sqlalchemy.create_engine", sqlalchemy.create_engine)

import connectors.agent_desk, connectors.telegram, connectors.whatsapp, connectors.messaging
import connectors.trial_rest, connectors.production_guard, connectors.tracker_store
import connectors.lock_store, connectors.services

print(json.dumps(built))
"""


def test_importing_the_channels_hashes_nothing_and_connects_nowhere():
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    built = json.loads(done.stdout.strip().splitlines()[-1])
    assert built == [], f"importing the channels built {built}"


def test_the_probe_would_see_a_hash_and_a_connection():
    """The same probe counts what building the services does (so the test above can fail)."""
    probe = PROBE.replace(
        "print(json.dumps(built))",
        "from handoff.desk.passwords import spend_verification_time\n"
        "spend_verification_time('x')\n"
        "from handoff.store import create_store_engine\n"
        "create_store_engine('sqlite://')\n"
        "print(json.dumps(built))",
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    built = json.loads(done.stdout.strip().splitlines()[-1])
    assert "argon2.hash" in built and "sqlalchemy.create_engine" in built
