"""``TelegramInput``: Telegram bots through the Bot API, with the live-agent bridge.

Webhook: ``POST /webhooks/telegram/webhook``. Register it with Telegram's ``setWebhook``,
passing ``secret_token`` — every delivery must carry it in ``X-Telegram-Bot-Api-Secret-Token``
(missing → 401, wrong → 403, checked before the body is parsed). Updates are stored under
their ``update_id`` before the webhook is answered (exactly once, see
``connectors.messaging.channel``); what each update type does is in ``updates``.

credentials.yml keys:
    access_token: the bot's token from @BotFather (required).
    secret_token: the webhook secret (required; the channel refuses to start without it).
    api_url: Bot API server (default ``https://api.telegram.org``).
    store_url: the handoff store (default ``sqlite:///var/handoff.db``).
    talk_to_person_button: the persistent "Talk to a person" reply keyboard on bot replies
        (default true); talk_to_person_label: its text (see
        ``connectors.messaging.person_button``).
    send_max_attempts, send_retry_delay, send_max_delay: outbox retries (see RetryPolicy).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.messaging.channel import DEFAULT_STORE_URL, MessagingInput
from connectors.messaging.inbound import InboundTurn, mask
from connectors.messaging.outbox import (
    DEFAULT_RETRY,
    OutboundMessage,
    OutboxWorker,
    RetryPolicy,
    SendOutcome,
)
from connectors.messaging.output import QueuedOutput
from connectors.messaging.person_button import DEFAULT_PERSON_BUTTON, PersonButton
from connectors.messaging.platform import PlatformSession, check_secret
from connectors.telegram.api import DEFAULT_API_URL, TelegramApi, TelegramApiError
from connectors.telegram.updates import chat_id_of, parse_update

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CALLBACK_DATA_LIMIT = 64  # bytes, Bot API limit of callback_data


class TelegramOutput(QueuedOutput):
    """Bot replies and agents' messages as Bot API requests, through the outbox."""

    @classmethod
    def name(cls) -> str:
        """Return the channel name."""
        return "telegram"

    def _text_request(self, recipient_id: str, text: str) -> Dict[str, Any]:
        return {
            "method": "sendMessage",
            "body": {"chat_id": chat_id_of(recipient_id), "text": text},
        }

    def _buttons_request(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]
    ) -> Dict[str, Any]:
        keyboard = [[_inline_button(button)] for button in buttons]
        request = self._text_request(recipient_id, text)
        request["body"]["reply_markup"] = {"inline_keyboard": keyboard}
        return request

    def _person_button_request(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]
    ) -> Dict[str, Any]:
        """Give a plain reply the persistent reply keyboard; one with buttons keeps only those.

        A message has one ``reply_markup``: an inline keyboard *or* a reply keyboard. Telegram
        keeps showing the last reply keyboard a chat received until another one replaces it,
        also under later messages with inline keyboards, so the response's own buttons win
        and the person button stays on screen from an earlier reply. Re-sending the same
        keyboard with every plain reply changes nothing the customer sees and needs no record
        of which chats have it (it also brings it back on a newly logged-in device).
        """
        if buttons:
            return self._buttons_request(recipient_id, text, buttons)
        request = self._text_request(recipient_id, text)
        request["body"]["reply_markup"] = person_keyboard(self.person_button.label)
        return request

    def _image_request(self, recipient_id: str, image: str) -> Dict[str, Any]:
        return {
            "method": "sendPhoto",
            "body": {"chat_id": chat_id_of(recipient_id), "photo": image},
        }

    def _custom_request(self, recipient_id: str, custom: Dict[str, Any]) -> Dict[str, Any]:
        """Turn ``custom: {"method": "sendLocation", ...}`` into that raw Bot API call."""
        body = {key: value for key, value in custom.items() if key != "method"}
        body["chat_id"] = chat_id_of(recipient_id)
        return {"method": str(custom.get("method") or "sendMessage"), "body": body}


def person_keyboard(label: str) -> Dict[str, Any]:
    """Return the Bot API ``ReplyKeyboardMarkup`` with the one person button.

    ``is_persistent``: the client always shows it while the regular keyboard is hidden
    instead of folding it into an icon; ``resize_keyboard``: one small row instead of half
    the screen. A press sends ``label`` as a plain text message
    (https://core.telegram.org/bots/api#replykeyboardmarkup).
    """
    return {"keyboard": [[{"text": label}]], "is_persistent": True, "resize_keyboard": True}


