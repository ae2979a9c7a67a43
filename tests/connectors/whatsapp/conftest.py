import pytest

from tests.fakes.channels import ChannelsAssistant, shared_channels_assistant


@pytest.fixture(scope="session")
def channels(trained_model, tmp_path_factory, request) -> ChannelsAssistant:
    return shared_channels_assistant(trained_model, tmp_path_factory, request)
