"""``WebsiteInput``: Rasa's socket.io channel (the common Rasa web-chat widgets), bridged.

A thin subclass of Rasa's ``SocketIOInput``, so every widget that speaks Rasa's socket.io
protocol (``session_request`` / ``user_uttered`` / ``bot_uttered``) works unchanged. What it
adds are the handoff rules the messaging channels follow:

- **Agent replies reach the customer live.** The desk delivers an agent's words through the
  conversation's own output channel (``connectors.bridge``): here a socket.io emit to the
  room of the customer's session. Sessions are therefore always persistent (the conversation
  id is the widget's ``session_id``, which survives a page reload), whatever the credentials
  say.
- **Relay.** While a person has the conversation, each customer message is on the desk's live
  stream at once, and the NLU's reading follows (``relay_incoming`` / ``relay_analysis``).
  A whole "never mind" while still queued takes the customer out of the queue
  (``connectors.agent_desk.waiting.cancel_if_asked``).
- **Sessions that receive.** Rasa 3.6's own ``session_request`` handler does not await
  python-socketio 5's ``enter_room``, so with persistent sessions no message ever reached
  the widget; this channel answers ``session_request`` itself (same protocol).
- **Silence and handback.** Rasa keeps the bot silent while the tracker is paused and the
  desk's handback resumes it; nothing channel-specific is needed.
- **Forged conversations.** The widget chooses its ``session_id``, so a session id in another
  channel's namespace (``telegram:424242``: any id with a colon) is refused — otherwise a
  website visitor could write into a Telegram customer's conversation. Other ids are the
  widget's random ones, as in Rasa's own channel.
- **Forged payloads.** A message that is an intent payload (``/restart``, ``/handback`` ...)
  reaches Rasa only when it is one of the domain's own buttons (``button_payloads``), as on
  Telegram and WhatsApp.

Limit: socket.io keeps the connection on the replica the browser reached, so an agent reply
reaches the website customer only from that replica — run the website chat with sticky
sessions on one replica, or on each replica with the desk on the same one (Rasa warns the
same for its own channel).

credentials.yml::

    connectors.website.WebsiteInput:
      store_url: ${DESK_STORE_URL}     # the desk's handoff store (where handoffs are)
      # and any key of Rasa's socketio channel: user_message_evt, bot_message_evt,
      # socketio_path, jwt_key, jwt_method, metadata_key, namespace
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint
from sqlalchemy.orm import sessionmaker

from connectors.agent_desk.waiting import cancel_if_asked
from connectors.bridge import relay_analysis, relay_incoming
from connectors.messaging.button_payloads import DomainButtons, allowed_press
from connectors.messaging.inbound import mask
from connectors.services import server_services
from connectors.trial_rest import NAMESPACE_SEPARATOR
from handoff.desk.events import LiveEvents
from handoff.settings import DeskSettings
from handoff.store import SqlUnitOfWork

logger = logging.getLogger(__name__)

DEFAULT_STORE_URL = "sqlite:///var/handoff.db"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
Live = Tuple[str, Optional[str]]


class WebsiteInput(SocketIOInput):
    """Rasa's socket.io channel with the live-agent bridge (see the module docstring)."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Build from credentials.yml (Rasa's socketio keys plus ``store_url``)."""
        credentials = dict(credentials or {})
        store_url = str(credentials.pop("store_url", None) or DEFAULT_STORE_URL)
        channel = super().from_credentials(credentials)
        assert isinstance(channel, WebsiteInput)
        channel.store_url = store_url
        channel.session_persistence = True  # replies must find the customer's session room
        return channel

    store_url: str = DEFAULT_STORE_URL
    _app: Any = None
    _buttons: Optional[DomainButtons] = None
    _desk: DeskSettings = DeskSettings()  # handoff.yml's, set with the routes

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's socket.io routes, with each customer message screened and relayed."""
        services = server_services()
        sessions = services.store(self.store_url)
        self.session_persistence = True
        self._buttons = DomainButtons()
        self._desk = services.settings.desk  # desk.cancel_phrases and the texts
        blueprint = super().blueprint(self._bridged(on_new_message, sessions, services.events))
        sio = self.sio
        assert sio is not None

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Optional[Dict[str, Any]]) -> None:
            # Rasa 3.6 calls ``enter_room`` without awaiting it, which python-socketio 5
            # made a coroutine: the socket never joined its session's room and no bot or
            # agent message reached a persistent session. Same protocol, awaited.
            data = data or {}
            session_id = data.get("session_id") or uuid.uuid4().hex
            await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @blueprint.listener("after_server_start")
        async def keep_app(app: Any, loop: Any) -> None:
            self._app = app  # the loaded model: the button allow-list and the NLU's reading

        return blueprint

    def _bridged(
        self, on_new_message: OnNewMessage, sessions: sessionmaker, events: LiveEvents
    ) -> OnNewMessage:
        async def handle(message: UserMessage) -> None:
            text = message.text or ""
            if NAMESPACE_SEPARATOR in message.sender_id:
                logger.warning(
                    "socketio: refused a message for session %s… (another channel's namespace)",
                    message.sender_id.split(NAMESPACE_SEPARATOR, 1)[0],
                )
                return
            if text.strip().startswith("/") and self._app is not None:
                assert self._buttons is not None
                if allowed_press(text, self._buttons.of(self._app)) is None:
                    logger.warning(
                        "socketio: refused a payload no button of ours carries, from %s",
                        mask(message.sender_id),
                    )
                    return
            conversation_id = message.sender_id
            live = await asyncio.to_thread(_open_route, sessions, conversation_id)
            if live is not None:
                relay_incoming(
                    conversation_id,
                    text=text,
                    message_id=message.message_id,
                    timestamp=time.time(),
                    input_channel=self.name(),
                    handoff_id=live[0],
                    team=live[1],
                    events=events,
                )
            await on_new_message(message)
            if live is not None and self._app is not None:
                await relay_analysis(
                    self._app.ctx.agent,
                    conversation_id,
                    message.message_id,
                    handoff_id=live[0],
                    team=live[1],
                    events=events,
                )
                await cancel_if_asked(  # "never mind" while still queued: the bot is back
                    self._app.ctx.agent,
                    self._app.ctx.input_channels,
                    lambda: SqlUnitOfWork(sessions),
                    self._desk,
                    events,
                    conversation_id=conversation_id,
                    handoff_id=live[0],
                    text=text,
                )

        return handle


def _open_route(sessions: sessionmaker, conversation_id: str) -> Optional[Live]:
    """Return (handoff id, team) when a person has the conversation now, else None."""
    with SqlUnitOfWork(sessions) as uow:
        return uow.handoffs.open_route(conversation_id)
