"""Load benchmark: concurrent Telegram conversations, bot turns and handed-off relay traffic.

``python -m benchmarks.load [--conversations 20] [--rounds 4] [--setups sqlite-1,...]``

For each setup real Rasa replicas (the cached model, one action server) serve the Telegram
webhook against a local fake Bot API (``tests/fakes/telegram_api.py``):

- ``sqlite-1``: one replica, SQLite tracker and handoff store, in-memory lock store (the
  embedded default);
- ``sqlite-2``: two replicas on the same SQLite files, Redis lock store and desk events;
- ``postgres-1`` / ``postgres-2``: one / two replicas over one PostgreSQL database (tracker
  and handoff store), Redis lock store and desk events (docs/deploy/endpoints.production.yml).

Half of the ``--conversations`` are bot conversations (``--rounds`` FAQ questions each), half
are handed off first (not measured) and then exchange ``--rounds`` customer messages (relayed
to the desk) and agent replies (sent through the customer's channel). All conversations run
at once; with two replicas each customer message goes to the other replica than the last,
and each agent reply is posted to the replica the customer did not write to. Paths measured:

- ``bot turn``: webhook POST → the bot's reply reaches the fake Bot API;
- ``customer → desk``: webhook POST → ``message.customer`` on the desk's event stream (SSE,
  read from every replica; the first to show it counts);
- ``agent → customer``: desk ``POST /messages`` → the text reaches the fake Bot API.

At the end everything is reconciled: every customer message is in the tracker exactly once
and in order, every bot and agent message in the tracker was sent to the Bot API exactly
once, and every relayed customer message reached the desk stream of every replica exactly
once. Needs PostgreSQL on 127.0.0.1:5432 (trust, db ``test``) and Redis on 127.0.0.1:6379
for the multi-replica and PostgreSQL setups.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, Dict, List, Tuple

from ops.model import ensure_model
from tests.fakes.channels import telegram_text
from tests.fakes.telegram_api import FakeTelegramApi
from tests.replicas.production import (
    TELEGRAM_TOKEN,
    Replicas,
    Stores,
    hand_over,
    post_update,
    postgres_database,
    say,
)

FAQ = [
    "What payment methods do you accept?",
    "How long does delivery take?",
    "How do I return an item?",
    "Do you ship abroad?",
]
SETUPS = ("sqlite-1", "postgres-1", "sqlite-2", "postgres-2")
TIMEOUT = 180


class DeskStream:
    """One replica's desk event stream; remembers when each customer message showed up."""

    def __init__(self, replica: Any) -> None:
        self.seen: Dict[Tuple[str, str], List[float]] = defaultdict(list)
        self._changed = threading.Condition()
        self._response = replica.desk("GET", "/api/events", stream=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        kind = None
        try:
            for line in self._response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "message.customer":
                    event = json.loads(line[6:])
                    with self._changed:
                        key = (event["conversation_id"], event["data"]["text"])
                        self.seen[key].append(time.monotonic())
                        self._changed.notify_all()
        except Exception:
            pass

    def wait(self, key: Tuple[str, str], timeout: float = TIMEOUT) -> float:
        """Return when ``(conversation, text)`` first showed up (waits for it)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self.seen.get(key):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{key} never reached the desk stream")
                self._changed.wait(remaining)
            return self.seen[key][0]

    def close(self) -> None:
        """Stop reading."""
        self._response.close()


def _sent_at(telegram: FakeTelegramApi, chat: int, text: str, after: float) -> float:
    calls = telegram.wait_for(
        lambda c: telegram.method_of(c) == "sendMessage"
        and c.answered == 200
        and str((c.body or {}).get("chat_id")) == str(chat)
        and c.at >= after
        and (text is None or c.body.get("text") == text),
        1,
        TIMEOUT,
    )
    return calls[0].at


def _bot_conversation(run: Any, chat: int, index: int, rounds: int) -> List[float]:
    replicas, telegram = run.replicas.replicas, run.replicas.telegram
    say(replicas[0], telegram, chat, "hello", "", TIMEOUT)  # the intro, not measured
    run.sent[f"telegram:{chat}"].append("hello")
    time.sleep(1.0)
    run.ready.wait()
    latencies = []
    for turn in range(rounds):
        words = f"{FAQ[(index + turn) % len(FAQ)]}"
        started = time.monotonic()
        replica = replicas[(index + turn) % len(replicas)]
        assert post_update(replica, telegram_text(chat, words)).status_code == 200
        latencies.append(_sent_at(telegram, chat, None, started) - started)
        run.sent[f"telegram:{chat}"].append(words)
        time.sleep(0.3)  # let the turn's other messages (if any) arrive
    return latencies


def _relay_conversation(run: Any, chat: int, index: int, rounds: int) -> Tuple[list, list]:
    replicas, telegram = run.replicas.replicas, run.replicas.telegram
    conversation = f"telegram:{chat}"
    handoff = hand_over(replicas[index % len(replicas)], telegram, chat)
    run.sent[conversation].extend(["I want to talk to a person", "I don't have one", "skip"])
    run.ready.wait()
    to_desk, to_customer = [], []
    for turn in range(rounds):
        customer_side = replicas[(index + turn) % len(replicas)]
        agent_side = replicas[(index + turn + 1) % len(replicas)]
        words = f"customer message {turn} of {chat}"
        started = time.monotonic()
        assert post_update(customer_side, telegram_text(chat, words)).status_code == 200
        run.sent[conversation].append(words)
        to_desk.append(run.streams[0].wait((conversation, words)) - started)
        for stream in run.streams[1:]:
            stream.wait((conversation, words))
        reply = f"agent reply {turn} to {chat}"
        started = time.monotonic()
        answer = agent_side.desk(
            "POST", f"/api/handoffs/{handoff['id']}/messages", json={"text": reply}
        )
        assert answer.status_code == 201, answer.text
        to_customer.append(_sent_at(telegram, chat, reply, started) - started)
    return to_desk, to_customer


class Run:
    """One setup's running replicas, streams and bookkeeping."""

    def __init__(self, replicas: Replicas, parties: int) -> None:
        self.replicas = replicas
        self.streams = [DeskStream(replica) for replica in replicas.replicas]
        self.sent: Dict[str, List[str]] = defaultdict(list)
        self.ready = threading.Barrier(parties)


def _reconcile(run: Run, chats: List[int]) -> Dict[str, int]:
    replica, telegram = run.replicas.replicas[0], run.replicas.telegram
    time.sleep(3)  # let stragglers arrive, so a double would be counted
    problems = Counter()
    totals = Counter()
    for chat in chats:
        conversation = f"telegram:{chat}"
        events = replica.tracker(conversation)["events"]
        users = [e["text"] for e in events if e["event"] == "user"]
        totals["customer messages"] += len(run.sent[conversation])
        if users != run.sent[conversation]:
            problems["customer messages lost, doubled or reordered"] += 1
        bot = Counter(e["text"] for e in events if e["event"] == "bot" and e.get("text"))
        sent = Counter(telegram.texts_to(chat))
        totals["messages to customers"] += sum(sent.values())
        if bot != sent:
            problems["bot/agent messages lost or doubled"] += 1
    for stream in run.streams:
        for moments in stream.seen.values():
            totals["desk events"] += len(moments)
            if len(moments) != 1:
                problems["desk events doubled"] += 1
    return {**totals, **{f"PROBLEM {k}": v for k, v in problems.items()}}


def _percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_setup(setup: str, model: Path, conversations: int, rounds: int) -> Dict[str, Any]:
    """Start the setup, run the load, reconcile; return the measurements."""
    backend, count = setup.split("-")
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(TemporaryDirectory(prefix=f"load-{setup}-")))
        stores = None
        if backend == "postgres":
            stores = Stores(stack.enter_context(postgres_database()))
        replicas = Replicas(
            model,
            workdir,
            stores,
            FakeTelegramApi(TELEGRAM_TOKEN),
            shared_sqlite=backend == "sqlite" and count != "1",
        )
        stack.callback(replicas.stop)
        for name in "ab"[: int(count)]:
            replicas.start_replica(name)
        run = Run(replicas, conversations + 1)
        stack.callback(lambda: [stream.close() for stream in run.streams])
        chats = [8_000_000_000 + n for n in range(conversations)]
        with ThreadPoolExecutor(conversations) as pool:
            futures = [
                pool.submit(_bot_conversation, run, chat, n, rounds)
                if n % 2 == 0
                else pool.submit(_relay_conversation, run, chat, n, rounds)
                for n, chat in enumerate(chats)
            ]
            run.ready.wait()
            started = time.monotonic()
            results = [future.result() for future in futures]
            elapsed = time.monotonic() - started
        bot = [x for n, r in enumerate(results) if n % 2 == 0 for x in r]
        to_desk = [x for n, r in enumerate(results) if n % 2 for x in r[0]]
        to_customer = [x for n, r in enumerate(results) if n % 2 for x in r[1]]
        return {
            "setup": setup,
            "elapsed": elapsed,
            "operations": len(bot) + len(to_desk) + len(to_customer),
            "paths": {"bot turn": bot, "customer → desk": to_desk, "agent → customer": to_customer},
            "reconciled": _reconcile(run, chats),
        }


