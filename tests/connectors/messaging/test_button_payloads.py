"""The button allow-list on the real domain.yml and real Telegram/WhatsApp payload shapes."""

import copy

import pytest
from rasa.shared.core.domain import Domain

from connectors.messaging.button_payloads import (
    allowed_press,
    domain_button_payloads,
    screen_presses,
)
from connectors.telegram.updates import parse_update
from connectors.whatsapp.webhook import parse_envelope
from ops.model import PROJECT_ROOT
from tests.fakes.channels import (
    WA_PHONE_ID,
    telegram_callback,
    telegram_text,
    whatsapp_button_reply,
    whatsapp_envelope,
)


@pytest.fixture(scope="module")
def allowed():
    return domain_button_payloads(Domain.load(str(PROJECT_ROOT / "domain.yml")))


def test_the_allow_list_is_what_the_domains_buttons_carry(allowed):
    assert "/human_handoff" in allowed  # utter_offer_handoff's "Talk to a person"
    assert "/deny" in allowed  # its "No thanks"
    assert not {"/restart", "/session_start", "/handback", "/send_media"} & allowed


@pytest.mark.parametrize(
    "payload, expected",
    [("/human_handoff", "/human_handoff"), (" /deny ", "/deny"),
     ("/restart", None), ("/session_start", None), ("/handback", None),
     ('/human_handoff{"order_number": "12345678"}', None), ("/human_handoff@bot", None),
     ("/cancel_account", None), ("/", None), ("yes please", "yes please")],
)  # fmt: skip
def test_a_press_gets_through_only_with_a_domain_buttons_payload(allowed, payload, expected):
    assert allowed_press(payload, allowed) == expected


def test_a_forged_telegram_callback_becomes_an_acknowledged_no_op(allowed):
    (forged,) = screen_presses(parse_update(telegram_callback(42, "/restart")), allowed, "t")
    assert forged.action == "ignore" and forged.text == ""
    assert forged.extra["callback_query_id"]  # the spinner is still stopped
    (genuine,) = screen_presses(parse_update(telegram_callback(42, "/deny")), allowed, "t")
    assert (genuine.action, genuine.text) == ("message", "/deny")


def test_typed_text_and_other_turns_are_left_alone(allowed):
    turns = parse_update(telegram_text(42, "/restart"))
    before = copy.deepcopy(turns)
    assert screen_presses(turns, allowed, "telegram") == before  # escaped words, not a press
    assert before[0].text != "/restart"


def test_a_forged_whatsapp_reply_id_is_refused_and_a_real_one_kept(allowed):
    envelope = whatsapp_envelope(
        "4915100000000",
        whatsapp_button_reply("4915100000000", "/session_start", "Talk to a person"),
        whatsapp_button_reply("4915100000000", "/human_handoff", "Talk to a person"),
    )
    forged, genuine = screen_presses(parse_envelope(envelope, WA_PHONE_ID), allowed, "whatsapp")
    assert forged.action == "ignore"
    assert (genuine.action, genuine.text) == ("message", "/human_handoff")
