"""The desk's texts per language (``desk.translations``): built in, overridable, English default."""

from pathlib import Path

import pytest

from handoff.settings import SettingsError, load_settings

_VALID = "self_service:\n  contact: 'call +1 555 0100'\n"


def _load(tmp_path: Path, desk: str):
    path = tmp_path / "handoff.yml"
    path.write_text(f"desk:\n{desk}\n{_VALID}", encoding="utf-8")
    return load_settings(path).desk


def test_german_french_and_spanish_are_built_in(tmp_path):
    desk = _load(tmp_path, "  timeout_seconds: 5")

    assert desk.texts_for("de")["joined_message"] == "{agent} aus unserem Team ist jetzt im Chat."
    assert desk.texts_for("fr-CA")["left_message"].startswith("{agent} a quitté la conversation.")
    assert desk.texts_for("es")["team_transfer_message"] == "Le paso con nuestro equipo de {team}."
    assert desk.texts_for("en")["joined_message"] == "{agent} from our team has joined the chat."
    assert desk.texts_for("de")["cancelled_message"].startswith("Alles klar, ich habe Sie aus")
    assert desk.texts_for("es")["queue_ticket_soon"] == "en cuanto alguien esté libre"


@pytest.mark.parametrize("language", ["it", "", None])
def test_a_language_without_texts_gets_english(tmp_path, language):
    desk = _load(tmp_path, "  joined_message: '{agent} is here.'")

    assert desk.texts_for(language)["joined_message"] == "{agent} is here."


def test_a_plain_string_still_sets_the_english_text_and_translations_override_key_by_key(
    tmp_path,
):
    desk = _load(
        tmp_path,
        "  joined_message: '{agent} is with you now.'\n"
        "  translations:\n"
        "    de:\n"
        "      joined_message: '{agent} ist jetzt für Sie da.'\n"
        "    nl:\n"
        "      joined_message: '{agent} is er nu voor u.'",
    )

    assert desk.joined_message == "{agent} is with you now."
    assert desk.texts_for("de")["joined_message"] == "{agent} ist jetzt für Sie da."
    assert desk.texts_for("de")["left_message"].startswith("{agent} hat den Chat verlassen.")
    assert desk.texts_for("nl")["joined_message"] == "{agent} is er nu voor u."
    assert desk.texts_for("nl")["left_message"] == desk.left_message  # English: not translated
    assert set(desk.all_texts()) == {"de", "fr", "es", "nl"}


@pytest.mark.parametrize(
    "translations, problem",
    [
        ("    de:\n      joined_message: 'Hallo {name}'", "only the placeholder {agent}"),
        ("    de:\n      team_transfer_message: 'Zu {agent}'", "only the placeholder {team}"),
        ("    de:\n      welcome: 'Hallo'", "extra fields not permitted"),
        (
            "    fr:\n      queue_update_message: 'Numéro {position}'",
            "only the placeholders {queue_position}, {expected_wait}",
        ),
        ("    '12':\n      joined_message: '{agent}'", "not a language code"),
    ],
)
def test_a_mistake_in_a_translation_names_the_key(tmp_path, translations, problem):
    with pytest.raises(SettingsError) as error:
        _load(tmp_path, "  translations:\n" + translations)

    assert "desk.translations" in str(error.value)
    assert problem in str(error.value)
