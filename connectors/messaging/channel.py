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
   (``relay_analysis``). Otherwise the message goes to Rasa for a bot turn - a press of the
   "Talk to a person" button as ``/human_handoff`` (``connectors.messaging.person_button``).

Turns accepted but not processed (the server stopped in between) are processed when the server
starts again; a turn whose message id is already in the tracker is not run twice.

Several replicas on one store: whichever replica a webhook reaches accepts the delivery, and a
conversation's deliveries are processed strictly oldest first by one replica at a time — the
one holding the lease of the oldest unprocessed row (``connectors.messaging.leases``). A row
that was leased before (its replica was killed, or the turn failed) is checked against the
tracker first, so a turn Rasa already ran is not run again. Every ``sweep_seconds`` each
replica looks for unprocessed rows whose lease ran out. If a turn produced no reply because
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
from datetime import datetime
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import UserUttered
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from connectors.bridge import MEDIA_METADATA_KEY, relay_analysis, relay_incoming
from connectors.messaging.button_payloads import DomainButtons, screen_presses
from connectors.messaging.fallback import hand_over_if_actions_failed
from connectors.messaging.inbound import InboundTurn, MalformedDelivery, mask
from connectors.messaging.leases import (
    REPLICA_ID,
    claim_oldest,
    lease_end,
    lease_renewer,
    renewed,
    take_lease,
    wind_down,
)
from connectors.messaging.outbox import (
    DEFAULT_RETRY,
    OutboundMessage,
    OutboxWorker,
    RetryPolicy,
    SendOutcome,
)
from connectors.messaging.output import QueuedOutput
from connectors.messaging.person_button import DEFAULT_PERSON_BUTTON, PersonButton
from connectors.services import server_services
from handoff.desk.events import LiveEvents
from handoff.store import (
    ChannelUnitOfWork,
    InboundDelivery,
)

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
        self._sessions: Any = None
        self._drains: Dict[str, asyncio.Task] = {}
        self._woken: Set[str] = set()
        self._stopping = False
        self._sweeper: Optional[asyncio.Task] = None
        self.owner = REPLICA_ID
        self._buttons = DomainButtons()
        self.events = LiveEvents()  # replaced by the process's hub when the routes are made

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
        services = server_services()  # the process's composition root (connectors.services)
        self.events = services.events
        self.routing = services.settings.routing
        self._sessions = services.store(self.store_url)
        self.worker = OutboxWorker(self.name(), self._sessions, self.send, self.retry, self.events)
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.listener("after_server_start")
        async def started(app: Any, loop: Any) -> None:
            await self.start()
            assert self.worker is not None
            await self.worker.resume()
            self.worker.start_sweeping()
            await self._recover(app, on_new_message)
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep(app, on_new_message))

        @webhook.listener("before_server_stop")
        async def stopping(app: Any, loop: Any) -> None:
            assert self.worker is not None
            await self._shutdown_inbox()
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
            turns = screen_presses(turns, self._buttons.of(request.app), self.name())
            idle = {turn.conversation_id for turn in turns if self._idle(turn.conversation_id)}
            accepted = await asyncio.to_thread(self._accept, turns, idle) if turns else []
            leased = {
                one.delivery.conversation_id: one
                for one in accepted
                if one.delivery.lease_owner == self.owner
            }
            for conversation_id in dict.fromkeys(one.turn.conversation_id for one in accepted):
                first = leased.get(conversation_id)
                self._wake(request.app, on_new_message, conversation_id, first)
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
        accepted: List[Accepted] = []
        idle = set(idle)
        with ChannelUnitOfWork(self._sessions) as uow:
            for turn in turns:
                payload = turn.payload()
                live: Optional[Live] = None
                if turn.action == "message":
                    live = uow.handoffs.open_route(turn.conversation_id)
                    if live is not None:
                        payload[LIVE_HANDOFF] = {"id": live[0], "team": live[1]}
                cid = turn.conversation_id
                fast = cid in idle and live is None
                fast = fast and not uow.inbox.has_unprocessed(self.account, cid)
                lease = (self.owner, lease_end(self.retry.lease_seconds)) if fast else None
                delivery = uow.inbox.accept(
                    self.account, turn.key, cid, payload, turn.sent_at, lease
                )
                if delivery is None:
                    logger.info("%s: duplicate delivery %s ignored", self.name(), turn.key)
                    continue
                idle.discard(cid)  # later rows of the conversation wait for this one
                bot_turn = fast and turn.action == "message"
                clear = bot_turn and not uow.outbox.has_pending(self.name(), cid)
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

    def _idle(self, conversation_id: str) -> bool:
        task = self._drains.get(conversation_id)
        return task is None or task.done()

    def _wake(
        self,
        app: Any,
        on_new_message: OnNewMessage,
        conversation_id: str,
        first: Optional[Accepted] = None,
    ) -> None:
        """Make sure a drain task is processing ``conversation_id``'s accepted deliveries.

        ``first``: a delivery the webhook leased to this replica (see ``_accept``).
        """
        self._woken.add(conversation_id)
        if self._idle(conversation_id):
            task = asyncio.get_running_loop().create_task(
                self._drain(app, on_new_message, conversation_id, first)
            )
            self._drains[conversation_id] = task
            task.add_done_callback(lambda done: self._forget(conversation_id, done))

    def _forget(self, conversation_id: str, task: asyncio.Task) -> None:
        if self._drains.get(conversation_id) is task:
            del self._drains[conversation_id]

    async def _recover(self, app: Any, on_new_message: OnNewMessage) -> None:
        """Wake every conversation with accepted but unprocessed deliveries."""

        def read() -> List[str]:
            with ChannelUnitOfWork(self._sessions) as uow:
                return uow.inbox.conversations_unprocessed(self.account)

        for conversation_id in await asyncio.to_thread(read):
            self._wake(app, on_new_message, conversation_id)

    async def _sweep(self, app: Any, on_new_message: OnNewMessage) -> None:
        while not self._stopping:
            await asyncio.sleep(self.retry.sweep_seconds)
            try:
                await self._recover(app, on_new_message)
            except Exception as error:  # the store is unreachable: next sweep
                logger.warning("%s: inbox sweep failed: %s", self.name(), error)

    async def _shutdown_inbox(self, grace: float = 5.0) -> None:
        """Let running turns finish (up to ``grace`` seconds); let go of the leases."""
        self._stopping = True

        def release() -> None:
            with ChannelUnitOfWork(self._sessions) as uow:
                uow.inbox.release_leases(self.account, self.owner)
                uow.commit()

        await wind_down(self._drains, self._sweeper, release, grace, f"{self.name()} inbox")

    async def _drain(
        self,
        app: Any,
        on_new_message: OnNewMessage,
        conversation_id: str,
        first: Optional[Accepted] = None,
    ) -> None:
        """Process the conversation's deliveries oldest first while this replica may.

        ``first`` was leased to this replica by the webhook that accepted it a moment ago:
        it runs at once, and nothing can have run it before.
        """
        while not self._stopping:
            self._woken.discard(conversation_id)
            try:
                fresh = first is not None
                outbox_clear = False
                if first is not None:
                    delivery, outbox_clear, first = first.delivery, first.outbox_clear, None
                else:
                    find = functools.partial(self._next_delivery, conversation_id)
                    claimed = await claim_oldest(find, self._take_lease, self.owner)
                    if claimed is None:
                        if conversation_id in self._woken:
                            continue  # accepted while we looked: look again
                        return
                    delivery = claimed
                seconds = self.retry.lease_seconds
                async with renewed(self._renew(delivery.id), seconds):
                    await self._run_turn(
                        app,
                        on_new_message,
                        conversation_id,
                        delivery.delivery_key,
                        delivery.payload,
                        attempted_before=not fresh and delivery.lease_owner is not None,
                        fresh=fresh,
                        outbox_clear=outbox_clear,
                    )
                await asyncio.to_thread(self._mark_processed, delivery.id)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception(
                    "%s: a turn of %s failed; retried at the next sweep",
                    self.name(),
                    mask(conversation_id),
                )
                return

    def _next_delivery(self, conversation_id: str) -> Optional[InboundDelivery]:
        with ChannelUnitOfWork(self._sessions) as uow:
            return uow.inbox.next_unprocessed(self.account, conversation_id)

    def _take_lease(self, delivery: InboundDelivery) -> bool:
        return take_lease(self._sessions, "inbox", delivery, self.owner, self.retry.lease_seconds)

    def _renew(self, delivery_id: int) -> Callable[[datetime], bool]:
        return lease_renewer(self._sessions, "inbox", delivery_id, self.owner)

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
        # A press of the person button is the explicit request, read without the NLU; with
        # a person already there it is relayed as the words the customer sees.
        text = turn["text"] if live is not None else self.person_button.rasa_text(turn["text"])
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
            return
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
        with ChannelUnitOfWork(self._sessions) as uow:
            return uow.handoffs.open_route(conversation_id)

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
