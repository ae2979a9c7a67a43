"""Channel latency: our Telegram channel vs. Rasa 3.6's stock one, and the live-agent relay.

Two real Rasa servers (each with its action server) serve the same model: one with our
``connectors.telegram.TelegramInput``, one with Rasa's stock ``TelegramInput`` (both are
called ``telegram``, so they cannot share a server), each pointed at its own fake Bot API in
this process. Measured, always from the moment the benchmark starts its HTTP call:

a) our bot turn: webhook POST of a Telegram Update → the FAQ answer's ``sendMessage`` at the
   fake API (the webhook answers at once; the turn runs in the background, the outbox sends);
b) the stock bot turn: the same (the stock channel calls getMe and answers after the turn);
c) a customer message during a handoff: webhook POST → ``message.customer`` received on the
   desk's event stream (``GET /api/events``);
d) an agent reply: desk ``POST /api/handoffs/<id>/messages`` → ``sendMessage`` at the fake.

At each concurrency level, ``c`` conversations per kind act at once; the four kinds take turns
round by round (the order rotates), so all of them see the same machine load. After each
burst the next one waits until Rasa has parsed the relayed messages (``message.analysed``)
and then ``QUIET_PER_CONVERSATION`` seconds per conversation, so no kind is measured while the
previous one's background work still runs.

    python -m benchmarks.channel_latency [--conversations 1 50] [--turns 16] [--model PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable, Dict, List, Optional, Sequence

import aiohttp

from benchmarks.channel_rig import DeskStream, StockTelegramInput, TimedTelegramApi
from ops.model import ensure_model
from tests.e2e.assistant import RunningAssistant, start_assistant
from tests.fakes.telegram_api import BOT_ID

TOKEN = f"{BOT_ID}:AAH-fake-token"
SECRET = "benchmark-webhook-secret"
TIMEOUT = 60.0
QUIET_PER_CONVERSATION = 0.02
"""Pause after each burst, per conversation in it: the rest of its turns' work (our channel
answers the webhook at once, so a bot turn goes on after its reply was sent) ends before the
next kind is measured."""
WARM_UP = ("What are your opening hours?", "Monday to Friday")
FAQS = [  # one of each, so no repeated-question trigger fires
    ("Which payment methods do you accept?", "PayPal"),
    ("How long does shipping take?", "working days"),
    ("What is your return policy?", "30 days"),
]
HANDOFF_TURNS = ("I want to talk to a person", "I don't have one", "skip")
KINDS = {
    "a": "bot turn, our Telegram channel",
    "b": "bot turn, Rasa 3.6 stock Telegram channel",
    "c": "customer message relayed to the desk (handoff)",
    "d": "agent reply delivered to Telegram",
}


@dataclass
class Server:
    """One Rasa server with its fake Bot API."""

    name: str
    fake: TimedTelegramApi
    assistant: Optional[RunningAssistant] = None
    headers: Dict[str, str] = field(default_factory=dict)

    @property
    def webhook(self) -> str:
        """The Telegram webhook URL of this server."""
        assert self.assistant is not None
        return f"{self.assistant.rasa_url}/webhooks/telegram/webhook"


@dataclass
class Chat:
    """A conversation the benchmark plays (``asked``: FAQs asked so far in it)."""

    id: int
    asked: int = 0
    handoff_id: str = ""


class Run:
    """The two servers, the desk stream and every measurement taken so far."""

    def __init__(self, http: aiohttp.ClientSession, ours: Server, stock: Server) -> None:
        self.http = http
        self.ours, self.stock = ours, stock
        self.desk = DeskStream()
        self.chat_ids = itertools.count(random.randint(1, 10**6) * 1000 + 6_000_000_000)
        self.update_ids = itertools.count(random.randint(1, 10**6) * 1000)
        self.serial = itertools.count(1)
        self.analysed: List[asyncio.Future[float]] = []

    async def post_update(self, server: Server, chat: int, text: str) -> None:
        """POST a text message Update as Telegram does (our server gets the secret header)."""
        update_id = next(self.update_ids)
        update = {
            "update_id": update_id,
            "message": {
                "message_id": update_id % 100000,
                "from": {"id": chat, "is_bot": False, "first_name": "Jane", "language_code": "en"},
                "chat": {"id": chat, "first_name": "Jane", "type": "private"},
                "date": int(time.time()),
                "text": text,
            },
        }
        async with self.http.post(server.webhook, json=update, headers=server.headers) as response:
            assert response.status == 200, await response.text()

    async def say(self, server: Server, chat: int, text: str, fragment: str) -> float:
        """Send ``text``; return the seconds until the bot message with ``fragment`` arrived."""
        waiter = server.fake.expect(chat, fragment)
        started = time.monotonic()
        await self.post_update(server, chat, text)
        try:
            return await asyncio.wait_for(waiter, TIMEOUT) - started
        except asyncio.TimeoutError:
            sent = server.fake.texts_to(chat)
            raise RuntimeError(f"{server.name}: no {fragment!r} for {text!r}; got {sent}") from None

    # -- conversations ---------------------------------------------------------------------
    async def fresh(self, server: Server, chat: Chat) -> None:
        """Start a new conversation (session start, not measured)."""
        chat.id, chat.asked = next(self.chat_ids), 0
        await self.say(server, chat.id, *WARM_UP)

    async def hand_over(self, chat: Chat) -> None:
        """Play the explicit handoff on our server until the tracker is paused."""
        await self.fresh(self.ours, chat)
        for text in HANDOFF_TURNS:
            await self.say(self.ours, chat.id, text, "")
        assistant = self.ours.assistant
        assert assistant is not None
        url = f"{assistant.rasa_url}/conversations/telegram:{chat.id}/tracker"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            async with self.http.get(url, params={"token": assistant.auth_token}) as response:
                if (await response.json()).get("paused"):
                    return
            await asyncio.sleep(0.3)
        raise RuntimeError(f"telegram:{chat.id} was not handed over")

    # -- the four measured kinds -------------------------------------------------------------
    async def bot_turn(self, server: Server, chat: Chat) -> float:
        """a/b: the conversation's next FAQ; seconds until its answer reached the fake API."""
        text, fragment = FAQS[chat.asked]
        chat.asked += 1
        return await self.say(server, chat.id, text, fragment)

    async def relayed(self, chat: Chat) -> float:
        """c: a customer message during the handoff; seconds until the desk stream has it."""
        text = f"Any news about my parcel? ({next(self.serial)})"
        waiter = self.desk.expect(f"telegram:{chat.id}", text)
        self.analysed.append(self.desk.expect(f"telegram:{chat.id}", text, "message.analysed"))
        started = time.monotonic()
        await self.post_update(self.ours, chat.id, text)
        return await asyncio.wait_for(waiter, TIMEOUT) - started

    async def settle(self) -> None:
        """Wait until Rasa has parsed every relayed message (their turns' background work)."""
        pending, self.analysed = self.analysed, []
        await asyncio.wait_for(asyncio.gather(*pending), TIMEOUT)

    async def agent_reply(self, chat: Chat) -> float:
        """d: an agent reply through the desk API; seconds until it reached the fake API."""
        assistant = self.ours.assistant
        assert assistant is not None
        text = f"Anna here, I am checking that for you ({next(self.serial)})."
        waiter = self.ours.fake.expect(chat.id, text)
        started = time.monotonic()
        async with self.http.post(
            f"{assistant.rasa_url}/webhooks/agent_desk/api/handoffs/{chat.handoff_id}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {assistant.desk_token}"},
        ) as response:
            assert response.status == 201, await response.text()
        return await asyncio.wait_for(waiter, TIMEOUT) - started


