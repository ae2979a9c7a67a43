"""One real assistant (Rasa server + action server, Telegram and WhatsApp pointed at the local
fakes) for the fuzz tests of this folder; it has its own stores, so what the fuzzers create
never reaches other tests."""

from __future__ import annotations

import pytest

from tests.fakes.channels import ChannelsAssistant, start_channels_assistant


@pytest.fixture(scope="package")
def fuzzed(trained_model, tmp_path_factory) -> ChannelsAssistant:
    running = start_channels_assistant(trained_model, tmp_path_factory.mktemp("fuzzed"))
    yield running
    running.stop()
