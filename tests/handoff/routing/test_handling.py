"""routing.handling: live chat, ticket or a guided path, by tier first, then topic, then default."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from handoff.reasons import HandoffReason
from handoff.routing.handling import Handling, HandlingSettings, choose_handling
from handoff.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[3]
RETURN = {"guided": "return_label_form", "intro": "utter_guided_return_label"}
SETTINGS = HandlingSettings.parse_obj(
    {
        "default": "live_chat",
        "tiers": {"Enterprise": "live_chat", "free": "ticket"},
        "topics": {"refund_request": RETURN, "billing_dispute": "ticket"},
    }
)
R = HandoffReason


@pytest.mark.parametrize(
    "reason, topic, tier, before, expected, path, why",
    [
        # a guided topic, no tier rule: the guided path
        (R.SENSITIVE_TOPIC, "refund_request", None, (), Handling.GUIDED, "return_label_form",
         "from topic refund_request"),
        # the tier wins over the topic (case-insensitive, as routing's tiers)
        (R.SENSITIVE_TOPIC, "refund_request", "ENTERPRISE ", (), Handling.LIVE_CHAT, None,
         "from tier enterprise"),
        (R.SENSITIVE_TOPIC, "refund_request", "free", (), Handling.TICKET, None, "from tier free"),
        # a ticket topic
        (R.SENSITIVE_TOPIC, "billing_dispute", None, (), Handling.TICKET, None,
         "from topic billing_dispute"),
        # a topic or tier nobody configured: the default
        (R.FRUSTRATION, "complaint", "gold", (), Handling.LIVE_CHAT, None, "from the default"),
        (R.LOW_CONFIDENCE, None, None, (), Handling.LIVE_CHAT, None, "from the default"),
        # asking for a person never gets the guided path
        (R.EXPLICIT_REQUEST, "refund_request", None, (), Handling.LIVE_CHAT, None,
         "the customer asked for a person"),
        # back after the guided path: not sent round again
        (R.FRUSTRATION, "refund_request", None, ("return_label_form",), Handling.LIVE_CHAT, None,
         "already went through return_label_form"),
        # ... but a person asked for on a ticket topic is still a ticket
        (R.EXPLICIT_REQUEST, "billing_dispute", None, (), Handling.TICKET, None,
         "from topic billing_dispute"),
    ],
)  # fmt: skip
def test_the_handling_is_the_tier_then_the_topic_then_the_default(
    reason, topic, tier, before, expected, path, why
) -> None:
    decision = choose_handling(reason, topic, tier, SETTINGS, before)

    assert decision.kind is expected
    assert decision.choice.path == path
    assert why in decision.why
    assert decision.evidence["reason"] == reason.value
    assert decision.evidence["topic"] == topic


def test_a_guided_path_refused_falls_to_a_ticket_default() -> None:
    settings = HandlingSettings.parse_obj(
        {"default": "ticket", "topics": {"refund_request": RETURN}}
    )

    decision = choose_handling(R.EXPLICIT_REQUEST, "refund_request", None, settings)

    assert decision.kind is Handling.TICKET
    assert decision.why.endswith("→ ticket")


def test_a_guided_default_refused_falls_to_live_chat() -> None:
    settings = HandlingSettings.parse_obj({"default": RETURN})

    decision = choose_handling(R.EXPLICIT_REQUEST, None, None, settings)

    assert decision.kind is Handling.LIVE_CHAT


def test_without_a_handling_section_every_handoff_is_a_live_chat() -> None:
    decision = choose_handling(R.SENSITIVE_TOPIC, "refund_request", None, HandlingSettings())

    assert decision.kind is Handling.LIVE_CHAT
    assert SETTINGS.guided_paths() == {"topics.refund_request": SETTINGS.topics["refund_request"]}


_VALID = 'self_service:\n  contact: "call +1 555 0100"\n'


@pytest.mark.parametrize(
    "handling, key, problem",
    [
        ("default: chat", "routing.handling.default", "'chat' is not live_chat, ticket or"),
        ("default: guided", "routing.handling.default", "guided needs the form or action"),
        ("topics:\n      refund_request: phone", "routing.handling.topics",
         "refund_request: 'phone' is not live_chat"),
        ("topics:\n      refund_request: {guided: Return Form}", "routing.handling.topics",
         "refund_request: guided: 'Return Form' is not a form or action name"),
        ("topics:\n      refund_request: {guided: return_label_form, intro: hello}",
         "routing.handling.topics", "refund_request: intro: 'hello' is not a response name"),
        ("topics:\n      refund_request: {guided: return_label_form, form: x}",
         "routing.handling.topics", "refund_request: unknown key form"),
        ("tiers:\n      gold: {}", "routing.handling.tiers", "gold: guided: None"),
        ("ticket: [billing_dispute]", "routing.handling.ticket", "extra fields not permitted"),
    ],
)  # fmt: skip
def test_a_wrong_handling_names_the_key(tmp_path, handling, key, problem) -> None:
    path = tmp_path / "handoff.yml"
    path.write_text(f"routing:\n  handling:\n    {handling}\n{_VALID}", encoding="utf-8")

    with pytest.raises(SettingsError) as error:
        load_settings(path)

    message = str(error.value)
    assert message.startswith(f"{path}: {key}")
    assert problem in message


def test_the_shipped_guided_paths_are_in_the_domain() -> None:
    # The settings are read without the domain; this keeps the bundled example runnable.
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    paths = load_settings(ROOT / "handoff.yml").routing.handling.guided_paths()

    assert paths, "handoff.yml ships a guided example"
    for key, choice in paths.items():
        assert choice.path in domain["forms"] or choice.path in domain["actions"], key
        assert choice.intro is None or choice.intro in domain["responses"], key
