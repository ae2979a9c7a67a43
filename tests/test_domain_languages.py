"""Every response a customer sees around a handoff has a German, French and Spanish variation.

So a designer who adds or rewords one of them cannot forget a language (docs/conversation-
design.md, "Adding a language"). English is the variation without a language condition.
"""

from pathlib import Path
from string import Formatter

import pytest
import yaml

from handoff.language import SUPPORTED

ROOT = Path(__file__).resolve().parents[1]
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
TRANSLATED = [language for language in SUPPORTED if language != "en"]

AROUND_A_HANDOFF = [
    "utter_session_intro",
    "utter_offer_handoff",
    "utter_ask_order_number",
    "utter_ask_email",
    "utter_invalid_order_number",
    "utter_invalid_email",
    "utter_handoff_queued",
    "utter_handoff_already_queued",
    "utter_handoff_ticket",
    "utter_handoff_ticket_opened",
    "utter_handoff_unavailable",
    "utter_action_server_trouble",
    "utter_action_server_ticket",
    "utter_welcome_back",
    "utter_media_unsupported",
    "utter_default",
    "utter_out_of_scope",
    # the bundled guided path (handoff.yml routing.handling)
    "utter_guided_return_label",
    "utter_ask_return_label_form_order_number",
    "utter_ask_return_reason",
    "utter_return_label",
]


def _language(variation):
    names = {c["name"]: c["value"] for c in variation.get("condition") or []}
    return names.get("language", "en")


def _others(variation):
    # `value: null` (utter_welcome_back without an outcome) is the unconditioned English one.
    return {(c["name"], c["value"]) for c in variation.get("condition") or []
            if c["name"] != "language" and c["value"] is not None}  # fmt: skip


def _fields(text):
    return {name for _, name, _, _ in Formatter().parse(text) if name}


@pytest.mark.parametrize("response", AROUND_A_HANDOFF)
@pytest.mark.parametrize("language", TRANSLATED)
def test_each_response_around_a_handoff_has_a_variation_per_language(response, language):
    variations = RESPONSES[response]
    english = [v for v in variations if _language(v) == "en"]
    translated = [v for v in variations if _language(v) == language]

    # One per English variation, with the same other conditions (utter_welcome_back's outcome).
    assert sorted(map(sorted, map(_others, translated))) == sorted(
        map(sorted, map(_others, english))
    )
    for variation in translated:
        twin = next(e for e in english if _others(e) == _others(variation))
        assert _fields(variation["text"]) == _fields(twin["text"])
        assert variation.get("metadata") == twin.get("metadata")
        assert [b["payload"] for b in variation.get("buttons", [])] == [
            b["payload"] for b in twin.get("buttons", [])
        ]
        assert variation["text"] != twin["text"]


def test_the_language_slot_lists_the_supported_languages():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))

    slot = domain["slots"]["language"]
    assert slot["values"] == list(SUPPORTED)
    assert slot["initial_value"] == "en"
    assert slot["mappings"] == [{"type": "custom", "action": "action_set_language"}]
