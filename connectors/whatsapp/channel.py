"""``WhatsAppInput``: the WhatsApp Cloud API, with the live-agent bridge.

Webhook: ``/webhooks/whatsapp/webhook``. ``GET`` is Meta's verification handshake (echoes
``hub.challenge`` when ``hub.verify_token`` matches); ``POST`` carries messages and statuses,
signed with the app secret: ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>``
(missing → 401, wrong → 403, checked before the body is parsed). Messages are stored under
their message id before the webhook is answered (exactly once, see
``connectors.messaging.channel``); what each message type does is in ``webhook``.

WhatsApp's 24-hour customer-service window: a free-form message is only sent within 24 hours
of the customer's last message. Outside it, the message is marked failed with that reason (the
desk sees ``message.failed``) and, when ``reengagement_template`` is configured, that approved
template is sent instead — once until the customer writes again. When the customer answers
while a person has the conversation (an agent answered a ticket a day later), the agent's
messages of that chat the window held back are sent after all, oldest first
(``customer_wrote_to_person``).

credentials.yml keys:
    access_token, phone_number_id, app_secret, verify_token: required (refuses to start).
    api_url: Graph API base (default ``https://graph.facebook.com/v19.0``).
    store_url: the handoff store (default ``sqlite:///var/handoff.db``).
    reengagement_template: ``{name: ..., language: en_US}`` (or just the name).
    talk_to_person_button: the "Talk to a person" reply button on bot replies (default true);
        talk_to_person_label: its title, at most 20 characters (see
        ``connectors.messaging.person_button``).
    send_max_attempts, send_retry_delay, send_max_delay: outbox retries (see RetryPolicy).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from datetime import timedelta
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, text

from connectors.messaging.channel import DEFAULT_STORE_URL, MessagingInput, refuse
from connectors.messaging.inbound import InboundTurn
from connectors.messaging.outbox import (
    DEFAULT_RETRY,
    OutboundMessage,
    OutboxWorker,
    RetryPolicy,
    SendOutcome,
)
from connectors.messaging.output import QueuedOutput
from connectors.messaging.person_button import DEFAULT_PERSON_BUTTON, INTENT_MESSAGE, PersonButton
from connectors.messaging.platform import PlatformSession, check_secret
from connectors.whatsapp.api import DEFAULT_API_URL, GraphApi, GraphApiError
from connectors.whatsapp.webhook import parse_envelope, wa_id_of
from handoff.store import SqlUnitOfWork
from handoff.store.channel_models import OutboundOrigin
from handoff.store.models import utc_now

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
WINDOW_CLOSED = "outside WhatsApp's 24-hour customer-service window"
"""How an outbox message refused for the window starts its ``last_error``."""
REQUIRED = ("access_token", "phone_number_id", "app_secret", "verify_token")
BUTTON_TITLE_LIMIT, MAX_REPLY_BUTTONS, LIST_ROW_TITLE_LIMIT = 20, 3, 24
MAX_LIST_ROWS = 10
INTERACTIVE_BODY_LIMIT = 1024  # characters of an interactive message's body text


def signature(app_secret: str, body: bytes) -> str:
    """Return the ``X-Hub-Signature-256`` value Meta sends for ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class WhatsAppOutput(QueuedOutput):
    """Bot replies and agents' messages as Cloud API message bodies, through the outbox."""

    @classmethod
    def name(cls) -> str:
        """Return the channel name."""
        return "whatsapp"

    buttons_text_limit = INTERACTIVE_BODY_LIMIT

    @staticmethod
    def _body(recipient_id: str, kind: str, content: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "method": "messages",
            "body": {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": wa_id_of(recipient_id),
                "type": kind,
                kind: content,
            },
        }

    def _text_request(self, recipient_id: str, text: str) -> Dict[str, Any]:
        return self._body(recipient_id, "text", {"body": text, "preview_url": False})

    def _buttons_request(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]
    ) -> Dict[str, Any]:
        """Up to three buttons are reply buttons; more become a list message."""
        choices = [
            (str(b.get("payload") or b.get("title"))[:256], str(b.get("title") or ""))
            for b in buttons
        ]
        if len(choices) <= MAX_REPLY_BUTTONS:
            action: Dict[str, Any] = {
                "buttons": [
                    {"type": "reply", "reply": {"id": id_, "title": title[:BUTTON_TITLE_LIMIT]}}
                    for id_, title in choices
                ]
            }
            interactive = {"type": "button", "body": {"text": text}, "action": action}
        else:
            rows = [{"id": id_, "title": title[:LIST_ROW_TITLE_LIMIT]} for id_, title in choices]
            section = {"title": "Options", "rows": rows[:MAX_LIST_ROWS]}
            action = {"button": "Choose", "sections": [section]}
            interactive = {"type": "list", "body": {"text": text}, "action": action}
        return self._body(recipient_id, "interactive", interactive)

    def _person_button_request(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]
    ) -> Dict[str, Any]:
        """Reply buttons: the response's own, then the person's while there is room."""
        merged = with_person_button(buttons, self.person_button.label)
        return self._buttons_request(recipient_id, text, merged)

    def _image_request(self, recipient_id: str, image: str) -> Dict[str, Any]:
        return self._body(recipient_id, "image", {"link": image})

    def _custom_request(self, recipient_id: str, custom: Dict[str, Any]) -> Dict[str, Any]:
        """Send ``custom: {"type": "location", "location": {...}}`` as that raw message body."""
        kind = str(custom.get("type") or "text")
        return self._body(recipient_id, kind, custom.get(kind) or {})


