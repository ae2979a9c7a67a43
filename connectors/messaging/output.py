"""``QueuedOutput``: an output channel that puts every message into the outbox.

Subclasses turn Rasa's responses into the platform's API request (``_text_request``,
``_buttons_request``, ``_image_request``, ``_custom_request``); this base class decides who
wrote the message (bot or agent), adds the designer-enabled "Talk to a person" button and
enqueues. The outbox worker sends; a caller waits at most for the first attempt, never for
retries.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel

from connectors.messaging.outbox import OutboxWorker
from handoff.store.channel_models import OutboundOrigin

TALK_TO_PERSON_TITLE = "Talk to a person"
TALK_TO_PERSON_PAYLOAD = "/human_handoff"
TALK_TO_PERSON_KEY = "talk_to_person_button"
"""Credential (channel default) and response-metadata key (per response) for the button."""


def origin_of(kwargs: Dict[str, Any]) -> str:
    """Return who wrote a message.

    Rasa sends its responses with ``send_response``, which passes the response's data and
    metadata (``utter_action``, ``timestamp``, ...) as keyword arguments; the bridge's
    ``deliver_agent_message`` calls ``send_text_message(recipient, text)`` without any.
    """
    return OutboundOrigin.BOT if kwargs else OutboundOrigin.AGENT


def wants_person_button(kwargs: Dict[str, Any], channel_default: bool) -> bool:
    """Whether a bot reply without buttons gets the "Talk to a person" button.

    The response's metadata ``talk_to_person_button: true/false`` wins over the channel's
    ``talk_to_person_button`` credential; agents' messages never get it.
    """
    if origin_of(kwargs) != OutboundOrigin.BOT:
        return False
    explicit = kwargs.get(TALK_TO_PERSON_KEY)
    return bool(channel_default if explicit is None else explicit)


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

    def __init__(self, worker: OutboxWorker, talk_to_person_button: bool = False) -> None:
        self.worker = worker
        self.talk_to_person_button = talk_to_person_button
        self.queued = 0
        """How many messages this output queued (one output serves one customer turn)."""
        self.nothing_pending = False
        """Set by the channel for a turn whose conversation had no undelivered message when
        the webhook accepted it: its replies may be sent before they are written
        (``OutboxWorker.enqueue``)."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Queue a text; a bot reply may get the "Talk to a person" button."""
        buttons: Optional[List[Dict[str, Any]]] = None
        if wants_person_button(kwargs, self.talk_to_person_button):
            buttons = [{"title": TALK_TO_PERSON_TITLE, "payload": TALK_TO_PERSON_PAYLOAD}]
        parts = split_text(text, self.text_limit)
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            request = (
                self._buttons_request(recipient_id, part, buttons)
                if buttons and last
                else self._text_request(recipient_id, part)
            )
            await self._enqueue(recipient_id, request, part, origin_of(kwargs))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        """Queue a text with the response's own buttons (inline keyboard / reply buttons)."""
        request = self._buttons_request(recipient_id, text, buttons)
        await self._enqueue(recipient_id, request, text, origin_of(kwargs))

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

    def _image_request(self, recipient_id: str, image: str) -> Dict[str, Any]:
        raise NotImplementedError

    def _custom_request(self, recipient_id: str, custom: Dict[str, Any]) -> Dict[str, Any]:
        raise NotImplementedError
