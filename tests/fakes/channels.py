"""The real assistant with the Telegram and WhatsApp channels pointed at the local fakes.

Plus builders of documented payload shapes (Telegram ``Update`` objects, WhatsApp
``whatsapp_business_account`` envelopes) and the signed/secret webhook calls a platform makes.
"""

from __future__ import annotations

import functools
import itertools
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import requests
from sqlalchemy.orm import sessionmaker

from connectors.whatsapp.channel import signature
from handoff.store import SqlUnitOfWork
from handoff.store.channel_models import InboundDelivery
from handoff.store.engine import create_store_engine, session_factory
from tests.e2e.assistant import RunningAssistant, start_assistant
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import BOT_ID, FakeTelegramApi

TELEGRAM_TOKEN = f"{BOT_ID}:AAH-fake-token"
TELEGRAM_SECRET = "telegram-webhook-secret"
WA_TOKEN = "EAAG-fake-token"
WA_PHONE_ID = "106540352242922"
WA_APP_SECRET = "whatsapp-app-secret"
WA_VERIFY = "whatsapp-verify-token"
REENGAGE_TEMPLATE = "northwind_reengage"
AGENT_PASSWORD = "correct horse battery 18"
_update_ids = itertools.count(random.randint(10_000, 900_000) * 1000)


def channel_credentials(telegram: FakeTelegramApi, graph: FakeGraphApi) -> Dict[str, Any]:
    retry = {"send_max_attempts": 4, "send_retry_delay": 0.2, "send_max_delay": 2}
    return {
        "connectors.telegram.TelegramInput": {
            "access_token": TELEGRAM_TOKEN,
            "secret_token": "${TELEGRAM_SECRET_TOKEN}",
            "api_url": telegram.url,
            "store_url": "${DESK_STORE_URL}",
            **retry,
        },
        "connectors.whatsapp.WhatsAppInput": {
            "access_token": WA_TOKEN,
            "phone_number_id": WA_PHONE_ID,
            "app_secret": "${WHATSAPP_APP_SECRET}",
            "verify_token": WA_VERIFY,
            "api_url": graph.api_url,
            "store_url": "${DESK_STORE_URL}",
            "reengagement_template": {"name": REENGAGE_TEMPLATE, "language": "en_US"},
            **retry,
        },
    }


