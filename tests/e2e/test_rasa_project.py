"""The Rasa project itself: `rasa data validate` is clean and the test stories pass."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from handoff.settings import load_settings
from ops.model import PROJECT_ROOT

pytestmark = pytest.mark.integration

# The only warnings accepted, each for a reason Rasa's validator cannot know:
# - `handback` (triggered by the agent desk) and `send_media` (by the messaging channels) are
#   external intents; they must have no NLU examples, or the model could guess them from a
#   customer's words;
# - responses uttered by custom actions or by the messaging channels (the action-server-down
#   fallback), asked by the forms, given by HandoffTriggerPolicy as FAQ answers (handoff.yml
#   faq_answers) or said by action_handoff as a guided path's intro (handoff.yml
#   routing.handling) do not appear in stories/rules.
EXTERNAL_INTENTS = {"handback", "send_media"}


def _responses_uttered_by_actions() -> set:
    code = "\n".join(
        path.read_text()
        for folder in ("actions", "custom_components", "connectors/messaging")
        for path in (PROJECT_ROOT / folder).glob("*.py")
    )
    uttered = set(re.findall(r'"(utter_\w+)"', code))
    # f-string responses: utter_invalid_{field.value}
    for stem in re.findall(r'response=f"(utter_\w+_)\{', code):
        uttered |= {f"{stem}order_number", f"{stem}email"}
    # FAQ answers HandoffTriggerPolicy gives to informational questions (handoff.yml)
    settings = load_settings(PROJECT_ROOT / "handoff.yml")
    uttered |= set(settings.policy.sensitive_topic.faq_answers.values())
    # the intros of guided paths, said by action_handoff (handoff.yml routing.handling)
    uttered |= {c.intro for c in settings.routing.handling.guided_paths().values() if c.intro}
    return uttered


def _form_questions() -> set:
    """``utter_ask_<slot>`` and ``utter_ask_<form>_<slot>`` of every form's required slots."""
    forms = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["forms"]
    return {
        question
        for form, spec in forms.items()
        for slot in spec["required_slots"]
        for question in (f"utter_ask_{slot}", f"utter_ask_{form}_{slot}")
    }


def _run_rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )


def test_rasa_data_validate_reports_only_the_documented_exceptions():
    result = _run_rasa("data", "validate", "--data", "data", "--domain", "domain.yml")
    assert result.returncode == 0, result.stdout[-3000:]

    warnings = re.findall(r"UserWarning: (.*)", result.stdout)
    unused_intents = set(
        re.findall(
            r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU",
            result.stdout,
        )
    )  # noqa: E501
    unused_responses = set(
        re.findall(r"The utterance '(\w+)' is not used in any story", result.stdout)
    )  # noqa: E501
    form_questions = _form_questions()

    assert unused_intents <= EXTERNAL_INTENTS
    assert unused_responses <= _responses_uttered_by_actions() | form_questions, (
        "responses nobody utters: "
        f"{sorted(unused_responses - _responses_uttered_by_actions() - form_questions)}"
    )
    others = [
        w for w in warnings
        if "is listed in the domain file, but is not found in the NLU" not in w
        and "is not used in any story" not in w
        and "Slot auto-fill has been removed" not in w
    ]  # fmt: skip
    assert others == []


def test_rasa_test_stories_pass(trained_model, tmp_path: Path):
    result = _run_rasa(
        "test", "core",
        "--stories", "tests/test_stories.yml",
        "--model", str(trained_model),
        "--out", str(tmp_path),
        "--fail-on-prediction-errors",
    )  # fmt: skip
    failed = (tmp_path / "failed_test_stories.yml").read_text()
    assert result.returncode == 0, failed + result.stdout[-3000:]
    assert "None of the test stories failed" in failed
