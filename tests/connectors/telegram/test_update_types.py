"""The update types the channel handles: read by ``parse_update``, registered by ops.channels."""

from __future__ import annotations

import pytest

from connectors.telegram.updates import HANDLED_UPDATES, parse_update
from tests.fakes.channels import telegram_callback, telegram_text


def test_handled_updates_are_the_ones_parse_update_reads() -> None:
    assert HANDLED_UPDATES == ("message", "callback_query")
    assert parse_update(telegram_text(42, "hello"))[0].text == "hello"
    assert parse_update(telegram_callback(42, "/deny"))[0].button


@pytest.mark.parametrize("kind", ["edited_message", "message_reaction", "my_chat_member"])
def test_other_update_types_are_ignored(kind) -> None:
    update = telegram_text(42, "edited")
    update[kind] = update.pop("message")
    assert parse_update(update) == []
