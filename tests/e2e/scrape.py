"""Reading ``/webhooks/agent_desk/metrics`` as Prometheus does, and the scripted handoff.

``scrape`` parses the text format with ``prometheus_client``'s own parser; ``Samples.moved``
is what ``increase()`` would show between two scrapes. ``scripted_handoff`` is one Telegram
customer (an offer declined, an out-of-scope question, an explicit request through the
intake) and one agent who claims and hands back, each possibly on another replica.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from prometheus_client.parser import text_string_to_metric_families

from handoff.policy.confidence import nlu_unsure, unanswered
from handoff.settings import load_settings
from ops.model import PROJECT_ROOT
from tests.e2e.assistant import RunningAssistant
from tests.fakes.telegram_api import FakeTelegramApi
from tests.replicas.production import agent_token, hand_over, say, wait_for

OFFER = "I can put you through to a person"
CUSTOMER_TURNS = 6  # the three below and hand_over's three
Key = Tuple[str, FrozenSet[Tuple[str, str]]]


@dataclass(frozen=True)
class Samples:
    """One scrape: every sample's value by (name, labels)."""

    values: Dict[Key, float]

    def sum(self, name: str, **labels: str) -> float:
        """Sum of the samples of ``name`` whose labels include ``labels`` (0 when none)."""
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.values.items() if n == name and wanted <= ls)

    def moved(self, before: Samples, name: str, **labels: str) -> float:
        """How much ``name`` (with ``labels``) grew since ``before``."""
        return self.sum(name, **labels) - before.sum(name, **labels)


def metrics_response(assistant: RunningAssistant, token: Optional[str] = "default"):
    return assistant.desk("GET", "/metrics", token=token)


def scrape(assistant: RunningAssistant) -> Samples:
    response = metrics_response(assistant)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    values: Dict[Key, float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            values[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return Samples(values)


def expected_readings(assistant: RunningAssistant, conversation_id: str) -> Tuple[int, int]:
    """(out of scope, unsure) customer turns of the conversation, by the rule the bot uses."""
    policy = load_settings(PROJECT_ROOT / "handoff.yml").policy
    out_of_scope = unsure = 0
    for event in assistant.tracker(conversation_id)["events"]:
        if event["event"] != "user" or (event.get("text") or "").startswith("EXTERNAL"):
            continue
        parse = event.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        out_of_scope += unanswered(intent, policy)
        unsure += nlu_unsure(intent, parse.get("bot_uncertainty"), policy)
    return out_of_scope, unsure


@dataclass
class ScriptedHandoff:
    """What the script did: the handoff as the desk showed it when it was handed back."""

    conversation_id: str
    team: str
    view: Dict[str, Any]
    queued: Samples  # a scrape while the handoff waited in the queue


def scripted_handoff(
    customer_side: RunningAssistant,
    agent_side: RunningAssistant,
    telegram: FakeTelegramApi,
    chat: int,
    agent: str,
) -> ScriptedHandoff:
    """Run the script of the module docstring; return the handed-back handoff."""
    say(customer_side, telegram, chat, "asdfgh qwerty", OFFER)
    say(customer_side, telegram, chat, "no thanks", "")
    say(customer_side, telegram, chat, "what's the weather like today", "")
    handoff = hand_over(customer_side, telegram, chat)
    queued = scrape(agent_side)
    token = agent_token(agent_side, agent, handoff["team"])
    time.sleep(1.1)  # a pick-up time of at least a second
    claimed = agent_side.desk("POST", f"/api/handoffs/{handoff['id']}/claim", token=token)
    assert claimed.status_code == 200, claimed.text
    back = agent_side.desk("POST", f"/api/handoffs/{handoff['id']}/handback", token=token)
    assert back.status_code == 200, back.text
    view = agent_side.desk("GET", f"/api/handoffs/{handoff['id']}").json()
    return ScriptedHandoff(f"telegram:{chat}", handoff["team"], view, queued)


def seconds_between(view: Dict[str, Any], start: str, end: str) -> float:
    return (datetime.fromisoformat(view[end]) - datetime.fromisoformat(view[start])).total_seconds()


def settled(assistant: RunningAssistant, before: Samples, turns: int) -> Samples:
    """Scrape until this replica's bot turns have all been counted (they end after a reply)."""
    latest: List[Samples] = []

    def counted() -> bool:
        latest.append(scrape(assistant))
        moved = latest[-1].moved(before, "handoff_process_bot_turn_seconds_count")
        return moved >= turns

    wait_for(counted, 30, "bot turns counted")
    return latest[-1]
