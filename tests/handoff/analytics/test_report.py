"""The handoff report over a real SQLite handoff store, migrated like the desk's."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Optional

import pytest
from sqlalchemy.orm import sessionmaker

from handoff.analytics import build_report, handoff_topic, parse_moment, parse_period, percentile
from handoff.store import (
    Handoff,
    SqlUnitOfWork,
    create_store_engine,
    session_factory,
    upgrade_to_head,
)
from handoff.store.desk_models import Decision
from ops import analytics as cli

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
SINCE, UNTIL = T0, T0 + timedelta(days=1)


@pytest.fixture
def sessions(tmp_path) -> Iterator[sessionmaker]:
    engine = create_store_engine(f"sqlite:///{tmp_path}/handoff.db")
    upgrade_to_head(engine)
    yield session_factory(engine)
    engine.dispose()


def _context(
    intent: Optional[str] = None,
    topic: Optional[str] = None,
    transcript: Optional[List[Dict[str, Any]]] = None,
) -> Dict[str, Any]:
    signals = [{"name": "topic", "value": topic}] if topic else []
    return {"intent": {"name": intent, "confidence": 0.9}, "signals": signals,
            "transcript": transcript or []}  # fmt: skip


def _handoff(
    conversation_id: str,
    reason: str,
    context: Dict[str, Any],
    *,
    status: str = "queued",
    channel: str = "telegram",
    minutes: float = 0,
    pickup: Optional[float] = None,
    handling: Optional[float] = None,
) -> Handoff:
    created = T0 + timedelta(minutes=minutes)
    claimed = created + timedelta(seconds=pickup) if pickup is not None else None
    closed = claimed + timedelta(seconds=handling) if handling is not None else None
    return Handoff(
        conversation_id=conversation_id, reason=reason, context=context, status=status,
        channel=channel, created_at=created, updated_at=created, claimed_at=claimed,
        closed_at=closed,
    )  # fmt: skip


def _decision(conversation_id: str, decision: str, intent: str, minutes: float = 0, **kw: Any):
    return Decision(
        conversation_id=conversation_id, decision=decision, intent=intent,
        at=T0 + timedelta(minutes=minutes), recorded_at=T0, signals=kw.pop("signals", []), **kw,
    )  # fmt: skip


@pytest.fixture
def store(sessions) -> sessionmaker:
    """A day of handoffs and decisions, plus one handoff from the day before."""
    order_turns = [
        {"sender": "customer", "text": "where is my sofa", "intent": "order_status"},
        {"sender": "bot", "text": "Your order ..."},
        {"sender": "customer", "text": "a person please", "intent": "human_handoff"},
    ]
    with sessions() as session:
        session.add_all(
            [
                _handoff("c1", "sensitive_topic", _context("refund_request", "refund_request"),
                         status="resolved", pickup=60, handling=300),
                _handoff("c2", "low_confidence", _context("human_handoff", None, order_turns),
                         status="handed_back", pickup=120, handling=600, minutes=5),
                _handoff("c3", "looping", _context("order_status"), channel="whatsapp",
                         minutes=10),
                _handoff("c4", "explicit_request", _context("human_handoff"), status="ticket",
                         channel="rest", minutes=20),
                _handoff("old", "frustration", _context("order_status"), minutes=-60 * 24,
                         status="resolved", pickup=1, handling=1),
                _decision("c1", "handoff", "refund_request", reason="sensitive_topic",
                          signals=[{"name": "topic", "value": "refund_request"}]),
                _decision("c2", "offer", "order_status", 4, reason="low_confidence"),
                _decision("c2", "offer_accepted", "affirm", 5, reason="low_confidence"),
                _decision("c3", "handoff", "order_status", 10, reason="looping"),
                _decision("c4", "ticket", "human_handoff", 20, reason="explicit_request"),
                _decision("c5", "self_service", "order_status", 30),
                _decision("c6", "offer_declined", "shipping_times", 40),
                _decision("old", "handoff", "order_status", -60 * 24, reason="frustration"),
            ]
        )  # fmt: skip
        session.commit()
    return sessions


def test_totals_and_rates_count_only_the_period(store):
    with store() as session:
        report = build_report(session, SINCE, UNTIL)

    assert report["period"] == {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}
    assert report["totals"] == {
        "conversations": 6,
        "conversations_basis": "decisions",
        "decisions": {
            "handoff": 2,
            "offer": 1,
            "offer_accepted": 1,
            "ticket": 1,
            "self_service": 1,
            "offer_declined": 1,
        },  # fmt: skip
        "handoffs": 4,
        "tickets": 1,
        "claimed": 2,
        "finished": 2,
        "handed_back": 1,
    }
    assert report["handoff_rate"] == pytest.approx(4 / 6, abs=1e-4)
    assert report["handback_rate"] == 0.5
    assert report["reasons"] == {
        "sensitive_topic": 1, "low_confidence": 1, "looping": 1, "explicit_request": 1,
    }  # fmt: skip


def test_pickup_and_handling_time_median_and_p90(store):
    with store() as session:
        report = build_report(session, SINCE, UNTIL)

    assert report["time_to_pickup"] == {"count": 2, "median_seconds": 90.0, "p90_seconds": 114.0}
    assert report["handling_time"] == {"count": 2, "median_seconds": 450.0, "p90_seconds": 570.0}


def test_an_answered_tickets_overnight_wait_is_no_pick_up_time(sessions):
    live = _handoff("c1", "explicit_request", _context(), status="resolved", pickup=60,
                    handling=300)  # fmt: skip
    answered = _handoff("c2", "explicit_request", _context(), status="handed_back",
                        pickup=10 * 3600, handling=600, minutes=1)  # fmt: skip
    answered.opened_as_ticket = True
    with sessions() as session:
        session.add_all([live, answered])
        session.commit()
        report = build_report(session, SINCE, UNTIL)

    assert report["time_to_pickup"] == {"count": 1, "median_seconds": 60.0, "p90_seconds": 60.0}
    assert report["handling_time"]["count"] == 2  # the chat with the agent was real
    assert (report["totals"]["tickets"], report["totals"]["claimed"]) == (0, 2)


def test_reasons_by_intent_topic_and_channel(store):
    with store() as session:
        report = build_report(session, SINCE, UNTIL)

    assert report["by_topic"] == [
        {"key": "order_status", "total": 2, "reasons": {"low_confidence": 1, "looping": 1}},
        {"key": "refund_request", "total": 1, "reasons": {"sensitive_topic": 1}},
        {"key": "unknown", "total": 1, "reasons": {"explicit_request": 1}},
    ]
    assert report["by_intent"] == [
        {"key": "order_status", "total": 2, "reasons": {"low_confidence": 1, "looping": 1}},
        {"key": "human_handoff", "total": 1, "reasons": {"explicit_request": 1}},
        {"key": "refund_request", "total": 1, "reasons": {"sensitive_topic": 1}},
    ]
    assert [(row["key"], row["total"]) for row in report["by_channel"]] == [
        ("telegram", 2), ("rest", 1), ("whatsapp", 1),
    ]  # fmt: skip


def test_learn_next_ranks_topics_ending_with_a_person_without_by_design_reasons(store):
    with store() as session:
        learn_next = build_report(session, SINCE, UNTIL)["learn_next"]

    assert learn_next == [
        {"topic": "order_status", "kind": "topic", "handoffs": 2, "conversations": 3,
         "rate": 0.6667, "reasons": {"low_confidence": 1, "looping": 1},
         "examples": ["where is my sofa"]},
        {"topic": "unknown", "kind": "unknown", "handoffs": 1, "conversations": 1, "rate": 1.0,
         "reasons": {"explicit_request": 1}, "examples": []},
    ]  # fmt: skip


def test_a_unit_of_work_and_an_open_period_work_too(store):
    with SqlUnitOfWork(store) as uow:
        report = build_report(uow, None, None, total_conversations=20)

    assert report["totals"]["handoffs"] == 5
    assert report["totals"]["conversations"] == 20
    assert report["totals"]["conversations_basis"] == "total"
    assert report["handoff_rate"] == 0.25


def test_without_decisions_the_handoff_rate_is_unknown(sessions):
    with sessions() as session:
        session.add(_handoff("c1", "looping", _context("order_status"), minutes=1))
        session.commit()
        report = build_report(session, SINCE, UNTIL)

    assert report["totals"]["conversations_basis"] == "handoffs"
    assert report["totals"]["conversations"] == 1
    assert report["handoff_rate"] is None
    assert report["by_intent"] == [{"key": "order_status", "total": 1, "reasons": {"looping": 1}}]


def test_an_empty_store_gives_an_empty_report(sessions):
    with sessions() as session:
        report = build_report(session, SINCE, UNTIL)

    assert report["totals"]["handoffs"] == 0
    assert report["handoff_rate"] is None and report["handback_rate"] is None
    assert report["time_to_pickup"] == {"count": 0, "median_seconds": None, "p90_seconds": None}
    assert report["learn_next"] == [] and report["by_topic"] == []


def test_naive_times_are_refused(sessions):
    with sessions() as session, pytest.raises(ValueError, match="since must be timezone-aware"):
        build_report(session, datetime(2026, 11, 1), None)


@pytest.mark.parametrize(
    ("context", "topic"),
    [
        (_context("human_handoff", "legal"), "legal"),
        (_context("billing_dispute"), "billing_dispute"),
        (_context("affirm", None, [{"sender": "customer", "intent": "return_policy"},
                                   {"sender": "customer", "intent": "deny"}]), "return_policy"),
        (_context("inform"), "unknown"),
        ({}, "unknown"),
    ],
)  # fmt: skip
def test_handoff_topic(context, topic):
    assert handoff_topic({"context": context}) == topic


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [([], 0.5, None), ([7], 0.9, 7), ([1, 2, 3, 4], 0.5, 2.5), ([10, 0, 20], 0.9, 18)],
)
def test_percentile(values, share, expected):
    assert percentile(values, share) == expected


def test_the_cli_prints_the_report_as_tables(store, tmp_path, capsys):
    url = str(store.kw["bind"].url)

    assert cli.main(["--store-url", url, "--since", SINCE.isoformat(),
                     "--until", UNTIL.isoformat()]) == 0  # fmt: skip

    printed = capsys.readouterr().out
    assert "handoff rate" in printed and "66.7%" in printed
    assert "time to pickup      2  1m30s   1m54s" in printed
    assert "order_status" in printed.split("learn next")[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-02T09:00:00.000Z", T0),
        ("2026-11-02T10:00:00+01:00", T0),
        ("2026-11-02T09:00:00", T0),
        ("2026-11-02", T0 - timedelta(hours=9)),
        ("", None),
        (None, None),
    ],
)
def test_parse_moment_reads_what_browsers_send(text, expected):
    assert parse_moment(text) == expected


def test_parse_period_defaults_and_refusals():
    assert parse_period(None, UNTIL.isoformat(), default_days=1) == (SINCE, UNTIL)
    assert parse_period(None, None, default_days=2, now=UNTIL) == (UNTIL - timedelta(days=2), None)
    with pytest.raises(ValueError, match="not an ISO 8601"):
        parse_period("last tuesday", None)
    with pytest.raises(ValueError, match="must be before"):
        parse_period(UNTIL.isoformat(), SINCE.isoformat())


def test_the_cli_refuses_a_missing_or_unmigrated_store(tmp_path, capsys):
    assert cli.main(["--store-url", f"sqlite:///{tmp_path}/nowhere.db"]) == 1
    assert "No handoff store" in capsys.readouterr().err
    assert not (tmp_path / "nowhere.db").exists()

    (tmp_path / "empty.db").touch()
    assert cli.main(["--store-url", f"sqlite:///{tmp_path}/empty.db"]) == 1
    assert "not migrated" in capsys.readouterr().err


def test_the_intent_is_the_one_the_decision_fired_on_not_the_last_answer(sessions):
    fired_on = [{"name": "intent", "value": {"name": "human_handoff", "confidence": 0.99}}]
    with sessions() as session:
        session.add_all(
            [
                _handoff("c1", "explicit_request", {**_context("inform"), "signals": fired_on}),
                _handoff("c2", "explicit_request", _context("inform"), minutes=1),
                _decision("c2", "handoff", "inform", 1, signals=fired_on),
                _handoff("c3", "frustration", _context("deny"), minutes=2),
                _decision("c3", "handoff", "order_status", 2),
            ]
        )
        session.commit()
        report = build_report(session, SINCE, UNTIL)

    assert [(row["key"], row["total"]) for row in report["by_intent"]] == [
        ("human_handoff", 2),
        ("order_status", 1),
    ]


def test_the_cli_prints_the_customers_questions_and_exports_the_gaps_as_csv(store, capsys):
    url = str(store.kw["bind"].url)
    period = ["--since", SINCE.isoformat(), "--until", UNTIL.isoformat()]

    assert cli.main(["--store-url", url, *period]) == 0
    printed = capsys.readouterr().out
    assert "What customers asked (personal data masked)\norder_status:\n  - where is my sofa" in (
        printed
    )

    assert cli.main(["--store-url", url, "--csv", *period]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("kind,topic,handoffs,conversations,rate,reasons,example_1")
    assert lines[1:] == [
        "topic,order_status,2,3,0.6667,low_confidence 1; looping 1,where is my sofa,,,,",
        "unknown,unknown,1,1,1.0,explicit_request 1,,,,,",
    ]


def test_handback_outcomes_are_counted(sessions):
    with sessions() as session:
        for n, outcome in enumerate(["resolved", "resolved", "follow_up", None]):
            row = _handoff(f"h{n}", "frustration", _context("order_status"), status="handed_back",
                           pickup=10, handling=60, minutes=n)  # fmt: skip
            row.outcome = outcome
            session.add(row)
        session.commit()
        report = build_report(session, SINCE, UNTIL)

    assert report["handback_outcomes"] == {"resolved": 2, "follow_up": 1, "not_said": 1}


def test_a_guided_path_counts_as_a_decided_conversation_not_a_handoff(sessions):
    # routing.handling served a refund by the guided return: no handoff, no person.
    with sessions() as session:
        session.add(_decision("g1", "guided", "refund_request", 1, reason="sensitive_topic"))
        session.add(_decision("g2", "handoff", "human_handoff", 2, reason="explicit_request"))
        session.add(_handoff("g2", "explicit_request", _context("human_handoff"), minutes=2))
        session.commit()
        report = build_report(session, SINCE, UNTIL)

    assert report["totals"]["decisions"] == {"guided": 1, "handoff": 1}
    assert report["totals"]["conversations"] == 2
    assert report["handoff_rate"] == 0.5
