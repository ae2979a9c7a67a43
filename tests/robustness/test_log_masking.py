"""Personal data never reaches the logs: the filter on its own, then both real servers.

The end-to-end test runs both servers at DEBUG (Rasa then prints every parsed message, its
entities and the action server's slot events) and plays a handoff in which the customer
writes an order number, an e-mail address and a phone number through the REST channel.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys

import pytest

from handoff.privacy.log_masking import PiiMasker, PiiMaskingFilter, install_log_masking
from ops.model import PROJECT_ROOT
from tests.e2e.assistant import start_assistant

EMAIL, ORDER, PHONE = "jane.doe@example.com", "48213377", "+44 7700 900123"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"my e-mail is {EMAIL}", "my e-mail is j…@example.com"),
        ("order #48213377 please", "order <order …77> please"),
        ("ORD-1234567", "<order …67>"),
        (f"call me on {PHONE}", "call me on <phone …23>"),
        ("or (030) 555-0200 at work", "or <phone …00> at work"),
        ("sender whatsapp:4915112345678", "sender whatsapp:<phone …78>"),
        # Not personal data: left alone.
        ("at 2026-11-23 10:22:33 on 127.0.0.1:5005", "at 2026-11-23 10:22:33 on 127.0.0.1:5005"),
        ("timestamp 1732456789.1234 version 3.6.21", "timestamp 1732456789.1234 version 3.6.21"),
        ("conversation e2e-1a2b3c4d5e6f", "conversation e2e-1a2b3c4d5e6f"),
        ("12345 items", "12345 items"),
    ],
)
def test_masker_table(text, expected):
    assert PiiMasker().mask(text) == expected


def test_configured_order_pattern_is_used():
    masker = PiiMasker(r"NW-(?P<number>[A-Z]{2}\d{4})")
    assert masker.mask("it is nw-ab1234") == "it is <order …34>"
    assert masker.mask("48213377") == "48213377"


def _logged(message: str, *args, exc: bool = False) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PiiMaskingFilter())
    logger = logging.getLogger("tests.robustness.masking")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        if exc:
            try:
                raise ValueError(f"bad e-mail {EMAIL}")
            except ValueError:
                logger.exception(message, *args)
        else:
            logger.warning(message, *args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_filter_masks_arguments_of_any_type_and_tracebacks():
    assert _logged("user %s order %d", EMAIL, int(ORDER)) == (
        "user j…@example.com order <order …77>\n"
    )
    assert _logged("slots %r", {"email": EMAIL}) == "slots {'email': 'j…@example.com'}\n"
    text = _logged("failed for %s", PHONE, exc=True)
    assert EMAIL not in text and PHONE not in text
    assert "ValueError: bad e-mail j…@example.com" in text
    assert _logged("broken %d", "x").startswith("broken %d")  # bad arguments never raise


def test_install_covers_every_existing_handler_once():
    logger = logging.getLogger("tests.robustness.own-handler")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        install_log_masking()
        install_log_masking()
        masking = [f for f in handler.filters if isinstance(f, PiiMaskingFilter)]
        assert len(masking) == 1
    finally:
        logger.removeHandler(handler)
        for root_handler in logging.getLogger().handlers:
            for f in [f for f in root_handler.filters if isinstance(f, PiiMaskingFilter)]:
                root_handler.removeFilter(f)


@pytest.mark.integration
def test_server_logs_hold_no_email_order_number_or_phone(trained_model, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("masked-logs")
    assistant = start_assistant(trained_model, workdir, extra_env={"LOG_LEVEL": "DEBUG"})
    try:
        sender = assistant.new_conversation()
        assistant.say(sender, f"where is my order #{ORDER}? I want to talk to a human")
        assistant.say(sender, f"my e-mail is {EMAIL}, or call {PHONE}")
        tracker = assistant.tracker(sender)
        assert tracker["slots"].get("email") == EMAIL  # the data was really there
        assert tracker["slots"].get("order_number") == ORDER
    finally:
        assistant.stop()
    logs = {path.name: path.read_text(errors="replace") for path in workdir.glob("*.log")}
    assert set(logs) == {"rasa-server.log", "action-server.log"}
    everything = "\n".join(logs.values())
    for secret in (EMAIL, ORDER, PHONE, "7700 900123"):
        leaks = [line for line in everything.splitlines() if secret in line]
        assert not leaks, f"{secret!r} logged: {leaks[:3]}"
    # The servers did log those messages, masked.
    assert "j…@example.com" in logs["rasa-server.log"]
    assert "<order …77>" in logs["rasa-server.log"]
    assert "<phone …23>" in logs["rasa-server.log"]


def test_the_action_server_package_installs_the_filter():
    """What ``rasa run actions`` does: configure logging, then import ``actions``."""
    script = (
        "import logging; logging.basicConfig(); import actions; "
        f"logging.getLogger('actions').warning('intake %s %s', {EMAIL!r}, {ORDER!r})"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HANDOFF_SETTINGS": str(PROJECT_ROOT / "handoff.yml")},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "intake j…@example.com <order …77>" in done.stderr
    assert EMAIL not in done.stderr and ORDER not in done.stderr
