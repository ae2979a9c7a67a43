"""Erasing one customer (``python -m ops.privacy erase``) on real stores, SQLite and PostgreSQL.

The handoff store and Rasa's tracker store (filled through Rasa's own ``save``, named in
endpoints.yml by production's ``PingingSQLTrackerStore`` class) share one database — a SQLite
file or a PostgreSQL schema of their own — and afterwards every row of every table is read
back: none may still hold the customer's conversation id or e-mail address; another customer's
rows stay.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Iterator, List, Tuple

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.schema import CreateSchema, DropSchema

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
    create_store_engine,
    session_factory,
    upgrade_to_head,
)
from handoff.store.models import utc_now
from ops import privacy
from tests.handoff.conftest import POSTGRES_URL

JANE_TELEGRAM, JANE_WHATSAPP = "telegram:7770011", "whatsapp:4915100000042"
JANE_EMAIL = "Jane.Doe@example.com"
BOB_TELEGRAM, BOB_EMAIL = "telegram:8880022", "bob@example.org"
NOW = utc_now()


class Stores:
    """The handoff store's sessions, the tracker store, and an endpoints.yml naming it."""

    def __init__(self, engine: Engine, tracker: SQLTrackerStore, endpoints) -> None:
        self.engine, self.tracker, self.endpoints = engine, tracker, endpoints
        self.sessions: sessionmaker = session_factory(engine)
        self.url = engine.url.render_as_string(hide_password=False)

    def rows(self) -> List[Tuple[str, str]]:
        """Every row of every table in both stores, as (table, text of the row)."""
        found = []
        for engine in (self.engine, self.tracker.engine):
            metadata = MetaData()
            metadata.reflect(engine)
            with engine.connect() as connection:
                for name, table in metadata.tables.items():
                    for row in connection.execute(select(table)):
                        found.append((name, " ".join(str(value) for value in row)))
        return found

    def mentioning(self, *needles: str) -> List[Tuple[str, str]]:
        lowered = [needle.lower() for needle in needles]
        return [row for row in self.rows() if any(n in row[1].lower() for n in lowered)]


def _endpoints(tracker: SQLTrackerStore, path) -> None:
    url = tracker.engine.url
    text = "tracker_store:\n  type: connectors.tracker_store.PingingSQLTrackerStore\n"
    text += f"  dialect: {url.get_backend_name()}\n  db: {url.database}\n"
    if url.host:
        text += f"  url: {url.host}\n  port: {url.port}\n  username: {url.username}\n"
    for key, value in url.query.items():
        text += f"  query:\n    {key}: '{value}'\n"
    path.write_text(text)


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request, tmp_path) -> Iterator[Stores]:
    if request.param == "sqlite":
        engine = create_store_engine(f"sqlite:///{tmp_path}/shared.db")
        tracker = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=f"{tmp_path}/shared.db")
        schema = None
    else:
        admin = request.getfixturevalue("postgres_admin")
        schema = f"erase_test_{uuid.uuid4().hex[:12]}"
        with admin.begin() as connection:
            connection.execute(CreateSchema(schema))
        engine = create_store_engine(
            f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", connect_args={"connect_timeout": 3}
        )
        url = make_url(POSTGRES_URL)
        tracker = SQLTrackerStore(
            Domain.empty(),
            dialect="postgresql",
            host=url.host,
            port=url.port,
            db=url.database,
            username=url.username,
            query={"options": f"-csearch_path={schema}"},
        )
    upgrade_to_head(engine)
    _endpoints(tracker, tmp_path / "endpoints.yml")
    try:
        yield Stores(engine, tracker, tmp_path / "endpoints.yml")
    finally:
        engine.dispose()
        tracker.engine.dispose()
        if schema is not None:
            with admin.begin() as connection:
                connection.execute(DropSchema(schema, cascade=True))


