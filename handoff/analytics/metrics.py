"""The store's figures for Prometheus: read from the handoff store when Prometheus scrapes.

Why at scrape time and not counted in memory: with several Rasa replicas, a counter in a
replica's memory knows only the webhooks and desk calls that reached that replica, and starts
again from zero when it restarts. Handoffs, queues, the inbox and the outbox live in the one
shared store, so :class:`StoreCollector` reads them there on every scrape: every replica
reports the same values (take ``max`` over the replicas in PromQL, never ``sum``), and a
restart loses nothing. What only a process can see (how long its webhooks and bot turns took)
is in ``connectors.messaging.latency``, named ``handoff_process_*``.

The figures (``docs/metrics.md`` has the PromQL):

- counters: handoffs opened (by reason and channel) and finished (by reason, channel and
  outcome: resolved, handed_back, closed), the assistant's decisions (``decisions`` table: by
  decision — offer, offer_declined, offer_accepted, handoff, ticket, guided, self_service — and
  channel);
- gauges: the live queue's length and its oldest wait per team, inbox rows not processed yet
  (per channel account), outbox rows pending or failed (per channel);
- histograms: time to pick-up (``claimed_at - created_at`` of live handoffs; tickets wait for
  office hours, not for an agent) and handling time (``closed_at - claimed_at``).

Counters count rows, so a retention purge (``handoff.privacy.retention``), which deletes
finished handoffs and decisions older than ``retention.days``, lowers them; Prometheus reads
that as a counter reset (see docs/metrics.md). Framework-free: SQLAlchemy and
``prometheus_client`` only, ``select()`` on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import logging
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Sequence, Tuple

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from handoff.reasons import CUSTOMER_CANCELLED
from handoff.store.channel_models import InboundDelivery, OutboundMessage, OutboundStatus
from handoff.store.desk_models import Decision, Team
from handoff.store.models import Handoff, HandoffStatus, utc_now

logger = logging.getLogger(__name__)

PICKUP_BUCKETS: Tuple[float, ...] = (5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 86400)
"""Seconds from a live handoff's opening to an agent's claim (chat-scale waits up to a day)."""

HANDLING_BUCKETS: Tuple[float, ...] = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 86400)
"""Seconds an agent had a conversation, from the claim to the close or the hand-back."""

UNKNOWN = "unknown"
"""Label value for a handoff or decision that names no channel."""

NO_TEAM = "none"
"""Label value for handoffs that routing put in no team (no ``routing.teams``)."""

FINISHED = (HandoffStatus.RESOLVED, HandoffStatus.HANDED_BACK, HandoffStatus.CLOSED)
"""A finished handoff's status is its outcome; it never changes afterwards."""

FINISHED_OUTCOME = case(
    (
        and_(Handoff.status == HandoffStatus.CLOSED, Handoff.outcome == CUSTOMER_CANCELLED),
        CUSTOMER_CANCELLED,
    ),
    else_=Handoff.status,
)
"""The ``outcome`` label: the status, except ``cancelled`` for a customer's "never mind"."""

COUNTED_OUTBOX = (OutboundStatus.PENDING, OutboundStatus.FAILED)


@dataclass(frozen=True)
class Durations:
    """The observations of one histogram, as Prometheus exposes them.

    ``cumulative[i]`` counts the observations at or below ``bounds[i]`` (Prometheus' ``le``);
    ``count`` is every observation (the ``+Inf`` bucket), ``total`` their sum in seconds.
    """

    bounds: Tuple[float, ...]
    cumulative: Tuple[int, ...]
    count: int
    total: float

    @classmethod
    def of(cls, seconds: Iterable[float], bounds: Sequence[float]) -> Durations:
        """Bucket ``seconds`` (negative ones — clock skew between replicas — count as 0)."""
        per_bucket = [0] * (len(bounds) + 1)
        count, total = 0, 0.0
        for value in seconds:
            value = max(0.0, value)
            per_bucket[bisect_left(bounds, value)] += 1
            count, total = count + 1, total + value
        cumulative, running = [], 0
        for observed in per_bucket[:-1]:
            running += observed
            cumulative.append(running)
        return cls(tuple(bounds), tuple(cumulative), count, total)


