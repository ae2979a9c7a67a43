from datetime import datetime, timedelta, timezone

import pytest

from handoff.desk.waiting import (
    DEFAULT_CANCEL_PHRASES,
    TicketReason,
    UpdateReason,
    decide_ticket,
    decide_update,
    describe_wait,
    is_cancel_request,
    normalise_phrase,
)


@pytest.mark.parametrize(
    "seconds, words",
    [
        (None, "a few minutes"),
        (0, "less than a minute"),
        (59, "less than a minute"),
        (60, "about 1 minute"),
        (61, "about 2 minutes"),
        (120, "about 2 minutes"),
        (59 * 60, "about 59 minutes"),
        (60 * 60, "about 1 hour"),
        (95 * 60, "about 1 hour 30 minutes"),
        (130 * 60, "about 2 hours 15 minutes"),
    ],
)
def test_the_customer_reads_a_rounded_wait(seconds, words):
    assert describe_wait(seconds) == words


# --- the pure decisions of the waiting sweep ---

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
EVERY_3_MIN = timedelta(minutes=3)


@pytest.mark.parametrize(
    "text, cancels",
    [
        ("never mind", True),
        ("Never mind!", True),
        ("  NEVER   mind 🙂", True),
        ("nevermind.", True),
        ("Cancel", True),
        ("forget it", True),
        ("No longer needed", True),
        ("Vergiss es!", True),
        ("egal", True),
        ("Laisse tomber", True),
        ("Ce n’est plus nécessaire", True),  # typographic apostrophe
        ("olvídalo", True),
        ("No importa.", True),
        # a longer sentence is the customer explaining their problem, not a way out
        ("I want to cancel my order", False),
        ("never mind the delay, where is my parcel?", False),
        ("cancellation", False),
        ("", False),
        ("!!!", False),
        (None, False),
    ],
)
def test_only_a_whole_cancel_phrase_cancels(text, cancels):
    assert is_cancel_request(text, DEFAULT_CANCEL_PHRASES) is cancels


def test_phrases_are_normalised_like_messages():
    assert normalise_phrase("  Hat sich   ERLEDIGT. ") == "hat sich erledigt"
    assert is_cancel_request("stop it", ["Stop it!"])


def _update(**overrides):
    args = dict(
        queued=True,
        position=2,
        wait_seconds=240,
        told_position=3,
        told_wait_seconds=360,
        told_at=NOW - timedelta(minutes=4),
        now=NOW,
        min_interval=EVERY_3_MIN,
    )
    return decide_update(**{**args, **overrides})


@pytest.mark.parametrize(
    "overrides, act, reason",
    [
        ({}, True, UpdateReason.POSITION_IMPROVED),
        ({"told_at": NOW - timedelta(minutes=2)}, False, UpdateReason.TOO_SOON),
        ({"queued": False}, False, UpdateReason.NOT_QUEUED),
        ({"position": None}, False, UpdateReason.NOT_QUEUED),
        ({"position": 3, "wait_seconds": 300}, False, UpdateReason.NO_CHANGE),  # -60 s only
        ({"position": 3, "wait_seconds": 120}, True, UpdateReason.WAIT_CHANGED),  # -240 s
        ({"position": 4, "wait_seconds": 900}, True, UpdateReason.WAIT_CHANGED),  # worse
        (
            {"position": 3, "wait_seconds": 200, "told_wait_seconds": 100},
            False,  # doubled, but by less than two minutes
            UpdateReason.NO_CHANGE,
        ),
        ({"told_position": None, "told_at": None}, True, UpdateReason.POSITION_IMPROVED),
        ({"min_interval": timedelta(0), "told_at": NOW}, True, UpdateReason.POSITION_IMPROVED),
    ],
)
def test_a_queue_update_is_sent_on_a_meaningful_change_at_most_every_interval(
    overrides, act, reason
):
    decision = _update(**overrides)
    assert (decision.act, decision.reason) == (act, reason)
    assert decision.evidence["position"] == overrides.get("position", 2)


@pytest.mark.parametrize(
    "waited, timeout, team_open, act, reason",
    [
        (timedelta(minutes=5), timedelta(minutes=30), True, False, TicketReason.WAITING),
        (timedelta(minutes=30), timedelta(minutes=30), True, True, TicketReason.TIMEOUT),
        (timedelta(minutes=1), timedelta(minutes=30), False, True, TicketReason.TEAM_CLOSED),
        (timedelta(hours=9), None, True, False, TicketReason.WAITING),
        (timedelta(hours=9), None, False, True, TicketReason.TEAM_CLOSED),
    ],
)
def test_a_queued_handoff_becomes_a_ticket_after_the_timeout_or_when_the_team_closes(
    waited, timeout, team_open, act, reason
):
    decision = decide_ticket(
        queued_since=NOW - waited, now=NOW, timeout=timeout, team_open=team_open
    )
    assert (decision.act, decision.reason) == (act, reason)
    assert decision.evidence["waited_seconds"] == waited.total_seconds()


@pytest.mark.parametrize(
    "seconds, language, words",
    [
        (None, "de", "ein paar Minuten"),
        (30, "fr", "moins d'une minute"),
        (60, "de-AT", "etwa 1 Minute"),
        (240, "es", "aproximadamente 4 minutos"),
        (95 * 60, "de", "etwa 1 Stunde 30 Minuten"),
        (120 * 60, "es", "aproximadamente 2 horas"),
        (240, "it", "about 4 minutes"),  # no Italian handoff texts: English, like the rest
    ],
)
def test_the_wait_is_said_in_the_customers_language(seconds, language, words):
    assert describe_wait(seconds, language) == words
