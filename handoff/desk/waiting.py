"""What a queued customer hears while they wait, decided without the store.

Pure decisions, like ``handoff.policy.engine``: each returns the decision, its reason and the
evidence it was taken on, so the sweep (``handoff.desk.queue_sweep``) can act on it, log it and
test it without a database.

- :func:`describe_wait`: the expected wait in the words the customer reads ("about 4 minutes").
- :func:`decide_update`: whether a queued customer gets "You're now number 2 ..." now.
- :func:`decide_ticket`: whether a queued handoff becomes a ticket (waited too long, or the
  team's hours ended while it waited).
- :func:`is_cancel_request`: whether a customer message while queued means "never mind".
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, Optional

from babel.units import format_unit

UNKNOWN_WAIT = "a few minutes"

MEANINGFUL_WAIT_SHARE = 0.5
"""A new expected wait is worth telling when it differs from the one last told by this share."""
MEANINGFUL_WAIT_SECONDS = 120
"""... or by at least this many seconds, whichever is more (no "4 min" → "5 min" chatter)."""

DEFAULT_CANCEL_PHRASES = (
    "never mind",
    "nevermind",
    "cancel",
    "forget it",
    "no longer needed",
    "not needed anymore",
    # German
    "egal",
    "vergiss es",
    "abbrechen",
    "nicht mehr nötig",
    "hat sich erledigt",
    # French
    "laisse tomber",
    "annuler",
    "pas besoin",
    "ce n'est plus nécessaire",
    # Spanish
    "no importa",
    "olvídalo",
    "cancelar",
    "ya no hace falta",
)
"""``desk.cancel_phrases`` when handoff.yml does not list its own."""

_NOT_WORD = re.compile(r"[^\w']+")


@dataclass(frozen=True)
class WaitWords:
    """How one language says an expected wait (Babel writes the number and its unit)."""

    unknown: str
    under_a_minute: str
    about: str  # "about {duration}"


WAIT_WORDS: Dict[str, WaitWords] = {
    "en": WaitWords(UNKNOWN_WAIT, "less than a minute", "about {duration}"),
    "de": WaitWords("ein paar Minuten", "weniger als eine Minute", "etwa {duration}"),
    "fr": WaitWords("quelques minutes", "moins d'une minute", "environ {duration}"),
    "es": WaitWords("unos minutos", "menos de un minuto", "aproximadamente {duration}"),
}
"""The languages the handoff messages are written in; any other reads English."""


def describe_wait(seconds: Optional[float], language: Optional[str] = None) -> str:
    """Return ``seconds`` as a rounded, friendly duration for the queued message.

    None (the desk gave no estimate) reads "a few minutes"; under a minute "less than a
    minute"; up to an hour whole minutes; beyond that quarter hours ("about 1.5 hours" is
    avoided: "about 1 hour 30 minutes"). In ``language`` ("de": "etwa 4 Minuten") when it is
    one of :data:`WAIT_WORDS`, else English.
    """
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if code not in WAIT_WORDS:
        code = "en"
    words = WAIT_WORDS[code]
    if seconds is None or seconds < 0:
        return words.unknown
    if seconds < 60:
        return words.under_a_minute
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return words.about.format(duration=_units(minutes, "minute", code))
    quarters = round(minutes / 15) * 15
    hours, rest = divmod(quarters, 60)
    duration = _units(hours, "hour", code)
    if rest:
        duration = f"{duration} {_units(rest, 'minute', code)}"
    return words.about.format(duration=duration)


def _units(count: int, unit: str, language: str) -> str:
    """Return "4 minutes" / "4 Minuten" / "1 hora" (CLDR plural rules, via Babel)."""
    return format_unit(count, f"duration-{unit}", length="long", locale=language)


def normalise_phrase(text: str) -> str:
    """Return ``text`` as phrases are compared: NFKC, case-folded, punctuation and emoji gone.

    Apostrophes stay ("n'est"); typographic ones become straight. "Never mind!!" and
    "  never   MIND 🙂" both read ``"never mind"``.
    """
    folded = unicodedata.normalize("NFKC", text).replace("\u2019", "'").casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).replace(" ' ", " ").split()).strip("'")


def is_cancel_request(text: Optional[str], phrases: Iterable[str]) -> bool:
    """Whether the whole message is one of the cancel ``phrases`` (after normalising both).

    The whole message, never a part of it: "cancel" cancels, "I want to cancel my order" is
    a customer explaining their problem to the agent-to-be and does not.
    """
    if not text:
        return False
    said = normalise_phrase(text)
    return bool(said) and any(said == normalise_phrase(phrase) for phrase in phrases)


@dataclass(frozen=True)
class WaitingDecision:
    """A decision about a queued handoff: act or not, why, and what it was decided on."""

    act: bool
    reason: str
    evidence: Dict[str, Any] = field(default_factory=dict)


class UpdateReason:
    """Why a queue update is (not) sent; logged and tested by these values."""

    POSITION_IMPROVED = "position_improved"
    WAIT_CHANGED = "wait_changed"
    TOO_SOON = "too_soon"
    NO_CHANGE = "no_change"
    NOT_QUEUED = "not_queued"


class TicketReason:
    """Why a queued handoff becomes a ticket (the audit log's ``reason``)."""

    TIMEOUT = "queue_timeout"
    TEAM_CLOSED = "team_closed"
    WAITING = "still_waiting"


def decide_update(
    *,
    queued: bool,
    position: Optional[int],
    wait_seconds: Optional[int],
    told_position: Optional[int],
    told_wait_seconds: Optional[int],
    told_at: Optional[datetime],
    now: datetime,
    min_interval: timedelta,
) -> WaitingDecision:
    """Decide whether to tell a queued customer their new place and wait now.

    Sent when the place improved by at least one, or the expected wait moved by
    ``MEANINGFUL_WAIT_SHARE`` of the one last told (at least ``MEANINGFUL_WAIT_SECONDS``),
    and never sooner than ``min_interval`` after the last thing told (the opening message
    counts). Never once an agent has it (``queued`` False). Nothing told yet (a handoff
    from before this rule): the first change is sent as an improvement.
    """
    evidence: Dict[str, Any] = {
        "position": position,
        "told_position": told_position,
        "wait_seconds": wait_seconds,
        "told_wait_seconds": told_wait_seconds,
    }
    if not queued or position is None:
        return WaitingDecision(False, UpdateReason.NOT_QUEUED, evidence)
    if told_at is not None and now - told_at < min_interval:
        evidence["seconds_since_told"] = (now - told_at).total_seconds()
        return WaitingDecision(False, UpdateReason.TOO_SOON, evidence)
    if told_position is None or position < told_position:
        return WaitingDecision(True, UpdateReason.POSITION_IMPROVED, evidence)
    if _wait_moved(wait_seconds, told_wait_seconds):
        return WaitingDecision(True, UpdateReason.WAIT_CHANGED, evidence)
    return WaitingDecision(False, UpdateReason.NO_CHANGE, evidence)


def _wait_moved(wait: Optional[int], told: Optional[int]) -> bool:
    if wait is None or told is None:
        return False
    return abs(wait - told) >= max(MEANINGFUL_WAIT_SECONDS, MEANINGFUL_WAIT_SHARE * told)


def decide_ticket(
    *,
    queued_since: datetime,
    now: datetime,
    timeout: Optional[timedelta],
    team_open: bool,
) -> WaitingDecision:
    """Decide whether a queued handoff stops waiting and becomes a ticket.

    When the team's hours ended while it waited (``team_open`` False), or it has waited
    ``timeout`` (None: it waits as long as the team is open).
    """
    waited = now - queued_since
    evidence: Dict[str, Any] = {"waited_seconds": waited.total_seconds(), "team_open": team_open}
    if not team_open:
        return WaitingDecision(True, TicketReason.TEAM_CLOSED, evidence)
    if timeout is not None and waited >= timeout:
        evidence["timeout_seconds"] = timeout.total_seconds()
        return WaitingDecision(True, TicketReason.TIMEOUT, evidence)
    return WaitingDecision(False, TicketReason.WAITING, evidence)
