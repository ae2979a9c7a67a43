import pytest

from tests.e2e.assistant import LIVE_CHAT_ONLY, RunningAssistant, start_assistant


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
