"""A team's business hours: weekly opening times in the team's time zone, and holidays.

Outside hours the customer is told when the team is back, as a concrete local time, so this
module answers three questions for any tz-aware moment: is the team open (:func:`is_open`), when
does it open next (:func:`next_opening`), and how is that moment written for a customer
(:func:`describe_opening`).

Contract:

- Opening times are *wall-clock* times in the team's zone (``09:00`` means 09:00 on the office
  clock, summer or winter); daylight-saving changes are handled by the time-zone database.
- A range includes its opening minute and excludes its closing minute: ``09:00-18:00`` is open
  at 09:00:00 and closed at 18:00:00.
- A range never crosses midnight. Write an overnight shift as two ranges:
  ``fri: ["18:00-24:00"]`` and ``sat: ["00:00-02:00"]`` (``24:00`` is allowed as a closing time).
  Splitting keeps every range on one calendar day, so a holiday closes exactly its own date.
- A holiday is an ISO date in the team's zone and closes that whole local day.
- A wall time skipped by a spring-forward change opens at the first minute that exists (the
  change itself); a wall time that happens twice in autumn opens at its first occurrence.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from typing import Any, Callable, Dict, Iterator, List, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_datetime
from pydantic import Field, validator

from handoff.section import Section

logger = logging.getLogger(__name__)

SEARCH_DAYS = 370
"""How far :func:`next_opening` looks ahead: a year plus slack for a holiday-heavy calendar."""

MINUTES_PER_DAY = 24 * 60
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


OPENING_PATTERNS = {
    "en": "EEEE d MMMM 'at' HH:mm",
    "de": "'am' EEEE, d. MMMM 'um' HH:mm",
    "fr": "EEEE d MMMM 'à' HH:mm",
    "es": "'el' EEEE d 'de' MMMM 'a las' HH:mm",
}
"""CLDR date patterns of the languages the handoff messages are written in (English for others).

Babel writes the names from CLDR, never from the server's locale (strftime's ``%A`` would).

The preposition is part of the date ("am Montag", "el lunes"), as the texts that quote it
("es ist {back_at} wieder da", "vuelve {back_at}") expect."""


class NeverOpensError(ValueError):
    """The calendar has no opening time within :data:`SEARCH_DAYS` days."""


class Weekday(str, Enum):
    """The keys of ``weekly``, in ``datetime.weekday()`` order (Monday is 0)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @classmethod
    def of(cls, day: date) -> Weekday:
        """Return the weekday of ``day``."""
        weekdays: List[Weekday] = list(cls)
        return weekdays[day.weekday()]


def load_zone(name: str) -> ZoneInfo:
    """Return the IANA time zone ``name`` (``Europe/Berlin``).

    Raises:
        ValueError: naming the zone, or saying that the system has no time-zone database
            (then install the OS ``tzdata`` package or the ``tzdata`` Python package).
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if not available_timezones():
            raise ValueError(
                f"unknown time zone {name!r}: this system has no time-zone database "
                "(install the OS package tzdata or the Python package tzdata)"
            ) from None
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name like Europe/Berlin"
        ) from None


@dataclass(frozen=True, order=True)
class TimeRange:
    """One opening range on one day, in minutes after local midnight (``end`` may be 1440)."""

    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """Parse ``"HH:MM-HH:MM"``; the start must be before the end (no overnight ranges)."""
        match = _RANGE.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a range like '09:00-18:00'")
        start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
        start, end = start_h * 60 + start_m, end_h * 60 + end_m
        if start_h > 23 or start_m > 59 or end_m > 59 or end > MINUTES_PER_DAY:
            raise ValueError(f"{text!r}: not a time of day (00:00 to 24:00)")
        if start >= end:
            raise ValueError(
                f"{text!r}: the opening time must be before the closing time; split a range "
                "across midnight into two days ('22:00-24:00' and '00:00-02:00')"
            )
        return cls(start, end)

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], TimeRange]]:  # noqa: D105
        yield cls._validate

    @classmethod
    def _validate(cls, value: Any) -> TimeRange:
        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            raise ValueError(f"expected a range like '09:00-18:00' (got {value!r})")
        return cls.parse(value)

    def contains(self, seconds: float) -> bool:
        """Whether ``seconds`` after local midnight is inside (opening inclusive, closing not)."""
        return self.start * 60 <= seconds < self.end * 60

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class HoursSettings(Section):
    """A team's business hours (``routing.teams.<team>.hours`` in ``handoff.yml``)."""

    timezone: str = Field(..., description="IANA zone of the team, e.g. Europe/Berlin")
    weekly: Dict[Weekday, List[TimeRange]]
    holidays: List[date] = Field(default_factory=list)

    @validator("timezone")
    def _known_zone(cls, name: str) -> str:  # noqa: N805 - pydantic validator
        load_zone(name)
        return name

    @validator("weekly", pre=True)
    def _known_days(cls, weekly: object) -> object:  # noqa: N805
        # pydantic reports a bad mapping key only as "__key__"; name the key the designer wrote.
        if isinstance(weekly, dict):
            days = [day.value for day in Weekday]
            unknown = [str(key) for key in weekly if key not in days]
            if unknown:
                raise ValueError(
                    f"unknown day {', '.join(map(repr, unknown))}; use {', '.join(days)}"
                )
            # "sun:" with nothing after it is a closed day, like "sun: []".
            return {day: ranges if ranges is not None else [] for day, ranges in weekly.items()}
        return weekly

    @validator("weekly")
    def _no_overlaps(
        cls,
        weekly: Dict[Weekday, List[TimeRange]],  # noqa: N805
    ) -> Dict[Weekday, List[TimeRange]]:
        for day, ranges in weekly.items():
            ranges.sort()
            for before, after in zip(ranges, ranges[1:], strict=False):
                if after.start < before.end:
                    raise ValueError(f"{day.value}: {before} and {after} overlap")
        if not any(weekly.values()):
            raise ValueError("no opening hours on any day")
        return weekly

    @validator("holidays")
    def _sorted_holidays(cls, holidays: List[date]) -> List[date]:  # noqa: N805
        return sorted(set(holidays))

    @property
    def zone(self) -> ZoneInfo:
        """The team's time zone (``ZoneInfo`` caches instances, so this is cheap)."""
        return ZoneInfo(self.timezone)

    def ranges_on(self, day: date) -> List[TimeRange]:
        """Return the opening ranges on the local date ``day`` (none on a holiday), in order."""
        if day in self.holidays:
            return []
        return list(self.weekly.get(Weekday.of(day), []))


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; pass a tz-aware datetime")


