from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError

from handoff.routing.hours import (
    SEARCH_DAYS,
    HoursSettings,
    NeverOpensError,
    TimeRange,
    describe_opening,
    is_open,
    next_opening,
)

BERLIN, NEW_YORK, TOKYO = "Europe/Berlin", "America/New_York", "Asia/Tokyo"

# The store's customer service: Mon-Fri 09:00-18:00, Sat 10:00-14:00, German holidays
# (Good Friday, Easter Monday, Christmas - the 26th is a Saturday in 2026 - and New Year).
STORE = HoursSettings.parse_obj(
    yaml.safe_load(
        """
        timezone: Europe/Berlin
        weekly:
          mon: ["09:00-18:00"]
          tue: ["09:00-18:00"]
          wed: ["09:00-18:00"]
          thu: ["09:00-18:00"]
          fri: ["9:00-18:00"]
          sat: ["10:00-14:00"]
          sun:
        holidays: [2026-04-03, 2026-04-06, 2026-12-25, 2026-12-26, 2027-01-01]
        """
    )
)
WEEKDAYS = STORE.copy(update={"weekly": {day: STORE.weekly[day] for day in list(STORE.weekly)[:5]}})


def _hours(timezone_name: str, **weekly: list) -> HoursSettings:
    return HoursSettings.parse_obj({"timezone": timezone_name, "weekly": weekly})


