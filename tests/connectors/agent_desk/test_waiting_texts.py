"""What a waiting customer reads: handoff.yml's templates filled from the sweep's notices."""

from __future__ import annotations

import pytest

from connectors.agent_desk.waiting import notice_text
from handoff.desk.queue_sweep import NoticeKind, WaitingNotice
from handoff.settings import DeskSettings

DESK = DeskSettings()


def _notice(kind: str, **values) -> WaitingNotice:
    return WaitingNotice(kind, "h1", "telegram:1", "billing", "why", **values)


@pytest.mark.parametrize(
    "notice, text",
    [
        (
            _notice(NoticeKind.UPDATE, queue_position=1, expected_wait_seconds=90),
            "You're now number 1 in the queue. Expected wait: about 2 minutes.",
        ),
        (
            _notice(NoticeKind.UPDATE, queue_position=3, expected_wait_seconds=None),
            "You're now number 3 in the queue. Expected wait: a few minutes.",
        ),
    ],
)
def test_a_queue_update_names_the_place_and_the_rounded_wait(notice, text):
    assert notice_text(notice, DESK) == text


def test_a_ticket_says_when_the_team_is_back_or_as_soon_as_someone_is_free():
    closed = notice_text(
        _notice(NoticeKind.TICKET, back_at="Monday 7 December at 09:00 (CET)"), DESK
    )
    still_open = notice_text(_notice(NoticeKind.TICKET), DESK)

    assert "A person will answer you Monday 7 December at 09:00 (CET)." in closed
    assert "A person will answer you as soon as one of them is free." in still_open


def test_the_texts_come_from_the_settings():
    desk = DeskSettings(queue_update_message="Platz {queue_position} ({expected_wait})")
    notice = _notice(NoticeKind.UPDATE, queue_position=2, expected_wait_seconds=30)
    assert notice_text(notice, desk) == "Platz 2 (less than a minute)"


@pytest.mark.parametrize(
    "language, update, ticket",
    [
        (
            "de",
            "Sie sind jetzt Nummer 2 in der Warteschlange. Voraussichtliche Wartezeit: "
            "etwa 4 Minuten.",
            "Eine Person antwortet Ihnen am Montag, 7. Dezember um 09:00 (CET).",
        ),
        (
            "fr",
            "Vous êtes maintenant numéro 2 dans la file d'attente. Attente estimée : "
            "environ 4 minutes.",
            "Une personne vous répondra lundi 7 décembre à 09:00 (CET).",
        ),
        (
            "es-MX",
            "Ahora es el número 2 en la cola. Espera estimada: aproximadamente 4 minutos.",
            "Una persona le responderá el lunes 7 de diciembre a las 09:00 (CET).",
        ),
    ],
)
def test_a_waiting_customer_reads_the_queue_and_the_ticket_in_their_language(
    language, update, ticket
):
    from datetime import datetime, timezone

    from handoff.routing.hours import describe_opening

    monday_9 = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)
    back_at = describe_opening(monday_9, "Europe/Berlin", language)
    waiting = _notice(
        NoticeKind.UPDATE, queue_position=2, expected_wait_seconds=230, language=language
    )
    ticketed = _notice(NoticeKind.TICKET, back_at=back_at, language=language)

    assert notice_text(waiting, DESK) == update
    assert ticket in notice_text(ticketed, DESK)