@dataclass
class Samples:
    """Latencies of one kind at one concurrency, and the wall time of their bursts."""

    latencies: List[float] = field(default_factory=list)
    busy: float = 0.0

    async def burst(self, calls: Sequence[Awaitable[float]]) -> None:
        """Run ``calls`` at once; keep their latencies and the burst's wall time."""
        started = time.monotonic()
        self.latencies += await asyncio.gather(*calls)
        self.busy += time.monotonic() - started


async def _measure(run: Run, concurrency: int, turns: int) -> Dict[str, Samples]:
    # every bot-turn conversation starts stale, so it is started (unmeasured) before use
    bot = {kind: [Chat(0, asked=len(FAQS)) for _ in range(concurrency)] for kind in "ab"}
    servers = {"a": run.ours, "b": run.stock}
    handed = [Chat(0) for _ in range(concurrency)]
    await _gather_limited([run.hand_over(chat) for chat in handed], 10)
    ids = await _handoff_ids(run)
    for chat in handed:
        chat.handoff_id = ids[f"telegram:{chat.id}"]
    samples = {kind: Samples() for kind in KINDS}
    kinds: Dict[str, Callable[[], List[Awaitable[float]]]] = {
        "a": lambda: [run.bot_turn(run.ours, chat) for chat in bot["a"]],
        "b": lambda: [run.bot_turn(run.stock, chat) for chat in bot["b"]],
        "c": lambda: [run.relayed(chat) for chat in handed],
        "d": lambda: [run.agent_reply(chat) for chat in handed],
    }
    order = list(kinds)
    for turn in range(turns):
        for kind in ("a", "b"):  # a conversation that asked every FAQ is replaced, unmeasured
            stale = [chat for chat in bot[kind] if chat.asked == len(FAQS)]
            await asyncio.gather(*(run.fresh(servers[kind], chat) for chat in stale))
        await asyncio.sleep(QUIET_PER_CONVERSATION * concurrency)
        for kind in order[turn % 4 :] + order[: turn % 4]:
            await samples[kind].burst(kinds[kind]())
            await run.settle()  # the next kind starts on a quiet machine
            await asyncio.sleep(QUIET_PER_CONVERSATION * concurrency)
        print(f"  {concurrency} conversations: round {turn + 1}/{turns}", flush=True)
    return samples


