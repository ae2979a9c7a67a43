"""Names over Telegram: the customer's in the desk, the agent's and a transfer in the chat.

A customer whose Telegram profile says "Zoë Okafor-Lind" asks for a person; the desk API's
queue and detail name her. Agents on the desk API claim and transfer the conversation, and
each step reaches her chat through the fake Bot API: who joined (greeting her by name), who
takes over, which team she is passed to, who joins her there.
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

from tests.fakes.channels import ChannelsAssistant, telegram_text, telegram_user, wait_until

pytestmark = pytest.mark.integration

FIRST, LAST = "Zoë", "Okafor-Lind"


def hand_over(channels: ChannelsAssistant, chat: int, sender: Dict[str, Any]) -> Dict[str, Any]:
    """The customer asks for a person and skips the intake; return the queued handoff."""
    for text, expect in [
        ("I want to talk to a person", "order number"),
        ("I don't have one", "e-mail"),
        ("skip", "passed our conversation"),
    ]:
        channels.telegram_say(chat, telegram_text(chat, text, sender=sender), expect=expect)
    queue = channels.assistant.desk("GET", "/api/handoffs").json()["handoffs"]
    (handoff,) = (h for h in queue if h["conversation_id"] == f"telegram:{chat}")
    return handoff


def said_to(channels: ChannelsAssistant, chat: int, before: int, text: str) -> None:
    """Wait until ``text`` reaches the customer's chat after the first ``before`` messages."""
    wait_until(lambda: text in channels.telegram.texts_to(chat)[before:], 60)


def test_the_desk_names_the_customer_and_the_chat_names_the_agents(channels) -> None:
    chat = channels.new_chat_id()
    conversation = f"telegram:{chat}"
    handoff = hand_over(channels, chat, telegram_user(chat, FIRST, LAST))
    desk = channels.assistant.desk

    # The queue and the detail name her as Telegram does; the context package keeps it.
    assert handoff["customer"] == {"id": conversation, "name": "Zoë Okafor-Lind"}
    detail = desk("GET", f"/api/handoffs/{handoff['id']}").json()
    assert detail["customer"]["name"] == detail["context"]["customer"]["name"] == "Zoë Okafor-Lind"
    users = [e for e in channels.tracker(conversation)["events"] if e["event"] == "user"]
    assert users[-1]["metadata"]["customer_name"] == "Zoë Okafor-Lind"

    # Anna claims: the chat hears her name, and Anna greets the customer by hers.
    anna_id, anna = channels.desk_agent("Anna Berg")
    ben_id, ben = channels.desk_agent("Ben Ode")
    sent = len(channels.telegram.texts_to(chat))
    claimed = desk("POST", f"/api/handoffs/{handoff['id']}/claim", token=anna)
    assert claimed.status_code == 200, claimed.text
    greeting = "Hi Zoë Okafor-Lind, Anna Berg from our team has joined the chat."
    said_to(channels, chat, sent, greeting)

    # Anna hands her straight to Ben: the chat hears who takes over.
    sent = len(channels.telegram.texts_to(chat))
    moved = desk(
        "POST", f"/api/handoffs/{handoff['id']}/transfer", token=anna, json={"agent_id": ben_id}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["assigned_agent"] == {"id": ben_id, "display_name": "Ben Ode"}
    said_to(channels, chat, sent, "Ben Ode from our team is taking over.")

    # Ben passes her to another team's queue: the chat hears which team, by its display name.
    teams = {t["name"]: t["display_name"] for t in desk("GET", "/api/teams").json()["teams"]}
    target = "billing" if handoff["team"] != "billing" else "general"
    sent = len(channels.telegram.texts_to(chat))
    moved = desk(
        "POST", f"/api/handoffs/{handoff['id']}/transfer", token=ben, json={"team": target}
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.json()["team"]) == ("queued", target)
    said_to(channels, chat, sent, f"I'm passing you to our {teams[target]} team.")

    # The desk's service token assigns her, waiting in that queue, to Anna: Anna joins again.
    sent = len(channels.telegram.texts_to(chat))
    moved = desk("POST", f"/api/handoffs/{handoff['id']}/transfer", json={"agent_id": anna_id})
    assert moved.status_code == 200, moved.text
    said_to(channels, chat, sent, greeting)

    # Each message is in the conversation's history as an agent turn of its kind.
    agent_turns = [
        (e["text"], e["metadata"]["kind"], e["metadata"]["handoff_agent"]["name"])
        for e in channels.tracker(conversation)["events"]
        if e["event"] == "bot" and "handoff_agent" in (e.get("metadata") or {})
    ]
    assert agent_turns == [
        (greeting, "joined", "Anna Berg"),
        ("Ben Ode from our team is taking over.", "transferred", "Anna Berg"),
        (f"I'm passing you to our {teams[target]} team.", "transferred", "Ben Ode"),
        (greeting, "joined", "Anna Berg"),
    ]
    assert desk("POST", f"/api/handoffs/{handoff['id']}/close").status_code == 200
    for agent_id in (anna_id, ben_id):  # off the desk again: routing offers them nothing
        off = desk("PATCH", f"/api/agents/{agent_id}", json={"active": False})
        assert off.status_code == 200, off.text


def test_a_customer_without_a_last_name_is_named_by_the_first(channels) -> None:
    chat = channels.new_chat_id()
    handoff = hand_over(channels, chat, telegram_user(chat, "Jane"))

    assert handoff["customer"] == {"id": f"telegram:{chat}", "name": "Jane"}