@dataclass
class ChannelsAssistant:
    assistant: RunningAssistant
    telegram: FakeTelegramApi
    graph: FakeGraphApi
    model: Path
    workdir: Path
    _chat_ids: Any = field(default_factory=lambda: itertools.count(random.randint(1, 10**6) * 1000))

    # -- conversations --------------------------------------------------------------------
    def new_chat_id(self) -> int:
        return next(self._chat_ids) + 5_000_000_000

    def new_wa_id(self) -> str:
        return f"49151{next(self._chat_ids):08d}"[-13:]

    def tracker(self, conversation_id: str, timeout: float = 60) -> Dict[str, Any]:
        """Return the conversation's tracker once every message it got has had its turn.

        A channel sends a turn's replies while Rasa is still running the turn, and Rasa saves
        the turn's events when it ends: a reply can reach the customer a moment before the
        tracker shows the message it answers. The inbox marks a delivery processed only after
        that save.
        """
        wait_until(lambda: self._next_unprocessed(conversation_id) is None, timeout)
        return self.assistant.tracker(conversation_id)

    def _next_unprocessed(self, conversation_id: str) -> Optional[InboundDelivery]:
        channel = conversation_id.split(":", 1)[0]
        account = {"telegram": f"telegram:{BOT_ID}", "whatsapp": f"whatsapp:{WA_PHONE_ID}"}
        with SqlUnitOfWork(self._store) as uow:
            return uow.inbox.oldest_open(account[channel], conversation_id)

    @functools.cached_property
    def _store(self) -> sessionmaker:
        return session_factory(create_store_engine(f"sqlite:///{self.workdir / 'handoff.db'}"))

    # -- the desk -------------------------------------------------------------------------
    def desk_agent(self, display_name: str) -> Tuple[str, str]:
        """Create an agent of every team (a unique user name); return their id and token."""
        desk = self.assistant.desk
        teams = [team["name"] for team in desk("GET", "/api/teams").json()["teams"]]
        account = {
            "username": f"agent-{uuid.uuid4().hex[:8]}",
            "display_name": display_name,
            "password": AGENT_PASSWORD,
            "teams": teams,
        }
        created = desk("POST", "/api/agents", json=account)
        assert created.status_code == 201, created.text
        credentials = {"username": account["username"], "password": AGENT_PASSWORD}
        login = desk("POST", "/api/login", token=None, json=credentials)
        assert login.status_code == 200, login.text
        return created.json()["id"], login.json()["token"]

    # -- Telegram -------------------------------------------------------------------------
    def telegram_post(self, update: Any, secret: Optional[str] = TELEGRAM_SECRET, **kwargs: Any):
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        data = update if isinstance(update, (bytes, str)) else json.dumps(update)
        return requests.post(
            f"{self.assistant.rasa_url}/webhooks/telegram/webhook",
            data=data,
            headers=headers,
            timeout=30,
            **kwargs,
        )

    def telegram_say(self, chat_id: int, text: Any, expect: Optional[str] = None) -> list:
        """Send a text (or an Update); wait for a bot message containing ``expect``.

        Returns the bot messages that arrived since the call ([] when ``expect`` is None).
        """
        before = len(self.telegram.texts_to(chat_id))
        update = telegram_text(chat_id, text) if isinstance(text, str) else text
        response = self.telegram_post(update)
        assert response.status_code == 200, response.text
        if expect is None:
            return []
        wait_until(lambda: any(expect in t for t in self.telegram.texts_to(chat_id)[before:]), 60)
        return self.telegram.texts_to(chat_id)[before:]

    # -- WhatsApp -------------------------------------------------------------------------
    def whatsapp_post(self, envelope: Any, secret: Optional[str] = WA_APP_SECRET, **kwargs: Any):
        body = envelope if isinstance(envelope, bytes) else json.dumps(envelope).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Hub-Signature-256"] = signature(secret, body)
        return requests.post(
            f"{self.assistant.rasa_url}/webhooks/whatsapp/webhook",
            data=body,
            headers=headers,
            timeout=30,
            **kwargs,
        )

    def whatsapp_say(
        self, wa_id: str, text: Any, expect: Optional[str] = None, name: Optional[str] = "Jane"
    ) -> list:
        """Send a text (or a message object) from the profile ``name``; wait for a bot message
        containing ``expect``."""
        before = len(self.graph.texts_to(wa_id))
        message = whatsapp_text(wa_id, text) if isinstance(text, str) else text
        response = self.whatsapp_post(whatsapp_envelope(wa_id, message, name=name))
        assert response.status_code == 200, response.text
        if expect is None:
            return []
        wait_until(lambda: any(expect in t for t in self.graph.texts_to(wa_id)[before:]), 60)
        return self.graph.texts_to(wa_id)[before:]

    def settle(self, seconds: float = 1.5) -> None:
        time.sleep(seconds)

    def restart(self, while_stopped: Any = None) -> None:
        """Stop both servers and start them again on the same stores."""
        self.assistant.stop()
        if while_stopped is not None:
            while_stopped()
        self.assistant = start_assistant(
            self.model,
            self.workdir,
            extra_credentials=channel_credentials(self.telegram, self.graph),
            extra_env=channel_env(),
        )

    def stop(self) -> None:
        self.assistant.stop()
        self.telegram.stop()
        self.graph.stop()


