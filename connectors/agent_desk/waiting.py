"""The desk's side of a customer waiting in the queue: the sweep loop and "never mind".

The rules are the core's (``handoff.desk.queue_sweep``, ``handoff.desk.waiting``); this module
runs them on the server and says the result to the customer through their own channel
(``connectors.bridge.deliver_desk_notice``), with the texts of handoff.yml's ``desk`` section.

- :class:`WaitingSweeper`: every ``desk.queue_sweep_seconds`` each desk replica sweeps the
  queue. Only the replica whose conditional UPDATE won sends a notice, so two replicas never
  tell a customer the same thing twice. A queued handoff turned into a ticket gives the
  conversation back to the bot silently (as closing a chat does), then the customer hears
  when a person will answer; the inbox gets ``handoff.closed`` with the ticket's view.
- :func:`cancel_if_asked`: a customer message relayed while queued that is a whole cancel
  phrase (``desk.cancel_phrases``) closes the handoff as cancelled, resumes the bot and tells
  the customer so; the inbox gets ``handoff.closed``. Once an agent has it, nothing happens.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, List, Optional

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel

from connectors.agent_desk.handback import resume_conversation
from connectors.agent_desk.views import desk_view
from connectors.bridge import deliver_desk_notice
from handoff.desk import queue_sweep
from handoff.desk.events import DeskEvent, DeskEventType, LiveEvents
from handoff.desk.queue_sweep import NoticeKind, WaitingNotice, WaitingRules
from handoff.desk.service import HandoffNotFound, HandoffNotOpen
from handoff.desk.waiting import describe_wait, is_cancel_request
from handoff.routing.hours import HoursSettings
from handoff.routing.teams import RoutingSettings
from handoff.settings import DeskSettings
from handoff.store import SqlUnitOfWork
from handoff.store.models import utc_now

logger = logging.getLogger(__name__)

CANCELLED = "queue_cancelled"
"""``kind`` of the "I've taken you out of the queue" message (the notices' are NoticeKind's)."""


def notice_text(notice: WaitingNotice, desk: DeskSettings) -> str:
    """Return what the customer reads for ``notice``, from handoff.yml's templates.

    In the handoff's language (``desk.translations``; English for a language without the text).
    """
    texts = desk.texts_for(notice.language)
    if notice.kind == NoticeKind.TICKET:
        return texts["queue_ticket_message"].format(
            back_at=notice.back_at or texts["queue_ticket_soon"]
        )
    return texts["queue_update_message"].format(
        queue_position=notice.queue_position,
        expected_wait=describe_wait(notice.expected_wait_seconds, notice.language),
    )


def _publish_closed(events: LiveEvents, view: Dict[str, Any]) -> None:
    events.publish(
        DeskEvent(
            type=DeskEventType.HANDOFF_CLOSED,
            conversation_id=view["conversation_id"],
            handoff_id=view["id"],
            team=view.get("team"),
            data=view,
        )
    )


def _view_of(handoff_id: str) -> Callable[[SqlUnitOfWork], Dict[str, Any]]:
    def read(uow: SqlUnitOfWork) -> Dict[str, Any]:
        handoff = uow.handoffs.get(handoff_id)
        if handoff is None:  # purged meanwhile (retention)
            raise HandoffNotFound(handoff_id)
        return desk_view(uow, handoff)

    return read


class WaitingSweeper:
    """Sweep the queue every ``desk.queue_sweep_seconds`` for the server's lifetime.

    Args:
        unit_of_work: the desk's store.
        desk: handoff.yml's ``desk`` section (rules and texts).
        routing: handoff.yml's ``routing`` section (each team's business hours).
        events: the live-events hub.
        clock: the time the sweep decides at (tests may move it).
    """

    def __init__(
        self,
        unit_of_work: Callable[[], SqlUnitOfWork],
        desk: DeskSettings,
        routing: RoutingSettings,
        events: LiveEvents,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.unit_of_work = unit_of_work
        self.desk = desk
        self.routing = routing
        self.events = events
        self.clock = clock
        self.rules = WaitingRules.of_minutes(desk.queue_update_minutes, desk.queue_timeout_minutes)
        self._task: Optional[asyncio.Task] = None

    def hours_of(self, team: Optional[str]) -> Optional[HoursSettings]:
        """Return the team's business hours (None: any time, or a team handoff.yml lacks)."""
        settings = self.routing.teams.get(team) if team else None
        return settings.hours if settings is not None else None

    def attach(self, blueprint: Any) -> None:
        """Start the loop when the server has started; stop it before the server stops."""

        @blueprint.listener("after_server_start")
        async def start(app: Any, *_: Any) -> None:
            self._task = asyncio.create_task(self._run(app))

        @blueprint.listener("before_server_stop")
        async def stop(*_: Any) -> None:
            if self._task is not None:
                self._task.cancel()

    async def _run(self, app: Any) -> None:
        while True:
            await asyncio.sleep(self.desk.queue_sweep_seconds)
            agent = getattr(app.ctx, "agent", None)
            if agent is None or agent.processor is None:
                continue  # no model loaded yet: nothing can be said to customers
            try:
                await self.sweep_once(agent, app.ctx.input_channels)
            except Exception:  # one bad round must not end the loop for good
                logger.exception("The waiting sweep failed; trying again next round.")

    async def sweep_once(
        self, agent: Agent, input_channels: Iterable[InputChannel]
    ) -> List[WaitingNotice]:
        """Sweep once and tell each customer concerned; return the notices sent."""
        now = self.clock()

        def decide(uow: SqlUnitOfWork) -> List[WaitingNotice]:
            return queue_sweep.sweep(uow, now, self.rules, self.hours_of)

        notices = await asyncio.to_thread(self._in_unit_of_work, decide)
        channels = list(input_channels)
        for notice in notices:
            try:
                await self._tell(agent, channels, notice)
            except Exception:  # recorded already: the customer misses this one, not the rest
                logger.exception(
                    "Could not tell %s about handoff %s.", notice.kind, notice.handoff_id
                )
        return notices

    async def _tell(
        self, agent: Agent, channels: List[InputChannel], notice: WaitingNotice
    ) -> None:
        if notice.kind == NoticeKind.TICKET:  # the bot is back while the ticket waits
            await resume_conversation(agent, notice.conversation_id, channels, intent=None)
            view = await asyncio.to_thread(self._in_unit_of_work, _view_of(notice.handoff_id))
            _publish_closed(self.events, view)  # the inbox moves it, even if the channel fails
        await deliver_desk_notice(
            agent,
            channels,
            notice.conversation_id,
            notice_text(notice, self.desk),
            kind=notice.kind,
            handoff_id=notice.handoff_id,
            team=notice.team,
            events=self.events,
        )

    def _in_unit_of_work(self, work: Callable[[SqlUnitOfWork], Any]) -> Any:
        with self.unit_of_work() as uow:
            return work(uow)


