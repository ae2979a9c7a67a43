"""The live transcript the desk shows, built from real Rasa events; what a claim and a
transfer tell the customer."""

from __future__ import annotations

from unittest.mock import Mock

import pytest
from rasa.shared.core.events import BotUttered, UserUttered

from connectors.agent_desk.handoff_api import join_greeting, transfer_announcement
from connectors.agent_desk.http import DeskContext
from connectors.agent_desk.views import transcript_view


def test_transcript_names_agents_and_skips_external_intents() -> None:
    events = [
        UserUttered("I want a human", {"name": "human_handoff", "confidence": 0.9},
                    parse_data={"intent": {"name": "human_handoff"},
                                "frustration": {"score": 0.2}},
                    metadata={"media": {"kind": "photo", "id": "p1"}}),
        BotUttered("One moment."),
        BotUttered("Anna from our team has joined the chat.",
                   metadata={"handoff_agent": {"id": "a1", "name": "Anna"}, "kind": "joined"}),
        UserUttered("EXTERNAL: handback", {"name": "handback"}),
    ]  # fmt: skip

    turns = transcript_view(events)

    assert [(t["sender"], t["text"]) for t in turns] == [
        ("customer", "I want a human"),
        ("bot", "One moment."),
        ("agent", "Anna from our team has joined the chat."),
    ]
    assert turns[0]["intent"] == "human_handoff"
    assert turns[0]["frustration"] == 0.2
    assert turns[0]["media"] == {"kind": "photo", "id": "p1"}
    assert turns[2]["agent"] == {"id": "a1", "name": "Anna"}
    assert "agent" not in turns[1]


ANNA, BEN = {"id": "a1", "display_name": "Anna"}, {"id": "a2", "display_name": "Ben Ode"}


@pytest.mark.parametrize(
    "status, team_name, assigned, expected",
    [
        ("queued", "Billing", None, "I'm passing you to our Billing team."),
        ("queued", "billing", ANNA, "I'm passing you to our billing team."),
        ("assigned", None, BEN, "Ben Ode from our team is taking over."),
        (
            "assigned",
            None,
            {**BEN, "display_name": ""},
            "a colleague from our team is taking over.",
        ),
        ("ticket", "Billing", None, None),  # the bot has a ticket's customer: nobody to tell
        ("ticket", None, BEN, None),
    ],
)
def test_a_live_chat_hears_where_a_transfer_takes_it(status, team_name, assigned, expected):
    view = {"status": status, "assigned_agent": assigned, "conversation_id": "telegram:1"}

    assert transfer_announcement(DeskContext(Mock(), "t", Mock()), view, team_name) == expected


def test_the_transfer_texts_are_the_configured_ones():
    ctx = DeskContext(Mock(), "t", Mock())
    ctx.team_transfer_message, ctx.agent_transfer_message = "→ {team}", "{agent} übernimmt."
    agent = {"id": "a2", "display_name": "Ben"}

    assert transfer_announcement(ctx, {"status": "queued"}, "Billing") == "→ Billing"
    assert transfer_announcement(ctx, {"status": "assigned", "assigned_agent": agent}, None) == (
        "Ben übernimmt."
    )


@pytest.mark.parametrize(
    "customer, expected",
    [
        ({"id": "telegram:1", "name": "Zoë Okafor-Lind"},
         "Hi Zoë Okafor-Lind, Anna Berg from our team has joined the chat."),
        ({"id": "rest-1", "name": None}, "Anna Berg from our team has joined the chat."),
        ({"id": "rest-1", "name": ""}, "Anna Berg from our team has joined the chat."),
        (None, "Anna Berg from our team has joined the chat."),  # a package without customer
    ],
)  # fmt: skip
def test_the_join_message_greets_a_customer_by_the_name_their_channel_reported(customer, expected):
    view = {"status": "assigned", "customer": customer}

    assert join_greeting(DeskContext(Mock(), "t", Mock()), view, "Anna Berg") == expected
