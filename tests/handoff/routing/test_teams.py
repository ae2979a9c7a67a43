from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError

from handoff.reasons import HandoffReason
from handoff.routing.availability import Availability, check_availability
from handoff.routing.hours import HoursSettings
from handoff.routing.teams import (
    DEFAULT_TEAMS,
    Route,
    RoutingSettings,
    normalise_language,
    route_to_team,
)

# The routing section proposed for handoff.yml (kept here so the proposal is tested as written).
ROUTING_YAML = """
routing:
  default_team: general        # whatever no topic or reason maps to, and the language fallback
  default_language: en         # the default team must serve it
  topics:                      # the intent behind the handoff → team (checked first)
    enterprise_pricing: sales
    cancel_account: retention
    refund_request: billing
    billing_dispute: billing
    account_security: technical
    complaint: general
  reasons:                     # the handoff reason → team (when no topic matches)
    high_value: sales
  queues:                      # customer tier → desk queue; other tiers: default_queue
    enterprise: senior
  default_queue: standard
  priority:                    # base plus every increment that applies; highest served first
    base: 0
    tiers: {enterprise: 2}
    reasons: {sensitive_topic: 1, frustration: 1}
    topics: {account_security: 1}
  teams:
    sales:
      languages: [en, de]
      contact: "e-mail business@northwind-home.example or call +49 30 5550 0200"
      hours: &store_hours
        timezone: Europe/Berlin
        weekly:
          mon: ["09:00-18:00"]
          tue: ["09:00-18:00"]
          wed: ["09:00-18:00"]
          thu: ["09:00-18:00"]
          fri: ["09:00-18:00"]
          sat: ["10:00-14:00"]
          sun: []
        holidays:               # dates in the team's zone; the whole day is closed
          - 2026-04-03          # Good Friday
          - 2026-04-06          # Easter Monday
          - 2026-12-25
          - 2026-12-26
          - 2027-01-01
          - 2027-03-26          # Good Friday
          - 2027-03-29          # Easter Monday
    retention:
      languages: [en, de]
      contact: "e-mail accounts@northwind-home.example"
      hours: *store_hours
    billing:
      languages: [en, de, fr]
      contact: "e-mail billing@northwind-home.example or call +49 30 5550 0300"
      hours: *store_hours
    technical:
      languages: [en]
      contact: "e-mail security@northwind-home.example"
      hours: *store_hours
    general:
      languages: [en, de, fr, es]
      contact: "e-mail support@northwind-home.example or call +1 555 0100"
      hours: *store_hours
"""

SETTINGS = RoutingSettings.parse_obj(yaml.safe_load(ROUTING_YAML)["routing"])
DEFAULTS = RoutingSettings()
BERLIN = ZoneInfo("Europe/Berlin")

R = HandoffReason


S, D = SETTINGS, DEFAULTS
HIGH, SENSITIVE, ASKED = R.HIGH_VALUE, R.SENSITIVE_TOPIC, R.EXPLICIT_REQUEST


@pytest.mark.parametrize(
    "settings, reason, topic, tier, language, expected",
    [
        (S, HIGH, "enterprise_pricing", "enterprise", "en", ("sales", "senior", "en", 2)),
        (S, HIGH, "cancel_account", None, "de", ("retention", "standard", "de", 0)),
        (S, SENSITIVE, "refund_request", None, None, ("billing", "standard", "en", 1)),
        (S, SENSITIVE, "billing_dispute", " Enterprise ", "fr-FR", ("billing", "senior", "fr", 3)),
        (S, SENSITIVE, "account_security", "basic", "en-GB", ("technical", "standard", "en", 2)),
        (S, SENSITIVE, "complaint", None, "es", ("general", "standard", "es", 1)),
        (S, HIGH, None, None, "en", ("sales", "standard", "en", 0)),
        (S, ASKED, None, None, "en", ("general", "standard", "en", 0)),
        (S, ASKED, "order_status", "enterprise", "de", ("general", "senior", "de", 2)),
        (S, R.FRUSTRATION, None, None, "en", ("general", "standard", "en", 1)),
        (S, R.LOOPING, None, None, None, ("general", "standard", "en", 0)),
        # languages: technical serves only English → general takes German; nobody serves Japanese
        (S, SENSITIVE, "account_security", None, "de", ("general", "standard", "de", 2)),
        (S, SENSITIVE, "account_security", None, "ja", ("technical", "standard", "en", 2)),
        (S, HIGH, "cancel_account", None, "fr", ("general", "standard", "fr", 0)),
        # the built-in defaults (no routing section at all)
        (D, HIGH, "cancel_account", "enterprise", "en", ("retention", "senior", "en", 2)),
        (D, SENSITIVE, "complaint", None, "de", ("general", "standard", "en", 1)),
    ],
)
def test_route_to_team(settings, reason, topic, tier, language, expected):
    route = route_to_team(reason, topic, tier, language, settings)

    assert (route.team, route.queue, route.language, route.priority) == expected
    assert route.team in settings.teams


