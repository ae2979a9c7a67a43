"""Names over WhatsApp: the profile name in the desk, the agent's and a transfer in the chat.

The Cloud API names the sender in ``value.contacts[].profile.name``; a customer whose profile
says "Amara Nwosu" asks for a person and the desk API names her. An agent's claim (greeting
her by name) and a team transfer reach her through the fake Graph API. A webhook without
``contacts`` leaves the desk with the conversation id only.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest

from tests.fakes.channels import ChannelsAssistant, wait_until

pytestmark = pytest.mark.integration

PROFILE_NAME = "Amara Nwosu"


def hand_over(channels: ChannelsAssistant, wa_id: str, name: Optional[str]) -> Dict[str, Any]:
    """The customer asks for a person and skips the intake; return the queued handoff."""
    for text, expect in [
        ("I want to talk to a person", "order number"),
        ("I don't have one", "e-mail"),
        ("no thanks", "passed our conversation"),
    ]:
        channels.whatsapp_say(wa_id, text, expect=expect, name=name)
    queue = channels.assistant.desk("GET", "/api/handoffs").json()["handoffs"]
    (handoff,) = (h for h in queue if h["conversation_id"] == f"whatsapp:{wa_id}")
    return handoff


def said_to(channels: ChannelsAssistant, wa_id: str, before: int, text: str) -> None:
    """Wait until ``text`` reaches the customer after the first ``before`` messages."""
    wait_until(lambda: text in channels.graph.texts_to(wa_id)[before:], 60)


def test_the_desk_names_the_customer_and_the_chat_hears_who_joined_and_where_she_goes(
    channels,
) -> None:
    wa_id = channels.new_wa_id()
    conversation = f"whatsapp:{wa_id}"
    handoff = hand_over(channels, wa_id, PROFILE_NAME)
    desk = channels.assistant.desk

    assert handoff["customer"] == {"id": conversation, "name": PROFILE_NAME}
    detail = desk("GET", f"/api/handoffs/{handoff['id']}").json()
    assert detail["customer"]["name"] == detail["context"]["customer"]["name"] == PROFILE_NAME

    sam_id, sam = channels.desk_agent("Sam Reyes")
    sent = len(channels.graph.texts_to(wa_id))
    claimed = desk("POST", f"/api/handoffs/{handoff['id']}/claim", token=sam)
    assert claimed.status_code == 200, claimed.text
    said_to(
        channels, wa_id, sent, f"Hi {PROFILE_NAME}, Sam Reyes from our team has joined the chat."
    )

    teams = {t["name"]: t["display_name"] for t in desk("GET", "/api/teams").json()["teams"]}
    target = "billing" if handoff["team"] != "billing" else "general"
    sent = len(channels.graph.texts_to(wa_id))
    moved = desk(
        "POST", f"/api/handoffs/{handoff['id']}/transfer", token=sam, json={"team": target}
    )
    assert moved.status_code == 200, moved.text
    said_to(channels, wa_id, sent, f"I'm passing you to our {teams[target]} team.")
    (call,) = (
        c
        for c in channels.graph.delivered_to(wa_id)
        if c.body.get("type") == "text" and "passing you" in c.body["text"]["body"]
    )
    assert call.body["text"]["preview_url"] is False  # a plain text message, no bot buttons

    assert desk("POST", f"/api/handoffs/{handoff['id']}/close").status_code == 200
    off = desk("PATCH", f"/api/agents/{sam_id}", json={"active": False})
    assert off.status_code == 200, off.text  # off the desk again: routing offers them nothing


def test_without_contacts_the_desk_has_the_conversation_id_only(channels) -> None:
    wa_id = channels.new_wa_id()
    handoff = hand_over(channels, wa_id, None)

    assert handoff["customer"] == {"id": f"whatsapp:{wa_id}", "name": None}
