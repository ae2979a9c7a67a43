import pytest

from tests.e2e.assistant import RunningAssistant, start_assistant


@pytest.fixture(scope="session")
def assistant(trained_model, tmp_path_factory) -> RunningAssistant:
    running = start_assistant(trained_model, tmp_path_factory.mktemp("assistant"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def closed_assistant(trained_model, tmp_path_factory) -> RunningAssistant:
    """The same assistant while every team is on holiday for the next seven days."""
    running = start_assistant(
        trained_model, tmp_path_factory.mktemp("closed"), closed_this_week=True
    )
    yield running
    running.stop()