def channel_env() -> Dict[str, str]:
    return {"TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET, "WHATSAPP_APP_SECRET": WA_APP_SECRET}


def start_channels_assistant(
    model: Path, workdir: Path, closed_this_week: bool = False
) -> ChannelsAssistant:
    """Start the assistant with both channels on fresh fakes (``closed_this_week``: every
    team on holiday, so handoffs become tickets; see ``write_settings``)."""
    telegram = FakeTelegramApi(TELEGRAM_TOKEN)
    graph = FakeGraphApi(WA_TOKEN, WA_PHONE_ID)
    assistant = start_assistant(
        model,
        workdir,
        extra_credentials=channel_credentials(telegram, graph),
        extra_env=channel_env(),
        closed_this_week=closed_this_week,
        # The desk fuzz tests fail logins by the hundred from 127.0.0.1, then log in for real.
        desk_credentials={"login_limits_per_address": "100000/minute"},
    )
    return ChannelsAssistant(assistant, telegram, graph, model, workdir)


_shared: Dict[str, ChannelsAssistant] = {}
PERSON_BUTTONS_OFF_ENV = {"TELEGRAM_PERSON_BUTTON": "false", "WHATSAPP_PERSON_BUTTON": "off"}


def shared_channels_assistant(
    model: Path, tmp_path_factory: Any, request: Any
) -> ChannelsAssistant:
    """One running assistant for the whole test session (both channel folders use it)."""
    if "running" not in _shared:
        _shared["running"] = start_channels_assistant(model, tmp_path_factory.mktemp("channels"))
        request.session.config.add_cleanup(lambda: _shared.pop("running").stop())
    return _shared["running"]


def shared_channels_assistant_without_person_buttons(
    model: Path, tmp_path_factory: Any, request: Any
) -> ChannelsAssistant:
    """A second Rasa server with both channels' person buttons off, as ``make run`` sets them.

    Its credentials come from ``ops.channels`` and the environment (``TELEGRAM_PERSON_BUTTON=
    false``, ``WHATSAPP_PERSON_BUTTON=off``), exactly as ``make run`` writes them. It shares the
    fake APIs and the action server of ``shared_channels_assistant`` (conversations are told
    apart by their ids), and has its own stores.
    """
    if "without person buttons" not in _shared:
        from ops.channels import enabled_channels

        shared = shared_channels_assistant(model, tmp_path_factory, request)
        env = {
            **channel_env(),
            **PERSON_BUTTONS_OFF_ENV,
            "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_API_URL": shared.telegram.url,
            "WHATSAPP_TOKEN": WA_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": WA_PHONE_ID,
            "WHATSAPP_VERIFY_TOKEN": WA_VERIFY,
            "WHATSAPP_API_URL": shared.graph.api_url,
        }
        workdir = tmp_path_factory.mktemp("channels-without-person-buttons")
        assistant = start_assistant(
            model,
            workdir,
            extra_credentials=enabled_channels(env),
            extra_env=env,
            action_url=shared.assistant.action_url,
        )
        _shared["without person buttons"] = ChannelsAssistant(
            assistant, shared.telegram, shared.graph, model, workdir
        )
        request.session.config.add_cleanup(
            lambda: _shared.pop("without person buttons").assistant.stop()
        )
    return _shared["without person buttons"]


# -- Telegram payloads (https://core.telegram.org/bots/api#update) -------------------------


def telegram_user(
    chat_id: int, first_name: str = "Jane", last_name: Optional[str] = None
) -> Dict[str, Any]:
    """A Telegram ``User`` (``last_name`` is optional there, and left out when None)."""
    user = {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    if last_name is not None:
        user["last_name"] = last_name
    return user


def telegram_message(
    chat_id: int,
    update_id: Optional[int] = None,
    sender: Optional[Dict[str, Any]] = None,
    **content: Any,
) -> Dict[str, Any]:
    update_id = next(_update_ids) if update_id is None else update_id
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id % 100000,
            "from": sender or telegram_user(chat_id),
            "chat": {"id": chat_id, "first_name": "Jane", "type": "private"},
            "date": int(time.time()),
            **content,
        },
    }


def telegram_text(
    chat_id: int,
    text: str,
    update_id: Optional[int] = None,
    sender: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    return telegram_message(chat_id, update_id, sender, text=text)


def telegram_photo(chat_id: int, caption: Optional[str] = None) -> Dict[str, Any]:
    sizes = [
        {"file_id": "AgACAgQAAxkBAAIBsmall", "file_unique_id": "s1", "width": 90, "height": 67,
         "file_size": 1200},
        {"file_id": "AgACAgQAAxkBAAIBlarge", "file_unique_id": "l1", "width": 1280,
         "height": 960, "file_size": 98000},
    ]  # fmt: skip
    content: Dict[str, Any] = {"photo": sizes}
    if caption:
        content["caption"] = caption
    return telegram_message(chat_id, **content)


def telegram_poll(
    chat_id: int, question: str = "Which colour should the sofa be?"
) -> Dict[str, Any]:
    """A private message that is a poll (``Message.poll``, a ``Poll`` object)."""
    poll = {
        "id": "5435214543232341001",
        "question": question,
        "options": [
            {"text": "Grey", "voter_count": 0},
            {"text": "Blue", "voter_count": 0},
        ],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
    }
    return telegram_message(chat_id, poll=poll)


def telegram_callback(chat_id: int, data: str) -> Dict[str, Any]:
    update_id = next(_update_ids)
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cbq{update_id}",
            "from": telegram_user(chat_id),
            "chat_instance": "-1234",
            "data": data,
            "message": {
                "message_id": 101,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Northwind"},
                "chat": {"id": chat_id, "type": "private"},
                "date": int(time.time()),
                "text": "previous bot message",
            },
        },
    }


