"""The "Talk to a person" button: a request for a person that never depends on the NLU.

Every bot reply on a messaging channel offers the button (on by default; Telegram shows it
as a persistent reply keyboard, WhatsApp as a reply button). Pressing it sends the label as
the customer's message - on Telegram a reply-keyboard press *is* a plain text message equal
to the label; our WhatsApp button's reply id is the label too - and the channel turns that
exact text into the intent message ``/human_handoff`` before Rasa reads it, so the explicit
request is made server-side and never rests on the NLU's reading of the words.

While a person has the conversation the label is relayed to the desk as it is (it is what
the customer sees in their chat); the bot is silent then anyway.

credentials.yml keys (per channel):
    talk_to_person_button: ``true`` (default) / ``false``; a ``${VAR}`` that expands to
        ``true``/``false``/``1``/``0``/``yes``/``no``/``on``/``off`` also works, which is how
        ``make run`` passes ``TELEGRAM_PERSON_BUTTON`` / ``WHATSAPP_PERSON_BUTTON``.
    talk_to_person_label: the button's text (default ``Talk to a person``).

A response's metadata ``talk_to_person_button: true/false`` overrides the channel for that
response; agents' messages never get the button.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.exceptions import InvalidConfigException

DEFAULT_LABEL = "Talk to a person"
INTENT_MESSAGE = "/human_handoff"
"""What Rasa reads for a press: the domain's explicit request (reason ``explicit_request``)."""
ENABLED_KEY = "talk_to_person_button"
"""Credential (channel default) and response-metadata key (per response)."""
LABEL_KEY = "talk_to_person_label"

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class PersonButton:
    """Whether a channel's bot replies offer the person button, and its label."""

    enabled: bool = True
    label: str = DEFAULT_LABEL

    @classmethod
    def from_credentials(
        cls, credentials: Dict[str, Any], channel: str, label_limit: Optional[int] = None
    ) -> PersonButton:
        """Read ``talk_to_person_button`` and ``talk_to_person_label``; refuse bad values.

        ``label_limit``: the platform's longest button title (WhatsApp: 20). A label that does
        not fit, is empty or starts with ``/`` (it would read as a command) stops the server
        from starting, instead of a button that is cut short or never matches.
        """
        enabled = switch(credentials.get(ENABLED_KEY, True), f"{channel}: {ENABLED_KEY}")
        label = credentials.get(LABEL_KEY)
        label = DEFAULT_LABEL if label is None else str(label).strip()
        if not label or label.startswith(INTENT_MESSAGE_PREFIX):
            raise InvalidConfigException(
                f"{channel}: {LABEL_KEY} must be text that does not start with '/'"
            )
        if label_limit is not None and len(label) > label_limit:
            raise InvalidConfigException(
                f"{channel}: {LABEL_KEY} {label!r} is longer than {label_limit} characters"
            )
        return cls(enabled, label)

    def pressed(self, text: str) -> bool:
        """Whether a customer message is a press of the button: exactly its label.

        Checked whether or not the button is on now: a Telegram reply keyboard stays on the
        customer's screen after an operator turns the button off, and must keep working.
        """
        return text.strip() == self.label

    def rasa_text(self, text: str) -> str:
        """Return what Rasa reads for a customer message: the intent message for a press."""
        return INTENT_MESSAGE if self.pressed(text) else text


DEFAULT_PERSON_BUTTON = PersonButton()


def switch(value: Any, name: str) -> bool:
    """Read an on/off setting: a YAML boolean or the text an environment variable gives."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidConfigException(f"{name} must be true or false, not {value!r}")
