"""What the messaging channels keep in the handoff store: their inbox and their outbox.

- ``InboundDelivery`` (table ``channel_inbox``): every webhook delivery a channel accepted,
  written *before* the webhook is answered. The unique key (channel account, delivery key)
  makes a redelivery — even after a restart — a no-op, and ``processed_at IS NULL`` rows are
  the accepted messages the bot has not handled yet (picked up again when the server starts).
- ``OutboundMessage`` (table ``channel_outbox``): every message to a customer (bot replies and
  agents' replies), written before the first attempt (a reply of a bot turn in a conversation
  with nothing undelivered: right after it, with its outcome, before the turn ends), sent by
  the channel's outbox worker with retries, in order per conversation; undelivered rows
  survive a restart.

Same ``Base``/``metadata`` as the handoffs, so one Alembic history covers both (revision
``0002_channels``).
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import JSON, Column, Index, Integer, String, Text, UniqueConstraint

from handoff.store.models import Base, UtcDateTime, enum_type, utc_now


class OutboundStatus(str, Enum):
    """Where an outbound message is; stored as these exact lowercase values."""

    PENDING = "pending"  # waiting for its (next) attempt
    SENT = "sent"  # the messaging API accepted it
    FAILED = "failed"  # given up: permanent error, too many attempts, or a failed status


class OutboundOrigin:
    """Who wrote an outbound message (``origin`` column)."""

    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"  # channel notices and re-engagement templates


class InboundDelivery(Base):
    """One webhook delivery a channel accepted (a customer message or a status update)."""

    __tablename__ = "channel_inbox"

    id = Column(Integer, primary_key=True, autoincrement=True)
    # The channel *account*: "telegram:<bot id>", "whatsapp:<phone number id>".
    account = Column(String(64), nullable=False)
    # Unique per account: Telegram's update_id, WhatsApp's message id.
    delivery_key = Column(String(255), nullable=False)
    conversation_id = Column(String(255), nullable=False)
    # The normalised delivery (what to do with it), not the raw webhook body.
    payload = Column(JSON, nullable=False)
    # When the customer sent it (the platform's timestamp), for WhatsApp's 24-hour window.
    customer_sent_at = Column(UtcDateTime, nullable=True)
    received_at = Column(UtcDateTime, nullable=False, default=utc_now)
    processed_at = Column(UtcDateTime, nullable=True)
    # Which replica is processing it, until when (revision 0004; see ``channel_repository``).
    lease_owner = Column(String(64), nullable=True)
    lease_until = Column(UtcDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("account", "delivery_key", name="uq_channel_inbox_delivery"),
        Index("ix_channel_inbox_pending", "account", "processed_at", "id"),
        Index("ix_channel_inbox_conversation", "conversation_id", "customer_sent_at"),
    )


class OutboundMessage(Base):
    """One message to a customer, with its delivery state."""

    __tablename__ = "channel_outbox"

    id = Column(Integer, primary_key=True, autoincrement=True)
    channel = Column(String(64), nullable=False)  # "telegram", "whatsapp"
    conversation_id = Column(String(255), nullable=False)
    origin = Column(String(16), nullable=False, default=OutboundOrigin.BOT)
    # The API call to make: {"method": ..., "body": {...}}.
    request = Column(JSON, nullable=False)
    text = Column(Text, nullable=True)  # what the agent sees if it fails
    status = Column(
        enum_type(OutboundStatus, "status"), nullable=False, default=OutboundStatus.PENDING
    )
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UtcDateTime, nullable=False, default=utc_now)
    last_error = Column(String(500), nullable=True)
    provider_message_id = Column(String(255), nullable=True, index=True)
    created_at = Column(UtcDateTime, nullable=False, default=utc_now)
    updated_at = Column(UtcDateTime, nullable=False, default=utc_now, onupdate=utc_now)
    # Which replica is sending it, until when (revision 0004; see ``channel_repository``).
    lease_owner = Column(String(64), nullable=True)
    lease_until = Column(UtcDateTime, nullable=True)

    __table_args__ = (Index("ix_channel_outbox_pending", "channel", "status", "conversation_id"),)

    def __repr__(self) -> str:
        return f"OutboundMessage(id={self.id!r}, channel={self.channel!r}, status={self.status!r})"
