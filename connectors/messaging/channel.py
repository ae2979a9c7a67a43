"""``MessagingInput``: the webhook machinery Telegram and WhatsApp share.

A webhook delivery goes through, in this order:

1. ``authenticate`` (the platform's secret or signature; missing → 401, wrong → 403) —
   before the body is even parsed;
2. ``parse`` into ``InboundTurn`` s (malformed JSON / not the platform's shape → 400); a
   button press whose payload no domain button carries is refused here (acknowledged,
   never given to Rasa: ``connectors.messaging.button_payloads``);
3. the inbox: each turn is written to ``channel_inbox`` under its unique delivery key *before*
   the webhook is answered; a redelivery (also after a restart) is answered 200 and ignored;
4. 200 — processing runs in a background task, one conversation's turns one after another in
   arrival order. When a person has the conversation (an open handoff in the store, looked
   up in the inbox transaction) the webhook puts the message on the desk's stream before it
   answers (``connectors.bridge.relay_incoming``); the background turn then gives it to Rasa
   (``on_new_message``: logged and parsed, the bot silent) and the NLU's reading follows
   (``relay_analysis``); a whole "never mind" while still queued takes the customer out of
   the queue (``connectors.agent_desk.waiting.cancel_if_asked``). Otherwise the message
   goes to Rasa for a bot turn - a press of the "Talk to a person" button as
   ``/human_handoff`` (``connectors.messaging.person_button``).

Turns accepted but not processed (the server stopped in between) are processed when the server
starts again; a turn whose message id is already in the tracker is not run twice.

Several replicas on one store: whichever replica a webhook reaches accepts the delivery, and a
conversation's deliveries are processed strictly oldest first by one replica at a time — the
one holding the lease of the oldest unprocessed row. The inbox is a ``WorkQueue``
(``handoff.store.work_queue``) worked off by a ``QueueWorker``
(``connectors.messaging.queue_worker``), the same loop as the outbox's. A row that was leased
before (its replica was killed, or the turn failed) is checked against the tracker first, so a
turn Rasa already ran is not run again. Every ``sweep_seconds`` each replica looks for
unprocessed rows whose lease ran out. If a turn produced no reply because
the action server is down, ``connectors.messaging.fallback`` hands the conversation to a
person instead.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import UserUttered
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from connectors.agent_desk.waiting import cancel_if_asked
from connectors.bridge import MEDIA_METADATA_KEY, relay_analysis, relay_incoming
from connectors.messaging.button_payloads import DomainButtons, screen_presses
from connectors.messaging.fallback import hand_over_if_actions_failed
from connectors.messaging.inbound import InboundTurn, MalformedDelivery
from connectors.messaging.latency import ChannelMetrics
from connectors.messaging.outbox import (
    DEFAULT_RETRY,
    OutboundMessage,
    OutboxWorker,
    RetryPolicy,
    SendOutcome,
)
from connectors.messaging.output import QueuedOutput
from connectors.messaging.person_button import DEFAULT_PERSON_BUTTON, PersonButton
from connectors.messaging.queue_worker import QueueWorker, new_owner_id
from connectors.services import server_services
from handoff.desk.events import LiveEvents
from handoff.store import InboundDelivery, SqlUnitOfWork
from handoff.store.models import utc_now

logger = logging.getLogger(__name__)

DEFAULT_STORE_URL = "sqlite:///var/handoff.db"
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
Live = Tuple[str, Optional[str]]
"""(handoff id, team) of the conversation's open handoff: a person has it."""
LIVE_HANDOFF = "live_handoff"
"""Inbox payload key: the handoff that was open when the webhook accepted the message."""


@dataclass(frozen=True)
class Accepted:
    """A delivery the webhook accepted: its row, its turn, the open handoff it found."""

    delivery: InboundDelivery
    turn: InboundTurn
    live: Optional[Live]
    outbox_clear: bool = False
    """Leased to this replica for a bot turn, and the conversation had no undelivered message:
    the turn's replies may be sent before they are written (``OutboxWorker.enqueue``)."""


