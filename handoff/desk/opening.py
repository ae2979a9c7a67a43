"""Opening a handoff: one use case for every entry point.

A conversation reaches a person three ways: ``action_handoff`` (the action server, over the
desk API), the messaging channels' fallback when the action server is down (straight into the
store), and the desk's ``POST /api/handoffs`` (what the action sends). They share one rule set:

- :func:`plan_handoff` (pure) decides the reason, the topic and the route, and says why.
  The reason is the ``handoff_reason`` slot; without a valid one it is ``low_confidence``
  (:data:`DEFAULT_REASON`). The topic is the decision's (:func:`handoff_topic`). The
  customer's tier is the ``customer_tier`` slot, else the message's ``customer_tier``
  metadata (:func:`customer_tier`). The route is :func:`handoff.routing.plan.plan_route` at
  ``now``; the handling (live chat, ticket or a guided self-service path) is
  :func:`handoff.routing.handling.choose_handling`'s — a ``ticket`` handling marks the route
  (``RouteInfo.ticket``), a guided path is for the entry point to start (``action_handoff``
  runs the form; the channels' fallback, with no action server, opens the handoff as usual).
- :func:`build_package` turns the plan and the conversation into the context package, with
  the customer's display name the channel reported (:attr:`HandoffRequest.customer_name`).
- :func:`open_package` opens a package through the desk service (team, queue, priority,
  ticket and language from its route), and :func:`open_handoff` does all three in the store.

Callers only adapt their inputs to a :class:`HandoffRequest` (rasa_sdk's or Rasa's tracker)
and their outputs to their customer (responses, events, HTTP answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from handoff.context import (
    CUSTOMER_NAME_KEY,
    ContextPackage,
    RouteInfo,
    build_context_package,
    customer_display_name,
    package_to_json_dict,
)
from handoff.desk import service as desk_service
from handoff.policy.handback import topic_of
from handoff.reasons import HandoffReason
from handoff.routing.handling import Handling, HandlingDecision, choose_handling
from handoff.routing.plan import plan_route
from handoff.routing.teams import Route, RoutingSettings
from handoff.slots import CUSTOMER_TIER, HANDOFF_REASON, HANDOFF_SIGNALS, LANGUAGE_SLOT
from handoff.store.unit_of_work import SqlUnitOfWork

DEFAULT_REASON = HandoffReason.LOW_CONFIDENCE
"""The reason of a handoff opened without a decision (no valid ``handoff_reason`` slot).

``low_confidence`` claims least: "the assistant could not answer with confidence" is true of
every handoff nobody decided on — above all the fallback's, when the action server is down and
``action_decide_handoff`` never ran. ``explicit_request`` would tell the agent, and analytics,
that the customer asked for a person when they may not have. A handoff the customer did ask
for has its reason already: ``action_decide_handoff`` sets it before the intake form runs.
"""


@dataclass(frozen=True)
class HandoffRequest:
    """What an entry point knows about the conversation it hands over (plain dicts).

    Attributes:
        conversation_id: the tracker's sender id.
        events: the tracker's events as dicts, oldest first.
        slots: the tracker's slot values (``handoff_reason``, ``handoff_signals``, intake,
            ``customer_tier`` when the project declares it).
        latest_message: the latest parsed customer message, ``metadata`` included.
        channel: the input channel the customer writes on.
        extra_signals: signals the entry point adds to the decision's (the fallback's
            ``action_server_unavailable``).
    """

    conversation_id: str
    events: Sequence[Mapping[str, Any]]
    slots: Mapping[str, Any]
    latest_message: Mapping[str, Any]
    channel: Optional[str] = None
    extra_signals: Sequence[Mapping[str, Any]] = ()

    @property
    def signals(self) -> List[Dict[str, Any]]:
        """The decision's signals (``handoff_signals`` slot) followed by ``extra_signals``."""
        recorded = self.slots.get(HANDOFF_SIGNALS) or []
        return [dict(item) for item in (*recorded, *self.extra_signals)]

    @property
    def metadata(self) -> Mapping[str, Any]:
        """The latest message's metadata (``customer_tier``, ``language``, ``timezone``).

        Without a ``language`` hint from the channel, its ``language`` is the ``language``
        slot: the language of the customer's words (:mod:`handoff.language`; the hint wins
        there too), so routing, the context package and the desk's texts agree with the
        responses the customer read.
        """
        metadata = dict(self.latest_message.get("metadata") or {})
        if not metadata.get("language") and self.slots.get(LANGUAGE_SLOT):
            metadata["language"] = self.slots[LANGUAGE_SLOT]
        return metadata

    @property
    def customer_name(self) -> Optional[str]:
        """The customer's display name, as their channel reported it; None if it never did.

        The latest message's ``customer_name`` metadata, else the newest one an earlier
        customer message carried (a channel may leave it out of some turns, and a name the
        customer changed since is the one they expect to be called by).
        """
        said = (e.get("metadata") for e in reversed(self.events) if e.get("event") == "user")
        for metadata in (self.metadata, *said):
            name = customer_display_name((metadata or {}).get(CUSTOMER_NAME_KEY))
            if name:
                return name
        return None

    @property
    def latest_intent(self) -> Optional[str]:
        """The NLU's intent of the latest message, if any."""
        intent = self.latest_message.get("intent") or {}
        name = intent.get("name") if isinstance(intent, Mapping) else None
        return str(name) if name else None


