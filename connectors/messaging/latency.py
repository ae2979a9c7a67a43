"""Each process's own figures: how long webhooks and bot turns take, and what the NLU read.

Per process by design: a webhook or a bot turn happens in exactly one replica, so each
replica counts its own, from its start (Prometheus tells the replicas apart by ``instance``;
``sum`` over them, histogram buckets add up). Every name starts with ``handoff_process_``; the
store's figures, the same on every replica, are ``handoff.analytics.metrics``.

- ``handoff_process_webhook_seconds{channel}``: a messaging webhook from its arrival to the
  answer (authentication, parsing, the inbox write; not the bot turn, which runs after it);
- ``handoff_process_bot_turn_seconds{channel}``: one customer message through Rasa (NLU,
  policies, actions, the replies queued), for turns the bot answers (not while a person has
  the conversation); its ``_count`` is the number of bot turns;
- ``handoff_process_out_of_scope_turns_total{channel}`` and
  ``handoff_process_low_confidence_turns_total{channel}``: bot turns whose intent means "no
  answer in the bot" (``low_confidence.unanswered_intents``) or whose NLU was unsure
  (``handoff.policy.confidence.nlu_unsure``: the rule the offer of a person uses), read from
  the turn's user event in the tracker once the turn has ended.

Built once per process by the composition root (``connectors.services``) on its private
``CollectorRegistry``; importing this module creates nothing.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any, Awaitable, Callable, Optional, TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram
from rasa.shared.core.events import UserUttered

from handoff.policy.confidence import nlu_unsure, unanswered
from handoff.settings.policy import PolicySettings

logger = logging.getLogger(__name__)

WEBHOOK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds: a webhook answers after one store transaction, well under a second."""

TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0)
"""Seconds: a bot turn runs the NLU, the policies and possibly several custom actions."""

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


class ChannelMetrics:
    """The per-process histograms and counters of the messaging channels.

    Args:
        registry: the process's private registry (``/webhooks/agent_desk/metrics`` serves it).
        policy: handoff.yml's ``policy`` section (what counts as unsure or unanswered).
    """

    def __init__(self, registry: CollectorRegistry, policy: PolicySettings) -> None:
        self._policy = policy
        self.webhook_seconds = Histogram(
            "handoff_process_webhook_seconds",
            "Messaging webhook handling time, arrival to answer (this process).",
            ["channel"],
            buckets=WEBHOOK_BUCKETS,
            registry=registry,
        )
        self.bot_turn_seconds = Histogram(
            "handoff_process_bot_turn_seconds",
            "Bot turns: one customer message through Rasa until its replies are queued "
            "(this process).",
            ["channel"],
            buckets=TURN_BUCKETS,
            registry=registry,
        )
        self.out_of_scope = Counter(
            "handoff_process_out_of_scope_turns",
            "Bot turns whose intent has no answer in the bot (unanswered_intents; this process).",
            ["channel"],
            registry=registry,
        )
        self.low_confidence = Counter(
            "handoff_process_low_confidence_turns",
            "Bot turns the NLU was unsure of (bot_uncertainty, fallback; this process).",
            ["channel"],
            registry=registry,
        )

    def timed_webhook(self, channel: str) -> Callable[[Handler], Handler]:
        """Decorate a Sanic webhook handler: observe how long each call takes, errors too."""
        histogram = self.webhook_seconds.labels(channel=channel)

        def decorate(handler: Handler) -> Handler:
            @functools.wraps(handler)
            async def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await handler(*args, **kwargs)
                finally:
                    histogram.observe(time.perf_counter() - started)

            return timed  # type: ignore[return-value]

        return decorate

    def bot_turn(self, channel: str) -> BotTurn:
        """Start timing a bot turn now; call ``done`` on the result when Rasa has run it."""
        return BotTurn(self, channel)

    def count_reading(self, channel: str, event: Optional[UserUttered]) -> None:
        """Count the turn's NLU reading (its user event) as out of scope and/or unsure."""
        if event is None:
            return
        intent = (event.intent or {}).get("name")
        uncertainty = (event.parse_data or {}).get("bot_uncertainty")
        if unanswered(intent, self._policy):
            self.out_of_scope.labels(channel=channel).inc()
        if nlu_unsure(intent, uncertainty, self._policy):
            self.low_confidence.labels(channel=channel).inc()


class BotTurn:
    """One bot turn being timed (see :meth:`ChannelMetrics.bot_turn`)."""

    def __init__(self, metrics: ChannelMetrics, channel: str) -> None:
        self._metrics = metrics
        self._channel = channel
        self._started = time.perf_counter()

    async def done(self, agent: Any, conversation_id: str, message_id: str) -> None:
        """Observe the turn's duration, then count its NLU reading from the tracker.

        The reading costs one tracker read after the turn (Rasa hands its parse to no
        channel). A tracker that cannot be read leaves the turn timed but not read: metrics
        never fail a turn.
        """
        self._metrics.bot_turn_seconds.labels(channel=self._channel).observe(
            time.perf_counter() - self._started
        )
        try:
            tracker = await agent.tracker_store.retrieve(conversation_id)
        except Exception as problem:  # the tracker store is down: the turn itself is done
            logger.warning("metrics: no NLU reading of a turn (%s)", type(problem).__name__)
            return
        events = tracker.events if tracker is not None else []
        self._metrics.count_reading(self._channel, _user_event(events, message_id))


def _user_event(events: Any, message_id: str) -> Optional[UserUttered]:
    for event in reversed(events):
        if isinstance(event, UserUttered) and event.message_id == message_id:
            return event
    return None