async def cancel_if_asked(
    agent: Agent,
    input_channels: Iterable[InputChannel],
    unit_of_work: Callable[[], SqlUnitOfWork],
    desk: DeskSettings,
    events: LiveEvents,
    *,
    conversation_id: str,
    handoff_id: str,
    text: Optional[str],
    clock: Callable[[], datetime] = utc_now,
) -> bool:
    """Cancel the queued handoff if ``text`` is a cancel phrase; return whether it was.

    Called after the customer's message was logged (the bot still paused), so the words are in
    the tracker and on the desk's stream either way.
    """
    if not is_cancel_request(text, desk.cancel_phrases):
        return False

    def cancel() -> Optional[Dict[str, Any]]:
        with unit_of_work() as uow:
            try:
                handoff = queue_sweep.cancel_by_customer(uow, handoff_id, now=clock())
            except (HandoffNotOpen, HandoffNotFound):
                return None  # an agent has it (their chat now), or it is over
            return desk_view(uow, handoff)

    view = await asyncio.to_thread(cancel)
    if view is None:
        return False
    channels = list(input_channels)
    await resume_conversation(agent, conversation_id, channels, intent=None)
    _publish_closed(events, view)
    await deliver_desk_notice(
        agent,
        channels,
        conversation_id,
        desk.texts_for(view.get("language"))["cancelled_message"],
        kind=CANCELLED,
        handoff_id=handoff_id,
        team=view.get("team"),
        events=events,
    )
    logger.info("The customer cancelled queued handoff %s.", handoff_id)
    return True
