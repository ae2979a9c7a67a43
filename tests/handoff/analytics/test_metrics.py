"""The store collector on a real handoff store (SQLite file and PostgreSQL schema).

The handoffs go through the desk's own rules (open, claim, hand back, close) with fixed
times, so every figure below is known exactly; the collector is read the way Prometheus
reads it, through a private ``CollectorRegistry`` and the text exposition.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import sessionmaker

from handoff.analytics.metrics import (
    HANDLING_BUCKETS,
    PICKUP_BUCKETS,
    Durations,
    StoreCollector,
)
from handoff.desk import service
from handoff.reasons import HandbackOutcome
from handoff.store import (
    Decision,
    InboundDelivery,
    OutboundMessage,
    OutboundStatus,
    SqlUnitOfWork,
)
from tests.handoff.desk_people import add_agent, add_team

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(hours=1)


def _open(uow, conversation: str, reason: str, minutes: float, team="billing", **kw):
    return service.open_handoff(
        uow,
        conversation_id=conversation,
        reason=reason,
        context={},
        channel=kw.pop("channel", "telegram"),
        team=team,
        now=T0 + timedelta(minutes=minutes),
        **kw,
    ).handoff_id


@pytest.fixture
def store(sessions: sessionmaker) -> sessionmaker:
    """Two teams; four live handoffs, one ticket; decisions, inbox and outbox rows."""
    with SqlUnitOfWork(sessions) as uow:
        add_team(uow, "billing")
        add_team(uow, "orders")
        anna = add_agent(uow, "anna", ["billing"], now=T0 + timedelta(minutes=30))
        handed = _open(uow, "telegram:1", "explicit_request", 0)
        closed = _open(uow, "telegram:2", "frustration", 1)
        _open(uow, "whatsapp:3", "explicit_request", 10, channel="whatsapp")
        _open(uow, "rest-4", "sensitive_topic", 20, channel=None)
        _open(uow, "telegram:5", "high_value", 5, team="orders", ticket=True)
        service.claim(uow, anna, handed, now=T0 + timedelta(seconds=40))  # waited 40 s
        service.claim(uow, anna, closed, now=T0 + timedelta(minutes=1, seconds=100))  # 100 s
        service.hand_back(
            uow, handed, now=T0 + timedelta(seconds=340), outcome=HandbackOutcome.RESOLVED
        )  # handled 300 s
        service.close(uow, anna, closed, now=T0 + timedelta(minutes=1, seconds=1000))  # 900 s
        for kind, channel in [("offer", "telegram"), ("offer", "telegram"),
                              ("offer_declined", "telegram"), ("handoff", None)]:  # fmt: skip
            uow.decisions.add(
                Decision(conversation_id="c", decision=kind, channel=channel, signals=[], at=T0)
            )
        uow.commit()
    with sessions() as session:
        for n, processed in enumerate([None, None, T0]):
            session.add(
                InboundDelivery(
                    account="telegram:42",
                    delivery_key=str(n),
                    conversation_id="c",
                    payload={},
                    processed_at=processed,
                )  # fmt: skip
            )
        for status in (OutboundStatus.PENDING, OutboundStatus.FAILED, OutboundStatus.FAILED,
                       OutboundStatus.SENT):  # fmt: skip
            session.add(
                OutboundMessage(channel="telegram", conversation_id="c", request={}, status=status)
            )
        session.commit()
    return sessions


def _scrape(sessions: sessionmaker) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(StoreCollector(sessions, clock=lambda: NOW))
    return registry


def test_counters_count_the_stores_rows(store):
    value = _scrape(store).get_sample_value
    assert value("handoff_handoffs_opened_total", {"reason": "explicit_request",
                                                   "channel": "telegram"}) == 1  # fmt: skip
    assert value("handoff_handoffs_opened_total", {"reason": "explicit_request",
                                                   "channel": "whatsapp"}) == 1  # fmt: skip
    assert value("handoff_handoffs_opened_total", {"reason": "sensitive_topic",
                                                   "channel": "unknown"}) == 1  # fmt: skip
    assert value("handoff_handoffs_opened_total", {"reason": "high_value",
                                                   "channel": "telegram"}) == 1  # fmt: skip
    finished = {
        (sample.labels["reason"], sample.labels["outcome"]): sample.value
        for family in _scrape(store).collect()
        if family.name == "handoff_handoffs_finished"
        for sample in family.samples
    }
    assert finished == {("explicit_request", "handed_back"): 1, ("frustration", "resolved"): 1}
    assert value("handoff_decisions_total", {"decision": "offer", "channel": "telegram"}) == 2
    assert value("handoff_decisions_total", {"decision": "offer_declined",
                                             "channel": "telegram"}) == 1  # fmt: skip
    assert value("handoff_decisions_total", {"decision": "handoff", "channel": "unknown"}) == 1


def test_queue_gauges_per_team_include_empty_teams(store):
    value = _scrape(store).get_sample_value
    assert value("handoff_queue_length", {"team": "billing"}) == 2  # whatsapp:3 and rest-4
    assert value("handoff_queue_oldest_wait_seconds", {"team": "billing"}) == 50 * 60
    assert value("handoff_queue_length", {"team": "orders"}) == 0  # a ticket is not queued
    assert value("handoff_queue_oldest_wait_seconds", {"team": "orders"}) == 0


def test_histograms_bucket_pickup_and_handling_times(store):
    value = _scrape(store).get_sample_value
    assert value("handoff_time_to_pickup_seconds_count") == 2
    assert value("handoff_time_to_pickup_seconds_sum") == 140
    assert value("handoff_time_to_pickup_seconds_bucket", {"le": "30.0"}) == 0
    assert value("handoff_time_to_pickup_seconds_bucket", {"le": "60.0"}) == 1
    assert value("handoff_time_to_pickup_seconds_bucket", {"le": "120.0"}) == 2
    assert value("handoff_time_to_pickup_seconds_bucket", {"le": "+Inf"}) == 2
    assert value("handoff_handling_seconds_count") == 2
    assert value("handoff_handling_seconds_sum") == 1200
    assert value("handoff_handling_seconds_bucket", {"le": "300.0"}) == 1
    assert value("handoff_handling_seconds_bucket", {"le": "600.0"}) == 1
    assert value("handoff_handling_seconds_bucket", {"le": "900.0"}) == 2


def test_inbox_and_outbox_backlogs(store):
    value = _scrape(store).get_sample_value
    assert value("handoff_inbox_unprocessed", {"account": "telegram:42"}) == 2
    assert value("handoff_outbox_messages", {"channel": "telegram", "status": "pending"}) == 1
    assert value("handoff_outbox_messages", {"channel": "telegram", "status": "failed"}) == 2
    assert value("handoff_outbox_messages", {"channel": "telegram", "status": "sent"}) is None
    assert value("handoff_store_up") == 1


def test_the_text_format_parses_and_two_collectors_agree(store):
    """Two replicas' collectors over one store expose the same store truth."""
    first, second = generate_latest(_scrape(store)), generate_latest(_scrape(store))
    strip = [line for line in first.decode().splitlines() if "read_seconds" not in line]
    assert strip == [line for line in second.decode().splitlines() if "read_seconds" not in line]
    names = {family.name for family in text_string_to_metric_families(first.decode())}
    assert {"handoff_handoffs_opened", "handoff_queue_length",
            "handoff_time_to_pickup_seconds"} <= names  # fmt: skip


