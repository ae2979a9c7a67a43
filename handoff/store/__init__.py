"""The handoff store: handoffs in SQL (SQLite by default, PostgreSQL by URL), Rasa-free.

Open an engine with ``create_store_engine``, migrate it with ``upgrade_to_head``, and work in
``with SqlUnitOfWork(session_factory(engine)) as uow:`` blocks; the desk's rules live in
``handoff.desk.service``.
"""

from handoff.store.channel_models import InboundDelivery, OutboundMessage, OutboundStatus
from handoff.store.desk_models import (
    Agent,
    AgentRole,
    AgentTeam,
    AgentToken,
    AuditEntry,
    Decision,
    DecisionKind,
    Note,
    Presence,
    Team,
)
from handoff.store.engine import create_store_engine, session_factory
from handoff.store.helpdesk_models import ForwardStatus, TicketForward
from handoff.store.migrate import upgrade_to_head
from handoff.store.models import OPEN_STATUSES, Handoff, HandoffStatus
from handoff.store.repository import HandoffRepository
from handoff.store.unit_of_work import SqlUnitOfWork

__all__ = [
    "ForwardStatus",
    "TicketForward",
    "InboundDelivery",
    "OutboundMessage",
    "OutboundStatus",
    "OPEN_STATUSES",
    "Agent",
    "AgentRole",
    "AgentTeam",
    "AgentToken",
    "AuditEntry",
    "Decision",
    "DecisionKind",
    "Note",
    "Presence",
    "Team",
    "Handoff",
    "HandoffRepository",
    "HandoffStatus",
    "SqlUnitOfWork",
    "create_store_engine",
    "session_factory",
    "upgrade_to_head",
]
