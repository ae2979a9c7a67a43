"""``python -m ops.retention``: purge what is older than handoff.yml's ``retention.days``.

    python -m ops.retention                 # days from handoff.yml (retention.days)
    python -m ops.retention --days 30 --dry-run

Purges the handoff store (``$DESK_STORE_URL``, default ``sqlite:///var/handoff.db`` as ``make
run``) and, when endpoints.yml's ``tracker_store`` is Rasa's SQL store (``type: SQL``, or a
subclass of it by module path such as production's
``connectors.tracker_store.PingingSQLTrackerStore``), Rasa's tracker store; what goes and what
stays is in ``handoff.privacy.retention``. Run it daily (cron, a Kubernetes CronJob); running it
twice
is harmless. Without a ``retention`` section it keeps 90 days; exit status 2 when handoff.yml
turns retention off (``retention: {days: null}``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from handoff.privacy.retention import purge
from handoff.settings import SettingsError, load_settings
from handoff.store import create_store_engine, session_factory, upgrade_to_head
from ops.desk import store_url
from ops.model import PROJECT_ROOT


def is_sql_tracker_store(kind: Optional[str]) -> bool:
    """Whether endpoints.yml's tracker store ``type`` keeps Rasa's SQL ``events`` table.

    ``sql`` is Rasa's own; a module path counts when its class subclasses ``SQLTrackerStore``
    (the table layout is inherited), so a custom store like the production one is purged too.
    """
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.utils.common import class_from_module_path

    if str(kind or "").lower() == "sql":
        return True
    if not kind or "." not in str(kind):
        return False
    try:
        store_class = class_from_module_path(str(kind))
    except (ImportError, AttributeError):
        return False
    return isinstance(store_class, type) and issubclass(store_class, SQLTrackerStore)


def tracker_engine(endpoints: Path) -> Optional[Engine]:
    """Return an engine on the SQL tracker store of ``endpoints``, or None for other stores."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.core.utils import read_endpoints_from_path

    config = read_endpoints_from_path(endpoints).tracker_store
    if config is None or not is_sql_tracker_store(config.type):
        kind = config.type if config is not None else "in_memory"
        print(f"tracker store {kind}: not purged here (use the store's own expiry)")
        return None
    arguments = dict(config.kwargs)
    url = SQLTrackerStore.get_db_url(
        dialect=arguments.get("dialect", "sqlite"),
        host=arguments.get("host") or config.url,
        port=arguments.get("port"),
        db=arguments.get("db", "rasa.db"),
        username=arguments.get("username"),
        password=arguments.get("password"),
        login_db=arguments.get("login_db"),
        query=arguments.get("query"),
    )
    return create_engine(url, future=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ops.retention", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--days", type=int, help="override handoff.yml's retention.days")
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    parser.add_argument("--settings", help="the handoff settings file (default handoff.yml)")
    parser.add_argument(
        "--endpoints", default=str(PROJECT_ROOT / "endpoints.yml"), help="Rasa's endpoints.yml"
    )
    parser.add_argument("--no-tracker", action="store_true", help="leave the tracker store")
    return parser


def run(argv: Optional[List[str]] = None, url: Optional[str] = None) -> int:
    """Run one purge; return the exit status."""
    args = _parser().parse_args(argv)
    days = args.days
    if days is None:
        try:
            days = load_settings(args.settings).retention.days
        except SettingsError as problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1
    if days is None:
        print("no retention period: set retention.days in handoff.yml or pass --days")
        return 2
    if days < 1:
        print(f"error: --days must be at least 1 (got {days})", file=sys.stderr)
        return 1
    store = create_store_engine(url or store_url())
    tracker = None if args.no_tracker else tracker_engine(Path(args.endpoints))
    try:
        upgrade_to_head(store)
        report = purge(session_factory(store), days, tracker, dry_run=args.dry_run)
    finally:
        store.dispose()
        if tracker is not None:
            tracker.dispose()
    print(f"retention {days} days: before {report.cutoff.isoformat(timespec='seconds')}")
    for line in report.lines():
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