async def _gather_limited(calls: Sequence[Awaitable[None]], limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(call: Awaitable[None]) -> None:
        async with gate:
            await call

    await asyncio.gather(*(one(call) for call in calls))


async def _handoff_ids(run: Run) -> Dict[str, str]:
    assistant = run.ours.assistant
    assert assistant is not None
    async with run.http.get(
        f"{assistant.rasa_url}/webhooks/agent_desk/api/handoffs",
        params={"status": "queued,assigned"},
        headers={"Authorization": f"Bearer {assistant.desk_token}"},
    ) as response:
        queue = (await response.json())["handoffs"]
    return {handoff["conversation_id"]: handoff["id"] for handoff in queue}


def _start(model: Path, workdir: Path, ours: Server, stock: Server) -> None:
    channel = {"access_token": TOKEN, "api_url": ours.fake.url, "store_url": "${DESK_STORE_URL}"}
    ours.assistant = start_assistant(
        model,
        workdir / "ours",
        extra_credentials={
            "connectors.telegram.TelegramInput": {**channel, "secret_token": "${TG_SECRET}"}
        },
        extra_env={"TG_SECRET": SECRET},
    )
    ours.headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    stock_channel = f"{StockTelegramInput.__module__}.{StockTelegramInput.__name__}"
    stock.assistant = start_assistant(
        model,
        workdir / "stock",
        extra_credentials={
            stock_channel: {
                "access_token": TOKEN,
                "verify": "nw_bot",  # the fake's getMe username
                "webhook_url": "https://bot.example/webhooks/telegram/webhook",
                "api_url": stock.fake.url,
            }
        },
    )


async def _run(model: Path, levels: Sequence[int], turns: int) -> Dict[int, Dict[str, Samples]]:
    ours = Server("ours", TimedTelegramApi(TOKEN))
    stock = Server("stock", TimedTelegramApi(TOKEN))
    with tempfile.TemporaryDirectory(prefix="channel-latency-") as tmp:
        for name in ("ours", "stock"):
            (Path(tmp) / name).mkdir()
        try:
            await asyncio.to_thread(_start, model, Path(tmp), ours, stock)
            connector = aiohttp.TCPConnector(limit=0)
            timeout = aiohttp.ClientTimeout(total=TIMEOUT)
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
                run = Run(http, ours, stock)
                assert ours.assistant is not None
                await run.desk.open(
                    http,
                    f"{ours.assistant.rasa_url}/webhooks/agent_desk",
                    ours.assistant.desk_token,
                )
                for server in (ours, stock):  # warm both servers up
                    await run.fresh(server, Chat(0))
                results = {level: await _measure(run, level, turns) for level in levels}
                run.desk.close()
                return results
        except Exception:
            for server in (ours, stock):
                if server.assistant is not None:
                    print(server.assistant.logs())
            raise
        finally:
            for server in (ours, stock):
                if server.assistant is not None:
                    server.assistant.stop()
                server.fake.stop()


def _p(values: List[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1] * 1000


def _print(results: Dict[int, Dict[str, Samples]]) -> None:
    print("\n| kind | conversations | n | p50 (ms) | p99 (ms) | throughput (/s) |")
    print("|---|---|---|---|---|---|")
    for level, samples in results.items():
        for kind, label in KINDS.items():
            s = samples[kind]
            rate = len(s.latencies) / s.busy
            row = f"{_p(s.latencies, 50):.0f} | {_p(s.latencies, 99):.0f} | {rate:.1f}"
            print(f"| {kind}) {label} | {level} | {len(s.latencies)} | {row} |")
    print("\n| conversations | relay / bot turn (c/a, p50) | ours / stock (a/b, p50) | a/b p99 |")
    print("|---|---|---|---|")
    for level, samples in results.items():
        p50 = {kind: _p(s.latencies, 50) for kind, s in samples.items()}
        p99 = {kind: _p(s.latencies, 99) for kind, s in samples.items()}
        relay, ours = p50["c"] / p50["a"], p50["a"] / p50["b"]
        tail = p99["a"] / p99["b"]
        print(f"| {level} | {relay:.2f} (≤ 0.20) | {ours:.2f}x (≤ 1.10x) | {tail:.2f}x |")


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Start both servers, measure the four kinds interleaved, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--turns", type=int, default=16, help="rounds per concurrency level")
    parser.add_argument("--model", type=Path, help="a trained model (default: ops.model's)")
    parser.add_argument("--json", type=Path, help="also write the raw latencies here")
    args = parser.parse_args(argv)
    model = args.model or ensure_model()
    print(f"model {model.name}", flush=True)
    results = asyncio.run(_run(model, args.conversations, args.turns))
    _print(results)
    if args.json:
        raw = {level: {k: s.latencies for k, s in v.items()} for level, v in results.items()}
        args.json.write_text(json.dumps(raw))


if __name__ == "__main__":
    main()
