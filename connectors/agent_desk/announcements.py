"""What the desk tells the customer of a live chat when people change: joins and transfers.

Pure decisions over a handoff's desk view (``connectors.agent_desk.views.desk_view``) and the
texts of ``handoff.yml``'s ``desk`` section (kept in the :class:`DeskContext`); the handlers in
``connectors.agent_desk.handoff_api`` send what these return through
``connectors.bridge.deliver_agent_message``, so it reaches Telegram, WhatsApp or the website
through the outbox and lands in the transcript as an agent turn of its ``kind``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional

from connectors.agent_desk.http import DeskContext
from connectors.bridge import AgentMessageKind, HumanAgent
from handoff.store import HandoffStatus


def join_greeting(ctx: DeskContext, view: Dict[str, Any], agent_name: str) -> str:
    """Return what the customer hears when ``agent_name`` claims their live chat.

    "Hi Zoë Okafor-Lind, Anna from our team has joined the chat." when the handoff's context
    package names the customer (their Telegram or WhatsApp name, or the one a website sent);
    "Anna from our team has joined the chat." when it does not (REST). In the handoff's
    language (``desk.translations``; English when it has none).
    """
    customer = (view.get("customer") or {}).get("name")
    language = view.get("language")
    if customer:
        return ctx.text("greeting_message", language).format(agent=agent_name, customer=customer)
    return ctx.text("joined_message", language).format(agent=agent_name)


@dataclass(frozen=True)
class Announcement:
    """A desk message to the customer: its words, its kind, and whose name it goes out in."""

    text: str
    kind: str
    sender: HumanAgent


def transfer_announcement(
    ctx: DeskContext,
    view: Dict[str, Any],
    team_name: Optional[str],
    previous_agent: Optional[str],
    mover: HumanAgent,
) -> Optional[Announcement]:
    """Return what the customer hears about a transfer by ``mover``; None for nothing.

    A live handoff moved to a team's queue: "I'm passing you to our Billing team." (the
    team's display name, ``team_name``). Straight to an agent: from another agent
    (``previous_agent``, the id of who had it), "Ben from our team is taking over."; from the
    queue, Ben joins as on a claim (:func:`join_greeting`, in his name) — a supervisor or the
    service token assigning a waiting customer. A ticket's customer is not in a chat with
    anybody (the bot answers them), so a ticket changing hands is the desk's business.
    """
    if view["status"] == HandoffStatus.TICKET.value:
        return None
    if team_name is not None:
        text = ctx.text("team_transfer_message", view.get("language")).format(team=team_name)
        return Announcement(text, AgentMessageKind.TRANSFERRED, mover)
    assigned = view.get("assigned_agent") or {}
    name = assigned.get("display_name") or "a colleague"
    if previous_agent is None:
        joined = HumanAgent(id=assigned.get("id") or mover.id, name=name)
        return Announcement(join_greeting(ctx, view, name), AgentMessageKind.JOINED, joined)
    text = ctx.text("agent_transfer_message", view.get("language")).format(agent=name)
    return Announcement(text, AgentMessageKind.TRANSFERRED, mover)
