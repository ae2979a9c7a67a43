"""``MessagingInput``: the webhook machinery Telegram and WhatsApp share.

A webhook delivery goes through, in this order:

1. ``authenticate`` (the platform's secret or signature; missing → 401, wrong → 403) —
   before the body is even parsed;
2. ``parse`` into ``InboundTurn`` s (malformed JSON / not the platform's shape → 400);
3. the inbox: each turn is written to ``channel_inbox`` under its unique delivery key *before*
   the webhook is answered; a redelivery (also after a restart) is answered 200 and ignored;
4. 200 — processing runs in a background task, one conversation's turns one after another in
   arrival order: the customer message goes to Rasa (``on_new_message``), then to the desk
   when a person has the conversation (``connectors.bridge.relay_customer_message``).

Turns accepted but not processed (the server stopped in between) are processed when the server
starts again; a turn whose message id is already in the tracker is not run twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import UserUttered
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response
from sqlalchemy.exc import IntegrityError

from connectors.bridge import relay_customer_message
from connectors.messaging.inbound import InboundTurn, MalformedDelivery, mask
from connectors.messaging.outbox import (
    DEFAULT_RETRY,
    OutboundMessage,
    OutboxWorker,
    RetryPolicy,
    SendOutcome,
)
from handoff.store import ChannelUnitOfWork, create_store_engine, session_factory, upgrade_to_head

logger = logging.getLogger(__name__)

DEFAULT_STORE_URL = "sqlite:///var/handoff.db"
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def refuse(message: str, status: int) -> HTTPResponse:
    """Return a JSON error response."""
    return json_response({"error": message}, status=status)


class MessagingInput(InputChannel):
    """Base input channel of the messaging platforms (see the module docstring)."""

    def __init__(
        self,
        store_url: str = DEFAULT_STORE_URL,
        retry: RetryPolicy = DEFAULT_RETRY,
        talk_to_person_button: bool = False,
    ) -> None:
        self.store_url = store_url
        self.retry = retry
        self.talk_to_person_button = talk_to_person_button
        self.worker: Optional[OutboxWorker] = None
        self._sessions: Any = None
        self._locks: Dict[str, asyncio.Lock] = {}
        self._waiting: Dict[str, int] = defaultdict(int)
        self._tasks: Set[asyncio.Task] = set()

    # -- what each platform provides -------------------------------------------------------

    @property
    def account(self) -> str:
        """The channel account the inbox keys are unique in (``telegram:<bot id>``)."""
        raise NotImplementedError

    def authenticate(self, request: Request) -> Optional[HTTPResponse]:
        """Return 401/403 for a missing/wrong secret, None for a genuine delivery."""
        raise NotImplementedError

    def parse(self, body: Any) -> List[InboundTurn]:
        """Return the turns of a webhook body; raise ``MalformedDelivery`` with a reason."""
        raise NotImplementedError

    async def send(self, message: OutboundMessage) -> SendOutcome:
        """Make one attempt at an outbox message's API call."""
        raise NotImplementedError

    def make_output(self, worker: OutboxWorker) -> OutputChannel:
        """Return the platform's output channel over ``worker``."""
        raise NotImplementedError

    async def start(self) -> None:
        """Open the platform client (called when the server starts)."""

    async def stop(self) -> None:
        """Close the platform client (called when the server stops)."""

    async def before_turn(self, turn: Dict[str, Any]) -> None:
        """Run before a customer turn goes to Rasa (e.g. answer a button press)."""

    async def handle_other(self, conversation_id: str, turn: Dict[str, Any]) -> None:
        """Handle a turn whose action is not ``message`` (notices, delivery statuses)."""
        logger.debug("%s: ignoring %s turn", self.name(), turn.get("action"))

    def add_routes(self, blueprint: Blueprint) -> None:
        """Add platform-specific routes (e.g. WhatsApp's verification handshake)."""

    # -- shared machinery ------------------------------------------------------------------

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Return the output channel (None until the blueprint created the store)."""
        return self.make_output(self.worker) if self.worker is not None else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Migrate the store, then create the webhook routes and the start/stop listeners."""
        engine = create_store_engine(self.store_url)
        upgrade_to_head(engine)
        self._sessions = session_factory(engine)
        self.worker = OutboxWorker(self.name(), self._sessions, self.send, self.retry)
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.listener("after_server_start")
        async def started(app: Any, loop: Any) -> None:
            await self.start()
            assert self.worker is not None
            await self.worker.resume()
            await self._recover(app, on_new_message)

        @webhook.listener("before_server_stop")
        async def stopping(app: Any, loop: Any) -> None:
            assert self.worker is not None
            await self.worker.shutdown()
            await self.stop()

        @webhook.get("/")
        async def health(request: Request) -> HTTPResponse:
            return json_response({"status": "ok"})

        @webhook.post("/webhook")
        async def receive(request: Request) -> HTTPResponse:
            problem = self.authenticate(request)
            if problem is not None:
                return problem
            try:
                body = json.loads(request.body or b"")
            except ValueError:
                return refuse("the body is not valid JSON", 400)
            try:
                turns = self.parse(body)
            except MalformedDelivery as error:
                return refuse(str(error), 400)
            accepted = await asyncio.to_thread(self._accept, turns) if turns else []
            for delivery_id, turn in accepted:
                self._schedule(request.app, on_new_message, delivery_id, turn.conversation_id,
                               turn.key, turn.payload())  # fmt: skip
            return json_response(
                {"accepted": len(accepted), "duplicates": len(turns) - len(accepted)}
            )

        self.add_routes(webhook)
        return webhook

    def _accept(self, turns: List[InboundTurn]) -> List[Tuple[int, InboundTurn]]:
        """Persist new turns in one transaction; return them with their ids, duplicates left out.

        A redelivery racing the original can hit the unique key at commit: then the whole
        batch is tried once more, and the second pass sees the other one's rows.
        """
        try:
            return self._accept_once(turns)
        except IntegrityError:
            return self._accept_once(turns)

    def _accept_once(self, turns: List[InboundTurn]) -> List[Tuple[int, InboundTurn]]:
        accepted = []
        with ChannelUnitOfWork(self._sessions) as uow:
            for turn in turns:
                delivery_id = uow.inbox.accept(
                    self.account, turn.key, turn.conversation_id, turn.payload(), turn.sent_at
                )
                if delivery_id is None:
                    logger.info("%s: duplicate delivery %s ignored", self.name(), turn.key)
                else:
                    accepted.append((delivery_id, turn))
            uow.commit()
        return accepted

    def _schedule(self, app: Any, on_new_message: OnNewMessage, *args: Any) -> None:
        task = asyncio.get_running_loop().create_task(self._process(app, on_new_message, *args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _recover(self, app: Any, on_new_message: OnNewMessage) -> None:
        def read() -> list:
            with ChannelUnitOfWork(self._sessions) as uow:
                rows = uow.inbox.unprocessed(self.account)
                return [(r.id, r.conversation_id, r.delivery_key, r.payload) for r in rows]

        pending = await asyncio.to_thread(read)
        if pending:
            logger.info("%s: processing %d accepted deliveries", self.name(), len(pending))
        for delivery_id, conversation_id, key, payload in pending:
            self._schedule(app, on_new_message, delivery_id, conversation_id, key, payload, True)

    async def _process(
        self,
        app: Any,
        on_new_message: OnNewMessage,
        delivery_id: int,
        conversation_id: str,
        key: str,
        turn: Dict[str, Any],
        recovering: bool = False,
    ) -> None:
        self._waiting[conversation_id] += 1
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        try:
            async with lock:
                await self._run_turn(app, on_new_message, conversation_id, key, turn, recovering)
                await asyncio.to_thread(self._mark_processed, delivery_id)
        except Exception:
            logger.exception(
                "%s: turn %s of %s failed; retried on restart",
                self.name(),
                key,
                mask(conversation_id),
            )
        finally:
            self._waiting[conversation_id] -= 1
            if not self._waiting[conversation_id]:
                del self._waiting[conversation_id]
                self._locks.pop(conversation_id, None)

    async def _run_turn(
        self,
        app: Any,
        on_new_message: OnNewMessage,
        conversation_id: str,
        key: str,
        turn: Dict[str, Any],
        recovering: bool,
    ) -> None:
        if turn.get("action") != "message":
            await self.handle_other(conversation_id, turn)
            return
        message_id = f"{self.account}:{key}"
        if recovering and await _in_tracker(app.ctx.agent, conversation_id, message_id):
            return
        await self.before_turn(turn)
        await on_new_message(
            UserMessage(
                turn["text"],
                self.get_output_channel(),
                conversation_id,
                input_channel=self.name(),
                metadata=turn.get("metadata") or None,
                message_id=message_id,
            )
        )
        await relay_customer_message(app.ctx.agent, conversation_id)

    def _mark_processed(self, delivery_id: int) -> None:
        with ChannelUnitOfWork(self._sessions) as uow:
            uow.inbox.mark_processed(delivery_id)
            uow.commit()

    def last_customer_message_at(self, conversation_id: str) -> Any:
        """Return when the customer last wrote (blocking; call in a thread)."""
        with ChannelUnitOfWork(self._sessions) as uow:
            return uow.inbox.last_customer_message_at(conversation_id)


async def _in_tracker(agent: Any, conversation_id: str, message_id: str) -> bool:
    """Whether the tracker already has the user message ``message_id`` (a crash after Rasa)."""
    tracker = await agent.tracker_store.retrieve(conversation_id)
    if tracker is None:
        return False
    return any(
        isinstance(event, UserUttered) and event.message_id == message_id
        for event in tracker.events
    )
