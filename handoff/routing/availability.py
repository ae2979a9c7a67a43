"""Whether a routed handoff can go to a person now, or must become a ticket.

``action_handoff`` asks this before submitting: open → live handoff; closed → a ticket is opened
and the customer hears when the team is back, as a concrete local time. It never raises for a
calendar problem in a customer conversation: a team whose calendar never opens is reported as
closed without an opening time, so the caller still opens a ticket and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from handoff.routing.hours import (
    HoursSettings,
    NeverOpensError,
    describe_opening,
    is_open,
    next_opening,
)
from handoff.routing.teams import Route


@dataclass(frozen=True)
class Availability:
    """The routed team's availability at one moment.

    Attributes:
        team: the team asked about (``Route.team``).
        open: True when a person can take the conversation now (live handoff).
        next_opening: when closed, the next opening time in the team's zone; None when open or
            when the calendar has no opening within a year.
        back_at: when closed, ``next_opening`` as the customer reads it
            ("Monday 24 November at 09:00 (CET)"), in the customer's zone if known.
    """

    team: str
    open: bool
    next_opening: Optional[datetime] = None
    back_at: Optional[str] = None

    @property
    def live(self) -> bool:
        """Whether to hand over live (True) or open a ticket (False)."""
        return self.open


def check_availability(
    route: Route,
    hours: Optional[HoursSettings],
    now: datetime,
    customer_tz: Optional[str] = None,
    language: Optional[str] = None,
) -> Availability:
    """Return the availability of ``route.team`` at ``now`` (tz-aware).

    Args:
        route: the handoff's route.
        hours: the team's business hours (``RoutingSettings.team(route.team).hours``); None
            means the team takes handoffs at any time.
        now: the moment of the handoff, tz-aware in any zone.
        customer_tz: the customer's IANA zone, if the channel tells it.
        language: the customer's language: ``back_at`` is written in it.

    Raises:
        ValueError: if ``now`` is naive.
    """
    return team_availability(route.team, hours, now, customer_tz, language)


def team_availability(
    team: str,
    hours: Optional[HoursSettings],
    now: datetime,
    customer_tz: Optional[str] = None,
    language: Optional[str] = None,
) -> Availability:
    """Return the availability of ``team`` at ``now``: :func:`check_availability` by team name.

    Also asked for a handoff already queued (the waiting sweep: did the team close while it
    waited, and when is it back).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"{now!r} has no time zone; pass a tz-aware datetime")
    if hours is None or is_open(hours, now):
        return Availability(team=team, open=True)
    try:
        opening = next_opening(hours, now)
    except NeverOpensError:
        return Availability(team=team, open=False)
    return Availability(
        team=team,
        open=False,
        next_opening=opening,
        back_at=describe_opening(opening, customer_tz, language),
    )
