"""``python -m ops.check [--offline | --online]``: every problem as ``file: key: problem``.

    python -m ops.check              # files, environment, stores and the action server
    python -m ops.check --offline    # files and environment only (what make run checks)
    python -m ops.check --online     # also the Telegram / WhatsApp APIs

Exit status 1 when anything is wrong (each problem on its own line, on stdout), 0 with a
short summary otherwise. Files default to the project's handoff.yml (or ``$HANDOFF_SETTINGS``),
credentials.yml and endpoints.yml; pass a deployment's own with the options.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Mapping, Optional

from handoff.settings import DEFAULT_SETTINGS_PATH, SETTINGS_ENV
from ops.check.files import check_credentials, check_endpoints
from ops.check.online import check_channel_apis
from ops.check.problems import Problem, Report
from ops.check.reach import check_reachability
from ops.check.settings import check_settings
from ops.model import PROJECT_ROOT


def offline_problems(
    settings: Path, credentials: Path, endpoints: Path, env: Mapping[str, str]
) -> List[Problem]:
    """Return what is wrong in the files and the environment, without any network call.

    ``make run`` calls this before it trains or starts anything.
    """
    paths = (relative(settings), relative(credentials), relative(endpoints))
    return run(*paths, env, reach=False).problems


def run(
    settings: Path,
    credentials: Path,
    endpoints: Path,
    env: Mapping[str, str],
    reach: bool = True,
    online: bool = False,
) -> Report:
    """Check the files, then (``reach``) the services, then (``online``) the channel APIs.

    Services whose configuration is broken are not contacted: their problem is reported once.
    """
    report = check_settings(settings, env)
    credentials_file = check_credentials(credentials, env)
    endpoints_file = check_endpoints(endpoints, env)
    report.extend(credentials_file.report)
    report.extend(endpoints_file.report)
    if reach:
        report.extend(check_reachability(credentials_file, endpoints_file))
    if online:
        report.extend(check_channel_apis(credentials_file))
    return report


def parser() -> argparse.ArgumentParser:
    """Return the command line."""
    main = argparse.ArgumentParser(prog="python -m ops.check", description=__doc__.split("\n")[0])
    mode = main.add_mutually_exclusive_group()
    mode.add_argument("--offline", action="store_true", help="no network: files and environment")
    mode.add_argument("--online", action="store_true", help="also call the channel APIs")
    main.add_argument("--settings", type=Path, help="handoff.yml (default: $HANDOFF_SETTINGS)")
    main.add_argument("--credentials", type=Path, default=PROJECT_ROOT / "credentials.yml")
    main.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / "endpoints.yml")
    return main


def main(argv: Optional[List[str]] = None, env: Optional[Mapping[str, str]] = None) -> int:
    """Run the checks; print the problems (exit 1) or a short summary (exit 0)."""
    args = parser().parse_args(argv)
    environment = os.environ if env is None else env
    settings = args.settings or Path(
        environment.get(SETTINGS_ENV) or PROJECT_ROOT / DEFAULT_SETTINGS_PATH
    )
    report = run(
        relative(settings),
        relative(args.credentials),
        relative(args.endpoints),
        environment,
        reach=not args.offline,
        online=args.online,
    )
    if report.problems:
        print("\n".join(str(problem) for problem in report.problems))
        print(f"{len(report.problems)} problem(s)", file=sys.stderr)
        return 1
    print("OK: " + "; ".join(report.checked))
    return 0


def relative(path: Path) -> Path:
    """Return ``path`` relative to the working directory when inside it (shorter problems)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path
