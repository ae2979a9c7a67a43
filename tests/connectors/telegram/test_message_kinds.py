"""Every private message the bot cannot read as text becomes the media intent, naming its kind.

Payloads in the Bot API's documented shapes (https://core.telegram.org/bots/api#message).
"""

from __future__ import annotations

import copy
import json
import logging

import pytest

from connectors.telegram.content import (
    ENVELOPE_FIELDS,
    MESSAGE_KINDS,
    SERVICE_FIELDS,
    message_media,
)
from connectors.telegram.updates import parse_update
from tests.fakes.channels import telegram_message, telegram_poll, telegram_text

CHAT = 777000111
USER = {"id": 9001, "is_bot": False, "first_name": "Ola"}
CHANNEL = {"id": -1001234567890, "type": "channel", "title": "Northwind Home"}
PHOTO_SIZES = [
    {"file_id": "AgAD-small", "file_unique_id": "s", "width": 90, "height": 60},
    {"file_id": "AgAD-large", "file_unique_id": "l", "width": 1280, "height": 853},
]
LOCATION = {"latitude": 52.520008, "longitude": 13.404954}

CONTENT = [
    # (Message field, its value, the kind the customer hears about)
    ("checklist", {"title": "Before delivery", "tasks": [{"id": 1, "text": "Clear hall"}]},
     "checklist"),
    ("game", {"title": "Sofa Quest", "description": "Find the sofa", "photo": PHOTO_SIZES},
     "game"),
    ("giveaway", {"chats": [CHANNEL], "winners_selection_date": 1767225600, "winner_count": 3},
     "giveaway"),
    ("giveaway_winners", {"chat": CHANNEL, "giveaway_message_id": 12,
                          "winners_selection_date": 1767225600, "winner_count": 1,
                          "winners": [USER]}, "giveaway result"),
    ("invoice", {"title": "Sofa", "description": "Grey, 3 seats", "start_parameter": "sofa",
                 "currency": "EUR", "total_amount": 49900}, "invoice"),
    ("successful_payment", {"currency": "EUR", "total_amount": 49900,
                            "invoice_payload": "order-1", "telegram_payment_charge_id": "t",
                            "provider_payment_charge_id": "p"}, "payment"),
    ("passport_data", {"data": [{"type": "personal_details", "data": "ZW5j", "hash": "aA=="}],
                       "credentials": {"data": "ZA==", "hash": "aA==", "secret": "cw=="}},
     "Telegram Passport data"),
    ("story", {"chat": CHANNEL, "id": 42}, "story"),
    ("dice", {"emoji": "🎲", "value": 4}, "dice"),
    ("paid_media", {"star_count": 10, "paid_media": [{"type": "preview", "width": 1280}]},
     "paid photo or video"),
    ("web_app_data", {"data": "size=L", "button_text": "Choose a size"}, "mini app data"),
    ("users_shared", {"request_id": 1, "users": [{"user_id": 9002}]}, "shared contact"),
    ("contact", {"phone_number": "+4915100000000", "first_name": "Ola"}, "contact card"),
    ("sticker", {"file_id": "CAAD-sticker", "file_unique_id": "u", "type": "regular",
                 "width": 512, "height": 512, "is_animated": False, "is_video": False},
     "sticker"),
    ("video_note", {"file_id": "DQAD-note", "file_unique_id": "u", "length": 240,
                    "duration": 7}, "video message"),
    ("rainbow_message", {"colours": 7}, "message"),  # a field Telegram adds one day
]  # fmt: skip


def test_a_poll_is_the_media_intent_naming_the_poll() -> None:
    (turn,) = parse_update(telegram_poll(CHAT))
    assert turn.text == '/send_media{"media_kind": "poll"}'
    assert turn.metadata["media"] == {"kind": "poll", "id": None, "mime_type": None,
                                      "caption": None}  # fmt: skip
    assert turn.metadata["language"] == "en"  # routing still knows the customer