@dataclass(frozen=True)
class HandoffPlan:
    """:func:`plan_handoff`'s answer: the reason, topic, route and handling, why, the evidence.

    ``why`` reads as the agent's and the log's explanation (the reason's source, the topic's
    source, then the route's own ``why``); ``evidence`` holds the raw inputs they came from.
    """

    reason: HandoffReason
    topic: Optional[str]
    route: Route
    route_info: RouteInfo
    handling: HandlingDecision
    why: Tuple[str, ...] = ()
    evidence: Dict[str, Any] = field(default_factory=dict)


def handoff_reason(value: Any) -> Tuple[HandoffReason, str]:
    """Return the handoff's reason from the ``handoff_reason`` slot value, and why.

    Any value that is not a reason code (unset, misspelt) gives :data:`DEFAULT_REASON`.
    """
    try:
        return HandoffReason(value), f"reason {value} from the handoff_reason slot"
    except ValueError:
        return DEFAULT_REASON, f"no valid handoff_reason ({value!r}) → {DEFAULT_REASON.value}"


def handoff_topic(
    signals: Sequence[Mapping[str, Any]], latest_intent: Optional[str]
) -> Tuple[Optional[str], str]:
    """Return the topic routing maps to a team, and where it came from.

    The decision's topic (:func:`handoff.policy.handback.topic_of`: its ``topic`` signal,
    else the intent it fired on) — the same topic the desk offers by skill and the bot
    remembers on handback; without a decision, the latest message's intent (the turn that
    needed a person, when the action server could not decide).
    """
    decided = topic_of(signals)
    if decided is not None:
        return decided, f"topic {decided} from the decision's signals"
    if latest_intent:
        return latest_intent, f"topic {latest_intent} from the latest message's intent"
    return None, "no topic"