def _inline_button(button: Dict[str, Any]) -> Dict[str, Any]:
    title = str(button.get("title") or button.get("payload") or "")
    payload = str(button.get("payload") or title)
    if button.get("url"):
        return {"text": title, "url": button["url"]}
    if len(payload.encode()) > CALLBACK_DATA_LIMIT:
        payload = title.encode()[:CALLBACK_DATA_LIMIT].decode(errors="ignore")
    return {"text": title, "callback_data": payload}


class TelegramInput(MessagingInput):
    """Telegram input channel (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        """Return the channel name used in URLs (``/webhooks/telegram/``)."""
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Build the channel; refuse to start without the token or the webhook secret."""
        if not credentials or not credentials.get("access_token"):
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        if not credentials.get("secret_token"):
            cls.raise_missing_credentials_exception()
        return cls(
            access_token=str(credentials["access_token"]),
            secret_token=str(credentials["secret_token"]),
            api_url=str(credentials.get("api_url") or DEFAULT_API_URL),
            store_url=str(credentials.get("store_url") or DEFAULT_STORE_URL),
            retry=RetryPolicy.from_credentials(credentials),
            person_button=PersonButton.from_credentials(credentials, cls.name()),
        )

    def __init__(
        self,
        access_token: str,
        secret_token: str,
        api_url: str = DEFAULT_API_URL,
        store_url: str = DEFAULT_STORE_URL,
        retry: RetryPolicy = DEFAULT_RETRY,
        person_button: PersonButton = DEFAULT_PERSON_BUTTON,
    ) -> None:
        super().__init__(store_url, retry, person_button)
        self.access_token = access_token
        self.secret_token = secret_token
        self.api_url = api_url
        self.api: Optional[TelegramApi] = None
        self._http = PlatformSession()

    @property
    def account(self) -> str:
        """``telegram:<bot id>``: update ids are unique per bot (the token's numeric part)."""
        return f"telegram:{self.access_token.split(':', 1)[0]}"

    def authenticate(self, request: Request) -> Optional[HTTPResponse]:
        """Check ``X-Telegram-Bot-Api-Secret-Token`` in constant time."""
        return check_secret(
            request.headers.get(SECRET_HEADER),
            self.secret_token,
            SECRET_HEADER,
            "invalid secret token",
        )

    def parse(self, body: Any) -> List[InboundTurn]:
        """Read one Update."""
        return parse_update(body)

    def make_output(self, worker: OutboxWorker) -> OutputChannel:
        """Return the Telegram output channel."""
        return TelegramOutput(worker, self.person_button)

    async def start(self) -> None:
        """Open the Bot API client."""
        self.api = TelegramApi(self.access_token, self._http.open(), self.api_url)

    async def stop(self) -> None:
        """Close the Bot API client."""
        await self._http.close()

    async def send(self, message: OutboundMessage) -> SendOutcome:
        """Make one Bot API call for an outbox message."""
        assert self.api is not None, "the channel has not started"
        request = message.request
        try:
            result = await self.api.call(request["method"], request["body"])
        except TelegramApiError as error:
            return error.outcome()
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return SendOutcome.ok(str(message_id) if message_id is not None else None)

    async def before_turn(self, turn: Dict[str, Any]) -> None:
        """Answer a button press, so the customer's client stops its progress spinner."""
        await self._answer_callback(turn)

    async def handle_other(self, conversation_id: str, turn: Dict[str, Any]) -> None:
        """Group chats get the polite notice (through the outbox); nothing goes to Rasa."""
        await self._answer_callback(turn)
        if turn.get("action") == "notice":
            logger.info("telegram: group chat %s refused politely", mask(conversation_id))
            output = self.get_output_channel()
            assert output is not None
            # No person keyboard in a group: every member would see it, and nobody is served.
            await output.send_text_message(
                conversation_id, turn["text"], utter_action="notice", talk_to_person_button=False
            )

    async def _answer_callback(self, turn: Dict[str, Any]) -> None:
        query_id = (turn.get("extra") or {}).get("callback_query_id")
        if not query_id or self.api is None:
            return
        try:  # best effort: the spinner stops by itself after a while anyway
            await self.api.call("answerCallbackQuery", {"callback_query_id": query_id})
        except TelegramApiError as error:
            logger.info("telegram: answerCallbackQuery failed: %s", error)