@pytest.mark.parametrize("field, value, kind", CONTENT, ids=[c[0] for c in CONTENT])
def test_content_the_bot_cannot_read_is_the_media_intent(field, value, kind) -> None:
    (turn,) = parse_update(telegram_message(CHAT, **{field: value}))
    assert turn.action == "message"
    assert turn.conversation_id == f"telegram:{CHAT}"
    assert json.loads(turn.text[len("/send_media") :]) == {"media_kind": kind}
    assert turn.metadata["media"]["kind"] == kind


def test_a_file_keeps_its_reference_and_other_kinds_have_none() -> None:
    values = {field: value for field, value, _ in CONTENT}
    assert message_media({"sticker": values["sticker"]})["id"] == "CAAD-sticker"
    assert message_media({"photo": PHOTO_SIZES, "caption": "the dent"}) == {
        "kind": "photo", "id": "AgAD-large", "mime_type": None, "caption": "the dent"
    }  # fmt: skip
    assert message_media({"game": values["game"]})["id"] is None  # its photo is not the file


@pytest.mark.parametrize(
    "content, kind",
    [
        ({"animation": {"file_id": "gif"}, "document": {"file_id": "gif"}}, "GIF"),
        ({"venue": {"location": LOCATION, "title": "Shop", "address": "Main St 1"},
          "location": LOCATION}, "location"),
        ({"venue": {"location": LOCATION, "title": "Shop", "address": "Main St 1"}}, "location"),
        ({"rainbow_message": {}, "caption": "see this"}, "message"),
    ],
)  # fmt: skip
def test_fields_sent_together_name_one_kind(content, kind) -> None:
    media = message_media(content)
    assert media is not None and media["kind"] == kind
    if "venue" in content:
        assert (media["latitude"], media["longitude"]) == (52.520008, 13.404954)


@pytest.mark.parametrize(
    "service",
    [
        {"pinned_message": {"message_id": 5, "date": 0, "chat": {"id": CHAT, "type": "private"}}},
        {"message_auto_delete_timer_changed": {"message_auto_delete_time": 86400}},
        {"checklist_tasks_done": {"marked_as_done_task_ids": [1]}},
        {"chat_background_set": {"type": {"type": "fill", "dark_theme_dimming": 0}}},
        {"forum_topic_created": {"name": "Orders", "icon_color": 7322096}},
        {"write_access_allowed": {"from_request": True}},
        {"refunded_payment": {"currency": "XTR", "total_amount": 10}},
        {},  # nothing but the envelope
    ],
    ids=lambda service: next(iter(service), "envelope only"),
)
def test_service_messages_and_empty_ones_are_ignored(service) -> None:
    assert parse_update(telegram_message(CHAT, **service)) == []


def test_text_is_read_as_text_whatever_the_envelope_carries() -> None:
    update = telegram_text(CHAT, "where is my sofa?")
    update["message"]["link_preview_options"] = {"is_disabled": True}
    update["message"]["reply_to_message"] = copy.deepcopy(telegram_poll(CHAT)["message"])
    (turn,) = parse_update(update)
    assert turn.text == "where is my sofa?"
    assert "media" not in turn.metadata


def test_a_poll_in_a_group_gets_the_group_notice_not_a_turn() -> None:
    update = telegram_poll(CHAT)
    update["message"]["chat"] = {"id": -100200300, "type": "supergroup", "title": "Fans"}
    (turn,) = parse_update(update)
    assert turn.action == "notice"


def test_unknown_content_is_logged_by_field_name_only(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="connectors.telegram.updates"):
        parse_update(telegram_message(CHAT, rainbow_message={"secret": "do not log"}))
    assert "['rainbow_message']" in caplog.text
    assert "do not log" not in caplog.text


def test_the_tables_do_not_overlap() -> None:
    kinds = {field for field, _ in MESSAGE_KINDS}
    assert len(kinds) == len(MESSAGE_KINDS)
    assert not kinds & SERVICE_FIELDS
    assert not kinds & ENVELOPE_FIELDS
    assert not SERVICE_FIELDS & ENVELOPE_FIELDS
