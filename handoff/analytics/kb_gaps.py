"""The knowledge-base gaps: what the bot should learn next, with the customers' own questions.

A conversation designer reads this list to decide which answers, intents or training examples
to add. Each row is a topic whose conversations end with a person, ranked by how often, with
up to five example questions customers asked (their words, personal data masked), so the
designer sees *what* to write, not only an intent name.

Rows come in kinds, because each asks for different work:

- ``topic``: an intent the bot knows but could not finish (write or fix the answer);
- ``out_of_scope``: customers asked something the bot is not meant to do (decide: add the
  topic, or say clearly that it is not offered);
- ``fallback``: the NLU did not understand (``nlu_fallback``: add training examples);
- ``unknown``: no topic was recorded at all.

Handoffs for a reason the policy hands over on purpose (``BY_DESIGN_REASONS``) are left out:
those conversations should reach a person.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from typing import Any, Dict, List, Mapping, Optional, Sequence

from handoff.analytics.figures import ratio
from handoff.analytics.topics import GENERIC_INTENTS, UNKNOWN, handoff_topic, signal_value
from handoff.privacy.log_masking import PiiMasker

BY_DESIGN_REASONS = frozenset({"sensitive_topic", "high_value"})
"""Reasons the policy hands over on purpose: not something the bot should learn to answer."""

LEARN_NEXT_LIMIT = 5
"""How many ``topic`` rows the list keeps (the other kinds are always shown)."""

EXAMPLES = 5
"""Example questions per row."""

EXAMPLE_LENGTH = 200
"""An example longer than this is cut (with "…")."""

KINDS = {"out_of_scope": "out_of_scope", "nlu_fallback": "fallback", UNKNOWN: "unknown"}
"""Topic name → kind; every other topic is of kind ``topic``."""

KIND_ORDER = ("topic", "out_of_scope", "fallback", "unknown")


def gap_kind(topic: str) -> str:
    """Return the row kind of a topic (see the module docstring)."""
    return KINDS.get(topic, "topic")


def customer_question(handoff: Mapping[str, Any], topic: str) -> Optional[str]:
    """Return the customer's words that asked about ``topic`` in a handed-off conversation.

    The latest customer turn the NLU read as the topic; else the first customer turn that is
    not an answer or a request for a person ("yes", an e-mail address, "a person please");
    else None.
    """
    turns = [
        turn
        for turn in (handoff.get("context") or {}).get("transcript") or []
        if isinstance(turn, Mapping) and turn.get("sender") == "customer" and turn.get("text")
    ]
    for turn in reversed(turns):
        if turn.get("intent") == topic:
            return str(turn["text"])
    for turn in turns:
        if turn.get("intent") not in GENERIC_INTENTS:
            return str(turn["text"])
    return None


def learn_next(
    handoffs: Sequence[Mapping[str, Any]],
    decisions: Sequence[Mapping[str, Any]] = (),
    limit: int = LEARN_NEXT_LIMIT,
    masker: Optional[PiiMasker] = None,
) -> List[Dict[str, Any]]:
    """Return the knowledge-base gaps, most handoffs first, kinds apart.

    The ``limit`` topics that most often end with a person, then the out-of-scope, fallback
    and unknown rows (each when there is any).

    Each row: ``topic``, ``kind``, ``handoffs``, ``conversations`` (every conversation whose
    decisions touched the topic, at least its handoffs), ``rate`` (the share of them that
    ended with a person), ``reasons`` and ``examples`` (up to five distinct customer
    questions, newest first, masked with ``masker``).
    """
    masker = masker or PiiMasker()
    learnable = [row for row in handoffs if row["reason"] not in BY_DESIGN_REASONS]
    reasons: Dict[str, Counter] = defaultdict(Counter)
    handed: Dict[str, set] = defaultdict(set)
    examples: Dict[str, List[str]] = defaultdict(list)
    for row in learnable:
        topic = handoff_topic(row)
        reasons[topic][row["reason"]] += 1
        handed[topic].add(row["conversation_id"])
    for row in sorted(learnable, key=lambda row: row["created_at"], reverse=True):
        topic = handoff_topic(row)
        question = customer_question(row, topic)
        if question is not None:
            _add_example(examples[topic], masker.mask(question))
    seen: Dict[str, set] = defaultdict(set)
    for row in decisions:
        seen_topic: Optional[str] = signal_value(row.get("signals"), "topic") or row.get("intent")
        if seen_topic:
            seen[str(seen_topic)].add(row["conversation_id"])
    ranked = sorted(reasons, key=lambda topic: (-sum(reasons[topic].values()), topic))
    topics = [topic for topic in ranked if gap_kind(topic) == "topic"][:limit]
    others = sorted(
        (topic for topic in ranked if gap_kind(topic) != "topic"),
        key=lambda topic: KIND_ORDER.index(gap_kind(topic)),
    )
    rows = []
    for topic in topics + others:
        conversations = len(seen[topic] | handed[topic])
        rows.append(
            {
                "topic": topic,
                "kind": gap_kind(topic),
                "handoffs": sum(reasons[topic].values()),
                "conversations": conversations,
                "rate": ratio(len(handed[topic]), conversations),
                "reasons": dict(reasons[topic].most_common()),
                "examples": examples[topic],
            }
        )
    return rows


def _add_example(examples: List[str], text: str) -> None:
    text = " ".join(text.split())
    if len(text) > EXAMPLE_LENGTH:
        text = text[: EXAMPLE_LENGTH - 1].rstrip() + "…"
    if len(examples) < EXAMPLES and text.casefold() not in {e.casefold() for e in examples}:
        examples.append(text)


def learn_next_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Return the rows as CSV (one line per row; examples in columns ``example_1`` .. ``_5``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["kind", "topic", "handoffs", "conversations", "rate", "reasons"]
        + [f"example_{n}" for n in range(1, EXAMPLES + 1)]
    )
    for row in rows:
        shown = list(row["examples"]) + [""] * (EXAMPLES - len(row["examples"]))
        writer.writerow(
            [row["kind"], row["topic"], row["handoffs"], row["conversations"], row["rate"]]
            + ["; ".join(f"{code} {count}" for code, count in row["reasons"].items())]
            + [_spreadsheet_safe(text) for text in shown]
        )
    return out.getvalue()


def _spreadsheet_safe(text: str) -> str:
    """Keep a customer's words from running as a spreadsheet formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