@dataclass(frozen=True)
class StoreFigures:
    """What the store says at one moment; the keys are the metrics' label values."""

    opened: Dict[Tuple[str, str], int] = field(default_factory=dict)  # (reason, channel)
    finished: Dict[Tuple[str, str, str], int] = field(default_factory=dict)  # + outcome
    queue_length: Dict[str, int] = field(default_factory=dict)  # team
    oldest_wait: Dict[str, float] = field(default_factory=dict)  # team, seconds
    time_to_pickup: Durations = field(default_factory=lambda: Durations.of([], PICKUP_BUCKETS))
    handling_time: Durations = field(default_factory=lambda: Durations.of([], HANDLING_BUCKETS))
    inbox_unprocessed: Dict[str, int] = field(default_factory=dict)  # channel account
    outbox: Dict[Tuple[str, str], int] = field(default_factory=dict)  # (channel, status)
    decisions: Dict[Tuple[str, str], int] = field(default_factory=dict)  # (decision, channel)


def read_store_figures(session: Session, now: datetime) -> StoreFigures:
    """Read every store figure in one session (nothing is written).

    Counts are grouped in SQL; the two histograms read only the two timestamps of each
    handoff that has them (the retention purge bounds how many there are). Every team of the
    ``teams`` table is in the queue figures, with 0 when nobody waits, so a dashboard shows
    an empty queue rather than no data.
    """
    teams = {name: 0 for name in session.execute(select(Team.name)).scalars()}
    queue_length, oldest_wait = dict(teams), {name: 0.0 for name in teams}
    waiting = (
        select(Handoff.team, func.count(), func.min(Handoff.created_at))
        .where(Handoff.status == HandoffStatus.QUEUED)
        .group_by(Handoff.team)
    )
    for team, count, oldest in session.execute(waiting):
        queue_length[team or NO_TEAM] = count
        oldest_wait[team or NO_TEAM] = max(0.0, (now - oldest).total_seconds())
    return StoreFigures(
        opened=_counts(session, Handoff.reason, Handoff.channel),
        finished=_counts(
            session,
            Handoff.reason,
            Handoff.channel,
            FINISHED_OUTCOME,
            where=Handoff.status.in_(FINISHED),
        ),
        queue_length=queue_length,
        oldest_wait=oldest_wait,
        time_to_pickup=_durations(
            session,
            Handoff.created_at,
            Handoff.claimed_at,
            Handoff.opened_as_ticket.is_(False),
            bounds=PICKUP_BUCKETS,
        ),
        handling_time=_durations(
            session,
            Handoff.claimed_at,
            Handoff.closed_at,
            Handoff.status.in_(FINISHED),
            bounds=HANDLING_BUCKETS,
        ),
        inbox_unprocessed={
            account: count
            for (account,), count in _counts(
                session, InboundDelivery.account, where=InboundDelivery.processed_at.is_(None)
            ).items()
        },
        outbox=_counts(
            session,
            OutboundMessage.channel,
            OutboundMessage.status,
            where=OutboundMessage.status.in_(COUNTED_OUTBOX),
        ),
        decisions=_counts(session, Decision.decision, Decision.channel),
    )


def _counts(session: Session, *columns: Any, where: Any = None) -> Dict[tuple, int]:
    """Return ``{label values: row count}`` grouped by ``columns``; None reads ``unknown``."""
    query = select(*columns, func.count()).group_by(*columns)
    if where is not None:
        query = query.where(where)
    counts: Dict[tuple, int] = {}
    for row in session.execute(query):
        key = tuple(_label(value) for value in row[:-1])
        counts[key] = counts.get(key, 0) + row[-1]
    return counts


def _label(value: object) -> str:
    if value is None:
        return UNKNOWN
    return str(getattr(value, "value", value))


def _durations(
    session: Session, start: Any, end: Any, *where: Any, bounds: Sequence[float]
) -> Durations:
    query = select(start, end).where(start.isnot(None), end.isnot(None), *where)
    return Durations.of(
        ((finish - begin).total_seconds() for begin, finish in session.execute(query)), bounds
    )


