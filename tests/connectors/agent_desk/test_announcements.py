"""What a claim and a transfer tell the customer of a live chat (texts of ``handoff.yml``)."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import Mock

import pytest

from connectors.agent_desk.announcements import join_greeting, transfer_announcement
from connectors.agent_desk.http import DeskContext
from connectors.bridge import HumanAgent
from handoff.settings import load_settings

SHIPPED = Path(__file__).resolve().parents[3] / "handoff.yml"

ANNA, BEN = {"id": "a1", "display_name": "Anna"}, {"id": "a2", "display_name": "Ben Ode"}
MOVER = HumanAgent(id="s1", name="Sue")  # the supervisor who transfers
JANE = {"id": "telegram:1", "name": "Jane"}


@pytest.mark.parametrize(
    "status, team_name, previous, assigned, expected",
    [
        ("queued", "Billing", "a1", None,
         ("I'm passing you to our Billing team.", "transferred", MOVER)),
        ("queued", "billing", None, None,
         ("I'm passing you to our billing team.", "transferred", MOVER)),
        ("assigned", None, "a1", BEN,
         ("Ben Ode from our team is taking over.", "transferred", MOVER)),
        ("assigned", None, "a1", {**BEN, "display_name": ""},
         ("a colleague from our team is taking over.", "transferred", MOVER)),
        # from the queue straight to Ben: he joins, as on a claim, in his own name
        ("assigned", None, None, BEN,
         ("Hi Jane, Ben Ode from our team has joined the chat.", "joined",
          HumanAgent(id="a2", name="Ben Ode"))),
        ("ticket", "Billing", None, None, None),  # the bot has a ticket's customer: nobody
        ("ticket", None, "a1", BEN, None),
    ],
)  # fmt: skip
def test_a_live_chat_hears_where_a_transfer_takes_it(
    status, team_name, previous, assigned, expected
):
    view = {"status": status, "assigned_agent": assigned, "customer": JANE}

    said = transfer_announcement(DeskContext(Mock(), "t", Mock()), view, team_name, previous, MOVER)

    assert (said and (said.text, said.kind, said.sender)) == expected


def test_the_transfer_texts_are_the_configured_ones():
    ctx = DeskContext(Mock(), "t", Mock())
    ctx.team_transfer_message, ctx.agent_transfer_message = "→ {team}", "{agent} übernimmt."
    agent = {"id": "a2", "display_name": "Ben"}

    to_team = transfer_announcement(ctx, {"status": "queued"}, "Billing", "a1", MOVER)
    to_ben = transfer_announcement(
        ctx, {"status": "assigned", "assigned_agent": agent}, None, "a1", MOVER
    )

    assert (to_team and to_team.text, to_ben and to_ben.text) == ("→ Billing", "Ben übernimmt.")


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


def test_the_desk_speaks_the_handoffs_language():
    ctx = DeskContext(Mock(), "t", Mock())
    ctx.translations = load_settings(SHIPPED).desk.all_texts()
    german = {"status": "assigned", "assigned_agent": BEN, "customer": JANE, "language": "de"}

    joined = transfer_announcement(ctx, german, None, None, MOVER)
    to_team = transfer_announcement(ctx, {**german, "status": "queued"}, "Billing", "a1", MOVER)

    assert join_greeting(ctx, {**german, "customer": None}, "Anna") == (
        "Anna aus unserem Team ist jetzt im Chat."
    )
    assert joined and joined.text == "Hallo Jane, Ben Ode aus unserem Team ist jetzt im Chat."
    assert to_team and to_team.text == "Ich verbinde Sie mit unserem Team Billing."
    assert join_greeting(ctx, {**german, "language": "it"}, "Anna") == (
        "Hi Jane, Anna from our team has joined the chat."
    )