NY_TEAM = _hours(NEW_YORK, **{day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")})


def at(zone: str, *parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


# ---------------------------------------------------------------- is_open


@pytest.mark.parametrize(
    "now, expected",
    [
        (at(BERLIN, 2026, 11, 23, 9, 0), True),  # opening is inclusive
        (at(BERLIN, 2026, 11, 23, 8, 59, 59), False),
        (at(BERLIN, 2026, 11, 23, 17, 59, 59), True),
        (at(BERLIN, 2026, 11, 23, 18, 0), False),  # closing is exclusive
        (at(BERLIN, 2026, 11, 21, 10, 0), True),  # Saturday
        (at(BERLIN, 2026, 11, 21, 14, 0), False),
        (at(BERLIN, 2026, 11, 22, 12, 0), False),  # Sunday ("sun:" with no ranges)
        (at(BERLIN, 2026, 12, 25, 12, 0), False),  # a holiday Friday
        (at(BERLIN, 2026, 12, 26, 11, 0), False),  # a holiday on a Saturday
        (at(BERLIN, 2026, 12, 19, 11, 0), True),  # the Saturday before is open
        (at(BERLIN, 2026, 4, 6, 12, 0), False),  # Easter Monday
        (at(BERLIN, 2026, 4, 7, 12, 0), True),
        # Other zones: 09:00 CET is 03:00 in New York and 17:00 in Tokyo.
        (at(NEW_YORK, 2026, 11, 23, 3, 0), True),
        (at(NEW_YORK, 2026, 11, 23, 2, 59), False),
        (at(TOKYO, 2026, 11, 23, 17, 0), True),
        (at(TOKYO, 2026, 11, 24, 2, 0), False),  # 18:00 Monday in Berlin
        (datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc), True),
        # The US switches to summer time three weeks before Europe: 5 hours apart, then 6.
        (at(NEW_YORK, 2026, 3, 23, 3, 0), False),  # 08:00 CET
        (at(NEW_YORK, 2026, 3, 23, 4, 0), True),
        (at(NEW_YORK, 2026, 3, 30, 3, 0), True),  # 09:00 CEST
    ],
)
def test_is_open(now, expected):
    assert is_open(STORE, now) is expected


def test_holidays_are_dates_in_the_teams_zone():
    # 23:30 in New York on Christmas Eve is already Christmas Day (closed) in Berlin ...
    assert not is_open(STORE, at(NEW_YORK, 2026, 12, 24, 23, 30))
    # ... and Christmas Day morning in Tokyo is still Christmas Eve (open) in Berlin.
    assert is_open(STORE, at(TOKYO, 2026, 12, 25, 1, 0))


def test_several_ranges_a_day():
    hours = _hours(BERLIN, mon=["13:00-17:00", "09:00-12:00"])

    assert [is_open(hours, at(BERLIN, 2026, 11, 23, h, m)) for h, m in [(11, 59), (12, 0)]] == [
        True,
        False,
    ]
    assert next_opening(hours, at(BERLIN, 2026, 11, 23, 12, 30)) == at(BERLIN, 2026, 11, 23, 13)


def test_an_overnight_shift_is_written_as_two_days():
    hours = _hours(BERLIN, fri=["18:00-24:00"], sat=["00:00-02:00"])

    assert is_open(hours, at(BERLIN, 2026, 11, 20, 23, 59, 59))
    assert is_open(hours, at(BERLIN, 2026, 11, 21, 0, 0))
    assert not is_open(hours, at(BERLIN, 2026, 11, 21, 2, 0))
    assert next_opening(hours, at(BERLIN, 2026, 11, 21, 2, 0)) == at(BERLIN, 2026, 11, 27, 18)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="no time zone"):
        is_open(STORE, datetime(2026, 11, 23, 10, 0))
    with pytest.raises(ValueError, match="no time zone"):
        next_opening(STORE, datetime(2026, 11, 23, 10, 0))


# ---------------------------------------------------------------- next_opening


@pytest.mark.parametrize(
    "hours, now, expected",
    [
        # open now: the answer is now
        (STORE, at(BERLIN, 2026, 11, 23, 9, 0), at(BERLIN, 2026, 11, 23, 9, 0)),
        (STORE, at(BERLIN, 2026, 11, 23, 12, 34), at(BERLIN, 2026, 11, 23, 12, 34)),
        # before opening, at closing, after closing
        (STORE, at(BERLIN, 2026, 11, 23, 7, 0), at(BERLIN, 2026, 11, 23, 9, 0)),
        (STORE, at(BERLIN, 2026, 11, 23, 18, 0), at(BERLIN, 2026, 11, 24, 9, 0)),
        (STORE, at(BERLIN, 2026, 11, 20, 18, 0), at(BERLIN, 2026, 11, 21, 10, 0)),  # Fri → Sat
        (STORE, at(BERLIN, 2026, 11, 21, 14, 0), at(BERLIN, 2026, 11, 23, 9, 0)),  # Sat → Mon
        # Friday evening → Monday morning (a weekdays-only team)
        (WEEKDAYS, at(BERLIN, 2026, 11, 20, 19, 30), at(BERLIN, 2026, 11, 23, 9, 0)),
        # a holiday Monday → Tuesday; Good Friday + Easter Monday: Thursday → Tuesday
        (STORE, at(BERLIN, 2026, 4, 5, 12, 0), at(BERLIN, 2026, 4, 7, 9, 0)),
        (WEEKDAYS, at(BERLIN, 2026, 4, 2, 18, 0), at(BERLIN, 2026, 4, 7, 9, 0)),
        # Christmas Friday and the holiday Saturday after it → Monday
        (STORE, at(BERLIN, 2026, 12, 24, 18, 0), at(BERLIN, 2026, 12, 28, 9, 0)),
        # New Year's Day (Friday) → Saturday
        (STORE, at(BERLIN, 2026, 12, 31, 18, 0), at(BERLIN, 2027, 1, 2, 10, 0)),
        # asked from another zone: answered in the team's zone
        (STORE, at(NEW_YORK, 2026, 11, 20, 20, 0), at(BERLIN, 2026, 11, 21, 10, 0)),
        (STORE, at(TOKYO, 2026, 11, 24, 2, 0), at(BERLIN, 2026, 11, 24, 9, 0)),
        # New York team across both US changes
        (NY_TEAM, at(NEW_YORK, 2026, 3, 7, 20, 0), at(NEW_YORK, 2026, 3, 9, 9, 0)),
        (NY_TEAM, at(NEW_YORK, 2026, 10, 31, 20, 0), at(NEW_YORK, 2026, 11, 2, 9, 0)),
        (NY_TEAM, at(BERLIN, 2026, 3, 9, 14, 30), at(NEW_YORK, 2026, 3, 9, 9, 30)),  # open
    ],
)
def test_next_opening(hours, now, expected):
    opening = next_opening(hours, now)

    assert _utc(opening) == _utc(expected)
    assert opening.utcoffset() == expected.utcoffset()
    assert opening.tzinfo == hours.zone


@pytest.mark.parametrize(
    "hours, now, expected, offset_hours, elapsed_hours",
    [
        # Sunday night before the change (Saturday 22:00 CET) → Monday 09:00 CEST: one hour
        # less than the wall clock says.
        (WEEKDAYS, at(BERLIN, 2026, 3, 28, 22, 0), at(BERLIN, 2026, 3, 30, 9), 2, 34),
        # Sunday evening after the change
        (WEEKDAYS, at(BERLIN, 2026, 3, 29, 20, 0), at(BERLIN, 2026, 3, 30, 9), 2, 13),
        # autumn: one hour more
        (WEEKDAYS, at(BERLIN, 2026, 10, 24, 22, 0), at(BERLIN, 2026, 10, 26, 9), 1, 36),
        (NY_TEAM, at(NEW_YORK, 2026, 3, 7, 22, 0), at(NEW_YORK, 2026, 3, 9, 9), -4, 34),
        (NY_TEAM, at(NEW_YORK, 2026, 10, 31, 22, 0), at(NEW_YORK, 2026, 11, 2, 9), -5, 36),
    ],
)
def test_next_opening_across_daylight_saving_changes(
    hours, now, expected, offset_hours, elapsed_hours
):
    opening = next_opening(hours, now)

    assert opening.replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert opening.utcoffset() == timedelta(hours=offset_hours)
    assert _utc(opening) - _utc(now) == timedelta(hours=elapsed_hours)


def test_an_opening_time_skipped_by_the_spring_change_opens_when_the_clock_jumps():
    # On 29 March 2026 Berlin's clocks jump from 02:00 CET to 03:00 CEST: 02:30 never happens.
    hours = _hours(BERLIN, sun=["02:30-04:00"])
    opening = next_opening(hours, at(BERLIN, 2026, 3, 29, 1, 0))

    assert _utc(opening) == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)  # 03:00 CEST
    assert (opening.hour, opening.minute, opening.tzname()) == (3, 0, "CEST")
    assert is_open(hours, opening)
    assert not is_open(hours, _utc(opening) - timedelta(seconds=1))


