"""``QueuedOutput``: an output channel that puts every message into the outbox.

Subclasses turn Rasa's responses into the platform's API request (``_text_request``,
``_buttons_request``, ``_person_button_request``, ``_image_request``, ``_custom_request``);
this base class decides who wrote the message (bot or agent), whether a bot reply offers the
"Talk to a person" button (``connectors.messaging.person_button``) and enqueues. The outbox
worker sends; a caller waits at most for the first attempt, never for retries.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel

from connectors.messaging.outbox import OutboxWorker
from connectors.messaging.person_button import (
    DEFAULT_PERSON_BUTTON,
    ENABLED_KEY,
    PersonButton,
    switch,
)
from handoff.store.channel_models import OutboundOrigin


def origin_of(kwargs: Dict[str, Any]) -> str:
    """Return who wrote a message.

    Rasa sends its responses with ``send_response``, which passes the response's data and
    metadata (``utter_action``, ``timestamp``, ...) as keyword arguments; the bridge's
    ``deliver_agent_message`` calls ``send_text_message(recipient, text)`` without any.
    """
    return OutboundOrigin.BOT if kwargs else OutboundOrigin.AGENT


def wants_person_button(kwargs: Dict[str, Any], channel_default: bool) -> bool:
    """Whether a bot reply offers the "Talk to a person" button.

    The response's metadata ``talk_to_person_button: true/false`` wins over the channel's
    ``talk_to_person_button`` credential; agents' messages never get it.
    """
    if origin_of(kwargs) != OutboundOrigin.BOT:
        return False
    explicit = kwargs.get(ENABLED_KEY)
    return channel_default if explicit is None else switch(explicit, ENABLED_KEY)


def split_text(text: str, limit: int) -> List[str]:
    """Split ``text`` into parts of at most ``limit`` characters, at paragraph/space if possible."""
    text = text.strip()
    parts: List[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return parts + [text] if text else parts


class QueuedOutput(OutputChannel):
    """Output channel whose messages go through a channel's outbox worker."""

    text_limit = 4096
    buttons_text_limit = 4096
    """The longest text a message with buttons may carry (WhatsApp interactive: 1024)."""

    def __init__(
        self, worker: OutboxWorker, person_button: PersonButton = DEFAULT_PERSON_BUTTON
    ) -> None:
        self.worker = worker
        self.person_button = person_button
        self.queued = 0
        """How many messages this output queued (one output serves one customer turn)."""
        self.nothing_pending = False
        """Set by the channel for a turn whose conversation had no undelivered message when
        the webhook accepted it: its replies may be sent before they are written
        (``OutboxWorker.enqueue``)."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Queue a text; a bot reply's last part offers the "Talk to a person" button."""
        person = wants_person_button(kwargs, self.person_button.enabled)
        parts = self._parts(text, with_buttons=person)
        for index, part in enumerate(parts):
            request = (
                self._person_button_request(recipient_id, part, [])
                if person and index == len(parts) - 1
                else self._text_request(recipient_id, part)
            )
            await self._enqueue(recipient_id, request, part, origin_of(kwargs))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """Queue a text with the response's own buttons (and, for a bot reply, the person's)."""
        person = wants_person_button(kwargs, self.person_button.enabled)
        parts = self._parts(text, with_buttons=True)
        for part in parts[:-1]:
            await self._enqueue(
                recipient_id, self._text_request(recipient_id, part), part, origin_of(kwargs)
            )
        last = parts[-1] if parts else text
        request = (
            self._person_button_request(recipient_id, last, buttons)
            if person
            else self._buttons_request(recipient_id, last, buttons)
        )
        await self._enqueue(recipient_id, request, last, origin_of(kwargs))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """Quick replies are rendered as buttons."""
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Queue an image by URL."""
        request = self._image_request(recipient_id, image)
        await self._enqueue(recipient_id, request, image, origin_of(kwargs))

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        """Queue a response's ``custom`` payload as a raw platform request."""
        request = self._custom_request(recipient_id, json_message)
        await self._enqueue(recipient_id, request, None, origin_of(kwargs))

    def _parts(self, text: str, with_buttons: bool) -> List[str]:
        """Split ``text`` so that every part fits, the last one also with buttons."""
        parts = split_text(text, self.text_limit)
        if with_buttons and parts and len(parts[-1]) > self.buttons_text_limit:
            parts = parts[:-1] + split_text(parts[-1], self.buttons_text_limit)
        return parts

    async def _enqueue(
        self, recipient_id: str, request: Dict[str, Any], text: Optional[str], origin: str
    ) -> None:
        self.queued += 1
        await self.worker.enqueue(
            recipient_id, request, text, origin, nothing_pending=self.nothing_pending
        )

    def _text_request(self, recipient_id: str, text: str) -> Dict[str, Any]:
        raise NotImplementedError

    def _buttons_request(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]
    ) -> Dict[str, Any]:
        raise NotImplementedError

    def _person_button_request(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]
    ) -> Dict[str, Any]:
        """Return a bot reply's request offering the person button beside its own ``buttons``.

        ``buttons`` is empty for a plain text. Each platform decides how the two fit into
        one message (Telegram: one ``reply_markup``; WhatsApp: at most three reply buttons).
        """
        raise NotImplementedError

    def _image_request(self, recipient_id: str, image: str) -> Dict[str, Any]:
        raise NotImplementedError

    def _custom_request(self, recipient_id: str, custom: Dict[str, Any]) -> Dict[str, Any]:
        raise NotImplementedError
