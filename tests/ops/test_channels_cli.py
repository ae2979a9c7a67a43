"""``python -m ops.channels`` against the local fakes of the Bot API and the Graph API."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator

import pytest

from connectors.telegram.updates import HANDLED_UPDATES
from ops.channels import telegram
from ops.channels.cli import main
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeTelegramApi

TELEGRAM_TOKEN = "7000001:AAH-ops-fake-token"
SECRET = "ops-webhook-secret_1"
WA_TOKEN = "EAAG-ops-fake-token"
WA_PHONE_ID = "106540352242922"
VERIFY = "ops-verify-token"
PUBLIC = "https://bot.example.com"


@pytest.fixture(scope="module")
def bot_api() -> Iterator[FakeTelegramApi]:
    api = FakeTelegramApi(TELEGRAM_TOKEN)
    yield api
    api.stop()


@pytest.fixture(scope="module")
def graph_api() -> Iterator[FakeGraphApi]:
    api = FakeGraphApi(WA_TOKEN, WA_PHONE_ID)
    yield api
    api.stop()


@pytest.fixture
def credentials(tmp_path: Path) -> Path:
    """A credentials.yml without messaging channels: the environment turns them on."""
    path = tmp_path / "credentials.yml"
    path.write_text("connectors.trial_rest.TrialRestInput:\n")
    return path


def telegram_env(api: FakeTelegramApi, token: str = TELEGRAM_TOKEN) -> Dict[str, str]:
    return {"TELEGRAM_TOKEN": token, "TELEGRAM_SECRET_TOKEN": SECRET, "TELEGRAM_API_URL": api.url}


def whatsapp_env(api: FakeGraphApi, token: str = WA_TOKEN) -> Dict[str, str]:
    return {
        "WHATSAPP_TOKEN": token,
        "WHATSAPP_PHONE_NUMBER_ID": WA_PHONE_ID,
        "WHATSAPP_APP_SECRET": "app-secret",
        "WHATSAPP_VERIFY_TOKEN": VERIFY,
        "WHATSAPP_API_URL": api.api_url,
    }


def run(credentials: Path, env: Dict[str, str], *argv: str) -> int:
    return main(["--credentials", str(credentials), *argv], env)


def test_register_sends_the_channels_secret_update_types_and_url(
    bot_api, credentials, capsys
) -> None:
    assert run(credentials, telegram_env(bot_api), "register", "telegram", "--url", PUBLIC) == 0

    (call,) = bot_api.calls_where(lambda c: c.path.endswith("/setWebhook"))[-1:]
    assert call.body == {
        "url": f"{PUBLIC}/webhooks/telegram/webhook",
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query"],
        "max_connections": telegram.DEFAULT_MAX_CONNECTIONS,
        "drop_pending_updates": False,
    }
    assert list(HANDLED_UPDATES) == call.body["allowed_updates"]
    out = capsys.readouterr().out
    assert f"webhook          {PUBLIC}/webhooks/telegram/webhook" in out
    assert "allowed updates  message, callback_query" in out
    assert SECRET not in out and TELEGRAM_TOKEN not in out


def test_the_secret_comes_from_credentials_yml_with_its_variable(bot_api, tmp_path, capsys) -> None:
    path = tmp_path / "credentials.yml"
    path.write_text(
        "connectors.telegram.TelegramInput:\n"
        "  access_token: ${MY_BOT_TOKEN}\n"
        "  secret_token: ${MY_SECRET}\n"
        f"  api_url: {bot_api.url}\n"
    )
    env = {"MY_BOT_TOKEN": TELEGRAM_TOKEN, "MY_SECRET": "from-the-file"}
    assert run(path, env, "register", "telegram", "--url", PUBLIC, "--max-connections", "40") == 0
    body = bot_api.calls_where(lambda c: c.path.endswith("/setWebhook"))[-1].body
    assert (body["secret_token"], body["max_connections"]) == ("from-the-file", 40)

    assert run(path, {"MY_BOT_TOKEN": TELEGRAM_TOKEN}, "status", "telegram") == 1
    err = capsys.readouterr().err
    assert "secret_token: ${MY_SECRET} is not set" in err


def test_status_prints_the_pending_count_and_the_last_error(bot_api, credentials, capsys) -> None:
    assert run(credentials, telegram_env(bot_api), "register", "telegram", "--url", PUBLIC) == 0
    bot_api.pending_update_count = 7
    bot_api.last_error = (1_780_000_000, "Wrong response from the webhook: 502 Bad Gateway")
    try:
        assert run(credentials, telegram_env(bot_api), "status", "telegram") == 0
    finally:
        bot_api.pending_update_count, bot_api.last_error = 0, None
    out = capsys.readouterr().out
    assert "pending updates  7" in out
    assert "last error       2026-05-28 20:26:40 UTC: Wrong response from the webhook: 502" in out


def test_unregister_removes_the_webhook(bot_api, credentials, capsys) -> None:
    assert run(credentials, telegram_env(bot_api), "unregister", "telegram") == 0
    assert bot_api.webhook == {"url": ""}
    assert "webhook          (none registered)" in capsys.readouterr().out


def test_a_wrong_token_fails_clearly_without_printing_it(bot_api, credentials, capsys) -> None:
    wrong = "7000001:AAH-wrong-token"
    before = len(bot_api.calls)
    env = telegram_env(bot_api, token=wrong)
    assert run(credentials, env, "register", "telegram", "--url", PUBLIC) == 1
    out, err = capsys.readouterr()
    assert "error: telegram: the Bot API refused the token (401: Unauthorized)" in err
    assert wrong not in out + err and SECRET not in out + err
    assert bot_api.calls[before:] and bot_api.calls[-1].answered == 401


@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://bot.example.com", "must be an https:// URL"),
        ("https://bot.example.com:5005", "only to ports 443, 80, 88 and 8443"),
    ],
)
def test_a_url_telegram_would_not_call_is_refused_before_calling(
    bot_api, credentials, capsys, url, problem
) -> None:
    before = len(bot_api.calls)
    assert run(credentials, telegram_env(bot_api), "register", "telegram", "--url", url) == 1
    assert problem in capsys.readouterr().err
    assert len(bot_api.calls) == before


def test_an_unconfigured_channel_names_its_variables(credentials, capsys) -> None:
    assert run(credentials, {}, "status", "telegram") == 1
    err = capsys.readouterr().err
    assert "telegram is not configured: set TELEGRAM_TOKEN and TELEGRAM_SECRET_TOKEN" in err


def test_check_whatsapp_verifies_and_prints_the_dashboard_values(
    graph_api, credentials, capsys
) -> None:
    assert run(credentials, whatsapp_env(graph_api), "check", "whatsapp", "--url", PUBLIC) == 0
    call = graph_api.calls[-1]
    assert (call.method, call.path) == ("GET", f"/v19.0/{WA_PHONE_ID}")
    assert call.headers["Authorization"] == f"Bearer {WA_TOKEN}"
    out = capsys.readouterr().out
    assert f"Callback URL     {PUBLIC}/webhooks/whatsapp/webhook" in out
    assert f"Verify token     {VERIFY}" in out
    assert "+1 555-000-1234 (Northwind Home)" in out
    assert WA_TOKEN not in out


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"WHATSAPP_TOKEN": "EAAG-wrong"}, "the Graph API refused the token (190: Invalid OAuth"),
        ({"WHATSAPP_PHONE_NUMBER_ID": "999"}, "refused the phone number id (100: Unsupported"),
    ],
)
def test_check_whatsapp_fails_clearly_without_printing_the_token(
    graph_api, credentials, capsys, change, problem
) -> None:
    env = {**whatsapp_env(graph_api), **change}
    assert run(credentials, env, "check", "whatsapp") == 1
    out, err = capsys.readouterr()
    assert problem in err
    assert env["WHATSAPP_TOKEN"] not in out + err