def table(results: List[Dict[str, Any]], conversations: int, rounds: int) -> str:
    """Return the results as a markdown table."""
    lines = [
        f"{conversations} concurrent conversations ({conversations // 2} bot, "
        f"{conversations - conversations // 2} handed off), {rounds} rounds each",
        "",
        "| Setup | msgs/s | bot turn p50 / p99 (ms) | customer → desk p50 / p99 | "
        "agent → customer p50 / p99 | reconciled |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        if "failed" in result:
            lines.append(
                f"| {result['setup']} | – | – | – | – | ✘ run failed: {result['failed']} |"
            )
            continue
        cells = []
        for values in result["paths"].values():
            cells.append(
                f"{statistics.median(values) * 1000:.0f} / {_percentile(values, 0.99) * 1000:.0f}"
            )
        rec = result["reconciled"]
        problems = {k: v for k, v in rec.items() if k.startswith("PROBLEM")}
        verdict = (
            f"✔ {rec.get('customer messages', 0)} in, {rec.get('messages to customers', 0)} out, "
            f"{rec.get('desk events', 0)} desk events, 0 lost, 0 doubled"
            if not problems
            else "✘ " + ", ".join(f"{k[8:]}: {v}" for k, v in problems.items())
        )
        throughput = result["operations"] / result["elapsed"]
        lines.append(
            f"| {result['setup']} | {throughput:.1f} | " + " | ".join(cells) + f" | {verdict} |"
        )
    return "\n".join(lines)


def main(argv: List[str] = sys.argv[1:]) -> int:
    """Run the setups and print the table; exit 1 when reconciliation found a problem."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--setups", default=",".join(SETUPS))
    args = parser.parse_args(argv)
    model = ensure_model(quiet=True)
    results = []
    for setup in args.setups.split(","):
        print(f"running {setup} ...", file=sys.stderr, flush=True)
        try:
            results.append(run_setup(setup, model, args.conversations, args.rounds))
        except Exception as error:  # report the others, and this one as failed
            print(f"{setup} failed: {error!r}", file=sys.stderr, flush=True)
            results.append({"setup": setup, "failed": repr(error)[:200]})
        else:
            print(table(results[-1:], args.conversations, args.rounds), file=sys.stderr)
    print(f"{date.today().isoformat()}, {platform.node()} ({platform.processor() or 'cpu'}), "
          f"Python {platform.python_version()}")  # fmt: skip
    print(table(results, args.conversations, args.rounds))
    failed = any(
        "failed" in r or any(k.startswith("PROBLEM") for k in r["reconciled"]) for r in results
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
