"""Handoff summaries: whether each quotes the customer's problem in their own words.

Over every conversation of the decision benchmark's sets (``benchmarks/data/
handoff_conversations*.yml``) that expects a handoff, the share of summaries that contain the
labelled problem-stating turn (``problem:``, the customer's own statement of what they need,
labelled by the team: in-domain text). Exact substring, or the summary's shortened form of a
long turn. Target: :data:`TARGET`.

Each conversation is built as the tracker holds it when ``action_handoff`` writes the summary:
the scripted customer turns (each with the bot's rule response to its intent, when intents are
known), the offer of a person and the customer's ``/human_handoff`` click for conversations
labelled ``low_confidence`` (accepting it makes the handoff an explicit request), then the
intake form asking what ``handoff.yml`` lists for the reason and the customer did not already
write, with the customer's answers ("I don't have one", "48213377", "skip", ...; one pair of
:data:`INTAKE_ANSWERS` per conversation, in turn). The summary is the real
``handoff.context.build_context_package``'s; next to it, the rule it replaced (the last
customer message with an NLU intent other than ``human_handoff``/``inform``: it needs the
intents, so the customer turns are parsed with the trained model in ``models/`` — parse only,
nothing is trained).

    python -m benchmarks.summaries [--conversations PATH ...] [--no-nlu] [--show-misses]

``--no-nlu`` skips the model (the new rule does not read intents; the old one then falls back
to the last customer message).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from benchmarks.handoff_decisions import CONVERSATIONS, NONE, Conversation, load_conversations
from handoff.context import (
    Intake,
    Sender,
    Turn,
    build_context_package,
    shorten,
    transcript_from_events,
    what_is_known,
)
from handoff.reasons import HandoffReason
from handoff.settings import HandoffSettings, load_settings
from handoff.signals.intake import IntakeField, find_email

SETS = sorted(CONVERSATIONS.parent.glob("handoff_conversations*.yml"))
TARGET = 0.95
INTAKE_ANSWERS: Tuple[Tuple[str, str], ...] = (
    ("I don't have one", "no"),
    ("48213377", "jane.doe@example.com"),
    ("no idea sorry", "skip"),
    ("ORD-20481736", "I'd rather not say"),
    ("yes", "no thanks"),
    ("don't know it, it's on the receipt somewhere", "tom@example.org"),
)
"""(order number answer, e-mail answer), one pair per conversation in turn."""
PAYLOAD_INTENT = "human_handoff"
ParseData = Dict[str, Any]


@dataclass(frozen=True)
class Labelled:
    """A conversation that expects a handoff, and its labelled problem-stating turn."""

    conversation: Conversation
    problem: str


@dataclass(frozen=True)
class Result:
    """One conversation's summaries, new and old, and whether each quotes the problem."""

    labelled: Labelled
    summary: str
    old_summary: str
    old_before_intake: str  # the replaced rule on the tracker before the intake form asked

    @property
    def hit(self) -> bool:
        """Whether the summary quotes the labelled turn (whole, or as the summary shortens it)."""
        return _quotes(self.summary, self.labelled.problem)

    @property
    def old_hit(self) -> bool:
        """Whether the replaced rule's summary quotes it."""
        return _quotes(self.old_summary, self.labelled.problem)

    @property
    def old_hit_before_intake(self) -> bool:
        """Whether the replaced rule would quote it had the intake asked nothing."""
        return _quotes(self.old_before_intake, self.labelled.problem)


def _quotes(summary: str, problem: str) -> bool:
    return problem in summary or shorten(problem) in summary


def load_labelled(path: Path) -> List[Labelled]:
    """Read a set's handed-off conversations with their ``problem`` labels; fail on a gap."""
    rows = {row["id"]: row for row in yaml.safe_load(path.read_text())["conversations"]}
    labelled = []
    for conversation in load_conversations(path):
        if conversation.expect == NONE:
            continue
        problem = rows[conversation.id].get("problem")
        if not problem or problem not in conversation.turns:
            raise ValueError(f"{path.name} {conversation.id}: no `problem` among its turns")
        labelled.append(Labelled(conversation, problem))
    return labelled


# --- the tracker at the moment of the handoff ---


def rule_responses(root: Path = CONVERSATIONS.parents[2]) -> Dict[str, Tuple[str, str]]:
    """Map intent -> (response name, text) for the one-step rules in ``data/rules.yml``."""
    domain = yaml.safe_load((root / "domain.yml").read_text())
    texts = {name: variants[0].get("text") for name, variants in domain["responses"].items()}
    responses = {}
    for rule in yaml.safe_load((root / "data" / "rules.yml").read_text())["rules"]:
        steps = rule.get("steps") or []
        if len(steps) == 2 and "intent" in steps[0] and "action" in steps[1]:
            action = steps[1]["action"]
            if texts.get(action):
                responses[steps[0]["intent"]] = (action, texts[action])
    return responses