def test_an_unreadable_store_reports_down_without_failing_the_scrape(tmp_path):
    from handoff.store import create_store_engine, session_factory

    engine = create_store_engine(f"sqlite:///{tmp_path}/never-migrated.db")
    registry = _scrape(session_factory(engine))
    assert registry.get_sample_value("handoff_store_up") == 0
    assert registry.get_sample_value("handoff_queue_length", {"team": "billing"}) is None
    engine.dispose()


@pytest.mark.parametrize(
    "seconds, bounds, cumulative, count, total",
    [
        ([], (1, 2), (0, 0), 0, 0.0),
        ([1, 1.5, 2, 3], (1, 2), (1, 3), 4, 7.5),  # a bound is inclusive (Prometheus' le)
        ([-2], (1, 2), (1, 1), 1, 0.0),  # clock skew between replicas reads as no wait
    ],
)
def test_durations_are_cumulative(seconds, bounds, cumulative, count, total):
    assert Durations.of(seconds, bounds) == Durations(bounds, cumulative, count, total)


def test_bucket_bounds_increase():
    for bounds in (PICKUP_BUCKETS, HANDLING_BUCKETS):
        assert list(bounds) == sorted(set(bounds))


def test_a_customers_never_mind_is_counted_as_cancelled_not_closed(sessions):
    from handoff.desk.queue_sweep import cancel_by_customer

    with SqlUnitOfWork(sessions) as uow:
        add_team(uow, "billing")
        cancelled = _open(uow, "telegram:1", "explicit_request", 0)
        cancel_by_customer(uow, cancelled, now=T0 + timedelta(minutes=2))
    value = _scrape(sessions).get_sample_value
    labels = {"reason": "explicit_request", "channel": "telegram"}
    assert value("handoff_handoffs_finished_total", {**labels, "outcome": "cancelled"}) == 1
    assert value("handoff_handoffs_finished_total", {**labels, "outcome": "closed"}) is None
