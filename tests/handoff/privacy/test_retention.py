"""Retention: exactly the old finished rows and the quiet conversations go, on real stores.

The handoff store is a SQLite file and a PostgreSQL schema (``store_engine``); the tracker
store is Rasa's own ``SQLTrackerStore`` (its ``events`` table) on a SQLite file and on the
same PostgreSQL server, filled through Rasa's ``save``.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateSchema, DropSchema

from handoff.privacy.retention import purge
from handoff.store import (
    AuditEntry,
    Decision,
    ForwardStatus,
    Handoff,
    HandoffStatus,
    InboundDelivery,
    Note,
    OutboundMessage,
    OutboundStatus,
    TicketForward,
)
from handoff.store.models import utc_now
from ops import retention as retention_cli
from tests.handoff.conftest import POSTGRES_URL

DAYS = 30
NOW = utc_now()
OLD = NOW - timedelta(days=DAYS + 10)
RECENT = NOW - timedelta(days=DAYS - 10)


def _handoff(sessions, name, status, created, closed=None) -> str:
    handoff_id = uuid.uuid4().hex
    with sessions() as session, session.begin():
        session.add(
            Handoff(
                id=handoff_id,
                conversation_id=f"conv-{name}",
                status=status,
                reason="explicit_request",
                context={"email": "jane@example.com"},
                created_at=created,
                updated_at=closed or created,
                closed_at=closed,
            )
        )
        session.flush()  # no ORM relationship orders the inserts: the handoff first
        session.add(Note(handoff_id=handoff_id, author="Anna", text="note", created_at=created))
        session.add(AuditEntry(actor="Anna", action="claim", handoff_id=handoff_id, at=created))
    return handoff_id


def _channel_rows(sessions) -> None:
    with sessions() as session, session.begin():
        for key, received, processed in (
            ("old-done", OLD, OLD),
            ("old-pending", OLD, None),
            ("new-done", RECENT, RECENT),
        ):
            session.add(
                InboundDelivery(
                    account="telegram:1",
                    delivery_key=key,
                    conversation_id="telegram:42",
                    payload={"text": "my order is 48213377"},
                    received_at=received,
                    processed_at=processed,
                )
            )
        for status, at in (
            (OutboundStatus.SENT, OLD),
            (OutboundStatus.FAILED, OLD),
            (OutboundStatus.PENDING, OLD),
            (OutboundStatus.SENT, RECENT),
        ):
            session.add(
                OutboundMessage(
                    channel="telegram",
                    conversation_id="telegram:42",
                    request={"method": "sendMessage"},
                    status=status,
                    created_at=at,
                    updated_at=at,
                    next_attempt_at=at,
                )
            )
        session.add(Decision(conversation_id="conv-a", decision="handoff", at=OLD))
        session.add(Decision(conversation_id="conv-b", decision="offer", at=RECENT))


def _count(sessions, model, *where) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_store(request, tmp_path):
    """Rasa's SQLTrackerStore on a SQLite file or in a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
        yield store
        store.engine.dispose()
        return
    admin = request.getfixturevalue("postgres_admin")
    schema = f"tracker_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(CreateSchema(schema))
    url = make_url(POSTGRES_URL)
    store = SQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host=url.host,
        port=url.port,
        db=url.database,
        username=url.username,
        password=url.password,
        query={"options": f"-csearch_path={schema}"},
    )
    try:
        yield store
    finally:
        store.engine.dispose()
        with admin.begin() as connection:
            connection.execute(DropSchema(schema, cascade=True))


def _conversation(sender: str, when) -> DialogueStateTracker:
    at = when.timestamp()
    events = [
        ActionExecuted("action_session_start", timestamp=at),
        UserUttered("my e-mail is jane@example.com", timestamp=at + 1),
        BotUttered("Thanks!", timestamp=at + 2),
    ]
    return DialogueStateTracker.from_events(sender, events)


