"""``action_handoff``: hand the conversation to the agent desk and pause the bot."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.decision_log import report_decision
from actions.settings import handoff_settings
from handoff import slots
from handoff.clients.desk_api import (
    DEFAULT_DESK_URL,
    DESK_TOKEN_ENV,
    DESK_URL_ENV,
    DeskClient,
    DeskUnavailable,
)
from handoff.context import ContextPackage
from handoff.desk.opening import HandoffPlan, HandoffRequest, build_package, plan_handoff
from handoff.desk.waiting import describe_wait
from handoff.routing.handling import Handling

logger = logging.getLogger(__name__)


class ActionHandoff(Action):
    """Submit the context package to the agent desk, tell the customer, pause the bot.

    Contract: on success the tracker gets ``handoff_id`` and ``ConversationPaused`` — from then
    on the bot sends nothing until the desk hands the conversation back. If the desk cannot
    take it, the customer is told where to reach a person (``handoff.yml`` ``self_service``)
    and the bot stays active: nobody is left waiting for an agent who will never come.

    The reason, topic and route are planned by :func:`handoff.desk.opening.plan_handoff`, as
    for every other way a handoff opens: the ``handoff_reason`` slot (``low_confidence``
    without one), the decision's topic, and routing (``handoff.yml`` ``routing:``) by reason,
    topic, the customer's tier and language (message metadata ``customer_tier``,
    ``language``, ``timezone``). Outside that team's business hours the desk stores the handoff
    as a ticket, the customer hears when the team is back (a concrete local time) and gets the
    reference, and the bot stays active.

    The handling (``handoff.yml`` ``routing.handling``, planned with the route) can make it a
    ticket while the team is there (the customer hears ``utter_handoff_ticket_opened``), or a
    guided self-service path: no desk handoff, the bot says the path's intro response and runs
    its form or action next (``FollowupAction``), with no ``handoff_id`` and the bot active. A
    guided path missing from the domain is logged and served as a live chat instead.

    Environment: ``DESK_URL`` (default ``http://localhost:5005/webhooks/agent_desk``) and
    ``DESK_API_TOKEN``.
    """

    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(timezone.utc))
    """The time routing checks business hours against (tests set it)."""

    def name(self) -> str:
        """Return the action's name, as listed in domain.yml."""
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """Hand over (pause), start a guided path, or fall back to self-service."""
        settings = handoff_settings()
        request = self.handoff_request(tracker)
        now = self.clock()
        plan = plan_handoff(request, settings.routing, now)
        if plan.handling.kind is Handling.GUIDED and self._runnable(plan, domain):
            return await self._guide(dispatcher, tracker, plan)
        package = build_package(request, plan, now)
        route, route_info = plan.route, plan.route_info
        client = DeskClient(
            os.environ.get(DESK_URL_ENV, DEFAULT_DESK_URL),
            os.environ.get(DESK_TOKEN_ENV, ""),
            timeout=settings.desk.timeout_seconds,
        )
        try:
            queued = await client.open_handoff(package)
        except DeskUnavailable as error:
            logger.warning("Handoff (%s) not accepted by the agent desk: %s", package.reason, error)
            dispatcher.utter_message(
                response="utter_handoff_unavailable",
                contact=route.contact or settings.self_service.contact,
            )
            await self._record(client, package, tracker, "self_service")
            return [SlotSet(slots.HANDOFF_ID, None)]
        if queued.status == "ticket":
            reference = queued.handoff_id[:8].upper()
            if route_info.back_at:  # the team is closed and we know when it is back
                dispatcher.utter_message(
                    response="utter_handoff_ticket",
                    team=route.team,
                    back_at=route_info.back_at,
                    reference=reference,
                )
            else:  # a ticket by routing.handling, or a team with no opening in sight
                dispatcher.utter_message(
                    response="utter_handoff_ticket_opened", team=route.team, reference=reference
                )
            await self._record(client, package, tracker, "ticket")
            return [SlotSet(slots.HANDOFF_ID, queued.handoff_id)]
        dispatcher.utter_message(
            response="utter_handoff_queued" if queued.created else "utter_handoff_already_queued",
            queue_position=queued.queue_position or 1,
            expected_wait=describe_wait(queued.expected_wait_seconds, route.language),
        )
        if queued.created:
            await self._record(client, package, tracker, "handoff")
        return [SlotSet(slots.HANDOFF_ID, queued.handoff_id), ConversationPaused()]

    @staticmethod
    def _runnable(plan: HandoffPlan, domain: Dict[str, Any]) -> bool:
        """Whether the guided path's form or action is in the domain (else: a live chat)."""
        path = plan.handling.choice.path
        if path in (domain.get("forms") or {}) or path in (domain.get("actions") or []):
            return True
        logger.error(
            "Guided path %r (handoff.yml routing.handling) is not a form or action in the "
            "domain; handing over instead",
            path,
        )
        return False

    async def _guide(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, plan: HandoffPlan
    ) -> List[Dict[str, Any]]:
        """Start the guided path instead of a handoff: intro, then its form or action."""
        choice = plan.handling.choice
        if choice.intro:
            dispatcher.utter_message(response=choice.intro)
        signals = list(tracker.get_slot(slots.HANDOFF_SIGNALS) or [])
        signals.append({"name": "guided_path", "value": choice.path})
        await report_decision(tracker, "guided", plan.reason.value, signals, team=None)
        return [SlotSet(slots.HANDOFF_ID, None), FollowupAction(str(choice.path))]

    @staticmethod
    def handoff_request(tracker: Tracker) -> HandoffRequest:
        """Adapt rasa_sdk's tracker to the opening use case (:mod:`handoff.desk.opening`).

        The customer's message metadata (``language``, ``customer_tier``, ``timezone``) is
        read from the latest ``user`` event: Rasa 3.6 keeps it there, not in the parse data
        it sends as ``latest_message`` — the same metadata the fallback reads from Rasa's
        tracker.
        """
        latest = dict(tracker.latest_message or {})
        if not latest.get("metadata"):
            said: Dict[str, Any] = next(
                (e for e in reversed(tracker.events) if e.get("event") == "user"), {}
            )
            latest["metadata"] = said.get("metadata") or {}
        return HandoffRequest(
            conversation_id=tracker.sender_id,
            events=tracker.events,
            slots=tracker.current_slot_values(),
            latest_message=latest,
            channel=tracker.get_latest_input_channel(),
        )

    @staticmethod
    async def _record(
        client: DeskClient, package: ContextPackage, tracker: Tracker, decision: str
    ) -> None:
        """Report the decision for analytics (see :mod:`actions.decision_log`)."""
        await report_decision(
            tracker,
            decision,
            package.reason.value,
            tracker.get_slot(slots.HANDOFF_SIGNALS) or [],
            team=package.route.team if package.route else None,
            client=client,
        )