def test_a_range_entirely_in_the_spring_gap_never_opens_that_day():
    hours = _hours(BERLIN, sun=["02:10-02:50"])

    assert next_opening(hours, at(BERLIN, 2026, 3, 29, 0, 0)) == at(BERLIN, 2026, 4, 5, 2, 10)


def test_an_opening_time_repeated_by_the_autumn_change():
    # On 25 October 2026 Berlin's clocks go back from 03:00 CEST to 02:00 CET: 02:30 happens twice.
    hours = _hours(BERLIN, sun=["02:30-02:45"])

    first = next_opening(hours, at(BERLIN, 2026, 10, 25, 0, 0))
    assert (first.hour, first.minute, first.tzname()) == (2, 30, "CEST")

    # Between the two 02:30s (02:10 CET, the second time round), the second one is next.
    second = next_opening(hours, at(BERLIN, 2026, 10, 25, 2, 10, fold=1))
    assert (second.hour, second.minute, second.tzname()) == (2, 30, "CET")
    assert _utc(second) - _utc(first) == timedelta(hours=1)


def test_a_calendar_that_never_opens_is_a_clear_error():
    mondays = [date(2026, 1, 5) + timedelta(weeks=week) for week in range(60)]
    hours = HoursSettings.parse_obj(
        {"timezone": BERLIN, "weekly": {"mon": ["09:00-18:00"]}, "holidays": mondays}
    )

    with pytest.raises(NeverOpensError, match=f"no opening time in the {SEARCH_DAYS} days"):
        next_opening(hours, at(BERLIN, 2026, 1, 1, 12, 0))


# ---------------------------------------------------------------- describe_opening

_MONDAY_9 = at(BERLIN, 2026, 11, 23, 9, 0)


@pytest.mark.parametrize(
    "moment, customer_tz, expected",
    [
        (_MONDAY_9, None, "Monday 23 November at 09:00 (CET)"),
        (_MONDAY_9, NEW_YORK, "Monday 23 November at 03:00 (EST)"),
        (_MONDAY_9, TOKYO, "Monday 23 November at 17:00 (JST)"),
        (_MONDAY_9, "Pacific/Honolulu", "Sunday 22 November at 22:00 (HST)"),
        (_MONDAY_9, "Asia/Kathmandu", "Monday 23 November at 13:45 (UTC+05:45)"),
        (_MONDAY_9, "Asia/Dubai", "Monday 23 November at 12:00 (UTC+04)"),
        (_MONDAY_9, "America/Sao_Paulo", "Monday 23 November at 05:00 (UTC-03)"),
        (_MONDAY_9, "UTC", "Monday 23 November at 08:00 (UTC)"),
        (_MONDAY_9, "Mars/Olympus_Mons", "Monday 23 November at 09:00 (CET)"),  # unknown zone
        (_MONDAY_9, "", "Monday 23 November at 09:00 (CET)"),
        (at(BERLIN, 2026, 6, 1, 9, 0), None, "Monday 1 June at 09:00 (CEST)"),
        (at(BERLIN, 2026, 6, 1, 9, 0), NEW_YORK, "Monday 1 June at 03:00 (EDT)"),
        (at(BERLIN, 2027, 1, 2, 10, 0), TOKYO, "Saturday 2 January at 18:00 (JST)"),
    ],
)
def test_describe_opening(moment, customer_tz, expected):
    assert describe_opening(moment, customer_tz) == expected


