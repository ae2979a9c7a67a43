"""The desk's rules hold for every entry point: they live in the service, not in HTTP handlers.

Whoever makes the change — an agent logging out, changing presence, a supervisor editing the
agent (``PATCH /api/agents``) — the waiting handoffs are re-offered the same way; only the
assigned agent replies; only a live chat is handed back. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Callable

import pytest

from handoff.desk import attendance
from handoff.desk import service as desk_service
from handoff.desk.accounts import SERVICE, Principal
from handoff.desk.admin import AgentChanges
from handoff.desk.errors import Conflict, DeskError, InvalidField, NotAllowed
from handoff.store import AgentRole
from tests.handoff.desk_people import add_agent, add_team, open_billing_handoff

PASSWORD = "correct horse battery"  # tests.handoff.desk_people's


@pytest.fixture
def desk(unit_of_work):
    with unit_of_work() as uow:
        add_team(uow, "billing")
        add_team(uow, "sales")
    return unit_of_work


def _offered_to(uow, handoff_id: str):
    return uow.handoffs.get(handoff_id).offered_agent_id


def _log_out(uow, anna: Principal) -> None:
    token, _, _ = attendance.log_in(uow, "anna", PASSWORD)
    attendance.log_out(uow, anna, token)


GOING = {
    "logout": _log_out,
    "presence away": lambda uow, anna: attendance.change_presence(uow, anna, "away"),
    "presence offline": lambda uow, anna: attendance.change_presence(uow, anna, "offline"),
    "PATCH presence offline": lambda uow, anna: attendance.update_agent(
        uow, SERVICE, anna.id, AgentChanges(presence="offline")
    ),
    "PATCH deactivated": lambda uow, anna: attendance.update_agent(
        uow, SERVICE, anna.id, AgentChanges(active=False)
    ),
    "PATCH moved to sales": lambda uow, anna: attendance.update_agent(
        uow, SERVICE, anna.id, AgentChanges(teams=["sales"])
    ),
}


@pytest.mark.parametrize("going", list(GOING))
def test_an_agent_who_goes_away_hands_their_offers_on(desk, going) -> None:
    with desk() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        bert = add_agent(uow, "bert", ["billing"])
        waiting = open_billing_handoff(uow, "c1")
        assert _offered_to(uow, waiting) == anna.id  # least busy, then by name

        GOING[going](uow, anna)

        assert _offered_to(uow, waiting) == bert.id


COMING: dict[str, Callable] = {
    "login": lambda uow, bert: attendance.log_in(uow, "bert", PASSWORD),
    "presence online": lambda uow, bert: attendance.change_presence(uow, bert, "online"),
    "PATCH presence online": lambda uow, bert: attendance.update_agent(
        uow, SERVICE, bert.id, AgentChanges(presence="online")
    ),
}


@pytest.mark.parametrize("coming", list(COMING))
def test_an_agent_who_comes_online_is_offered_the_waiting_handoffs(desk, coming) -> None:
    with desk() as uow:
        anna = add_agent(uow, "anna", ["billing"], max_chats=1)
        bert = add_agent(uow, "bert", ["billing"], online=False)
        desk_service.claim(uow, anna, open_billing_handoff(uow, "busy"))
        waiting = open_billing_handoff(uow, "c1")
        assert _offered_to(uow, waiting) is None  # anna is at capacity, bert is away

        COMING[coming](uow, bert)

        assert _offered_to(uow, waiting) == bert.id


def test_a_patch_giving_room_re_offers_too(desk) -> None:
    with desk() as uow:
        anna = add_agent(uow, "anna", ["billing"], max_chats=1)
        desk_service.claim(uow, anna, open_billing_handoff(uow, "busy"))
        waiting = open_billing_handoff(uow, "c1")
        assert _offered_to(uow, waiting) is None

        attendance.update_agent(uow, SERVICE, anna.id, AgentChanges(max_chats=2))

        assert _offered_to(uow, waiting) == anna.id


def test_a_patch_of_an_unknown_agent_changes_nothing(desk) -> None:
    with desk() as uow, pytest.raises(DeskError, match="no agent nobody") as refused:
        attendance.update_agent(uow, SERVICE, "nobody", AgentChanges(presence="offline"))
    assert refused.value.status == 404


def test_only_the_assigned_agent_replies(desk) -> None:
    with desk() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        bert = add_agent(uow, "bert", ["billing"])
        lea = add_agent(uow, "lea", [], role=AgentRole.SUPERVISOR)
        handoff_id = open_billing_handoff(uow, "c1")

        with pytest.raises(NotAllowed, match="claim it first") as unclaimed:
            desk_service.reply(uow, anna, handoff_id, "Hello")
        desk_service.claim(uow, anna, handoff_id)
        with pytest.raises(NotAllowed, match="is assigned to Anna") as other:
            desk_service.reply(uow, bert, handoff_id, "Hello")
        target = desk_service.reply(uow, anna, handoff_id, "Hello Jane")
        desk_service.reply(uow, lea, handoff_id, "A supervisor steps in")

        replies = [(entry.actor, entry.details) for entry in uow.audit.entries(action="reply")]

    assert unclaimed.value.status == other.value.status == 403
    assert target == desk_service.ReplyTarget(conversation_id="c1", team="billing")
    assert replies == [("Anna", {"length": 10}), ("Lea", {"length": 21})]


def test_the_service_token_cannot_log_out(desk) -> None:
    with desk() as uow, pytest.raises(InvalidField, match="token") as refused:
        attendance.log_out(uow, SERVICE, "any")
    assert refused.value.status == 422


def test_only_a_live_chat_is_handed_back_and_the_leaving_agent_is_named(desk) -> None:
    with desk() as uow:
        anna = add_agent(uow, "anna", ["billing"])
        bert = add_agent(uow, "bert", ["billing"])
        live, ticket, queued = (
            open_billing_handoff(uow, "c1"),
            open_billing_handoff(uow, "c2", ticket=True),
            open_billing_handoff(uow, "c3"),
        )
        desk_service.claim(uow, anna, live)
        desk_service.claim(uow, anna, ticket)

        assert desk_service.handback_target(uow, anna, live) == desk_service.Leaving(
            conversation_id="c1", team="billing", agent_id=anna.id, agent_name="Anna"
        )
        assert desk_service.handback_target(uow, SERVICE, queued).agent_id is None
        with pytest.raises(desk_service.HandoffNotOpen, match="is a ticket") as a_ticket:
            desk_service.handback_target(uow, anna, ticket)
        with pytest.raises(NotAllowed, match="assigned to Anna"):
            desk_service.handback_target(uow, bert, live)
        desk_service.hand_back(uow, live)
        with pytest.raises(Conflict):
            desk_service.handback_target(uow, anna, live)

    assert a_ticket.value.status == 409
