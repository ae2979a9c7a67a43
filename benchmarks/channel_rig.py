"""What the channel latency benchmark measures against: fakes that time-stamp arrivals.

- ``StockTelegramInput``: Rasa 3.6's own ``rasa.core.channels.telegram.TelegramInput``,
  unchanged except that its aiogram ``Bot`` talks to ``api_url`` (credential) instead of
  api.telegram.org. Loaded by the benchmark's second Rasa server from credentials.yml as
  ``benchmarks.channel_rig.StockTelegramInput``.
- ``TimedTelegramApi``: the tests' fake Bot API that also reads form bodies (aiogram posts
  ``application/x-www-form-urlencoded``, our client JSON) and resolves an asyncio future when
  the awaited ``sendMessage`` arrives, with the fake's own receipt time (``Call.at``).
- ``DeskStream``: the desk's server-sent events, read on the event loop; resolves a future
  with the receipt time of the awaited ``message.customer`` event.

All times are ``time.monotonic()`` of the benchmark process, which also runs the fakes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl

import aiohttp
from aiogram.bot.api import TelegramAPIServer
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException

from tests.fakes.recording_server import Call
from tests.fakes.telegram_api import FakeTelegramApi

Waiter = Tuple[str, "asyncio.Future[float]"]


class StockTelegramOutput(TelegramOutput):
    """Rasa's Telegram output (an aiogram ``Bot``) whose Bot API server is ``api_url``."""

    def __init__(self, access_token: Optional[str], api_url: str) -> None:
        super(TelegramOutput, self).__init__(
            access_token, server=TelegramAPIServer.from_base(api_url)
        )


class StockTelegramInput(TelegramInput):
    """Rasa 3.6's Telegram channel pointed at a fake Bot API (credential ``api_url``)."""

    api_url = "https://api.telegram.org"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        """Read the stock keys (access_token, verify, webhook_url) plus ``api_url``."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        channel = cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
        )
        channel.api_url = str(credentials.get("api_url") or cls.api_url)
        return channel

    def get_output_channel(self) -> TelegramOutput:
        """Return the stock output channel on ``api_url``, with one fix that makes it run at all.

        The stock method runs ``set_webhook`` in ``asyncio.run`` while the server starts, so
        aiogram's HTTP session belongs to that short-lived loop and every later call (getMe on
        each webhook) fails with "Event loop is closed". Closing the session there makes
        aiogram open a new one on the server's loop; nothing else changes.
        """
        channel = StockTelegramOutput(self.access_token, self.api_url)

        async def set_webhook() -> None:
            await channel.set_webhook(url=self.webhook_url)
            await channel.session.close()

        try:
            asyncio.run(set_webhook())
        except TelegramAPIError as error:
            raise RasaException("Failed to set channel webhook: " + str(error)) from error
        return channel


class TimedTelegramApi(FakeTelegramApi):
    """The fake Bot API, plus futures resolved when an awaited message reaches it."""

    def __init__(self, token: str) -> None:
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._waiters: Dict[str, List[Waiter]] = defaultdict(list)
        super().__init__(token)

    def expect(self, chat_id: Any, fragment: str) -> asyncio.Future[float]:
        """Return a future of when a sendMessage to ``chat_id`` containing ``fragment`` arrives."""
        self._loop = asyncio.get_running_loop()
        future: asyncio.Future[float] = self._loop.create_future()
        self._waiters[str(chat_id)].append((fragment, future))
        return future

    def answer(self, call: Call) -> Tuple[int, Any]:
        """Answer like the fake; read form bodies; tell the waiters (runs in a server thread)."""
        if isinstance(call.body, str):
            call.body = dict(parse_qsl(call.body))
        status, answer = super().answer(call)
        body = call.body if isinstance(call.body, dict) else {}
        if status == 200 and self.method_of(call) == "sendMessage" and self._loop is not None:
            chat, text = str(body.get("chat_id")), str(body.get("text"))
            self._loop.call_soon_threadsafe(self._arrived, chat, text, call.at)
        return status, answer

    def _arrived(self, chat: str, text: str, at: float) -> None:
        waiting = self._waiters.get(chat, [])
        for fragment, future in list(waiting):
            if fragment in text:
                waiting.remove((fragment, future))
                if not future.done():
                    future.set_result(at)
                break


class DeskStream:
    """``GET /api/events`` read on the event loop, resolving waiters for customer messages.

    ``message.customer`` is the relayed message itself; ``message.analysed`` follows once
    Rasa has parsed it (the end of the relayed turn's background work).
    """

    def __init__(self) -> None:
        self._waiters: Dict[Tuple[str, str, str], asyncio.Future[float]] = {}
        self._task: Optional[asyncio.Task] = None
        self._connected = asyncio.Event()

    async def open(self, http: aiohttp.ClientSession, desk_url: str, token: str) -> None:
        """Connect (the ``?token=`` form an EventSource uses) and start reading."""
        response = await http.get(
            f"{desk_url}/api/events", params={"token": token}, timeout=aiohttp.ClientTimeout()
        )
        response.raise_for_status()
        self._task = asyncio.get_running_loop().create_task(self._read(response))
        await asyncio.wait_for(self._connected.wait(), 30)

    def expect(
        self, conversation_id: str, text: str, kind: str = "message.customer"
    ) -> asyncio.Future[float]:
        """Return a future of when event ``kind`` about customer message ``text`` arrives."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters[(kind, conversation_id, text)] = future
        return future

    async def _read(self, response: aiohttp.ClientResponse) -> None:
        kind = None
        async for raw in response.content:
            at = time.monotonic()
            line = raw.decode().rstrip("\n")
            if line.startswith(": connected"):
                self._connected.set()
            elif line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind in ("message.customer", "message.analysed"):
                event = json.loads(line[6:])
                key = (kind, event["conversation_id"], event["data"]["text"])
                future = self._waiters.pop(key, None)
                if future is not None and not future.done():
                    future.set_result(at)

    def close(self) -> None:
        """Stop reading."""
        if self._task is not None:
            self._task.cancel()