def test_purge_removes_exactly_the_old_finished_rows_and_quiet_conversations(
    sessions, tracker_store
):
    old_resolved = _handoff(sessions, "old-resolved", HandoffStatus.RESOLVED, OLD, OLD)
    old_handed_back = _handoff(sessions, "old-back", HandoffStatus.HANDED_BACK, OLD, OLD)
    old_queued = _handoff(sessions, "old-queued", HandoffStatus.QUEUED, OLD)
    old_ticket = _handoff(sessions, "old-ticket", HandoffStatus.TICKET, OLD)
    recent_closed = _handoff(sessions, "recent", HandoffStatus.CLOSED, OLD, RECENT)
    _channel_rows(sessions)
    with sessions() as session:
        for handoff_id in (old_resolved, recent_closed):  # their copies in the help desk
            session.add(
                TicketForward(
                    handoff_id=handoff_id, target="zendesk", status=ForwardStatus.SENT,
                    attempts=1, created_at=OLD, updated_at=OLD,
                )
            )  # fmt: skip
        session.commit()
    for sender, when in (
        ("conv-old-resolved", OLD),  # quiet, handoff finished: goes
        ("conv-old-queued", OLD),  # quiet but still waiting for a person: stays
        ("conv-old-ticket", OLD),  # quiet but an unanswered ticket: stays
        ("conv-recent", RECENT),  # recent: stays
        ("conv-never-handed-off", OLD),  # quiet, no handoff at all: goes
    ):
        asyncio.run(tracker_store.save(_conversation(sender, when)))
    # A conversation with an old start but a recent last message is one conversation: stays.
    long_running = _conversation("conv-long", OLD)
    long_running.update(UserUttered("still there?", timestamp=RECENT.timestamp()))
    asyncio.run(tracker_store.save(long_running))

    dry = purge(sessions, DAYS, tracker_store.engine, now=NOW, dry_run=True)
    assert dry.counts["handoffs"] == 2 and dry.counts["conversations"] == 2
    assert _count(sessions, Handoff) == 5

    report = purge(sessions, DAYS, tracker_store.engine, now=NOW)

    remaining = {h for (h,) in _rows(sessions, Handoff.id)}
    assert remaining == {old_queued, old_ticket, recent_closed}
    assert {h for (h,) in _rows(sessions, Note.handoff_id)} == remaining
    assert {h for (h,) in _rows(sessions, AuditEntry.handoff_id)} == remaining
    assert old_resolved not in remaining and old_handed_back not in remaining
    assert _count(sessions, Decision) == 1
    assert {h for (h,) in _rows(sessions, TicketForward.handoff_id)} == {recent_closed}
    assert {k for (k,) in _rows(sessions, InboundDelivery.delivery_key)} == {
        "old-pending",
        "new-done",
    }
    assert _count(sessions, OutboundMessage) == 2  # the pending one and the recent one
    assert report.counts == {
        "handoffs": 2,
        "notes": 2,
        "audit-log rows": 2,
        "help-desk copies": 1,
        "decisions": 1,
        "channel inbox rows": 1,
        "channel outbox rows": 2,
        "conversations": 2,
        "tracker events": 6,
    }

    kept = ("conv-old-queued", "conv-old-ticket", "conv-recent", "conv-long")
    for sender in kept:
        assert asyncio.run(tracker_store.retrieve(sender)) is not None, sender
    for sender in ("conv-old-resolved", "conv-never-handed-off"):
        assert asyncio.run(tracker_store.retrieve(sender)) is None, sender
    assert sorted(asyncio.run(tracker_store.keys())) == sorted(kept)

    again = purge(sessions, DAYS, tracker_store.engine, now=NOW)
    assert sum(again.counts.values()) == 0


def _rows(sessions, column):
    with sessions() as session:
        return session.execute(select(column)).all()


def test_cli_reads_the_days_from_the_settings_and_purges_sqlite_stores(tmp_path, capsys):
    store_url = f"sqlite:///{tmp_path}/handoff.db"
    tracker = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    asyncio.run(tracker.save(_conversation("conv-quiet", OLD)))
    asyncio.run(tracker.save(_conversation("conv-recent", RECENT)))
    tracker.engine.dispose()
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'tracker.db'}\n"
    )
    settings = tmp_path / "handoff.yml"
    settings.write_text(f"self_service:\n  contact: call us\nretention:\n  days: {DAYS}\n")

    args = ["--settings", str(settings), "--endpoints", str(endpoints)]
    assert retention_cli.run(args, url=store_url) == 0
    out = capsys.readouterr().out
    assert f"retention {DAYS} days" in out and "purged 1 conversations" in out

    tracker = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    assert sorted(asyncio.run(tracker.keys())) == ["conv-recent"]
    tracker.engine.dispose()


def test_cli_with_retention_turned_off_purges_nothing(tmp_path, capsys):
    settings = tmp_path / "handoff.yml"
    settings.write_text("self_service:\n  contact: call us\nretention:\n  days: null\n")
    assert retention_cli.run(["--settings", str(settings)], url="sqlite://") == 2
    assert "no retention period" in capsys.readouterr().out


def _endpoints_for(store: SQLTrackerStore, path, kind: str) -> None:
    """Write an endpoints.yml naming ``store``'s database with tracker store type ``kind``."""
    url = store.engine.url
    lines = [f"tracker_store:\n  type: {kind}\n  dialect: {url.get_backend_name()}\n"]
    lines.append(f"  db: {url.database}\n")
    if url.host:
        lines.append(f"  url: {url.host}\n  port: {url.port}\n  username: {url.username}\n")
    for key, value in url.query.items():
        lines.append(f"  query:\n    {key}: '{value}'\n")
    path.write_text("".join(lines))


def test_cli_purges_the_production_tracker_store_class(tracker_store, tmp_path, capsys):
    """Production runs ``connectors.tracker_store.PingingSQLTrackerStore``: it is SQL too."""
    asyncio.run(tracker_store.save(_conversation("conv-quiet", OLD)))
    asyncio.run(tracker_store.save(_conversation("conv-recent", RECENT)))
    endpoints = tmp_path / "endpoints.yml"
    _endpoints_for(tracker_store, endpoints, "connectors.tracker_store.PingingSQLTrackerStore")
    args = ["--days", str(DAYS), "--endpoints", str(endpoints)]

    assert retention_cli.run(args, url=f"sqlite:///{tmp_path}/handoff.db") == 0

    assert "purged 1 conversations" in capsys.readouterr().out
    assert sorted(asyncio.run(tracker_store.keys())) == ["conv-recent"]


def test_cli_keeps_90_days_when_the_settings_say_nothing(tmp_path, capsys):
    settings = tmp_path / "handoff.yml"
    settings.write_text("self_service:\n  contact: call us\n")
    args = ["--settings", str(settings), "--no-tracker", "--dry-run"]
    assert retention_cli.run(args, url=f"sqlite:///{tmp_path}/handoff.db") == 0
    assert "retention 90 days" in capsys.readouterr().out
