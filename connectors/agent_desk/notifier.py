"""Sending the desk's notifications (``desk.notifications``) off the customer's turn.

The notifier hears every new handoff or ticket that *this* replica publishes (``handoff.opened``,
and ``handoff.closed`` of a queued handoff the waiting sweep made a ticket;
``LiveEvents.relay`` is called for local events only, so with several replicas each is
announced once, by the replica that opened it or whose sweep made the ticket) and posts the
notices of :mod:`handoff.desk.notifications` from a background task: a slow or broken chat
tool never delays the customer's webhook or the bot's turn. Each notice is tried
``attempts`` times with a doubling pause (1, 2, 4 s ...); one that still fails is logged
(without its URL, which is a secret) and dropped — a notice is a nudge, the inbox stays the
record.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, List, Optional

import aiohttp

from handoff.desk.events import DeskEvent, LiveEvents
from handoff.desk.notifications import Notice, NotificationTarget, announced, notices_for

logger = logging.getLogger(__name__)

FIRST_PAUSE_SECONDS = 1.0


class Notifier:
    """Posts notices for the handoffs this process opens.

    Args:
        targets: ``desk.notifications`` of handoff.yml.
        inbox_url: the inbox's public address, linked from the notices (optional).
        first_pause: seconds before the first retry (doubling after each failure).
    """

    def __init__(
        self,
        targets: List[NotificationTarget],
        inbox_url: Optional[str] = None,
        first_pause: float = FIRST_PAUSE_SECONDS,
    ) -> None:
        self.targets = targets
        self.inbox_url = inbox_url
        self.first_pause = first_pause
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._queue: Optional[asyncio.Queue[Optional[Notice]]] = None
        self._session: Optional[aiohttp.ClientSession] = None
        self._task: Optional[asyncio.Task] = None

    def attach(self, events: LiveEvents) -> Notifier:
        """Hear the handoffs this process opens (before the server starts)."""
        events.relay(self.offer)
        return self

    async def start(self) -> None:
        """Open the HTTP session and start sending (Sanic ``after_server_start``)."""
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._session = aiohttp.ClientSession()
        self._task = self._loop.create_task(self._send_all(), name="handoff-notifier")

    async def stop(self) -> None:
        """Stop sending and close the session (Sanic ``before_server_stop``)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def offer(self, event: DeskEvent) -> None:
        """Queue the notices of a new handoff or ticket; safe from any thread, never blocks.

        What counts as new is :func:`handoff.desk.notifications.announced` (a ticket the
        waiting sweep made of a queued handoff included).
        """
        if announced(event.type, event.data) is None or self._loop is None:
            return
        notices = notices_for(event.data, self.targets, self.inbox_url)
        for notice in notices:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, notice)  # type: ignore[union-attr]

    async def _send_all(self) -> None:
        assert self._queue is not None
        while True:
            notice = await self._queue.get()
            if notice is not None:
                # One notice's retries must not hold up the next handoff's notice.
                asyncio.get_running_loop().create_task(self._send(notice))

    async def _send(self, notice: Notice) -> None:
        pause = self.first_pause
        for attempt in range(1, notice.target.attempts + 1):
            problem = await self._post(notice)
            if problem is None:
                return
            if attempt < notice.target.attempts:
                await asyncio.sleep(pause)
                pause *= 2
        logger.warning(
            "desk notification (%s, %s) for handoff %s not delivered after %d attempts: %s",
            notice.target.kind.value,
            notice.target.url_env,
            notice.handoff_id,
            notice.target.attempts,
            problem,
        )

    async def _post(self, notice: Notice) -> Optional[str]:
        """Make one attempt; return None on a 2xx answer, else what went wrong."""
        assert self._session is not None
        timeout = aiohttp.ClientTimeout(total=notice.target.timeout_seconds)
        try:
            async with self._session.post(notice.url, json=notice.body, timeout=timeout) as answer:
                if 200 <= answer.status < 300:
                    return None
                return f"HTTP {answer.status}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            return f"network error ({type(error).__name__})"


def start_notifier(desk: Any, notifier: Notifier) -> None:
    """Run ``notifier`` for the server's lifetime (Sanic listeners on the desk blueprint)."""

    @desk.listener("after_server_start")
    async def start(*_: Any) -> None:
        await notifier.start()

    @desk.listener("before_server_stop")
    async def stop(*_: Any) -> None:
        await notifier.stop()
