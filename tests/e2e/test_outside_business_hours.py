"""Outside business hours: a ticket with the whole context, a concrete time, no silence."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.integration


def test_outside_hours_the_customer_gets_a_time_and_a_reference(closed_assistant):
    sender = closed_assistant.new_conversation()
    closed_assistant.say(sender, "I want my money back for order 48213377, refund me now")
    replies = closed_assistant.say(sender, "skip")

    reopening = datetime.now(ZoneInfo("Europe/Berlin")).date() + timedelta(days=7)
    (ticket_message,) = (r for r in replies if "opened a ticket" in r)
    assert f"{reopening.day} {reopening:%B} at 00:00" in ticket_message
    assert "billing team" in ticket_message

    tracker = closed_assistant.tracker(sender)
    assert tracker["paused"] is False  # the bot keeps helping meanwhile
    handoff_id = tracker["slots"]["handoff_id"]
    assert handoff_id[:8].upper() in ticket_message

    tickets = closed_assistant.desk("GET", "/api/handoffs", params={"status": "ticket"}).json()
    (ticket,) = (h for h in tickets["handoffs"] if h["conversation_id"] == sender)
    assert (ticket["id"], ticket["team"], ticket["priority"]) == (handoff_id, "billing", 1)
    detail = closed_assistant.desk("GET", f"/api/handoffs/{handoff_id}").json()
    assert detail["context"]["intake"]["order_number"] == "48213377"

    # the bot still answers FAQs while the ticket waits
    assert any("PayPal" in r for r in closed_assistant.say(sender, "can I pay with paypal?"))
