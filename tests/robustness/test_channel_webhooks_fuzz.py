"""Fuzzing the Telegram and WhatsApp webhooks of the real Rasa server.

Bodies that pass authentication (the right secret header; a correct HMAC signature) are
arbitrary JSON, malformed bytes, and platform-shaped payloads with fuzzed fields (an Update /
a ``whatsapp_business_account`` envelope built by hypothesis). Wrong or missing secrets are
401/403 whatever the body. After each batch the bot still answers a customer.
"""

from __future__ import annotations

import time
from typing import Any, Dict

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.channels import WA_APP_SECRET, WA_PHONE_ID, WA_VERIFY, ChannelsAssistant
from tests.robustness.fuzzing import (
    EXAMPLES,
    JSON_SCALARS,
    JSON_VALUES,
    RAW_BODIES,
    assert_handled,
    assert_still_serving,
    dumps,
    fuzz_settings,
)

pytestmark = pytest.mark.integration

ANY = JSON_VALUES


def _maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """The field's proper shape, or any JSON value in its place."""
    return strategy | ANY


# -- Telegram Update shapes (https://core.telegram.org/bots/api#update) ---------------------

CHAT_IDS = st.integers(min_value=-(10**13), max_value=10**13)
TG_USER = st.fixed_dictionaries(
    {"id": _maybe(CHAT_IDS), "is_bot": st.booleans()},
    optional={"language_code": _maybe(st.sampled_from(["en", "de", "", "xx-YY"]))},
)
TG_CHAT = st.fixed_dictionaries(
    {
        "id": _maybe(CHAT_IDS),
        "type": _maybe(st.sampled_from(["private", "group", "supergroup", "channel"])),
    }
)
TG_MEDIA = st.sampled_from(
    ["photo", "voice", "video", "document", "sticker", "location", "venue", "contact", "poll"]
    + ["checklist", "game", "story", "giveaway", "invoice", "passport_data", "dice"]
    + ["pinned_message", "rainbow_message"]  # a service message; a field added one day
)
TG_MESSAGE = st.fixed_dictionaries(
    {"message_id": _maybe(st.integers()), "chat": _maybe(TG_CHAT)},
    optional={
        "from": _maybe(TG_USER),
        "date": _maybe(st.integers(min_value=-(2**40), max_value=2**40)),
        "text": _maybe(st.text(max_size=60) | st.sampled_from(["/start", "/human_handoff"])),
        "caption": ANY,
    },
).flatmap(
    lambda message: st.dictionaries(TG_MEDIA, ANY, max_size=1).map(
        lambda media: {**message, **media}
    )
)
TG_CALLBACK = st.fixed_dictionaries(
    {"id": _maybe(st.text(max_size=10)), "message": _maybe(TG_MESSAGE)},
    optional={"data": _maybe(st.text(max_size=70)), "from": TG_USER},
)
UPDATE_IDS = st.integers(min_value=0, max_value=2**31)
TG_UPDATES = st.fixed_dictionaries({"update_id": _maybe(UPDATE_IDS)}).flatmap(
    lambda base: st.one_of(
        TG_MESSAGE.map(lambda m: {**base, "message": m}),
        TG_CALLBACK.map(lambda c: {**base, "callback_query": c}),
        ANY.map(lambda v: {**base, "edited_message": v}),
        ANY.map(lambda v: {**base, "message": v}),
    )
)

# -- WhatsApp Cloud API envelopes --------------------------------------------------------------

WA_KINDS = st.sampled_from(
    ["text", "interactive", "button", "image", "audio", "location", "reaction", "order", "x"]
    + ["unsupported", "unknown", "errors"]
)
WA_MESSAGE = st.fixed_dictionaries(
    {
        "from": _maybe(st.from_regex(r"\A49151\d{8}\Z")),
        "id": _maybe(st.text(min_size=1, max_size=20).map(lambda t: f"wamid.{t}")),
        "type": _maybe(WA_KINDS),
    },
    optional={"timestamp": _maybe(st.integers().map(str)), "context": ANY, "errors": ANY},
).flatmap(
    lambda m: _maybe(
        st.fixed_dictionaries(
            {},
            optional={
                "body": ANY,
                "button_reply": ANY,
                "list_reply": ANY,
                "text": ANY,
                "id": ANY,
                "voice": ANY,
                "type": _maybe(st.sampled_from(["poll_creation", "edit", "gif", "x"])),
            },
        )
    ).map(lambda content: {**m, str(m.get("type")): content})
)
WA_STATUS = st.fixed_dictionaries(
    {"id": _maybe(st.text(max_size=12)), "status": _maybe(st.sampled_from(["failed", "read"]))},
    optional={"recipient_id": ANY, "errors": ANY},
)
WA_VALUE = st.fixed_dictionaries(
    {},
    optional={
        "metadata": _maybe(st.fixed_dictionaries({"phone_number_id": st.just(WA_PHONE_ID) | ANY})),
        "messages": _maybe(st.lists(_maybe(WA_MESSAGE), max_size=3)),
        "statuses": _maybe(st.lists(_maybe(WA_STATUS), max_size=2)),
    },
)
WA_ENVELOPES = st.fixed_dictionaries(
    {
        "object": st.just("whatsapp_business_account") | ANY,
        "entry": _maybe(
            st.lists(
                _maybe(
                    st.fixed_dictionaries(
                        {
                            "changes": _maybe(
                                st.lists(
                                    _maybe(
                                        st.fixed_dictionaries(
                                            {
                                                "field": st.just("messages") | ANY,
                                                "value": _maybe(WA_VALUE),
                                            }
                                        )
                                    ),
                                    max_size=2,
                                )
                            )
                        }
                    )
                ),
                max_size=2,
            )
        ),
    }
)


