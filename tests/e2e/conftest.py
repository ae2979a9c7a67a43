from typing import Any, Callable, Iterator, List

import pytest

from tests.e2e.assistant import (
    LIVE_CHAT_ONLY,
    RunningAssistant,
    start_assistant,
    start_desk_with_telegram,
)
from tests.fakes.channels import TELEGRAM_SECRET, TELEGRAM_TOKEN
from tests.fakes.telegram_api import FakeTelegramApi


@pytest.fixture(scope="session")
def assistant(trained_model, tmp_path_factory) -> RunningAssistant:
    running = start_assistant(trained_model, tmp_path_factory.mktemp("assistant"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def closed_assistant(trained_model, tmp_path_factory) -> RunningAssistant:
    """The same assistant while every team is on holiday for the next seven days.

    Refunds reach a person here (no guided return path): the tests need a handoff to billing.
    """
    running = start_assistant(
        trained_model,
        tmp_path_factory.mktemp("closed"),
        closed_this_week=True,
        handling=LIVE_CHAT_ONLY,
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegramApi]:
    """A fake Telegram Bot API of the module's own, for its customers' chats."""
    api = FakeTelegramApi(TELEGRAM_TOKEN)
    yield api
    api.stop()


@pytest.fixture(scope="module")
def start_desk(
    trained_model, tmp_path_factory, telegram
) -> Iterator[Callable[..., RunningAssistant]]:
    """Start the assistant with the desk and Telegram on the module's fake Bot API.

    ``start_desk(name, keepalive_seconds=2.0, **options)``: ``name`` names its work folder;
    the options go to :func:`tests.e2e.assistant.start_assistant` (``desk_settings``,
    ``extra_env``, ...). What it started stops after the module.
    """
    started: List[RunningAssistant] = []

    def start(name: str, keepalive_seconds: float = 2.0, **options: Any) -> RunningAssistant:
        running = start_desk_with_telegram(
            trained_model,
            tmp_path_factory.mktemp(name),
            telegram.url,
            TELEGRAM_TOKEN,
            TELEGRAM_SECRET,
            keepalive_seconds,
            **options,
        )
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
