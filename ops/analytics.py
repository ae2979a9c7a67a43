"""``python -m ops.analytics``: print the handoff report as plain-text tables.

Reads the handoff store directly (read-only), so it works while the assistant runs and
after it stopped:

    python -m ops.analytics                      # the last 30 days, var/handoff.db
    python -m ops.analytics --days 7 --json      # the report as JSON
    python -m ops.analytics --csv > gaps.csv     # the knowledge-base gaps, for a spreadsheet
    python -m ops.analytics --store-url postgresql+psycopg2://user@host/db --since 2026-11-01

Environment: ``DESK_STORE_URL`` (default ``sqlite:///var/handoff.db``), like the desk.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from handoff.analytics import build_report, learn_next_csv, parse_period
from handoff.privacy.log_masking import PiiMasker
from handoff.settings import SettingsMissing, load_settings
from handoff.store import create_store_engine, session_factory
from ops.model import PROJECT_ROOT

DEFAULT_STORE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'handoff.db'}"


def table(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Return ``rows`` as a left-aligned text table under ``title`` (numbers right-aligned)."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(header)]
    numeric = [all(_is_number(row[i]) for row in cells) and cells for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=False)
        ).rstrip()

    body = [line(header), line(["-" * width for width in widths])]
    body += [line(row) for row in cells] or ["(none)"]
    return "\n".join([title] + body)


def render(report: Dict[str, Any]) -> str:
    """Return the whole report as text: totals, reasons, breakdowns, times, learn next."""
    totals = report["totals"]
    period = report["period"]
    parts = [
        f"Handoff report  {period['since'] or 'beginning'} → {period['until'] or 'now'}",
        table(
            "Totals",
            ["figure", "value"],
            [
                [f"conversations ({totals['conversations_basis']})", totals["conversations"]],
                ["handoffs", totals["handoffs"]],
                ["  of which tickets", totals["tickets"]],
                ["handoff rate", _percent(report["handoff_rate"])],
                ["claimed by an agent", totals["claimed"]],
                ["finished", totals["finished"]],
                ["handed back to the bot", totals["handed_back"]],
                ["handback rate", _percent(report["handback_rate"])],
            ]
            + [[f"decision: {kind}", count] for kind, count in totals["decisions"].items()],
        ),
        table("Reasons", ["reason", "handoffs"], report["reasons"].items()),
    ]
    for key, title in (("by_topic", "topic"), ("by_intent", "intent"), ("by_channel", "channel")):
        parts.append(
            table(
                f"Reasons by {title}",
                [title, "handoffs", "reasons"],
                [[row["key"], row["total"], _counts(row["reasons"])] for row in report[key]],
            )
        )
    parts.append(
        table(
            "Times",
            ["measure", "count", "median", "p90"],
            [
                [
                    label,
                    report[key]["count"],
                    _duration(report[key]["median_seconds"]),
                    _duration(report[key]["p90_seconds"]),
                ]
                for key, label in (
                    ("time_to_pickup", "time to pickup"),
                    ("handling_time", "handling time"),
                )
            ],
        )  # fmt: skip
    )
    parts.append(
        table(
            "What the bot should learn next (topics ending with a person; by-design reasons"
            " left out)",
            ["kind", "topic", "handoffs", "conversations", "rate", "reasons"],
            [
                [
                    row["kind"],
                    row["topic"],
                    row["handoffs"],
                    row["conversations"],
                    _percent(row["rate"]),
                    _counts(row["reasons"]),
                ]
                for row in report["learn_next"]
            ],
        )  # fmt: skip
    )
    examples = [
        f"{row['topic']}:\n" + "\n".join(f"  - {text}" for text in row["examples"])
        for row in report["learn_next"]
        if row["examples"]
    ]
    if examples:
        parts.append("What customers asked (personal data masked)\n" + "\n".join(examples))
    return "\n\n".join(parts)


def main(argv: Optional[List[str]] = None) -> int:
    """Print the report for the chosen period; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m ops.analytics", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--store-url", default=os.environ.get("DESK_STORE_URL", DEFAULT_STORE_URL))
    parser.add_argument("--days", type=float, default=30, help="period ending now (default 30)")
    parser.add_argument("--since", help="start date/time (ISO 8601, UTC if no offset)")
    parser.add_argument("--until", help="end date/time, excluded (ISO 8601, UTC if no offset)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument(
        "--csv", action="store_true", help="print the knowledge-base gaps (learn next) as CSV"
    )
    args = parser.parse_args(argv)
    try:
        since, until = parse_period(args.since, args.until, default_days=args.days)
    except ValueError as error:
        parser.error(str(error))
    database = make_url(args.store_url)
    if database.get_backend_name() == "sqlite" and not Path(database.database or "").is_file():
        print(f"No handoff store at {database.database} (has the assistant run?)", file=sys.stderr)
        return 1
    engine = create_store_engine(args.store_url)
    try:
        if not inspect(engine).has_table("decisions"):
            print(
                "The handoff store is not migrated yet: start the assistant once.", file=sys.stderr
            )
            return 1
        with session_factory(engine)() as session:
            report = build_report(session, since, until, masker=_masker())
    finally:
        engine.dispose()
    if args.csv:
        print(learn_next_csv(report["learn_next"]), end="")
    else:
        print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


def _masker() -> PiiMasker:
    """Mask the examples with handoff.yml's order-number pattern (the built-in one without)."""
    try:
        return PiiMasker(load_settings().intake.order_number_pattern)
    except SettingsMissing:
        return PiiMasker()


def _cell(value: Any) -> str:
    return "–" if value is None else str(value)


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).replace("%", "").isdigit()


def _percent(share: Optional[float]) -> Optional[str]:
    return None if share is None else f"{share * 100:.1f}%"


def _counts(counts: Dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())


def _duration(seconds: Optional[float]) -> Optional[str]:
    if seconds is None:
        return None
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{rest:02d}s"


if __name__ == "__main__":
    sys.exit(main())
