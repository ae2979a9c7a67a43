"""Numbers and moments for the handoff report: percentiles, shares, ISO 8601 periods."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Optional, Sequence, Tuple

DEFAULT_DAYS = 30


def parse_moment(text: Optional[str]) -> Optional[datetime]:
    """Return the moment an ISO 8601 text names (``Z`` or an offset; none means UTC), or None.

    For query parameters such as ``?since=2026-11-01T00:00:00.000Z`` (what browsers'
    ``Date.toISOString()`` writes; Python 3.10's ``fromisoformat`` does not read the ``Z``).

    Raises:
        ValueError: the text is not an ISO 8601 date or date-time.
    """
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def parse_period(
    since: Optional[str],
    until: Optional[str],
    default_days: float = DEFAULT_DAYS,
    now: Optional[datetime] = None,
) -> Tuple[datetime, Optional[datetime]]:
    """Return ``(since, until)`` from two optional ISO 8601 texts (``GET /api/analytics``).

    Without ``since`` the period starts ``default_days`` before ``until`` (or now); without
    ``until`` it is open-ended.

    Raises:
        ValueError: a text is not a date-time, or ``since`` is not before ``until``.
    """
    end = parse_moment(until)
    start = parse_moment(since) or (end or now or datetime.now(timezone.utc)) - timedelta(
        days=default_days
    )
    if end is not None and start >= end:
        raise ValueError(f"since ({start.isoformat()}) must be before until ({end.isoformat()})")
    return start, end


def percentile(values: Sequence[float], share: float) -> Optional[float]:
    """Return the ``share`` (0..1) percentile of ``values`` by linear interpolation, or None."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(part: int, whole: Optional[int]) -> Optional[float]:
    """Return ``part / whole`` rounded to 4 places, or None when ``whole`` is 0 or None."""
    return round(part / whole, 4) if whole else None


def aware(moment: datetime) -> datetime:
    """Return ``moment`` with UTC attached when it has no time zone (SQLite reads)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