# -- WhatsApp payloads (Cloud API webhooks) ---------------------------------------------------


def whatsapp_envelope(
    wa_id: str, *messages: Dict[str, Any], statuses: Any = None, name: Optional[str] = "Jane"
) -> Dict[str, Any]:
    """A ``messages`` webhook; ``contacts`` names the sender ``name`` (None: no contacts)."""
    value: Dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001234", "phone_number_id": WA_PHONE_ID},
    }
    if messages:
        if name is not None:
            value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def _wa_message(wa_id: str, kind: str, content: Any, at: Optional[float] = None) -> Dict[str, Any]:
    return {
        "from": wa_id,
        "id": f"wamid.HBgL{next(_update_ids)}",
        "timestamp": str(int(at if at is not None else time.time())),
        "type": kind,
        kind: content,
    }


def whatsapp_text(wa_id: str, text: str, at: Optional[float] = None) -> Dict[str, Any]:
    return _wa_message(wa_id, "text", {"body": text}, at)


def whatsapp_image(wa_id: str, caption: Optional[str] = None) -> Dict[str, Any]:
    image = {"mime_type": "image/jpeg", "sha256": "abc=", "id": "1479537139650973"}
    if caption:
        image["caption"] = caption
    return _wa_message(wa_id, "image", image)


def whatsapp_voice(wa_id: str) -> Dict[str, Any]:
    return _wa_message(
        wa_id,
        "audio",
        {"mime_type": "audio/ogg; codecs=opus", "sha256": "x=", "id": "9876", "voice": True},
    )


def whatsapp_unsupported(wa_id: str, reported: Optional[str] = "poll_creation") -> Dict[str, Any]:
    """A message the Cloud API could not hand over (``type: unsupported`` with ``errors``)."""
    message = _wa_message(wa_id, "unsupported", {"type": reported} if reported else None)
    if reported is None:
        del message["unsupported"]
    message["errors"] = [
        {
            "code": 131051,
            "title": "Message type unknown",
            "message": "Message type unknown",
            "error_data": {"details": "Message type is currently not supported."},
        }
    ]
    return message


def whatsapp_button_reply(wa_id: str, button_id: str, title: str) -> Dict[str, Any]:
    return _wa_message(
        wa_id,
        "interactive",
        {"type": "button_reply", "button_reply": {"id": button_id, "title": title}},
    )


def whatsapp_status(
    wa_id: str, wamid: str, status: str, error_code: int = 131026
) -> Dict[str, Any]:
    entry: Dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": wa_id,
    }
    if status == "failed":
        entry["errors"] = [{"code": error_code, "title": "Message undeliverable"}]
    return entry


class DeskEventStream:
    """The desk's live events (``GET /api/events``, server-sent events), read in a thread."""

    def __init__(self, assistant: RunningAssistant) -> None:
        import threading

        self.events: list = []
        self._changed = threading.Condition()
        self._response = assistant.desk("GET", "/api/events", stream=True)
        assert self._response.status_code == 200, self._response.text
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        kind = None
        try:
            for line in self._response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind:
                    with self._changed:
                        self.events.append((kind, json.loads(line[6:])))
                        self._changed.notify_all()
        except Exception:
            pass

    def wait_for(self, kind: str, conversation_id: str, timeout: float = 30) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event_kind, event in self.events:
                    if event_kind == kind and event["conversation_id"] == conversation_id:
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {kind} for {conversation_id}: {self.events[-5:]}")
                self._changed.wait(remaining)

    def close(self) -> None:
        self._response.close()


def wait_until(condition: Any, timeout: float = 30, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")