def test_the_topic_wins_over_the_reason_and_the_route_says_why():
    route = route_to_team(R.HIGH_VALUE, "cancel_account", "enterprise", "de", SETTINGS)

    assert route.why == [
        "topic cancel_account → retention",
        "tier enterprise → senior queue",
        "priority +2: tier enterprise",
    ]
    assert route.contact == "e-mail accounts@northwind-home.example"


@pytest.mark.parametrize(
    "topic, language, expected_why",
    [
        (None, None, ["no team for topic none or reason explicit_request → general"]),
        (None, None, ["language unknown → en"]),
        ("order_status", "ja", ["no team for topic order_status or reason explicit_request"]),
        ("order_status", "ja", ["neither general serves 'ja' → en"]),
        ("account_security", "de", ["technical does not serve 'de' → general, which does"]),
        ("account_security", "ja", ["neither technical nor general serves 'ja' → en"]),
    ],
)
def test_why_explains_fallbacks(topic, language, expected_why):
    reason = R.SENSITIVE_TOPIC if topic == "account_security" else R.EXPLICIT_REQUEST

    route = route_to_team(reason, topic, None, language, SETTINGS)

    for expected in expected_why:
        assert any(line.startswith(expected) for line in route.why), route.why


def test_a_team_without_the_default_language_hands_unknown_languages_to_the_default_team():
    settings = RoutingSettings.parse_obj(
        {
            "topics": {"cancel_account": "retention"},
            "teams": {"retention": {"languages": ["de"]}, "general": {"languages": ["en", "de"]}},
        }
    )

    route = route_to_team(R.HIGH_VALUE, "cancel_account", None, "ja", settings)

    assert (route.team, route.language) == ("general", "en")
    assert "retention does not serve 'en' → general" in route.why


def test_a_team_without_a_contact_leaves_the_fallback_to_the_caller():
    assert route_to_team(R.EXPLICIT_REQUEST, None, None, "en", DEFAULTS).contact is None


def test_the_route_is_a_signal():
    route = route_to_team(R.SENSITIVE_TOPIC, "refund_request", None, "de", SETTINGS)

    assert route.as_signal() == {
        "name": "route",
        "value": {
            "team": "billing",
            "queue": "standard",
            "language": "de",
            "priority": 1,
            "why": route.why,
        },
    }


def test_the_defaults_have_the_five_teams():
    assert set(DEFAULTS.teams) == set(DEFAULT_TEAMS)
    assert all(team.hours is None for team in DEFAULTS.teams.values())


@pytest.mark.parametrize(
    "language, expected",
    [("en", "en"), ("en-GB", "en"), ("pt_BR", "pt"), (" DE ", "de"), ("", None), (None, None)],
)
def test_normalise_language(language, expected):
    assert normalise_language(language) == expected


# ---------------------------------------------------------------- validation

_TEAMS = {"sales": {}, "general": {}}
_MON = {"mon": ["9:00-18:00"]}


