"""Where a handoff goes and whether that team is there now: one answer for every caller.

``action_handoff`` and the Rasa-side fallback (action server down) both route a handoff the
same way: the team by reason, topic, tier and language
(:func:`handoff.routing.teams.route_to_team`),
then the team's business hours at ``now`` (:func:`handoff.routing.availability.check_availability`),
packed as the context package's ``route``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping, Optional, Tuple

from handoff.context import RouteInfo
from handoff.reasons import HandoffReason
from handoff.routing.availability import check_availability
from handoff.routing.teams import Route, RoutingSettings, route_to_team


def plan_route(
    reason: HandoffReason,
    topic: Optional[str],
    tier: Optional[str],
    metadata: Mapping[str, Any],
    routing: RoutingSettings,
    now: datetime,
) -> Tuple[Route, RouteInfo]:
    """Return the route and its ``RouteInfo`` (open now, or when the team is back).

    Args:
        reason: the handoff's primary reason.
        topic: the ``topic`` signal or intent behind it (maps to a team first).
        tier: the customer's tier (the caller's choice of slot or metadata); picks the queue.
        metadata: the customer message's metadata (``language`` and ``timezone`` when the
            channel sends them).
        routing: the ``routing`` section of handoff.yml.
        now: the current time, timezone-aware.
    """
    route = route_to_team(reason, topic, tier, metadata.get("language"), routing)
    availability = check_availability(
        route, routing.team(route.team).hours, now, metadata.get("timezone"), route.language
    )
    return route, RouteInfo(
        team=route.team,
        queue=route.queue,
        priority=route.priority,
        language=route.language,
        why=route.why,
        open=availability.open,
        next_opening=availability.next_opening,
        back_at=availability.back_at,
    )