def _seconds_after_midnight(local: datetime) -> float:
    return local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6


def is_open(hours: HoursSettings, now: datetime) -> bool:
    """Whether the team is open at ``now`` (tz-aware, in any zone).

    Raises:
        ValueError: if ``now`` is naive (a naive time would silently be read in the wrong zone).
    """
    _require_aware(now)
    local = now.astimezone(hours.zone)
    seconds = _seconds_after_midnight(local)
    return any(span.contains(seconds) for span in hours.ranges_on(local.date()))


def next_opening(hours: HoursSettings, now: datetime) -> datetime:
    """Return the earliest moment at or after ``now`` when the team is open.

    That is ``now`` itself (in the team's zone) while the team is open, otherwise the next
    opening time, skipping holidays and closed days. The result is tz-aware in the team's zone.

    Raises:
        ValueError: if ``now`` is naive.
        NeverOpensError: if the team does not open within :data:`SEARCH_DAYS` days (for
            example every open day is a holiday), rather than searching forever.
    """
    _require_aware(now)
    zone = hours.zone
    local = now.astimezone(zone)
    if is_open(hours, now):
        return local
    for offset in range(SEARCH_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        for span in hours.ranges_on(day):
            if offset == 0 and span.end * 60 <= _seconds_after_midnight(local):
                continue  # already closed today
            opening = _first_instant(day, span, zone, not_before=now)
            if opening is not None:
                return opening
    raise NeverOpensError(
        f"the hours in {hours.timezone} have no opening time in the {SEARCH_DAYS} days "
        f"after {local.isoformat()}"
    )


def _first_instant(
    day: date, span: TimeRange, zone: ZoneInfo, not_before: datetime
) -> Optional[datetime]:
    """Return the first real instant in ``span`` on ``day`` that is not before ``not_before``.

    Usually the opening minute itself; minute by minute later when the opening time falls in a
    spring-forward gap (it does not exist), or the second occurrence when the autumn fold's
    first one is already past. Instants are compared in UTC: aware datetimes sharing a tzinfo
    compare by wall clock and would ignore the fold.
    """
    earliest = not_before.astimezone(timezone.utc)
    for minute in range(span.start, span.end):
        wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
        for fold in (0, 1):
            candidate = wall.replace(fold=fold)
            if _exists(candidate) and candidate.astimezone(timezone.utc) >= earliest:
                return candidate
    return None


def _exists(local: datetime) -> bool:
    """Whether the wall time ``local`` happens (it does not inside a spring-forward gap)."""
    round_trip = local.astimezone(timezone.utc).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None, fold=0) == local.replace(tzinfo=None, fold=0)


def describe_opening(
    moment: datetime, customer_tz: Optional[str] = None, language: Optional[str] = None
) -> str:
    """Write ``moment`` as customers read it: ``"Monday 24 November at 09:00 (CET)"``.

    In the customer's zone when known, else in ``moment``'s own zone (the team's, as
    :func:`next_opening` returns it). An unknown ``customer_tz`` (it comes from channel
    metadata) falls back to the team's zone instead of failing in front of the customer.
    In ``language`` when it is one of :data:`OPENING_PATTERNS` ("am Montag, 24. November um 09:00
    (CET)"), else English.
    """
    _require_aware(moment)
    local = moment
    if customer_tz:
        try:
            local = moment.astimezone(load_zone(customer_tz))
        except ValueError:
            logger.debug("Unknown customer time zone %r; using the team's.", customer_tz)
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if code not in OPENING_PATTERNS:
        code = "en"
    words = format_datetime(local, OPENING_PATTERNS[code], locale=code)
    return f"{words} ({_zone_label(local)})"


def _zone_label(local: datetime) -> str:
    """Return the zone's abbreviation (CET, EST, JST), or ``UTC+04`` where the zone has none."""
    name = local.tzname()
    if name and not name.startswith(("+", "-")):
        return name
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")