@pytest.mark.parametrize(
    "raw, loc, problem",
    [
        (
            {"topics": {"cancel_account": "retenton"}},
            ("topics",),
            "cancel_account: unknown team 'retenton'; configured teams: billing, general,",
        ),
        ({"teams": _TEAMS, "topics": {"refund_request": "billing"}}, ("topics",), "refund_request"),
        ({"reasons": {"high_value": "salez"}}, ("reasons",), "high_value: unknown team 'salez'"),
        ({"reasons": {"vip": "sales"}}, ("reasons",), "unknown handoff reason 'vip'"),
        ({"default_team": "support"}, ("default_team",), "unknown team 'support'"),
        ({"default_language": "ja"}, ("default_language",), "must serve the default language"),
        ({"teams": {}}, ("teams",), "at least one team"),
        ({"teams": {"Sales Team": {}}}, ("teams",), "'Sales Team': team names are lower-case"),
        ({"teams": {"sales": {"languages": ["e1"]}}}, ("teams", "sales", "languages", 0), "'e1'"),
        ({"teams": {"sales": {"languages": []}}}, ("teams", "sales", "languages"), "at least 1"),
        ({"teams": {"sales": {"contact": "x"}}}, ("teams", "sales", "contact"), "at least 5"),
        (
            {"teams": {"sales": {"hours": {"timezone": "Berlin", "weekly": _MON}}}},
            ("teams", "sales", "hours", "timezone"),
            "unknown time zone 'Berlin'",
        ),
        (
            {"teams": {"sales": {"hours": {"timezone": "UTC", "weekly": {"mon": ["18:00-9:00"]}}}}},
            ("teams", "sales", "hours", "weekly", "mon", 0),
            "before the closing time",
        ),
        ({"priority": {"reasons": {"urgent": 3}}}, ("priority", "reasons"), "'urgent'"),
        (
            {"priority": {"tiers": {"enterprise": "high"}}},
            ("priority", "tiers", "enterprise"),
            "integer",
        ),
        ({"team": {}}, ("team",), "extra fields not permitted"),
    ],
)
def test_invalid_routing_names_the_key(raw, loc, problem):
    with pytest.raises(ValidationError) as caught:
        RoutingSettings.parse_obj(raw)

    errors = caught.value.errors()
    assert [error["loc"] for error in errors] == [loc]
    assert problem in errors[0]["msg"]


def test_tiers_match_case_insensitively():
    settings = RoutingSettings.parse_obj({"queues": {"Enterprise": "senior"}})

    assert route_to_team(R.EXPLICIT_REQUEST, None, "ENTERPRISE", "en", settings).queue == "senior"


# ---------------------------------------------------------------- availability


def _availability(now: datetime, customer_tz=None, topic="refund_request") -> Availability:
    route = route_to_team(R.SENSITIVE_TOPIC, topic, None, "en", SETTINGS)
    return check_availability(route, SETTINGS.team(route.team).hours, now, customer_tz)


@pytest.mark.parametrize(
    "now, customer_tz, back_at",
    [
        (datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN), None, None),  # open: live handoff
        (datetime(2026, 11, 20, 19, 0, tzinfo=BERLIN), None, "Saturday 21 November at 10:00 (CET)"),
        (
            datetime(2026, 11, 20, 14, 0, tzinfo=ZoneInfo("America/New_York")),
            "America/New_York",
            "Saturday 21 November at 04:00 (EST)",
        ),
        (
            datetime(2026, 4, 5, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")),
            "Asia/Tokyo",
            "Tuesday 7 April at 16:00 (JST)",  # Easter Monday is closed
        ),
        (
            datetime(2026, 12, 24, 18, 0, tzinfo=BERLIN),
            "Asia/Tokyo",
            "Monday 28 December at 17:00 (JST)",
        ),
    ],
)
def test_availability(now, customer_tz, back_at):
    availability = _availability(now, customer_tz)

    assert availability.team == "billing"
    assert availability.open is availability.live is (back_at is None)
    assert availability.back_at == back_at
    if back_at:
        assert availability.next_opening.tzinfo == BERLIN


def test_a_team_without_hours_is_always_open():
    route = route_to_team(R.EXPLICIT_REQUEST, None, None, "en", DEFAULTS)
    sunday_night = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)

    assert check_availability(route, None, sunday_night) == Availability("general", open=True)


def test_a_calendar_that_never_opens_is_closed_without_a_time():
    hours = HoursSettings.parse_obj(
        {"timezone": "Europe/Berlin", "weekly": {"mon": ["09:00-10:00"]}, "holidays": []}
    )
    never = hours.copy(update={"weekly": {}})
    route = Route(team="general", queue="standard", language="en", priority=0)

    availability = check_availability(route, never, datetime(2026, 11, 23, 9, tzinfo=BERLIN))

    assert availability == Availability("general", open=False)


def test_availability_refuses_a_naive_time():
    route = Route(team="general", queue="standard", language="en", priority=0)

    with pytest.raises(ValueError, match="no time zone"):
        check_availability(route, None, datetime(2026, 11, 23, 9, 0))