def _user(text: str, parse: Optional[ParseData], at: float) -> Dict[str, Any]:
    if text.startswith("/"):
        parse = {"intent": {"name": text[1:], "confidence": 1.0}, "entities": []}
    return {"event": "user", "text": text, "timestamp": at, "parse_data": parse or {}}


def _bot(name: str, text: str, at: float) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": at, "metadata": {"utter_action": name}}


def handoff_reason(conversation: Conversation) -> HandoffReason:
    """Return the reason the summary is written for (an accepted offer is an explicit request)."""
    if conversation.expect == HandoffReason.LOW_CONFIDENCE.value:
        return HandoffReason.EXPLICIT_REQUEST
    return HandoffReason(conversation.expect)


@dataclass(frozen=True)
class Handoff:
    """The tracker's events when ``action_handoff`` runs (plain dicts), and the intake slots."""

    events: List[Dict[str, Any]]
    slots: Dict[str, Any]
    intake_starts: int  # the index of the event that starts the intake form


def tracker_at_handoff(
    conversation: Conversation,
    answers: Tuple[str, str],
    parses: Mapping[str, ParseData],
    responses: Mapping[str, Tuple[str, str]],
    texts: Mapping[str, str],
    settings: HandoffSettings,
) -> Handoff:
    """Play the customer's turns, the offer (if any) and the intake form into tracker events.

    The intake asks what ``handoff.yml`` lists for the reason, except what the customer
    already wrote, and takes ``answers`` (order number answer, e-mail answer).
    """
    at = 1_700_000_000.0
    events: List[Dict[str, Any]] = [{"event": "session_started", "timestamp": at}]
    for number, text in enumerate(conversation.turns, start=1):
        at += 2
        parse = parses.get(text)
        events.append(_user(text, parse, at))
        intent = ((parse or {}).get("intent") or {}).get("name")
        if number < len(conversation.turns) and intent in responses:
            events.append(_bot(*responses[intent], at + 1))
    if conversation.expect == HandoffReason.LOW_CONFIDENCE.value:
        events.append(_bot("utter_offer_handoff", texts["utter_offer_handoff"], at + 1))
        at += 2
        events.append(_user(f"/{PAYLOAD_INTENT}", None, at))
    reason = handoff_reason(conversation)
    events.append({"event": "slot", "name": "handoff_reason", "value": reason.value})
    intake_starts = len(events)
    events.append({"event": "active_loop", "name": "handoff_intake_form", "timestamp": at})
    order_format = settings.intake.order_number_format
    find: Dict[IntakeField, Callable[[Optional[str]], Optional[str]]] = {
        IntakeField.ORDER_NUMBER: order_format.find,
        IntakeField.EMAIL: find_email,
    }
    answer_for = dict(zip((IntakeField.ORDER_NUMBER, IntakeField.EMAIL), answers, strict=True))
    slots: Dict[str, Any] = {"order_number": None, "email": None, "intake_declined": []}
    for field in settings.intake.questions_for(reason):
        given = next(filter(None, map(find[field], conversation.turns)), None)
        if given is None:
            question = f"utter_ask_{field.value}"
            events.append(_bot(question, texts[question], at + 1))
            at += 2
            events.append(_user(answer_for[field], parses.get(answer_for[field]), at))
            given = find[field](answer_for[field])
        if given is None:
            slots["intake_declined"].append(field.value)
        slots[field.value] = given
    events.append({"event": "active_loop", "name": None, "timestamp": at})
    return Handoff(events, slots, intake_starts)


# --- the rule the new choice replaced, for the side-by-side figure ---

_OLD_PHRASES = {
    HandoffReason.EXPLICIT_REQUEST: "asked to talk to a person",
    HandoffReason.FRUSTRATION: "is getting frustrated",
    HandoffReason.LOOPING: "was not understood several times in a row",
    HandoffReason.REPEATED_QUESTION: "asked the same thing repeatedly",
    HandoffReason.SENSITIVE_TOPIC: "raised a topic a person must handle",
    HandoffReason.HIGH_VALUE: "has a request our team handles directly",
    HandoffReason.LOW_CONFIDENCE: "asked something the assistant could not answer with confidence",
}


def old_summarise(reason: HandoffReason, transcript: List[Turn], intake: Intake) -> str:
    """``handoff.context.summarise`` before #18, verbatim: the last message with an intent."""
    customer_turns = [turn for turn in transcript if turn.sender is Sender.CUSTOMER]
    sentences = [f"The customer {_OLD_PHRASES[reason]}."]
    topics = [t.text for t in customer_turns if t.intent not in (None, "human_handoff", "inform")]
    if topics:
        sentences.append(f'Their request before that: "{shorten(topics[-1])}".')
    elif customer_turns:
        sentences.append(f'Their last message: "{shorten(customer_turns[-1].text)}".')
    known = what_is_known(intake)
    if known:
        sentences.append(known)
    return " ".join(sentences)


# --- running it ---


