"""Which button presses reach Rasa: only payloads the domain's own buttons carry.

A button press arrives as whatever the customer's client sends - Telegram ``callback_data``,
a WhatsApp reply-button id - and a modified client can send anything, e.g. ``/restart``
(Rasa restarts the conversation, even a paused one), ``/session_start``, ``/handback`` or
an intent with made-up entities. So a press is let through only when its payload is exactly
one the domain's responses offer as a button (``utter_offer_handoff``: ``/human_handoff``,
``/deny``); a press that carries any other intent payload is refused - acknowledged, logged
and never given to Rasa, so the conversation is left exactly as it was. A press whose
payload is plain words (no leading ``/``) is words, like typed text.

The allow-list is derived from the domain of the model the server runs (the domain.yml it
was trained from), once per loaded model; nothing is copied by hand, so a button added to
the domain works on every channel. Typed text never carries an intent at all
(``inbound.escape_customer_text``).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, FrozenSet, Iterable, List, Optional

from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.core.domain import Domain

from connectors.messaging.inbound import InboundTurn, mask

logger = logging.getLogger(__name__)

REFUSED_ACTION = "ignore"
"""The turn action of a refused press: the channel acknowledges it, Rasa never sees it."""


def domain_button_payloads(domain: Domain) -> FrozenSet[str]:
    """Return every button payload of the domain's responses (all variations)."""
    payloads = set()
    for variations in domain.responses.values():
        for variation in variations:
            for button in variation.get("buttons") or []:
                payload = button.get("payload") if isinstance(button, dict) else None
                if isinstance(payload, str) and payload.strip():
                    payloads.add(payload.strip())
    return frozenset(payloads)


def allowed_press(payload: str, allowed: FrozenSet[str]) -> Optional[str]:
    """Return what Rasa gets for a pressed button's ``payload``; None when it is refused."""
    text = payload.strip()
    if text in allowed:
        return text
    if text.startswith(INTENT_MESSAGE_PREFIX):
        return None  # an intent no button of ours carries
    return payload  # words: read by the NLU like typed text


def screen_presses(
    turns: Iterable[InboundTurn], allowed: FrozenSet[str], channel: str
) -> List[InboundTurn]:
    """Return ``turns`` with every refused button press turned into an ignored turn.

    The refused turn keeps its key (a redelivery is still a duplicate) and its ``extra``
    (Telegram still answers the callback query, so the client's spinner stops).
    """
    screened = []
    for turn in turns:
        if turn.button and turn.action == "message":
            text = allowed_press(turn.text, allowed)
            if text is None:
                logger.warning(
                    "%s: refused a button payload no button of ours carries, from %s",
                    channel,
                    mask(turn.conversation_id),
                )
                turn = replace(turn, action=REFUSED_ACTION, text="", metadata={})
            else:
                turn = replace(turn, text=text)
        screened.append(turn)
    return screened


class DomainButtons:
    """The allow-list of the model the server runs, derived once per loaded model."""

    def __init__(self) -> None:
        self._domain: Optional[Domain] = None
        self._payloads: FrozenSet[str] = frozenset()

    def of(self, app: Any) -> FrozenSet[str]:
        """Return the button payloads of ``app``'s loaded model (none while none is loaded)."""
        agent = getattr(app.ctx, "agent", None)
        domain = getattr(agent, "domain", None)
        if domain is None:
            return frozenset()
        if domain is not self._domain:
            self._domain, self._payloads = domain, domain_button_payloads(domain)
        return self._payloads
