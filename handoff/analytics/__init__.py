"""Handoff analytics: the report behind ``GET /api/analytics`` and ``python -m ops.analytics``.

``build_report(source, since, until)`` reads the handoff store (``handoffs`` and ``decisions``)
and returns a JSON-ready dict; ``parse_period`` turns the query's ``since``/``until`` texts into
the moments it needs. Framework-free (SQLAlchemy only).
"""

from handoff.analytics.figures import parse_moment, parse_period, percentile
from handoff.analytics.kb_gaps import learn_next, learn_next_csv
from handoff.analytics.report import build_report
from handoff.analytics.topics import handoff_topic

__all__ = [
    "build_report",
    "handoff_topic",
    "learn_next",
    "learn_next_csv",
    "parse_moment",
    "parse_period",
    "percentile",
]