def parse_all(texts: Iterable[str], model: Path) -> Dict[str, ParseData]:
    """Parse each distinct text once with the trained model (Rasa's Agent; parse only)."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # not a debug line per parsed message on stdout

    async def run() -> Dict[str, ParseData]:
        agent = Agent.load(str(model))
        return {text: await agent.parse_message(text) for text in sorted(set(texts))}

    return asyncio.run(run())


def measure(
    sets: Mapping[str, Sequence[Labelled]], parses: Optional[Mapping[str, ParseData]] = None
) -> Dict[str, List[Result]]:
    """Build every handed-off conversation's tracker and both summaries; set name -> results."""
    parses = parses or {}
    settings = load_settings(CONVERSATIONS.parents[2] / "handoff.yml")
    responses = rule_responses() if parses else {}
    domain = yaml.safe_load((CONVERSATIONS.parents[2] / "domain.yml").read_text())
    texts = {name: variants[0]["text"] for name, variants in domain["responses"].items()}
    results: Dict[str, List[Result]] = {}
    number = 0
    for name, labelled in sets.items():
        results[name] = []
        for item in labelled:
            answers = INTAKE_ANSWERS[number % len(INTAKE_ANSWERS)]
            number += 1
            handoff = tracker_at_handoff(
                item.conversation, answers, parses, responses, texts, settings
            )
            package = build_context_package(
                conversation_id=f"bench-{item.conversation.id}",
                events=handoff.events,
                reason=handoff_reason(item.conversation),
                slots=handoff.slots,
            )
            old = old_summarise(package.reason, package.transcript, package.intake)
            before = transcript_from_events(handoff.events[: handoff.intake_starts])
            old_before = old_summarise(package.reason, before, package.intake)
            results[name].append(Result(item, package.summary, old, old_before))
    return results


def _share(results: Sequence[Result], rule: str = "new") -> float:
    hit = {
        "new": lambda r: r.hit,
        "old": lambda r: r.old_hit,
        "old_before_intake": lambda r: r.old_hit_before_intake,
    }[rule]
    return sum(1 for r in results if hit(r)) / len(results) if results else 0.0


def overall(results: Mapping[str, Sequence[Result]], rule: str = "new") -> float:
    """Return the share over every conversation of every set (``new``, ``old``, ...)."""
    return _share([r for rows in results.values() for r in rows], rule)


def report(results: Mapping[str, Sequence[Result]]) -> str:
    """Return the table: per set and overall, both rules, and the multi-turn conversations."""
    lines = [
        f"{'set':<34} {'n':>4} {'new':>6} {'old':>6} {'old*':>6}   "
        f"{'multi-turn':>10} {'new':>6} {'old':>6} {'old*':>6}",
        "-" * 92,
    ]
    rows = list(results.items()) + [("all sets", [r for v in results.values() for r in v])]
    rules = ("new", "old", "old_before_intake")
    for name, items in rows:
        multi = [r for r in items if len(r.labelled.conversation.turns) > 1]
        lines.append(
            f"{name:<34} {len(items):>4} "
            + " ".join(f"{_share(items, rule):>6.1%}" for rule in rules)
            + f"   {len(multi):>10} "
            + " ".join(f"{_share(multi, rule):>6.1%}" for rule in rules)
        )
    lines.append(
        "\nnew: handoff.context.summarise now; old: the rule it replaced; old*: the replaced rule"
        "\nhad the intake form asked nothing. multi-turn: conversations of two or more turns."
        f"\ntarget: new >= {TARGET:.0%} over all sets"
    )
    return "\n".join(lines)


def misses(results: Mapping[str, Sequence[Result]]) -> str:
    """List the conversations whose summary does not quote the labelled turn."""
    lines = []
    for name, items in results.items():
        for r in items:
            if not r.hit:
                lines.append(f"{name} {r.labelled.conversation.id}: wanted {r.labelled.problem!r}")
                lines.append(f"    {r.summary}")
    return "\n".join(lines) or "no misses"


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Measure the summaries over the sets and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=Path, nargs="+", default=SETS)
    parser.add_argument("--no-nlu", action="store_true", help="do not parse with the model")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)

    sets = {path.name: load_labelled(path) for path in args.conversations}
    parses: Dict[str, ParseData] = {}
    if not args.no_nlu:
        from ops.model import model_path

        model = model_path()
        if not model.exists():
            sys.exit(f"No trained model at {model}; train it first, or pass --no-nlu.")
        texts = [t for rows in sets.values() for item in rows for t in item.conversation.turns]
        texts += [answer for pair in INTAKE_ANSWERS for answer in pair]
        parses = parse_all(texts, model)
    results = measure(sets, parses)
    turns = sum(len(item.conversation.turns) for rows in sets.values() for item in rows)
    print(
        f"\n== Handoff summaries quoting the customer's problem: {sum(map(len, sets.values()))} "
        f"handed-off conversations ({turns} customer turns), NLU intents "
        f"{'from the trained model' if parses else 'not used'}\n"
    )
    print(report(results))
    if args.show_misses:
        print()
        print(misses(results))


if __name__ == "__main__":
    main()
