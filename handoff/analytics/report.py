"""The handoff report: how often the bot hands over, why, and how fast people pick up.

Framework-free: SQLAlchemy ``select()`` over two tables of the handoff store, so it runs on
SQLite and PostgreSQL alike: ``handoffs`` (one row per handoff, with its context package and
``created_at`` / ``claimed_at`` / ``closed_at``) and ``decisions`` (every decision the assistant
took about a person: handoff, ticket, offer, offer declined/accepted, self-service). Rows are
read for the period and counted in Python; a report covers weeks, not millions of rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from handoff.analytics.figures import aware, percentile, ratio
from handoff.analytics.kb_gaps import learn_next
from handoff.analytics.topics import UNKNOWN, handoff_topic, intent_finder
from handoff.privacy.log_masking import PiiMasker
from handoff.store.desk_models import Decision
from handoff.store.models import Handoff

FINISHED_STATUSES = ("resolved", "handed_back", "closed")
"""Statuses of a handoff a person finished (a ticket or an open handoff is not finished)."""

HANDOFF_DECISIONS = ("handoff", "ticket", "offer_accepted")
"""Decisions that put a person on the conversation (live, as a ticket, or an accepted offer)."""


def build_report(
    source: Any,
    since: Optional[datetime] = None,
    until: Optional[datetime] = None,
    *,
    total_conversations: Optional[int] = None,
    masker: Optional[PiiMasker] = None,
) -> Dict[str, Any]:
    """Return the handoff report for ``[since, until)`` as a JSON-ready dict.

    Args:
        source: where to read: a SQLAlchemy ``Session`` or ``Connection``, or an open
            ``SqlUnitOfWork`` (inside its ``with`` block). Nothing is written.
        since: first moment included (timezone-aware), or None for the beginning. Handoffs
            count by ``created_at``, decisions by ``at``.
        until: first moment excluded (timezone-aware), or None for now and later.
        total_conversations: every conversation in the period, when the caller knows it
            (e.g. from the tracker store); otherwise the handoff rate's denominator is the
            conversations with a recorded decision (``decisions``) or a handoff, and with
            no decisions recorded at all the rate is unknown (None).
        masker: masks personal data in the example questions (handoff.yml's order-number
            pattern; default the built-in one).

    Returns:
        ``period`` {since, until}; ``totals`` {conversations, conversations_basis, decisions
        (count per decision kind), handoffs, tickets, claimed, finished, handed_back};
        ``handoff_rate`` and ``handback_rate`` (0..1 or None); ``handback_outcomes`` (count
        per outcome the agent gave, ``not_said`` without one); ``reasons`` (count per reason
        code); ``by_intent`` (the intent behind the handoff decision), ``by_topic``
        (``handoff_topic``), ``by_channel``: lists of {key, total, reasons} (largest
        first); ``time_to_pickup`` and ``handling_time``: {count, median_seconds,
        p90_seconds} (``claimed_at - created_at``; ``closed_at - claimed_at``);
        ``learn_next``: the knowledge-base gaps (``handoff.analytics.kb_gaps``): up to five
        topics whose conversations most often end with a person, then out-of-scope,
        fallback and unknown apart; each {topic, kind, handoffs, conversations, rate,
        reasons, examples}, leaving out the reasons the policy hands over on purpose
        (sensitive_topic, high_value).
    """
    _requireaware(since, "since")
    _requireaware(until, "until")
    session = _session_of(source)
    handoffs = _read(session, Handoff.__table__, "created_at", since, until)
    decisions = _read(session, Decision.__table__, "at", since, until)
    return _report(handoffs, decisions, since, until, total_conversations, masker)


def _report(
    handoffs: Sequence[Mapping[str, Any]],
    decisions: Sequence[Mapping[str, Any]],
    since: Optional[datetime],
    until: Optional[datetime],
    total_conversations: Optional[int],
    masker: Optional[PiiMasker] = None,
) -> Dict[str, Any]:
    handed_off = {row["conversation_id"] for row in handoffs}
    handed_off |= {
        row["conversation_id"] for row in decisions if row.get("decision") in HANDOFF_DECISIONS
    }
    decided = {row["conversation_id"] for row in decisions} | handed_off
    if total_conversations is not None:
        conversations, basis = total_conversations, "total"
    elif decisions:
        conversations, basis = len(decided), "decisions"
    else:
        conversations, basis = len(handed_off), "handoffs"
    claimed = [row for row in handoffs if row.get("claimed_at") is not None]
    finished = [row for row in handoffs if row["status"] in FINISHED_STATUSES]
    handed_back = [row for row in finished if row["status"] == "handed_back"]
    return {
        "period": {"since": _iso(since), "until": _iso(until)},
        "totals": {
            "conversations": conversations,
            "conversations_basis": basis,
            "decisions": dict(Counter(row["decision"] for row in decisions).most_common()),
            "handoffs": len(handoffs),
            "tickets": sum(1 for row in handoffs if row["status"] == "ticket"),
            "claimed": len(claimed),
            "finished": len(finished),
            "handed_back": len(handed_back),
        },
        "handoff_rate": ratio(len(handed_off), conversations) if basis != "handoffs" else None,
        "handback_rate": ratio(len(handed_back), len(finished)),
        "handback_outcomes": dict(
            Counter(row.get("outcome") or "not_said" for row in handed_back).most_common()
        ),
        "reasons": dict(Counter(row["reason"] for row in handoffs).most_common()),
        "by_intent": _breakdown(handoffs, intent_finder(decisions)),
        "by_topic": _breakdown(handoffs, handoff_topic),
        "by_channel": _breakdown(handoffs, lambda row: row.get("channel") or UNKNOWN),
        # A ticket waits for office hours, not for an agent: also once answered (#19).
        "time_to_pickup": _durations(
            [row for row in claimed if not row.get("opened_as_ticket")], "created_at", "claimed_at"
        ),
        "handling_time": _durations(
            [row for row in claimed if row.get("closed_at") is not None], "claimed_at", "closed_at"
        ),
        "learn_next": learn_next(handoffs, decisions, masker=masker),
    }


def _session_of(source: Any) -> Union[Session, Connection]:
    if isinstance(source, (Session, Connection)):
        return source
    for attribute in ("session", "_session"):  # a SqlUnitOfWork inside its `with` block
        session = getattr(source, attribute, None)
        if isinstance(session, Session):
            return session
    raise TypeError(
        f"build_report needs a Session, Connection or open unit of work, not {source!r}"
    )


def _read(
    session: Union[Session, Connection],
    table: Table,
    time_column: str,
    since: Optional[datetime],
    until: Optional[datetime],
) -> List[Dict[str, Any]]:
    query = select(table)
    moment = table.c[time_column]
    if since is not None:
        query = query.where(moment >= since)
    if until is not None:
        query = query.where(moment < until)
    rows = []
    for row in session.execute(query.order_by(moment)).mappings():
        rows.append({key: _plain(value) for key, value in row.items()})
    return rows


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _breakdown(rows: Iterable[Mapping[str, Any]], key_of: Any) -> List[Dict[str, Any]]:
    counts: Dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        counts[key_of(row)][row["reason"]] += 1
    return [
        {"key": key, "total": sum(reasons.values()), "reasons": dict(reasons.most_common())}
        for key, reasons in sorted(
            counts.items(), key=lambda item: (-sum(item[1].values()), item[0])
        )
    ]


def _durations(rows: Iterable[Mapping[str, Any]], start: str, end: str) -> Dict[str, Any]:
    seconds = [
        max(0.0, (aware(row[end]) - aware(row[start])).total_seconds())
        for row in rows
        if row.get(start) is not None and row.get(end) is not None
    ]
    return {
        "count": len(seconds),
        "median_seconds": percentile(seconds, 0.5),
        "p90_seconds": percentile(seconds, 0.9),
    }


def _iso(moment: Optional[datetime]) -> Optional[str]:
    return moment.astimezone(timezone.utc).isoformat() if moment is not None else None


def _requireaware(moment: Optional[datetime], name: str) -> None:
    if moment is not None and moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (got {moment!r})")
