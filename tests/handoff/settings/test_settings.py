from pathlib import Path

import pytest

from handoff.reasons import HandoffReason
from handoff.settings import SETTINGS_ENV, SettingsError, load_settings
from handoff.signals.intake import IntakeField

SHIPPED = Path(__file__).resolve().parents[3] / "handoff.yml"

_VALID = """
self_service:
  contact: "call +1 555 0100"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "handoff.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_settings_load():
    settings = load_settings(SHIPPED)

    assert settings.intake.questions_for(HandoffReason.EXPLICIT_REQUEST) == [
        IntakeField.ORDER_NUMBER,
        IntakeField.EMAIL,
    ]
    assert settings.intake.questions_for(HandoffReason.HIGH_VALUE) == [IntakeField.EMAIL]
    assert settings.intake.questions_for(HandoffReason.FRUSTRATION) == []
    assert settings.intake.order_number_format.find("it's ORD-1234567") == "1234567"
    assert settings.desk.timeout_seconds == 5
    assert "support@northwind-home.example" in settings.self_service.contact


def test_defaults_fill_what_the_file_leaves_out(tmp_path):
    settings = load_settings(_write(tmp_path, _VALID))

    assert settings.intake.questions_for(HandoffReason.EXPLICIT_REQUEST) == [
        IntakeField.ORDER_NUMBER,
        IntakeField.EMAIL,
    ]
    assert settings.intake.questions_for(HandoffReason.SENSITIVE_TOPIC) == []
    assert settings.desk.timeout_seconds == 5.0
    assert settings.desk.joined_message == "{agent} from our team has joined the chat."
    assert settings.desk.greeting_message == (
        "Hi {customer}, {agent} from our team has joined the chat."
    )
    assert settings.desk.team_transfer_message == "I'm passing you to our {team} team."
    assert settings.desk.agent_transfer_message == "{agent} from our team is taking over."
    assert (settings.desk.queue_update_minutes, settings.desk.queue_timeout_minutes) == (3, 30)
    assert "never mind" in settings.desk.cancel_phrases


def test_the_queue_timeout_may_be_off(tmp_path):
    settings = load_settings(_write(tmp_path, "desk:\n  queue_timeout_minutes: null\n" + _VALID))

    assert settings.desk.queue_timeout_minutes is None


@pytest.mark.parametrize(
    "text, key, problem",
    [
        (
            "intake:\n  questions:\n    explicit_request: [order_number, email, order_number]\n"
            + _VALID,
            "intake.questions",
            "at most 2",
        ),
        (
            "intake:\n  questions:\n    sensitive_topic: [email, email]\n" + _VALID,
            "intake.questions",
            "listed twice",
        ),
        (
            "intake:\n  questions:\n    angry: [email]\n" + _VALID,
            "intake.questions",
            "unknown handoff reason 'angry'",
        ),
        (
            "intake:\n  questions:\n    explicit_request: [phone]\n" + _VALID,
            "intake.questions.explicit_request.0",
            "permitted: 'order_number', 'email'",
        ),
        (
            "intake:\n  order_number_pattern: '(?P<number>\\d{6,'\n" + _VALID,
            "intake.order_number_pattern",
            "not a valid regular expression",
        ),
        ("intake:\n  ask_name: true\n" + _VALID, "intake.ask_name", "extra fields not permitted"),
        ("desk:\n  timeout_seconds: 0\n" + _VALID, "desk.timeout_seconds", "greater than 0"),
        ("desk:\n  timeout_seconds: 120\n" + _VALID, "desk.timeout_seconds", "less than or equal"),
        (
            "desk:\n  queue_sweep_seconds: 0\n" + _VALID,
            "desk.queue_sweep_seconds",
            "greater than 0",
        ),
        ("desk:\n  queue_timeout_minutes: 0\n" + _VALID, "desk.queue_timeout_minutes", "greater"),
        (
            "desk:\n  queue_update_message: 'number {position}'\n" + _VALID,
            "desk.queue_update_message",
            "only the placeholders {queue_position}, {expected_wait}",
        ),
        (
            "desk:\n  queue_ticket_message: 'back {when}'\n" + _VALID,
            "desk.queue_ticket_message",
            "only the placeholder {back_at}",
        ),
        (
            "desk:\n  cancelled_message: 'bye {agent}'\n" + _VALID,
            "desk.cancelled_message",
            "no placeholders allowed",
        ),
        ("desk:\n  cancel_phrases: []\n" + _VALID, "desk.cancel_phrases", "at least one phrase"),
        ("desk:\n  cancel_phrases: ['!!']\n" + _VALID, "desk.cancel_phrases", "letter or digit"),
        ("desk: {}\n", "self_service", "field required"),
        (
            "desk:\n  joined_message: 'Hi, {name}'\n" + _VALID,
            "desk.joined_message",
            "only the placeholder {agent}",
        ),
        (
            "desk:\n  greeting_message: 'Hi {customer}, {team} here'\n" + _VALID,
            "desk.greeting_message",
            "only the placeholders {agent}, {customer}",
        ),
        (
            "desk:\n  team_transfer_message: 'To {agent}'\n" + _VALID,
            "desk.team_transfer_message",
            "only the placeholder {team}",
        ),
        (
            "desk:\n  agent_transfer_message: '{team} takes over'\n" + _VALID,
            "desk.agent_transfer_message",
            "only the placeholder {agent}",
        ),
        ("self_service:\n  contact: hi\n", "self_service.contact", "at least 5"),
    ],
)
def test_a_mistake_names_the_file_and_the_key(tmp_path, text, key, problem):
    path = _write(tmp_path, text)

    with pytest.raises(SettingsError) as error:
        load_settings(path)

    message = str(error.value)
    assert message.startswith(f"{path}: {key}")
    assert problem in message


def test_a_missing_file_is_named(tmp_path):
    missing = tmp_path / "nowhere" / "handoff.yml"

    with pytest.raises(SettingsError, match="does not exist") as error:
        load_settings(missing)

    assert str(missing) in str(error.value)


@pytest.mark.parametrize("text", ["- a list\n- not a mapping\n", "just a sentence\n", ""])
def test_yaml_that_is_not_a_mapping_is_refused(tmp_path, text):
    path = _write(tmp_path, text)

    with pytest.raises(SettingsError, match="expected a mapping at the top level") as error:
        load_settings(path)

    assert str(error.value).startswith(str(path))


def test_broken_yaml_is_refused_with_the_file_name(tmp_path):
    path = _write(tmp_path, "intake: [unclosed\n")

    with pytest.raises(SettingsError, match="not valid YAML") as error:
        load_settings(path)

    assert str(error.value).startswith(str(path))


def test_the_environment_variable_chooses_the_file(tmp_path, monkeypatch):
    path = _write(tmp_path, 'self_service:\n  contact: "chat at northwind.example/help"\n')
    monkeypatch.setenv(SETTINGS_ENV, str(path))

    assert load_settings().self_service.contact == "chat at northwind.example/help"


def test_the_environment_variable_pointing_nowhere_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv(SETTINGS_ENV, str(tmp_path / "missing.yml"))

    with pytest.raises(SettingsError, match="missing.yml"):
        load_settings()


def test_without_the_variable_the_working_directory_file_is_read(tmp_path, monkeypatch):
    _write(tmp_path, 'self_service:\n  contact: "visit the store desk"\n')
    monkeypatch.delenv(SETTINGS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)

    assert load_settings().self_service.contact == "visit the store desk"
