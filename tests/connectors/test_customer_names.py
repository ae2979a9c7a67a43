"""The customer's display name each channel reads into the message metadata (``customer_name``).

Payloads have the shapes the platforms document and send: Telegram ``Update`` objects
(https://core.telegram.org/bots/api#update, ``User`` with ``first_name`` and optional
``last_name``) and WhatsApp Cloud API ``messages`` webhooks, whose ``value.contacts`` lists the
senders' profiles by ``wa_id``.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional

import pytest

from connectors.telegram.updates import parse_update
from connectors.whatsapp.webhook import parse_envelope
from handoff.context import CUSTOMER_NAME_KEY, CUSTOMER_NAME_MAX_LENGTH

PHONE_NUMBER_ID = "106540352242922"
WA_ID = "4915112345678"


def telegram_user(**names: Any) -> Dict[str, Any]:
    return {"id": 1111111, "is_bot": False, "username": "janedoe", "language_code": "en", **names}


def telegram_message_update(sender: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """A private text message, as Telegram delivers it to a webhook."""
    message: Dict[str, Any] = {
        "message_id": 1365,
        "chat": {"id": 1111111, "first_name": "Jane", "username": "janedoe", "type": "private"},
        "date": 1441645532,
        "text": "where is my parcel?",
    }
    if sender is not None:
        message["from"] = sender
    return {"update_id": 10000, "message": message}


def telegram_callback_update(sender: Dict[str, Any]) -> Dict[str, Any]:
    """A button of a bot message pressed: the presser is ``callback_query.from``."""
    return {
        "update_id": 10001,
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": sender,
            "chat_instance": "-6930925582311396214",
            "data": "/affirm",
            "message": {
                "message_id": 1366,
                "from": {"id": 7000001, "is_bot": True, "first_name": "Northwind",
                         "username": "nw_bot"},
                "chat": {"id": 1111111, "first_name": "Jane", "type": "private"},
                "date": 1441645533,
                "text": "Shall I pass you to a person?",
            },
        },
    }  # fmt: skip


@pytest.mark.parametrize(
    "sender, expected",
    [
        (telegram_user(first_name="Jane"), "Jane"),
        (telegram_user(first_name="Jane", last_name="Doe"), "Jane Doe"),
        (telegram_user(first_name="Zoë", last_name="Ó Briain"), "Zoë Ó Briain"),
        (telegram_user(first_name="  Jane ", last_name=" "), "Jane"),
        (telegram_user(first_name="\u202eeoD enaJ"), "eoD enaJ"),  # no right-to-left override
        (telegram_user(first_name="Jane\n\tDoe"), "Jane Doe"),
        (telegram_user(first_name="J" * 64, last_name="D" * 80), "J" * 64 + " " + "D" * 63),
        (telegram_user(first_name=""), None),
        (telegram_user(), None),  # no first_name at all (not a valid User, but survivable)
        (telegram_user(first_name=42), None),  # not a string: no name
        (None, None),  # no "from" (a channel post forwarded into the chat)
    ],
)
def test_telegram_reads_first_and_last_name_of_the_sender(sender, expected) -> None:
    (turn,) = parse_update(telegram_message_update(sender))

    assert turn.metadata.get(CUSTOMER_NAME_KEY) == expected
    assert len(expected or "") <= CUSTOMER_NAME_MAX_LENGTH
    assert turn.text == "where is my parcel?"
    if sender is not None:
        assert turn.metadata["language"] == "en"


@pytest.mark.parametrize(
    "sender, expected",
    [
        (telegram_user(first_name="Jane"), "Jane"),
        (telegram_user(first_name="Jane", last_name="Doe"), "Jane Doe"),
        (telegram_user(), None),
    ],
)
def test_a_telegram_button_press_names_who_pressed_not_the_bot(sender, expected) -> None:
    (turn,) = parse_update(telegram_callback_update(sender))

    assert turn.button and turn.text == "/affirm"
    assert turn.metadata.get(CUSTOMER_NAME_KEY) == expected  # never "Northwind", the bot


def whatsapp_value(
    messages: List[Dict[str, Any]], contacts: Optional[List[Dict[str, Any]]]
) -> Dict[str, Any]:
    """A Cloud API ``messages`` webhook, one change (``contacts`` None: left out)."""
    value: Dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001234", "phone_number_id": PHONE_NUMBER_ID},
        "messages": messages,
    }
    if contacts is not None:
        value["contacts"] = contacts
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def whatsapp_text(sender: str, body: str = "where is my parcel?") -> Dict[str, Any]:
    return {
        "from": sender,
        "id": f"wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFjNFQjA{sender[-4:]}",
        "timestamp": "1733472000",
        "type": "text",
        "text": {"body": body},
    }


def contact(wa_id: str, name: Any) -> Dict[str, Any]:
    return {"profile": {"name": name}, "wa_id": wa_id}


@pytest.mark.parametrize(
    "contacts, expected",
    [
        ([contact(WA_ID, "Jane Doe")], "Jane Doe"),
        ([contact(WA_ID, "Jane")], "Jane"),
        ([contact(WA_ID, " Jane\u200b  Doe ")], "Jane Doe"),  # zero-width space dropped
        (None, None),  # no contacts at all
        ([], None),
        ([contact("4915199999999", "Someone Else")], None),  # another sender's profile
        ([{"wa_id": WA_ID}], None),  # no profile
        ([contact(WA_ID, "")], None),
        ([contact(WA_ID, None)], None),
        (["Jane"], None),  # not an object: skipped, the message still counts
    ],
)
def test_whatsapp_reads_the_profile_name_of_the_contact_who_sent_the_message(
    contacts, expected
) -> None:
    (turn,) = parse_envelope(whatsapp_value([whatsapp_text(WA_ID)], contacts), PHONE_NUMBER_ID)

    assert turn.metadata.get(CUSTOMER_NAME_KEY) == expected
    assert turn.conversation_id == f"whatsapp:{WA_ID}"
    assert turn.text == "where is my parcel?"


def test_whatsapp_names_each_message_of_a_batch_by_its_own_sender() -> None:
    other = "4915199999999"
    body = whatsapp_value(
        [whatsapp_text(WA_ID), whatsapp_text(other, "hello"), whatsapp_text("4915100000000")],
        [contact(other, "Ben"), contact(WA_ID, "Jane Doe")],
    )

    turns = parse_envelope(body, PHONE_NUMBER_ID)

    assert [t.metadata.get(CUSTOMER_NAME_KEY) for t in turns] == ["Jane Doe", "Ben", None]


def test_reading_the_name_leaves_the_delivery_unchanged() -> None:
    update = telegram_message_update(telegram_user(first_name="Jane", last_name="Doe"))
    envelope = whatsapp_value([whatsapp_text(WA_ID)], [contact(WA_ID, "Jane Doe")])
    update_before, envelope_before = copy.deepcopy(update), copy.deepcopy(envelope)

    parse_update(update)
    parse_envelope(envelope, PHONE_NUMBER_ID)

    assert (update, envelope) == (update_before, envelope_before)