def refuse(message: str, status: int) -> HTTPResponse:
    """Return a JSON error response."""
    return json_response({"error": message}, status=status)


class MessagingInput(InputChannel):
    """Base input channel of the messaging platforms (see the module docstring)."""

    def __init__(
        self,
        store_url: str = DEFAULT_STORE_URL,
        retry: RetryPolicy = DEFAULT_RETRY,
        person_button: PersonButton = DEFAULT_PERSON_BUTTON,
    ) -> None:
        self.store_url = store_url
        self.retry = retry
        self.person_button = person_button
        self.worker: Optional[OutboxWorker] = None
        self.inbox: Optional[QueueWorker[InboundDelivery, Accepted]] = None
        self._sessions: Any = None
        self._app: Any = None  # the Sanic app serving the channel (set before it serves)
        self._buttons = DomainButtons()
        self.events = LiveEvents()  # replaced by the process's hub when the routes are made
        self.metrics: Optional[ChannelMetrics] = None  # the process's, with the routes too

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

    async def customer_wrote_to_person(self, conversation_id: str, handoff_id: str) -> None:
        """Run when a customer message of a conversation a person has comes to its turn.

        Before Rasa logs it; e.g. WhatsApp sends the agent's words its 24-hour window held
        back.
        """

    # -- shared machinery ------------------------------------------------------------------

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Return the output channel (None until the blueprint created the store)."""
        return self.make_output(self.worker) if self.worker is not None else None

    @property
    def owner(self) -> str:
        """Return this replica's name in the inbox's ``lease_owner`` (once the routes are made)."""
        if self.inbox is None:
            raise RuntimeError(f"{self.name()}: the inbox is made with the blueprint")
        return self.inbox.owner

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Migrate the store, then create the webhook routes and the start/stop listeners.

        The channel's services are built here, once per process: the store's sessions, the
        outbox worker and the inbox's queue worker, under one new lease owner name.
        """
        services = server_services()  # the process's composition root (connectors.services)
        self.events = services.events
        self.metrics = services.channel_metrics
        self.routing = services.settings.routing
        self.desk = services.settings.desk
        self._sessions = services.store(self.store_url)
        owner = new_owner_id()
        self.worker = OutboxWorker(
            self.name(), self._sessions, self.send, self.retry, self.events, owner=owner
        )
        self.inbox = QueueWorker(
            f"{self.name()} inbox",
            self._sessions,
            lambda uow: uow.inbox,
            self.account,
            functools.partial(self._process, on_new_message),
            owner=owner,
            lease_seconds=self.retry.lease_seconds,
            sweep_seconds=self.retry.sweep_seconds,
        )
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.listener("before_server_start")
        async def serving(app: Any, loop: Any) -> None:
            self._app = app

        @webhook.listener("after_server_start")
        async def started(app: Any, loop: Any) -> None:
            await self.start()
            assert self.worker is not None and self.inbox is not None
            await self.worker.resume()
            self.worker.start_sweeping()
            await self.inbox.recover()
            self.inbox.start_sweeping()

        @webhook.listener("before_server_stop")
        async def stopping(app: Any, loop: Any) -> None:
            assert self.worker is not None and self.inbox is not None
            await self.inbox.shutdown()
            await self.worker.shutdown()
            await self.stop()

        @webhook.get("/")
        async def health(request: Request) -> HTTPResponse:
            return json_response({"status": "ok"})

        @webhook.post("/webhook")
        @services.channel_metrics.timed_webhook(self.name())
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
            turns = screen_presses(turns, self._buttons.of(request.app), self.name())
            assert self.inbox is not None
            inbox = self.inbox
            idle = {turn.conversation_id for turn in turns if inbox.is_idle(turn.conversation_id)}
            accepted = await asyncio.to_thread(self._accept, turns, idle) if turns else []
            leased = {
                one.delivery.conversation_id: one
                for one in accepted
                if one.delivery.lease_owner == inbox.owner
            }
            for conversation_id in dict.fromkeys(one.turn.conversation_id for one in accepted):
                first = leased.get(conversation_id)
                inbox.wake(conversation_id, first.delivery if first else None, first)
            return json_response(
                {"accepted": len(accepted), "duplicates": len(turns) - len(accepted)}
            )

        self.add_routes(webhook)
        return webhook

    def _accept(self, turns: List[InboundTurn], idle: Set[str]) -> List[Accepted]:
        """Persist new turns in one transaction; return their rows, duplicates left out.

        A redelivery, also one racing the original, is left out (``InboxRepository.accept``).
        Each customer message also records whether a person has the conversation at this
        moment (``live_handoff`` in the payload): such a message goes on the desk's stream as
        soon as it is committed, from this thread (``LiveEvents`` is thread-safe), and its
        background turn knows it was relayed.

        Fast path for bot turns: for a conversation in ``idle`` (this replica is not
        processing it) that no person has and that has no older unprocessed row, the new row
        is leased to this replica in the same transaction, so the turn starts without another
        look-up and lease round trip; the same transaction notes whether the conversation
        has undelivered messages (``Accepted.outbox_clear``). A relayed message takes the
        usual way: its turn only adds the NLU's reading, and starting that parse at once
        would hold the event loop before the desk's event streams have written the message
        out.
        """
        assert self.inbox is not None
        accepted: List[Accepted] = []
        idle = set(idle)
        with SqlUnitOfWork(self._sessions) as uow:
            for turn in turns:
                payload = turn.payload()
                live: Optional[Live] = None
                if turn.action == "message":
                    live = uow.handoffs.open_route(turn.conversation_id)
                    if live is not None:
                        payload[LIVE_HANDOFF] = {"id": live[0], "team": live[1]}
                cid = turn.conversation_id
                fast = cid in idle and live is None
                fast = fast and not uow.inbox.has_open(self.account, cid)
                lease = (self.inbox.owner, self.inbox.lease_end()) if fast else None
                delivery = uow.inbox.accept(
                    self.account, turn.key, cid, payload, turn.sent_at, lease
                )
                if delivery is None:
                    logger.info("%s: duplicate delivery %s ignored", self.name(), turn.key)
                    continue
                idle.discard(cid)  # later rows of the conversation wait for this one
                bot_turn = fast and turn.action == "message"
                clear = bot_turn and not uow.outbox.has_open(self.name(), cid)
                accepted.append(Accepted(delivery, turn, live, clear))
            uow.commit()
        for one in accepted:
            if one.live is not None:  # a person has the conversation: on the desk right now
                turn = one.turn
                self._relay(turn.conversation_id, turn.key, turn.text, turn.metadata, one.live)
        return accepted

    def _relay(
        self,
        conversation_id: str,
        key: str,
        text: str,
        metadata: Optional[Dict[str, Any]],
        live: Live,
    ) -> None:
        relay_incoming(
            conversation_id,
            text=text,
            message_id=f"{self.account}:{key}",
            timestamp=time.time(),
            media=(metadata or {}).get(MEDIA_METADATA_KEY),
            input_channel=self.name(),
            handoff_id=live[0],
            team=live[1],
            events=self.events,
        )

    async def _process(
        self, on_new_message: OnNewMessage, delivery: InboundDelivery, first: Optional[Accepted]
    ) -> None:
        """Run one delivery leased to this replica, then mark it processed (the inbox's handler).

        ``first``: the webhook accepted and leased it a moment ago, so nothing can have run it
        before. Otherwise, a row leased before (``lease_owner`` as claimed) may have had its
        turn already: the tracker is checked first. The row is marked processed only after the
        turn, so a replica killed in between leaves it to be run again.
        """
        await self._run_turn(
            self._app,
            on_new_message,
            delivery.conversation_id,
            delivery.delivery_key,
            delivery.payload,
            attempted_before=first is None and delivery.lease_owner is not None,
            fresh=first is not None,
            outbox_clear=first.outbox_clear if first is not None else False,
        )
        await asyncio.to_thread(self._mark_processed, delivery.id)

    async def _run_turn(
        self,
        app: Any,
        on_new_message: OnNewMessage,
        conversation_id: str,
        key: str,
        turn: Dict[str, Any],
        attempted_before: bool,
        fresh: bool = False,
        outbox_clear: bool = False,
    ) -> None:
        """Give one accepted delivery to Rasa (or the desk, or ``handle_other``).

        ``fresh``: accepted and leased by the webhook just now, so the open handoff it looked
        up in that transaction is current - no second look-up before the turn.
        ``outbox_clear``: see ``Accepted``.
        """
        if turn.get("action") != "message":
            await self.handle_other(conversation_id, turn)
            return
        message_id = f"{self.account}:{key}"
        if attempted_before and await _in_tracker(app.ctx.agent, conversation_id, message_id):
            return
        await self.before_turn(turn)
        output = self.get_output_channel()
        if isinstance(output, QueuedOutput):
            output.nothing_pending = outbox_clear
        # A person has the conversation: the desk gets the words before Rasa parses them -
        # from the webhook already, or now if the handoff opened after the webhook answered.
        relayed = turn.get(LIVE_HANDOFF)
        live: Optional[Live] = (relayed["id"], relayed.get("team")) if relayed else None
        if live is None and not fresh:
            live = await asyncio.to_thread(self._live_handoff, conversation_id)
            if live is not None:
                self._relay(conversation_id, key, turn["text"], turn.get("metadata"), live)
        if live is not None:
            await self.customer_wrote_to_person(conversation_id, live[0])
        # A press of the person button is the explicit request, read without the NLU; with
        # a person already there it is relayed as the words the customer sees.
        text = turn["text"] if live is not None else self.person_button.rasa_text(turn["text"])
        timed = self.metrics.bot_turn(self.name()) if live is None and self.metrics else None
        await on_new_message(
            UserMessage(
                text,
                output,
                conversation_id,
                input_channel=self.name(),
                metadata=turn.get("metadata") or None,
                message_id=message_id,
            )
        )
        if live is not None:  # the bot stayed silent; add the NLU's reading for the desk
            await relay_analysis(
                app.ctx.agent,
                conversation_id,
                message_id,
                handoff_id=live[0],
                team=live[1],
                events=self.events,
            )
            await cancel_if_asked(  # "never mind" while still queued: the bot is back
                app.ctx.agent,
                app.ctx.input_channels,
                lambda: SqlUnitOfWork(self._sessions),
                self.desk,
                self.events,
                conversation_id=conversation_id,
                handoff_id=live[0],
                text=turn["text"],
            )
            return
        if timed is not None:
            await timed.done(app.ctx.agent, conversation_id, message_id)
        if getattr(output, "queued", 0) == 0:  # a turn that said something did not fail
            await hand_over_if_actions_failed(
                app.ctx.agent,
                conversation_id,
                message_id,
                output,
                self._sessions,
                self.name(),
                self.events,
                self.routing,
            )

    def _live_handoff(self, conversation_id: str) -> Optional[Live]:
        """Return (handoff id, team) when a person has the conversation now, else None."""
        with SqlUnitOfWork(self._sessions) as uow:
            return uow.handoffs.open_route(conversation_id)

    def _mark_processed(self, delivery_id: int) -> None:
        with SqlUnitOfWork(self._sessions) as uow:
            uow.inbox.complete(delivery_id, utc_now())
            uow.commit()

    def last_customer_message_at(self, conversation_id: str) -> Any:
        """Return when the customer last wrote (blocking; call in a thread)."""
        with SqlUnitOfWork(self._sessions) as uow:
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
