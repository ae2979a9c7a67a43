"""Turn cost: what a kit bot turn costs against a stock Rasa bot's, as the conversation grows.

``python -m benchmarks.turn_cost [--stores sqlite postgresql] [--turns 200] [--conversations 2]
[--relay 200] [--no-profile] [--kit-model PATH]``

Two Rasa servers (each with its action server, ``tests/e2e/assistant.start_assistant``) run
side by side on **one** tracker store (the same SQLite file, or the same fresh PostgreSQL
database, dropped afterwards): the kit bot (``ops.model``'s model) and the stock bot built
the docs' way (``benchmarks/baseline/``, trained once under the same lock as the kit's). Then

1. ``--conversations`` conversations per bot of ``--turns`` FAQ questions, all different
   (:func:`faq_questions`: templates over the five FAQ topics, products and countries varied;
   screened first through both bots' ``/model/parse`` so each is read as its FAQ intent with
   no fallback). Kit and stock take turns message by message (who goes first alternates), so
   both see the same machine load; the REST webhook's round trip is the turn's cost (Rasa
   answers after the tracker is saved). Afterwards each tracker is checked: every turn got
   exactly its FAQ answer, so no trigger fired.
2. One kit conversation handed off (an explicit request, the intake, paused), then
   ``--relay`` customer messages: the relay path, each still parsed and logged by Rasa.
3. The events each bot wrote per FAQ turn (rows in the tracker store's ``events`` table).
4. A profile of the kit's turns 201-210 of one conversation: the kit's model loaded in this
   process on the same tracker store, ``cProfile`` around ``Agent.handle_text``.

Prints one table per store: median and p90 per turn bucket (1-10, 50-60, 100-110, 190-200),
kit/stock ratios, events per turn, the relay ratio, and the top functions of the profile.
Timings are noisy on a shared machine; the ratios are measured side by side in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import logging
import platform
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import requests
import sqlalchemy as sa

from benchmarks.handoff_decisions import ensure_stock_model
from ops.model import PROJECT_ROOT, ensure_model
from tests.e2e.assistant import RunningAssistant, start_assistant

BUCKETS: Tuple[Tuple[int, int], ...] = ((1, 10), (50, 60), (100, 110), (190, 200))
"""Turn buckets (1-based, inclusive) the table reports."""
TARGET_MEDIAN, TARGET_P90, TARGET_RELAY, TARGET_EVENTS = 1.2, 1.5, 1.3, 1.5
OFFER_THRESHOLD = 0.6
"""handoff.yml ``low_confidence.offer_threshold``; screened questions stay well below it."""
SCREEN_UNCERTAINTY = 0.45
SCREEN_FRUSTRATION = 0.3

TOPICS: Dict[str, Tuple[str, ...]] = {
    "order_status": (
        "where is my order for the {product}",
        "has my {product} order shipped yet",
        "can you tell me the status of my {product} order",
        "when will my {product} order arrive",
        "is the {product} I ordered on its way",
        "track my order of the {product} please",
        "what is the status of the {product} I bought",
        "has the {product} order left your warehouse",
    ),
    "shipping_times": (
        "how long does shipping to {country} take",
        "how many days for delivery to {country}",
        "how fast do you ship to {country}",
        "what is the delivery time to {country}",
        "when would a {product} arrive in {country}",
        "how long is standard delivery to {country}",
        "do you have express shipping to {country}",
        "how long does it take to deliver a {product}",
    ),
    "return_policy": (
        "what is your return policy for a {product}",
        "can i return a {product}",
        "how many days do i have to return a {product}",
        "how do returns work for a {product}",
        "can i send back a {product} i bought",
        "what are the conditions to return a {product}",
        "is there a return window for the {product}",
        "how do i return a {product} from {country}",
    ),
    "payment_methods": (
        "which payment methods do you accept for a {product}",
        "can i pay for a {product} with paypal",
        "do you take credit cards from {country}",
        "can i pay by invoice in {country}",
        "what payment options are there for a {product}",
        "can i pay for the {product} in instalments",
        "do you accept apple pay for a {product}",
        "how can i pay from {country}",
    ),
    "opening_hours": (
        "what are your opening hours in {country}",
        "when is your customer service open in {country}",
        "what time does your support open",
        "are you open on saturday in {country}",
        "when can i call your team from {country}",
        "what are your hours for {product} questions",
        "until what time is your support available in {country}",
        "is customer support open on sunday in {country}",
    ),
}
PRODUCTS = (
    "oak table", "sofa", "floor lamp", "bookshelf", "desk chair", "wardrobe", "rug",
    "bed frame", "mirror", "coffee table", "dresser", "armchair", "side table", "mattress",
    "curtains", "tv stand", "bar stool", "cabinet", "ceiling light", "garden bench",
)  # fmt: skip
COUNTRIES = (
    "germany", "france", "spain", "italy", "austria", "the netherlands", "belgium",
    "poland", "sweden", "denmark", "portugal", "ireland", "switzerland", "norway",
    "finland", "czechia", "hungary", "greece", "croatia", "slovenia",
)  # fmt: skip
QUESTIONS = PROJECT_ROOT / "benchmarks" / "data" / "turn_cost_questions.txt"
"""The screened FAQ questions, in the order asked (:func:`screened_questions`)."""
HANDOFF_TURNS = ("I want to talk to a person", "I don't have one", "jane.doe@example.com")
RELAY_TEXTS = (
    "any news about the {product}?",
    "the {product} delivery is still not here",
    "ok, I will wait for the {product}",
    "can you check the {product} order again",
)


def candidates() -> Dict[str, List[str]]:
    """Return every templated FAQ question per topic, in a fixed, varied order."""
    out: Dict[str, List[str]] = {}
    for topic, templates in TOPICS.items():
        texts: List[str] = []
        for index in range(len(PRODUCTS)):
            for number, template in enumerate(templates):
                product = PRODUCTS[(index + number * 3) % len(PRODUCTS)]
                country = COUNTRIES[(index + number * 7) % len(COUNTRIES)]
                text = template.format(product=product, country=country)
                if text not in texts:
                    texts.append(text)
        out[topic] = texts
    return out


def _parse(assistant: RunningAssistant, http: requests.Session, text: str) -> Dict[str, Any]:
    response = http.post(
        f"{assistant.rasa_url}/model/parse",
        params={"token": assistant.auth_token},
        json={"text": text},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()


def faq_questions(kit: RunningAssistant, stock: RunningAssistant, count: int) -> List[str]:
    """Return ``count`` distinct FAQ questions both bots answer without any doubt.

    Each is read by both NLUs as its topic's intent (so the stock FallbackClassifier does not
    fall back), with a kit ``bot_uncertainty`` and frustration score well below what triggers
    an offer or a handoff. The topics take turns, so a topic comes back every fifth question.
    """
    per_topic = -(-count // len(TOPICS))
    chosen: Dict[str, List[str]] = {topic: [] for topic in TOPICS}
    with requests.Session() as http:
        for topic, texts in candidates().items():
            for text in texts:
                if len(chosen[topic]) == per_topic:
                    break
                ours, theirs = _parse(kit, http, text), _parse(stock, http, text)
                uncertainty = (ours.get("bot_uncertainty") or {}).get("score", 1.0)
                frustration = (ours.get("frustration") or {}).get("score", 0.0)
                if (
                    ours["intent"]["name"] == topic
                    and theirs["intent"]["name"] == topic
                    and uncertainty < SCREEN_UNCERTAINTY
                    and frustration < SCREEN_FRUSTRATION
                ):
                    chosen[topic].append(text)
    short = {topic: len(texts) for topic, texts in chosen.items() if len(texts) < per_topic}
    if short:
        raise RuntimeError(f"not enough FAQ questions pass the screening: {short}")
    interleaved = [text for group in zip(*chosen.values(), strict=False) for text in group]
    return interleaved[:count]


def screened_questions(kit: RunningAssistant, stock: RunningAssistant, count: int) -> List[str]:
    """Return ``count`` questions from :data:`QUESTIONS` (screened once, then kept there).

    Screening parses hundreds of candidates on both bots, minutes on a busy machine; the list
    is written to ``benchmarks/data/turn_cost_questions.txt`` and re-screened only when it is
    missing or too short (delete it after changing the NLU data). Every run still checks in
    the trackers that each question got its FAQ answer.
    """
    if QUESTIONS.exists():
        kept = QUESTIONS.read_text().splitlines()
        if len(kept) >= count:
            return kept[:count]
    print("screening FAQ questions on both bots ...", file=sys.stderr, flush=True)
    questions = faq_questions(kit, stock, count)
    QUESTIONS.write_text("\n".join(questions) + "\n")
    return questions


# --- stores ------------------------------------------------------------------------------


@dataclass
class Store:
    """One tracker store both bots write to, and how the benchmark reads its events."""

    name: str
    endpoint: Dict[str, Any]
    url: str

    def events_per_sender(self, senders: Sequence[str]) -> Dict[str, Counter]:
        """Return, per sender, how many events of each type the store holds."""
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text(
                        "SELECT sender_id, type_name, COUNT(*) FROM events "
                        "WHERE sender_id IN :senders GROUP BY sender_id, type_name"
                    ).bindparams(sa.bindparam("senders", expanding=True)),
                    {"senders": list(senders)},
                ).fetchall()
        finally:
            engine.dispose()
        counts: Dict[str, Counter] = {sender: Counter() for sender in senders}
        for sender, kind, number in rows:
            counts[sender][kind] += number
        return counts


@contextmanager
def open_store(name: str, workdir: Path) -> Iterator[Store]:
    """Yield the SQLite or a fresh PostgreSQL tracker store (dropped afterwards)."""
    if name == "sqlite":
        path = workdir / "tracker.db"
        yield Store(
            name, {"type": "SQL", "dialect": "sqlite", "db": str(path)}, f"sqlite:///{path}"
        )
        return
    from tests.replicas.production import POSTGRES_HOST, POSTGRES_PORT, postgres_database

    with postgres_database() as database:
        endpoint = {
            "type": "SQL",
            "dialect": "postgresql",
            "url": POSTGRES_HOST,
            "port": POSTGRES_PORT,
            "db": database,
            "username": "postgres",
        }
        url = f"postgresql+psycopg2://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{database}"
        yield Store(name, endpoint, url)


# --- measuring -----------------------------------------------------------------------------


@dataclass
class Bot:
    """One running bot, its HTTP session and the seconds of each turn by turn number."""

    name: str
    assistant: RunningAssistant
    http: requests.Session = field(default_factory=requests.Session)
    seconds: Dict[int, List[float]] = field(default_factory=dict)

    def say(self, sender: str, text: str) -> Tuple[float, List[Dict[str, Any]]]:
        """Send one REST message; return the seconds until Rasa answered, and the replies."""
        started = time.perf_counter()
        response = self.http.post(
            f"{self.assistant.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=120,
        )
        elapsed = time.perf_counter() - started
        response.raise_for_status()
        return elapsed, response.json()

    def events(self, sender: str) -> List[Dict[str, Any]]:
        """Return the conversation's tracker events (all sessions)."""
        response = self.http.get(
            f"{self.assistant.rasa_url}/conversations/{sender}/tracker",
            params={"token": self.assistant.auth_token, "include_events": "ALL"},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()["events"]


def play_faq(bots: Sequence[Bot], senders: Dict[str, List[str]], questions: List[str]) -> None:
    """Ask every conversation its questions, the bots taking turns message by message."""
    for turn, text in enumerate(questions, start=1):
        for index in range(len(senders[bots[0].name])):
            order = bots if (turn + index) % 2 else list(reversed(bots))
            for bot in order:
                elapsed, _ = bot.say(senders[bot.name][index], text)
                bot.seconds.setdefault(turn, []).append(elapsed)


def faq_misfires(events: List[Dict[str, Any]], expected: List[str]) -> List[str]:
    """Return what went wrong on each FAQ turn: every turn must get exactly its topic's answer.

    A fired trigger shows as another action (``action_decide_handoff``, the offer, the
    intake form) or as a pause; a fallback as ``utter_default``/an offer.
    """
    problems: List[str] = []
    turns: List[List[str]] = []
    for event in events:
        if event["event"] == "user":
            turns.append([])
        elif event["event"] == "action" and turns and event["name"] != "action_listen":
            turns[-1].append(event["name"])
        elif event["event"] == "pause":
            problems.append(f"paused after turn {len(turns)}")
    for number, (actions, intent) in enumerate(zip(turns, expected, strict=False), start=1):
        if actions != [f"utter_{intent}"]:
            problems.append(f"turn {number}: {actions} for {intent}")
    if len(turns) != len(expected):
        problems.append(f"{len(turns)} customer turns in the tracker, {len(expected)} sent")
    return problems


def hand_over_and_relay(kit: Bot, sender: str, messages: int) -> List[float]:
    """Hand a kit conversation to a person, then time ``messages`` customer messages."""
    for text in HANDOFF_TURNS:
        kit.say(sender, text)
    events = kit.events(sender)
    if not any(event["event"] == "pause" for event in events):
        raise RuntimeError(f"{sender} was not handed over: {[e['event'] for e in events][-8:]}")
    seconds: List[float] = []
    for text in relay_texts(0, messages):
        elapsed, replies = kit.say(sender, text)
        if replies:
            raise RuntimeError(f"the bot answered during the handoff: {replies}")
        seconds.append(elapsed)
    return seconds


def relay_texts(start: int, count: int) -> List[str]:
    """Return customer messages ``start + 1`` to ``start + count`` of a handed-off chat."""
    return [
        f"{RELAY_TEXTS[n % len(RELAY_TEXTS)].format(product=PRODUCTS[n % len(PRODUCTS)])} ({n + 1})"
        for n in range(start, start + count)
    ]


def profile_kit(
    model: Path,
    store: Store,
    action_url: str,
    conversations: Dict[str, Tuple[str, Sequence[str]]],
    top: int = 12,
) -> List[str]:
    """Profile the next turns of each conversation in this process; return a table for each.

    ``conversations``: label -> (sender, texts). The kit model is loaded here on the same
    tracker store, with the running action server (:func:`_top` for what is listed).
    """
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    # as `rasa run` logs by default (INFO): debug logging would print every tracker state
    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)

    async def run() -> List[Tuple[str, int, pstats.Stats]]:
        endpoints = AvailableEndpoints(
            action=EndpointConfig(url=f"{action_url}/webhook"),
            tracker_store=EndpointConfig(**store.endpoint),
        )
        agent = await load_agent(model_path=str(model), endpoints=endpoints)
        profiles = []
        for label, (sender, texts) in conversations.items():
            await agent.handle_text(texts[0], sender_id=sender)  # warm up, not profiled
            profiler = cProfile.Profile()
            profiler.enable()
            for text in texts[1:]:
                await agent.handle_text(text, sender_id=sender)
            profiler.disable()
            profiles.append((label, len(texts), pstats.Stats(profiler)))
        return profiles

    return [_top(label, count, stats, top) for label, count, stats in asyncio.run(run())]


