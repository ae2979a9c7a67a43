"""After a person handed a topic back, the bot does not hand the same topic straight back.

When an agent hands a conversation back (resolved, not resolved, or to be followed up), the
customer often carries on about the same thing ("thanks - so the refund takes 5 days?"). The
triggers that read the topic (sensitive topic, high value) or the mood (frustration,
repeated question, looping, low confidence) would hand it straight back to the team that
just let go. For the rest of the session a topic that was handed back is therefore not
escalated again — unless the customer asks for a person (``explicit_request`` always wins).

The topic of a handoff is what the trigger policy recorded in the ``handoff_signals`` slot:
its ``topic`` signal, else the intent it fired on.
"""

from __future__ import annotations

from typing import Any, FrozenSet, Iterable, Mapping, Optional, Sequence

from handoff.policy.signals import SignalName
from handoff.slots import HANDOFF_SIGNALS

HANDBACK_INTENT = "handback"
"""The external intent the desk triggers on handback (``connectors.agent_desk.handback``)."""

_SESSION_START = frozenset({"session_started", "restart"})


def handed_back_topics(events: Sequence[Mapping[str, Any]]) -> FrozenSet[str]:
    """Return the topics of this session's handoffs that a person handed back."""
    start = 0
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") in _SESSION_START:
            start = index + 1
            break
    topics = set()
    recorded: Optional[Iterable[Mapping[str, Any]]] = None
    for event in events[start:]:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == HANDOFF_SIGNALS and event.get("value"):
            recorded = event["value"]
        elif kind == "user" and _intent(event) == HANDBACK_INTENT and recorded:
            topic = topic_of(recorded)
            if topic:
                topics.add(topic)
            recorded = None
    return frozenset(topics)


def topic_of(signals: Iterable[Mapping[str, Any]]) -> Optional[str]:
    """Return a decision's topic: its ``topic`` signal, else the intent it fired on."""
    intent = None
    for item in signals:
        if not isinstance(item, Mapping):
            continue
        if item.get("name") == SignalName.TOPIC.value and item.get("value"):
            return str(item["value"])
        if item.get("name") == SignalName.INTENT.value and intent is None:
            value = item.get("value")
            intent = value.get("name") if isinstance(value, Mapping) else value
    return str(intent) if intent else None


def _intent(event: Mapping[str, Any]) -> Optional[str]:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")
