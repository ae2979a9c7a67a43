"""``python -m ops.privacy erase``: erase one customer's data (a data-protection request).

    python -m ops.privacy erase --conversation telegram:123456789
    python -m ops.privacy erase --email jane@example.com --operator "dpo ticket 2026-114"

Deletes the customer's conversations from the handoff store (``$DESK_STORE_URL``, default
``sqlite:///var/handoff.db`` as ``make run``) and, when endpoints.yml's tracker store is Rasa's
SQL store (``type: SQL`` or a subclass such as production's ``PingingSQLTrackerStore``), their
tracker events; what is matched and deleted is in ``handoff.privacy.erasure``. Prints the
counts and the help-desk tickets (Zendesk/Freshdesk ids) to delete by hand. Running it again is
harmless. Each run is audited (``privacy.erase``: operator, time, counts; never the id or
address). Exit status 1 on a usage error.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import List, Optional

from handoff.privacy.erasure import erase
from handoff.store import create_store_engine, session_factory, upgrade_to_head
from ops.desk import store_url
from ops.model import PROJECT_ROOT
from ops.retention import tracker_engine


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ops.privacy", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    remove = commands.add_parser("erase", help="erase one customer's data")
    who = remove.add_mutually_exclusive_group(required=True)
    who.add_argument("--conversation", help="the conversation id, e.g. telegram:123456789")
    who.add_argument("--email", help="every conversation that mentions this e-mail address")
    remove.add_argument(
        "--operator", help="who runs the erasure, for the audit log (default: the OS user)"
    )
    remove.add_argument(
        "--endpoints", default=str(PROJECT_ROOT / "endpoints.yml"), help="Rasa's endpoints.yml"
    )
    remove.add_argument("--no-tracker", action="store_true", help="leave the tracker store")
    return parser


def run(argv: Optional[List[str]] = None, url: Optional[str] = None) -> int:
    """Run one erasure; return the exit status."""
    args = _parser().parse_args(argv)
    operator = (args.operator or getpass.getuser() or "cli").strip()
    store = create_store_engine(url or store_url())
    tracker = None if args.no_tracker else tracker_engine(Path(args.endpoints))
    try:
        upgrade_to_head(store)
        report = erase(
            session_factory(store),
            operator,
            conversation_id=args.conversation,
            email=args.email,
            tracker=tracker,
        )
    except ValueError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    finally:
        store.dispose()
        if tracker is not None:
            tracker.dispose()
    for line in report.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(run())