class StoreCollector(Collector):
    """A ``prometheus_client`` collector that reads :class:`StoreFigures` on every scrape.

    Args:
        sessions: the handoff store's session factory (the desk's store).
        clock: returns the current aware UTC time (the oldest wait is measured against it).

    A store that cannot be read does not fail the scrape: the process's own metrics are still
    served, ``handoff_store_up`` is 0 and the store's figures are absent for that scrape (an
    absent series reads as "no data", which a 0 would hide).
    """

    def __init__(self, sessions: sessionmaker, clock: Callable[[], datetime] = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    def describe(self) -> Iterable[Metric]:
        """Name the metrics without reading the store (the registry checks for clashes)."""
        return [*_families(StoreFigures()), *_health(up=True, seconds=0.0)]

    def collect(self) -> Iterable[Metric]:
        """Read the store now and return its figures (called in the scrape's thread)."""
        started = time.perf_counter()
        try:
            with self._sessions() as session:
                figures = read_store_figures(session, self._clock())
        except SQLAlchemyError as problem:
            logger.warning("metrics: the handoff store could not be read: %s", problem)
            return list(_health(up=False, seconds=time.perf_counter() - started))
        return [*_families(figures), *_health(up=True, seconds=time.perf_counter() - started)]


def _families(figures: StoreFigures) -> Iterator[Metric]:
    yield _counter(
        "handoff_handoffs_opened",
        "Handoffs opened, live or as a ticket (store-wide: the same on every replica).",
        ["reason", "channel"],
        figures.opened,
    )
    yield _counter(
        "handoff_handoffs_finished",
        "Handoffs finished, by outcome: resolved, handed_back, closed, cancelled (store-wide).",
        ["reason", "channel", "outcome"],
        figures.finished,
    )
    yield _counter(
        "handoff_decisions",
        "The assistant's decisions about a person: offer, offer_declined, offer_accepted, "
        "handoff, ticket, guided, self_service (store-wide).",
        ["decision", "channel"],
        figures.decisions,
    )
    yield _gauge(
        "handoff_queue_length",
        "Live handoffs waiting for an agent, per team (store-wide).",
        ["team"],
        {(team,): count for team, count in figures.queue_length.items()},
    )
    yield _gauge(
        "handoff_queue_oldest_wait_seconds",
        "How long the oldest waiting live handoff has waited, per team; 0 when none waits "
        "(store-wide).",
        ["team"],
        {(team,): seconds for team, seconds in figures.oldest_wait.items()},
    )
    yield _gauge(
        "handoff_inbox_unprocessed",
        "Accepted webhook deliveries not processed yet, per channel account (store-wide).",
        ["account"],
        {(account,): count for account, count in figures.inbox_unprocessed.items()},
    )
    yield _gauge(
        "handoff_outbox_messages",
        "Messages to customers not sent: pending (waiting for an attempt) or failed (given "
        "up), per channel (store-wide).",
        ["channel", "status"],
        figures.outbox,
    )
    yield _histogram(
        "handoff_time_to_pickup_seconds",
        "From a live handoff's opening to an agent's claim (store-wide).",
        figures.time_to_pickup,
    )
    yield _histogram(
        "handoff_handling_seconds",
        "From an agent's claim to the close or hand-back of a finished handoff (store-wide).",
        figures.handling_time,
    )


def _health(up: bool, seconds: float) -> List[Metric]:
    return [
        GaugeMetricFamily(
            "handoff_store_up", "1 when this scrape could read the handoff store.", int(up)
        ),
        GaugeMetricFamily(
            "handoff_store_read_seconds", "How long reading the store's figures took.", seconds
        ),
    ]


def _counter(
    name: str, documentation: str, labels: List[str], values: Mapping[tuple, float]
) -> Metric:
    family = CounterMetricFamily(name, documentation, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(list(key), value)
    return family


def _gauge(
    name: str, documentation: str, labels: List[str], values: Mapping[tuple, float]
) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(list(key), value)
    return family


def _histogram(name: str, documentation: str, durations: Durations) -> Metric:
    buckets = [
        (_le(bound), float(n))
        for bound, n in zip(durations.bounds, durations.cumulative, strict=True)
    ]
    return HistogramMetricFamily(
        name,
        documentation,
        buckets=[*buckets, ("+Inf", float(durations.count))],
        sum_value=durations.total,
    )


def _le(bound: float) -> str:
    """Format a bucket bound as prometheus_client formats its own (``60.0``)."""
    return repr(float(bound))