@pytest.mark.parametrize(
    "language, expected",
    [
        ("de", "am Montag, 23. November um 03:00 (EST)"),
        ("fr-CA", "lundi 23 novembre à 03:00 (EST)"),
        ("es", "el lunes 23 de noviembre a las 03:00 (EST)"),
        ("it", "Monday 23 November at 03:00 (EST)"),  # no Italian handoff texts: English
        (None, "Monday 23 November at 03:00 (EST)"),
    ],
)
def test_the_opening_is_written_in_the_customers_language(language, expected):
    assert describe_opening(_MONDAY_9, NEW_YORK, language) == expected


def test_describe_opening_refuses_a_naive_time():
    with pytest.raises(ValueError, match="no time zone"):
        describe_opening(datetime(2026, 11, 23, 9, 0), TOKYO)


# ---------------------------------------------------------------- validation


def _error(raw: dict) -> tuple:
    with pytest.raises(ValidationError) as caught:
        HoursSettings.parse_obj(raw)
    (error,) = caught.value.errors()
    return error["loc"], error["msg"]


_MON = {"mon": ["09:00-18:00"]}


@pytest.mark.parametrize(
    "raw, loc, problem",
    [
        ({"timezone": "Europe/Berln", "weekly": _MON}, ("timezone",), "'Europe/Berln'"),
        ({"timezone": "../etc/passwd", "weekly": _MON}, ("timezone",), "unknown time zone"),
        ({"timezone": BERLIN, "weekly": {"monday": ["09:00-18:00"]}}, ("weekly",), "'monday'"),
        ({"timezone": BERLIN, "weekly": {"mon": ["18:00-09:00"]}}, ("weekly", "mon", 0), "before"),
        ({"timezone": BERLIN, "weekly": {"mon": ["22:00-02:00"]}}, ("weekly", "mon", 0), "split"),
        ({"timezone": BERLIN, "weekly": {"mon": ["09:00-09:00"]}}, ("weekly", "mon", 0), "before"),
        ({"timezone": BERLIN, "weekly": {"tue": ["9-18"]}}, ("weekly", "tue", 0), "not a range"),
        ({"timezone": BERLIN, "weekly": {"mon": ["25:00-26:00"]}}, ("weekly", "mon", 0), "time"),
        ({"timezone": BERLIN, "weekly": {"mon": ["09:60-10:00"]}}, ("weekly", "mon", 0), "time"),
        ({"timezone": BERLIN, "weekly": {"mon": ["09:00-24:01"]}}, ("weekly", "mon", 0), "time"),
        ({"timezone": BERLIN, "weekly": {"mon": [900]}}, ("weekly", "mon", 0), "'09:00-18:00'"),
        (
            {"timezone": BERLIN, "weekly": {"mon": ["09:00-12:00", "11:00-13:00"]}},
            ("weekly",),
            "mon: 09:00-12:00 and 11:00-13:00 overlap",
        ),
        ({"timezone": BERLIN, "weekly": {}}, ("weekly",), "no opening hours"),
        ({"timezone": BERLIN, "weekly": {"sun": []}}, ("weekly",), "no opening hours"),
        (
            {"timezone": BERLIN, "weekly": _MON, "holidays": ["2026-13-01"]},
            ("holidays", 0),
            "date",
        ),
        ({"timezone": BERLIN, "weekly": _MON, "holiday": []}, ("holiday",), "not permitted"),
        ({"weekly": _MON}, ("timezone",), "field required"),
    ],
)
def test_invalid_hours_name_the_key(raw, loc, problem):
    error_loc, message = _error(raw)

    assert error_loc == loc
    assert problem in message


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("09:00-18:00", 9 * 60, 18 * 60),
        ("9:00 - 18:30", 9 * 60, 18 * 60 + 30),
        ("00:00-24:00", 0, 24 * 60),
        ("23:59-24:00", 23 * 60 + 59, 24 * 60),
    ],
)
def test_time_ranges(text, start, end):
    span = TimeRange.parse(text)

    assert (span.start, span.end) == (start, end)


def test_ranges_are_sorted_and_holidays_deduplicated():
    hours = HoursSettings.parse_obj(
        {
            "timezone": BERLIN,
            "weekly": {"mon": ["13:00-17:00", "09:00-12:00"]},
            "holidays": ["2027-01-01", date(2026, 12, 25), "2027-01-01"],
        }
    )

    assert [str(span) for span in hours.weekly[list(hours.weekly)[0]]] == [
        "09:00-12:00",
        "13:00-17:00",
    ]
    assert hours.holidays == [date(2026, 12, 25), date(2027, 1, 1)]
