"""Messages held back by WhatsApp's 24-hour window go out once it reopens (#19).

``OutboxRepository.release_held`` on a SQLite file and a PostgreSQL schema: exactly the agent's
messages of the chat that failed for the window, once, in their order.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Dict, Optional

from handoff.store import OutboundMessage, OutboundStatus, SqlUnitOfWork
from handoff.store.channel_models import OutboundOrigin

CLAIMED = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)
WINDOW = "outside WhatsApp's 24-hour customer-service window"
CHAT = "whatsapp:4915100000001"


def _failed(
    uow: SqlUnitOfWork,
    text: str,
    *,
    error: Optional[str] = WINDOW + " (no customer message since)",
    origin: str = OutboundOrigin.AGENT,
    at: datetime = CLAIMED + timedelta(minutes=5),
    conversation: str = CHAT,
) -> int:
    message = OutboundMessage(
        channel="whatsapp",
        conversation_id=conversation,
        origin=origin,
        request={"body": {"type": "text", "text": {"body": text}}},
        text=text,
        status=OutboundStatus.FAILED if error else OutboundStatus.SENT,
        attempts=1,
        last_error=error,
        created_at=at,
        updated_at=at,
    )
    uow.outbox.add(message)
    return int(message.id)


def test_only_the_agents_words_held_by_the_window_are_released_once(unit_of_work) -> None:
    with unit_of_work() as uow:
        ids: Dict[str, int] = {
            "joined": _failed(uow, "Wanda joined"),
            "reply": _failed(uow, "Hello, Wanda here"),
            "earlier chat": _failed(uow, "old", at=CLAIMED - timedelta(days=3)),
            "bot": _failed(uow, "bot words", origin=OutboundOrigin.BOT),
            "refused": _failed(uow, "blocked", error="131026: Message undeliverable"),
            "sent": _failed(uow, "fine", error=None),
            "other chat": _failed(uow, "elsewhere", conversation="whatsapp:4915100000002"),
        }
        uow.commit()
    later = CLAIMED + timedelta(hours=30)

    with unit_of_work() as uow:
        first = uow.outbox.release_held(
            "whatsapp", CHAT, OutboundOrigin.AGENT, WINDOW, CLAIMED, later
        )
        uow.commit()
    with unit_of_work() as uow:
        again = uow.outbox.release_held(
            "whatsapp", CHAT, OutboundOrigin.AGENT, WINDOW, CLAIMED, later
        )
        uow.commit()
        oldest = uow.outbox.oldest_open("whatsapp", CHAT)
        statuses = {name: uow.outbox.get(row).status for name, row in ids.items()}

    assert (first, again) == (2, 0)
    assert oldest is not None and oldest.id == ids["joined"] and oldest.attempts == 0
    assert oldest.next_attempt_at == later and oldest.lease_owner is None
    pending = {name for name, status in statuses.items() if status == OutboundStatus.PENDING}
    assert pending == {"joined", "reply"}
