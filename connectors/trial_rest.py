"""``TrialRestInput``: Rasa's REST channel for local trials, without its impersonation hole.

Rasa's ``rest`` channel takes ``sender`` (the conversation id) and even ``input_channel``
from the caller, unauthenticated. Next to Telegram or WhatsApp - ``make run`` with
``TELEGRAM_*`` set, behind a tunnel - anyone who reaches it could write into
``telegram:<chat id>``'s conversation: ``/restart`` it, inject ``/intent{...}``, read the
bot's answers (issue 17). This channel serves the same URL (``/webhooks/rest/webhook``) and
request shape, but:

- a ``sender`` in a channel's namespace (``<channel>:<id>``, any id with a colon) is refused
  with 403: those conversations belong to their channel, never to a REST caller; a missing
  or non-string ``sender`` / ``message`` is refused with 400 and the reason;
- the input channel is always ``rest`` (the caller cannot claim to be ``telegram``);
- text starting with ``/`` reaches Rasa as an intent only when it is exactly a payload of one
  of the domain's buttons (a web chat sends a pressed button as its payload); anything else
  is escaped into words, like typed text on the messaging channels.

It has no authentication: it is for trials on a developer machine (``credentials.yml``). The
production credentials have no REST channel, and ``connectors.production_guard`` refuses to
start with this one too (it is a ``RestInput``).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from connectors.messaging.button_payloads import DomainButtons
from connectors.messaging.inbound import escape_customer_text

NAMESPACE_SEPARATOR = ":"


def sender_problem(body: Any) -> Optional[tuple[str, int]]:
    """Return (reason, status) when a REST request may not be run, else None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object with sender and message", 400
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip():
        return "sender must be a non-empty string", 400
    if not isinstance(message, str):
        return "message must be a string", 400
    if NAMESPACE_SEPARATOR in sender:
        return (
            f"sender {sender.split(NAMESPACE_SEPARATOR, 1)[0]}:… is another channel's "
            "conversation; the REST channel may not write into it",
            403,
        )
    return None


class TrialRestInput(RestInput):
    """Rasa's REST channel that cannot write into another channel's conversations."""

    def __init__(self) -> None:
        self._buttons = DomainButtons()

    @classmethod
    def name(cls) -> str:
        """Return ``rest``: same URL and input channel name as Rasa's REST channel."""
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST routes, with the sender checked before the handler runs."""
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def refuse_foreign_senders(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.rstrip("/").endswith("/webhook"):
                return None
            try:
                body = request.json
            except Exception:  # Sanic raises InvalidUsage on malformed JSON
                return json_response({"error": "the body is not valid JSON"}, status=400)
            problem = sender_problem(body)
            if problem is not None:
                return json_response({"error": problem[0]}, status=problem[1])
            return None

        return webhook

    def _extract_message(self, req: Request) -> Optional[str]:
        text = super()._extract_message(req)
        if not isinstance(text, str) or text.strip() in self._buttons.of(req.app):
            return text
        return escape_customer_text(text)

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()