def customer_tier(
    slots: Mapping[str, Any], metadata: Mapping[str, Any]
) -> Tuple[Optional[str], str]:
    """Return the customer's tier (picks the desk queue), and where it came from.

    The ``customer_tier`` slot first: an action that looked the customer up (or the
    designer) knows better than what a channel or website claims in the message's
    ``customer_tier`` metadata, which is the fallback. Blank values count as unset; a project
    that does not declare the slot simply has none in ``slots``.
    """
    for value, source in (
        (slots.get(CUSTOMER_TIER), "the customer_tier slot"),
        (metadata.get(CUSTOMER_TIER), "the customer_tier metadata"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip(), f"tier {value.strip()} from {source}"
    return None, "no customer tier"


def guided_before(events: Sequence[Mapping[str, Any]], routing: RoutingSettings) -> Tuple[str, ...]:
    """Return the configured guided paths (forms or actions) the conversation already ran."""
    paths = {choice.path for choice in routing.handling.guided_paths().values()}
    ran = {
        event.get("name")
        for event in events
        if event.get("event") in ("action", "active_loop") and event.get("name") in paths
    }
    return tuple(sorted(str(name) for name in ran))


def plan_handoff(request: HandoffRequest, routing: RoutingSettings, now: datetime) -> HandoffPlan:
    """Decide the handoff's reason, topic, route and handling; pure.

    Args:
        request: the conversation, as the entry point adapted it.
        routing: the ``routing`` section of handoff.yml (read once per process, passed in).
        now: the time business hours are checked against, timezone-aware.
    """
    reason, reason_why = handoff_reason(request.slots.get(HANDOFF_REASON))
    signals = request.signals
    topic, topic_why = handoff_topic(signals, request.latest_intent)
    tier, tier_why = customer_tier(request.slots, request.metadata)
    route, info = plan_route(reason, topic, tier, request.metadata, routing, now)
    handling = choose_handling(
        reason, topic, tier, routing.handling, guided_before(request.events, routing)
    )
    info = info.copy(
        update={
            "why": [tier_why, *info.why, handling.why],  # the agent sees the tier's source
            "ticket": handling.kind is Handling.TICKET,
        }
    )
    return HandoffPlan(
        reason=reason,
        topic=topic,
        route=route,
        route_info=info,
        handling=handling,
        why=(reason_why, topic_why, tier_why, *route.why, handling.why),
        evidence={
            "handoff_reason": request.slots.get(HANDOFF_REASON),
            "customer_tier": request.slots.get(CUSTOMER_TIER),
            "signals": signals,
            "latest_intent": request.latest_intent,
            "metadata": dict(request.metadata),
            "handling": handling.evidence,
        },
    )


def build_package(request: HandoffRequest, plan: HandoffPlan, now: datetime) -> ContextPackage:
    """Return the context package of the planned handoff (what the agent reads first)."""
    return build_context_package(
        conversation_id=request.conversation_id,
        events=request.events,
        reason=plan.reason,
        signals=request.signals,
        slots=request.slots,
        latest_message=request.latest_message,
        channel=request.channel,
        customer_name=request.customer_name,
        now=now,
        route=plan.route_info,
    )


def open_package(
    uow: SqlUnitOfWork, package: ContextPackage, now: Optional[datetime] = None
) -> desk_service.OpenedHandoff:
    """Open the handoff of a context package through the desk service.

    The package's route gives the team, queue, priority and language; a route whose team is
    closed now, or whose handling is ``ticket`` (``RouteInfo.ticket``), opens a ticket. A
    package without a route (an HTTP client that does not route) goes to no team and no queue,
    priority 0, in the package's language. Idempotent per conversation
    (:func:`handoff.desk.service.open_handoff`).
    """
    route = package.route
    return desk_service.open_handoff(
        uow,
        conversation_id=package.conversation_id,
        reason=package.reason.value,
        context=package_to_json_dict(package),
        channel=package.channel,
        team=route.team if route else None,
        queue=route.queue if route else None,
        priority=route.priority if route else 0,
        ticket=bool(route and (route.ticket or not route.open)),
        language=route.language if route else package.language,
        now=now,
    )


@dataclass(frozen=True)
class Opening:
    """What :func:`open_handoff` did: the plan, the package it stored, the desk's answer."""

    plan: HandoffPlan
    package: ContextPackage
    opened: desk_service.OpenedHandoff


def open_handoff(
    uow: SqlUnitOfWork, request: HandoffRequest, routing: RoutingSettings, now: datetime
) -> Opening:
    """Plan the handoff, build its context package and open it in the store, at ``now``."""
    plan = plan_handoff(request, routing, now)
    package = build_package(request, plan, now)
    return Opening(plan, package, open_package(uow, package, now))