def _customer(stores: Stores, conversation: str, email: str, ticket: str, mention=True) -> None:
    """A finished ticket handoff with note, audit, help-desk copy, decision and channel rows."""
    handoff_id = uuid.uuid4().hex
    context = {"conversation_id": conversation, "intake": {"email": email if mention else None}}
    with stores.sessions() as session, session.begin():
        session.add(
            Handoff(
                id=handoff_id,
                conversation_id=conversation,
                reason="explicit_request",
                status=HandoffStatus.TICKET,
                context=context,
                created_at=NOW,
                updated_at=NOW,
                closed_at=NOW,
            )
        )
        session.flush()
        session.add(Note(handoff_id=handoff_id, author="Anna", text=f"wrote from {email}"))
        session.add(AuditEntry(actor="Anna", action="claim", handoff_id=handoff_id, at=NOW))
        session.add(
            TicketForward(
                handoff_id=handoff_id,
                target="zendesk",
                external_id=ticket,
                status=ForwardStatus.SENT,
            )
        )
        session.add(Decision(conversation_id=conversation, decision="handoff", at=NOW))
        session.add(
            InboundDelivery(
                account="telegram:1",
                delivery_key=uuid.uuid4().hex,
                conversation_id=conversation,
                payload={"text": email},
            )
        )
        session.add(
            OutboundMessage(
                channel=conversation.split(":")[0],
                conversation_id=conversation,
                request={"text": "Thanks"},
                status=OutboundStatus.SENT,
            )
        )
    _tracker(stores, conversation, f"my e-mail is {email}")


def _tracker(stores: Stores, conversation: str, text: str) -> None:
    at = (NOW - timedelta(minutes=5)).timestamp()
    events = [
        ActionExecuted("action_session_start", timestamp=at),
        UserUttered(text, timestamp=at + 1),
        BotUttered("Thanks!", timestamp=at + 2),
    ]
    asyncio.run(stores.tracker.save(DialogueStateTracker.from_events(conversation, events)))


def _erase(stores: Stores, *args: str) -> int:
    argv = ["erase", *args, "--operator", "dpo", "--endpoints", str(stores.endpoints)]
    return privacy.run(argv, url=stores.url)


def test_erasing_a_conversation_leaves_no_row_with_its_id(stores, capsys):
    _customer(stores, JANE_TELEGRAM, JANE_EMAIL, "ZD-4711")
    _customer(stores, BOB_TELEGRAM, BOB_EMAIL, "ZD-5000")
    assert stores.mentioning(JANE_TELEGRAM)  # the customer is there to begin with

    assert _erase(stores, "--conversation", JANE_TELEGRAM) == 0

    out = capsys.readouterr().out
    assert "erased 1 conversations" in out and "zendesk ZD-4711" in out
    assert stores.mentioning(JANE_TELEGRAM, JANE_EMAIL) == []
    assert len(stores.mentioning(BOB_TELEGRAM)) >= 8  # the other customer is untouched
    assert asyncio.run(stores.tracker.keys()) == [BOB_TELEGRAM]


def test_erasing_by_email_removes_every_conversation_that_mentions_it(stores, capsys):
    _customer(stores, JANE_TELEGRAM, JANE_EMAIL, "ZD-4711")
    _tracker(stores, JANE_WHATSAPP, f"it's {JANE_EMAIL.upper()} again")  # only Rasa has this one
    _customer(stores, BOB_TELEGRAM, BOB_EMAIL, "ZD-5000")

    assert _erase(stores, "--email", "jane.doe@EXAMPLE.com") == 0

    assert "erased 2 conversations" in capsys.readouterr().out
    assert stores.mentioning(JANE_TELEGRAM, JANE_WHATSAPP, JANE_EMAIL) == []
    assert stores.mentioning(BOB_EMAIL)


def test_erasure_is_idempotent_and_audited_without_personal_data(stores, capsys):
    _customer(stores, JANE_TELEGRAM, JANE_EMAIL, "ZD-4711")
    assert _erase(stores, "--conversation", JANE_TELEGRAM) == 0
    capsys.readouterr()

    assert _erase(stores, "--conversation", JANE_TELEGRAM) == 0

    assert "erased 0 conversations" in capsys.readouterr().out
    with stores.sessions() as session:
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.erase"))
        first, second = sorted(audits, key=lambda entry: entry.id)
    assert first.actor == "dpo" and first.details["matched_by"] == "conversation"
    counts = first.details["counts"]
    assert counts["handoffs"] == 1 and counts["notes"] == 1 and counts["tracker events"] > 0
    assert first.details["helpdesk_tickets"] == ["zendesk ZD-4711"]
    assert not any(second.details["counts"].values())
    assert stores.mentioning(JANE_TELEGRAM, JANE_EMAIL) == []


def test_erase_needs_a_customer(stores, capsys):
    with pytest.raises(SystemExit):
        _erase(stores)
    assert _erase(stores, "--email", "  ") == 1