def _top(label: str, count: int, stats: pstats.Stats, top: int) -> str:
    """Return the profile as a table of its top functions.

    First the kit's own functions by cumulative time, then the functions with the most time
    of their own: where the time actually goes.
    """
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]
    rows = []
    for (path, line, function), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((cumulative, own, calls, _where(path, line, function)))
    ours = sorted((row for row in rows if _is_kit(row[3])), reverse=True)[: top // 3]
    by_own = sorted(rows, key=lambda row: row[1], reverse=True)[: top - len(ours)]
    lines = [
        f"profile of {label}: {count - 1} kit turns after a warm-up one, {total:.2f} s",
        "| cumulative | own | calls | function |",
        "|---|---|---|---|",
    ]
    for cumulative, own, calls, where in ours + by_own:
        lines.append(f"| {cumulative / total:.0%} | {own / total:.0%} | {calls} | {where} |")
    return "\n".join(lines)


def _where(path: str, line: int, function: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{line} {function}"


def _is_kit(where: str) -> bool:
    return where.startswith(("custom_components/", "handoff/", "actions/", "connectors/"))


# --- the run -------------------------------------------------------------------------------


@dataclass
class StoreResult:
    """What one store's run measured."""

    store: str
    seconds: Dict[str, Dict[int, List[float]]]
    events_per_turn: Dict[str, float]
    event_types: Dict[str, Counter]
    relay: List[float]
    misfires: Dict[str, List[str]]


def run_store(
    name: str, models: Dict[str, Path], turns: int, conversations: int, relay: int, profile: bool
) -> StoreResult:
    """Start both bots on one store of kind ``name``, measure, print the table and profile."""
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        workdir = Path(folder)
        store = stack.enter_context(open_store(name, workdir))
        bots: List[Bot] = []
        for label, model in models.items():
            (workdir / label).mkdir()
            assistant = start_assistant(model, workdir / label, tracker_store=store.endpoint)
            stack.callback(assistant.stop)
            bots.append(Bot(label, assistant))
        kit, stock = bots
        questions = screened_questions(kit.assistant, stock.assistant, turns + 11)
        asked, spare = questions[:turns], questions[turns:]
        intents = [_topic_of(text) for text in asked]
        run = datetime.now(timezone.utc).strftime("%H%M%S")
        senders = {
            bot.name: [f"{bot.name}-{run}-{n}" for n in range(conversations)] for bot in bots
        }
        started = time.monotonic()
        play_faq(bots, senders, asked)
        print(f"{name}: FAQ turns in {time.monotonic() - started:.0f} s", file=sys.stderr)
        misfires = {
            bot.name: [
                f"{sender}: {problem}"
                for sender in senders[bot.name]
                for problem in faq_misfires(bot.events(sender), intents)
            ]
            for bot in bots
        }
        counts = {bot.name: store.events_per_sender(senders[bot.name]) for bot in bots}
        event_types = {label: sum(per.values(), Counter()) for label, per in counts.items()}
        per_turn = {
            label: sum(types.values()) / (turns * conversations)
            for label, types in event_types.items()
        }
        relayed: List[float] = []
        try:
            relayed = hand_over_and_relay(kit, f"relay-{run}", relay) if relay else []
        except (RuntimeError, requests.RequestException) as error:
            misfires["kit"].append(f"relay: {error}")
        result = StoreResult(
            name, {bot.name: bot.seconds for bot in bots}, per_turn, event_types, relayed,
            misfires,
        )  # fmt: skip
        print(f"\n{table(result, turns, conversations)}", flush=True)
        if profile:
            try:
                reports = profile_kit(
                    models["kit"],
                    store,
                    kit.assistant.action_url,
                    {
                        "FAQ turns 201-210": (senders["kit"][0], spare),
                        "relayed messages 201-210": (f"relay-{run}", relay_texts(200, 11)),
                    },
                )
            except Exception as error:  # the profile is extra: never lose the table for it
                reports = [f"profile failed: {error!r}"]
            for report in reports:
                print(f"\n{report}", flush=True)
        return result


def _topic_of(text: str) -> str:
    return next(topic for topic, texts in candidates().items() if text in texts)


def _p90(values: List[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def _bucket(seconds: Dict[int, List[float]], low: int, high: int) -> List[float]:
    return list(itertools.chain.from_iterable(seconds.get(t, []) for t in range(low, high + 1)))


def _mark(ratio: float, target: float) -> str:
    return f"{ratio:.2f}x" + (" ✔" if ratio <= target else " ✘")


def table(result: StoreResult, turns: int, conversations: int) -> str:
    """Return the store's markdown table and notes."""
    kit, stock = result.seconds["kit"], result.seconds["stock"]
    lines = [
        f"### {result.store}: {conversations} conversation(s) x {turns} FAQ turns per bot, "
        "interleaved",
        "",
        "| turns | kit median | stock median | ratio | kit p90 | stock p90 | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for low, high in BUCKETS:
        ours, theirs = _bucket(kit, low, high), _bucket(stock, low, high)
        if not ours or not theirs:
            continue
        median = statistics.median(ours), statistics.median(theirs)
        p90 = _p90(ours), _p90(theirs)
        lines.append(
            f"| {low}-{high} | {median[0] * 1000:.0f} ms | {median[1] * 1000:.0f} ms | "
            f"{_mark(median[0] / median[1], TARGET_MEDIAN)} | {p90[0] * 1000:.0f} ms | "
            f"{p90[1] * 1000:.0f} ms | {_mark(p90[0] / p90[1], TARGET_P90)} |"
        )
    events = result.events_per_turn
    lines.append(
        f"| events per FAQ turn | {events['kit']:.2f} | {events['stock']:.2f} | "
        f"{_mark(events['kit'] / events['stock'], TARGET_EVENTS)} | | | |"
    )
    if result.relay:
        first, last = result.relay[:10], result.relay[189:200] or result.relay[-10:]
        ratio = statistics.median(last) / statistics.median(first)
        lines.append(
            f"| relay, message 1-10 -> {len(result.relay) - len(last) + 1}-{len(result.relay)} "
            f"(kit, median) | {statistics.median(first) * 1000:.0f} ms | "
            f"{statistics.median(last) * 1000:.0f} ms | {_mark(ratio, TARGET_RELAY)} | "
            f"p90 {_p90(first) * 1000:.0f} ms | {_p90(last) * 1000:.0f} ms | |"
        )
    lines.append("")
    for label, types in result.event_types.items():
        total = conversations * turns
        shown = ", ".join(f"{kind} {count / total:.2f}" for kind, count in types.most_common())
        lines.append(f"- {label} events per turn: {shown}")
    for label, problems in result.misfires.items():
        verdict = (
            "none (every turn got its FAQ answer)" if not problems else "; ".join(problems[:5])
        )
        lines.append(
            f"- {label} misfires: {verdict}"
            + (f" (+{len(problems) - 5})" if len(problems) > 5 else "")
        )
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Measure on each store and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--conversations", type=int, default=2)
    parser.add_argument("--relay", type=int, default=200)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--kit-model",
        type=Path,
        help="a trained kit model (default: ops.model's, trained if needed)",
    )
    args = parser.parse_args(argv)
    models = {"kit": args.kit_model or ensure_model(), "stock": ensure_stock_model()}
    print(
        f"## Turn cost, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()} "
        f"({platform.processor() or platform.machine()}, Python {platform.python_version()}), "
        f"kit model {models['kit'].name}"
    )
    for name in args.stores:
        run_store(name, models, args.turns, args.conversations, args.relay, not args.no_profile)


if __name__ == "__main__":
    main()