def _body(value: Any) -> bytes:
    return value if isinstance(value, bytes) else dumps(value)


# -- Telegram ----------------------------------------------------------------------------------


def test_telegram_webhook_survives_any_authenticated_body(fuzzed: ChannelsAssistant):
    @fuzz_settings(EXAMPLES * 4)
    @given(body=TG_UPDATES | ANY | RAW_BODIES)
    def fuzz(body: Any) -> None:
        response = fuzzed.telegram_post(_body(body))
        assert_handled(response, {"body": body})

    fuzz()
    time.sleep(2)  # let the accepted updates run through Rasa before checking the bot
    assert_still_serving(fuzzed.assistant)


def test_telegram_webhook_refuses_missing_or_wrong_secrets(fuzzed: ChannelsAssistant):
    @fuzz_settings()
    @given(
        secret=st.none() | st.text(max_size=40).filter(lambda s: s.strip()),
        body=TG_UPDATES | RAW_BODIES,
    )
    def fuzz(secret: Any, body: Any) -> None:
        try:
            response = fuzzed.telegram_post(_body(body), secret=secret)
        except (requests.exceptions.InvalidHeader, UnicodeEncodeError):
            return  # not sendable as a header at all
        assert_handled(response)
        assert response.status_code == (401 if secret is None else 403), response.text

    fuzz()


# -- WhatsApp ----------------------------------------------------------------------------------


def test_whatsapp_webhook_survives_any_correctly_signed_body(fuzzed: ChannelsAssistant):
    @fuzz_settings(EXAMPLES * 4)
    @given(body=WA_ENVELOPES | ANY | RAW_BODIES)
    def fuzz(body: Any) -> None:
        response = fuzzed.whatsapp_post(_body(body), secret=WA_APP_SECRET)
        assert_handled(response, {"body": body})

    fuzz()
    time.sleep(2)
    assert_still_serving(fuzzed.assistant)


def test_whatsapp_webhook_refuses_bad_signatures(fuzzed: ChannelsAssistant):
    @fuzz_settings()
    @given(
        signature=st.none() | st.text(max_size=80).filter(lambda s: s.strip()),
        body=WA_ENVELOPES | RAW_BODIES,
    )
    def fuzz(signature: Any, body: Any) -> None:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        try:
            response = requests.post(
                f"{fuzzed.assistant.rasa_url}/webhooks/whatsapp/webhook",
                data=_body(body),
                headers=headers,
                timeout=30,
            )
        except (requests.exceptions.InvalidHeader, UnicodeEncodeError):
            return
        assert_handled(response)
        assert response.status_code == (401 if signature is None else 403), response.text

    fuzz()


def test_whatsapp_verification_handshake_with_arbitrary_parameters(fuzzed: ChannelsAssistant):
    text = st.text(max_size=30)
    params = st.fixed_dictionaries(
        {},
        optional={
            "hub.mode": st.just("subscribe") | text,
            "hub.verify_token": st.just(WA_VERIFY) | text,
            "hub.challenge": text | JSON_SCALARS.map(str),
            "other": text,
        },
    )

    @fuzz_settings(EXAMPLES * 2)
    @given(params=params)
    def fuzz(params: Dict[str, str]) -> None:
        response = requests.get(
            f"{fuzzed.assistant.rasa_url}/webhooks/whatsapp/webhook", params=params, timeout=30
        )
        assert_handled(response, params)
        genuine = params.get("hub.verify_token") == WA_VERIFY
        if genuine and params.get("hub.mode") == "subscribe":
            assert response.status_code == 200
            assert response.text == params.get("hub.challenge", "")
        elif response.status_code == 200:
            raise AssertionError(f"handshake accepted without the verify token: {params}")

    fuzz()
    assert_still_serving(fuzzed.assistant)