def with_person_button(buttons: List[Dict[str, Any]], label: str) -> List[Dict[str, Any]]:
    """Return a reply's own ``buttons`` plus the person button, if it fits and is new.

    The person button's payload (its reply id) is its ``label``: a press then reads exactly
    like the typed label and like a Telegram press, and the channel maps it to
    ``/human_handoff``. It is left out when the reply already offers a person (a button with
    that title or the ``/human_handoff`` payload: WhatsApp refuses repeated titles) and when
    the reply's own buttons already fill the three reply buttons - adding a fourth would
    turn them into a list menu. A list (four to nine options) gets it as one more row.
    """
    person = {"title": label, "payload": label}
    taken = {str(b.get("title") or "") for b in buttons} | {
        str(b.get("payload") or "") for b in buttons
    }
    if taken & {label, INTENT_MESSAGE}:
        return list(buttons)
    if len(buttons) == MAX_REPLY_BUTTONS or len(buttons) >= MAX_LIST_ROWS:
        return list(buttons)
    return [*buttons, person]


class WhatsAppInput(MessagingInput):
    """WhatsApp Cloud API input channel (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        """Return the channel name used in URLs (``/webhooks/whatsapp/``)."""
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Build the channel; refuse to start without any of the four secrets."""
        if not credentials or not all(credentials.get(key) for key in REQUIRED):
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        template = credentials.get("reengagement_template")
        if isinstance(template, str):
            template = {"name": template, "language": "en_US"}
        return cls(
            **{key: str(credentials[key]) for key in REQUIRED},
            api_url=str(credentials.get("api_url") or DEFAULT_API_URL),
            store_url=str(credentials.get("store_url") or DEFAULT_STORE_URL),
            retry=RetryPolicy.from_credentials(credentials),
            person_button=PersonButton.from_credentials(
                credentials, cls.name(), label_limit=BUTTON_TITLE_LIMIT
            ),
            reengagement_template=template or None,
        )

    def __init__(
        self,
        access_token: str,
        phone_number_id: str,
        app_secret: str,
        verify_token: str,
        api_url: str = DEFAULT_API_URL,
        store_url: str = DEFAULT_STORE_URL,
        retry: RetryPolicy = DEFAULT_RETRY,
        person_button: PersonButton = DEFAULT_PERSON_BUTTON,
        reengagement_template: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(store_url, retry, person_button)
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.api_url = api_url
        self.reengagement_template = reengagement_template
        self.api: Optional[GraphApi] = None
        self._http = PlatformSession()

    @property
    def account(self) -> str:
        """``whatsapp:<phone number id>``: message ids are unique per business number."""
        return f"whatsapp:{self.phone_number_id}"

    def authenticate(self, request: Request) -> Optional[HTTPResponse]:
        """Check ``X-Hub-Signature-256`` over the raw body in constant time."""
        expected = signature(self.app_secret, request.body or b"")
        given = request.headers.get(SIGNATURE_HEADER)
        return check_secret(given, expected, SIGNATURE_HEADER, "invalid signature")

    def parse(self, body: Any) -> List[InboundTurn]:
        """Read one webhook envelope."""
        return parse_envelope(body, self.phone_number_id)

    def add_routes(self, blueprint: Blueprint) -> None:
        """Add Meta's ``GET`` verification handshake."""

        @blueprint.get("/webhook")
        async def verify(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token")
            if not token:
                return refuse("missing hub.verify_token", 401)
            if not hmac.compare_digest(
                token.encode(errors="surrogatepass"), self.verify_token.encode()
            ):
                return refuse("invalid verify token", 403)
            if request.args.get("hub.mode") != "subscribe":
                return refuse("hub.mode must be subscribe", 400)
            return text(request.args.get("hub.challenge", ""))

    def make_output(self, worker: OutboxWorker) -> OutputChannel:
        """Return the WhatsApp output channel."""
        return WhatsAppOutput(worker, self.person_button)

    async def start(self) -> None:
        """Open the Cloud API client."""
        self.api = GraphApi(
            self.access_token, self.phone_number_id, self._http.open(), self.api_url
        )

    async def stop(self) -> None:
        """Close the Cloud API client."""
        await self._http.close()

    async def send(self, message: OutboundMessage) -> SendOutcome:
        """Make one Cloud API call for an outbox message, minding the 24-hour window."""
        assert self.api is not None, "the channel has not started"
        body = message.request["body"]
        if body.get("type") != "template":
            last = await asyncio.to_thread(self.last_customer_message_at, message.conversation_id)
            if last is None or utc_now() - last > CUSTOMER_SERVICE_WINDOW:
                return await self._outside_window(message, last)
        try:
            return SendOutcome.ok(await self.api.send_message(body))
        except GraphApiError as error:
            return error.outcome()

    async def _outside_window(self, message: OutboundMessage, last: Any) -> SendOutcome:
        reason = WINDOW_CLOSED + " (no customer message since)"
        if self.reengagement_template is None:
            return SendOutcome.failed(reason + "; no reengagement_template configured")
        conversation = message.conversation_id

        def template_already_sent() -> bool:
            with SqlUnitOfWork(self._sessions) as uow:
                return uow.outbox.sent_since(self.name(), conversation, OutboundOrigin.SYSTEM, last)

        if not await asyncio.to_thread(template_already_sent):
            template = {
                "name": self.reengagement_template["name"],
                "language": {"code": self.reengagement_template.get("language", "en_US")},
            }
            request = WhatsAppOutput._body(conversation, "template", template)
            assert self.worker is not None
            await self.worker.enqueue(conversation, request, None, OutboundOrigin.SYSTEM)
        return SendOutcome.failed(reason + f"; template {self.reengagement_template['name']} sent")

    async def customer_wrote_to_person(self, conversation_id: str, handoff_id: str) -> None:
        """Send what the agent wrote while the window was closed: the customer reopened it.

        The agent's messages of this chat (queued since the handoff was claimed) that failed
        only for the window go back to the outbox, in their order, before anything newer.
        """

        def release() -> int:
            with SqlUnitOfWork(self._sessions) as uow:
                handoff = uow.handoffs.get(handoff_id)
                if handoff is None or handoff.claimed_at is None:
                    return 0
                released = uow.outbox.release_held(
                    self.name(),
                    conversation_id,
                    OutboundOrigin.AGENT,
                    WINDOW_CLOSED,
                    handoff.claimed_at,
                    utc_now(),
                )
                uow.commit()
                return released

        if await asyncio.to_thread(release) and self.worker is not None:
            logger.info("whatsapp: the window reopened, sending the agent's held messages")
            self.worker.wake(conversation_id)

    async def handle_other(self, conversation_id: str, turn: Dict[str, Any]) -> None:
        """Mark our outbound message failed on a ``failed`` status, and tell the desk."""
        if turn.get("action") != "status":
            return
        extra = turn.get("extra") or {}

        def find() -> Optional[OutboundMessage]:
            with SqlUnitOfWork(self._sessions) as uow:
                return uow.outbox.by_provider_id(self.name(), extra["provider_message_id"])

        message = await asyncio.to_thread(find)
        if message is not None and self.worker is not None:
            await self.worker.mark_failed(message, extra.get("reason") or "failed")
