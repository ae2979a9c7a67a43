"""The per-process figures: webhook and bot-turn timing, the turns' NLU readings counted.

Real Rasa events and Rasa's own in-memory tracker store; the registry is read the way
Prometheus reads it. Each test builds its own private registry, as the composition root does.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Optional

import pytest
from prometheus_client import REGISTRY, CollectorRegistry
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from connectors.messaging.latency import ChannelMetrics
from connectors.services import ServerServices
from handoff.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def settings():
    return load_settings(ROOT / "handoff.yml")


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry, settings) -> ChannelMetrics:
    return ChannelMetrics(registry, settings.policy)


def _count(registry: CollectorRegistry, name: str, channel: str = "telegram") -> float:
    return registry.get_sample_value(name, {"channel": channel}) or 0.0


def _user(intent: str, message_id: str = "m1", uncertainty: Optional[Dict[str, Any]] = None):
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": []}
    if uncertainty is not None:
        parse["bot_uncertainty"] = uncertainty
    return UserUttered("words", parse["intent"], [], parse, message_id=message_id)


def test_a_webhook_is_timed_also_when_it_fails(metrics, registry):
    @metrics.timed_webhook("telegram")
    async def answer(request: Any) -> str:
        if request == "bad":
            raise RuntimeError("boom")
        await asyncio.sleep(0.02)
        return "ok"

    assert asyncio.run(answer("good")) == "ok"
    with pytest.raises(RuntimeError):
        asyncio.run(answer("bad"))
    assert _count(registry, "handoff_process_webhook_seconds_count") == 2
    assert _count(registry, "handoff_process_webhook_seconds_sum") >= 0.02
    assert _count(registry, "handoff_process_webhook_seconds_count", "whatsapp") == 0


@pytest.mark.parametrize(
    "event, out_of_scope, low_confidence",
    [
        (_user("order_status"), 0, 0),
        (_user("order_status", uncertainty={"score": 0.2}), 0, 0),
        (_user("out_of_scope"), 1, 0),  # handoff.yml: unanswered_intents [out_of_scope]
        (_user("order_status", uncertainty={"score": 0.6}), 0, 1),  # at offer_threshold
        (_user("nlu_fallback", uncertainty={"score": 0.9, "fallback": True}), 0, 1),
        (_user("out_of_scope", uncertainty={"score": 0.75}), 1, 1),
        (None, 0, 0),  # the turn is not in the tracker
    ],
)
def test_a_turns_reading_is_counted(metrics, registry, event, out_of_scope, low_confidence):
    metrics.count_reading("telegram", event)
    assert _count(registry, "handoff_process_out_of_scope_turns_total") == out_of_scope
    assert _count(registry, "handoff_process_low_confidence_turns_total") == low_confidence


def test_a_bot_turn_is_timed_and_read_from_the_tracker(metrics, registry):
    store = InMemoryTrackerStore(Domain.empty())
    tracker = DialogueStateTracker.from_events(
        "telegram:7", [_user("out_of_scope", "telegram:42:1"), _user("greet", "telegram:42:2")]
    )
    asyncio.run(store.save(tracker))
    agent = SimpleNamespace(tracker_store=store)

    async def turn() -> None:
        timed = metrics.bot_turn("telegram")
        time.sleep(0.05)  # not asyncio.sleep: the loop's timer may wake a hair early
        await timed.done(agent, "telegram:7", "telegram:42:1")

    asyncio.run(turn())
    assert _count(registry, "handoff_process_bot_turn_seconds_count") == 1
    assert _count(registry, "handoff_process_bot_turn_seconds_sum") >= 0.05
    assert _count(registry, "handoff_process_out_of_scope_turns_total") == 1


def test_a_tracker_store_that_fails_leaves_the_turn_timed(metrics, registry):
    class Down:
        async def retrieve(self, conversation_id: str) -> None:
            raise ConnectionError("tracker store down")

    async def turn() -> None:
        await metrics.bot_turn("whatsapp").done(SimpleNamespace(tracker_store=Down()), "c", "m")

    asyncio.run(turn())
    assert _count(registry, "handoff_process_bot_turn_seconds_count", "whatsapp") == 1


def test_every_process_has_a_private_registry(settings):
    """Two compositions never share figures, and nothing lands in the global registry."""
    first, second = ServerServices(settings), ServerServices(settings)
    first.channel_metrics.out_of_scope.labels(channel="telegram").inc()
    assert first.metrics is not second.metrics
    assert _count(second.metrics, "handoff_process_out_of_scope_turns_total") == 0
    assert REGISTRY.get_sample_value("handoff_process_out_of_scope_turns_total",
                                     {"channel": "telegram"}) is None  # fmt: skip
