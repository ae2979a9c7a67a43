"""The framework-free frustration cues and model (handoff/frustration*.py), without Rasa."""

from pathlib import Path

import pytest

from handoff.signals.frustration import (
    FEATURE_NAMES,
    clause_negativity,
    find_cues,
    find_phrases,
    shouting_share,
)
from handoff.signals.frustration_model import (
    DEFAULT_WEIGHTS,
    FrustrationModel,
    best_f1_threshold,
    fit,
    read_labelled,
)

DATA = Path(__file__).resolve().parents[3] / "data" / "frustration" / "labelled.csv"


@pytest.fixture(scope="module")
def model():
    rows = read_labelled(DATA, "train")
    return fit([r.text for r in rows], [r.frustrated for r in rows])


@pytest.mark.parametrize(
    "lexicon, text, expected",
    [
        ("anger", "I'm sick of this", ("sick of",)),
        ("anger", "I'm not angry, just confused", ()),
        ("anger", "honestly fed up with this order", ("fed up",)),
        ("anger", "you keep saying that. I am so done with this", ("i am so done with",)),
        (
            "anger",
            "what a waste of my time, a total disaster",
            ("waste of my time", "total disaster"),
        ),
        ("anger", "seriously what is wrong with you", ("what is wrong with you",)),
        ("anger", "you people never call back", ("you people",)),
        ("insult", "your support is useless", ("useless",)),
        ("insult", "it's not useless at all", ()),
        ("profanity", "where the hell is my sofa", ("hell",)),
        ("profanity", "hello, where is my sofa", ()),
        ("profanity", "are you f***ing serious", ("f***ing",)),
        ("escalation", "worst service ever, I want a manager", ("manager",)),
        ("escalation", "I don't want to complain, but", ()),
        ("escalation", "this is ridiculous and a scam", ("ridiculous", "scam")),
        ("waiting", "I've been waiting for an hour", ("been waiting", "for an hour")),
        ("waiting", "it's been three weeks", ("it's been three weeks",)),
        ("waiting", "stuck in processing since Monday", ("since monday",)),
        ("waiting", "still waiting for my refund", ("still waiting",)),
        ("waiting", "how long does delivery take, 3 days?", ()),
        ("waiting", "I placed it an hour ago, can I cancel?", ()),
        ("repeated_contact", "this is the third time I'm asking", ("third time",)),
        ("repeated_contact", "how many times do I have to say it", ("how many times",)),
        ("repeated_contact", "is this the right time to order?", ()),
        ("sarcasm", "thanks for nothing", ("thanks for nothing",)),
        ("sarcasm", "Great, another delay.", ("great, another",)),
        ("sarcasm", "great, thanks for the help", ()),
        ("softener", "no problem, thanks!", ("no problem", "thanks")),
        ("aimed_at_service", "I hate rainy Mondays", ()),
        ("aimed_at_service", "where is my order", ("order",)),
    ],
)
def test_lexicon_phrases(lexicon, text, expected):
    assert find_phrases(lexicon, text) == expected


@pytest.mark.parametrize(
    "text, shouting",
    [
        ("WHERE IS MY ORDER", 1.0),
        ("I want a refund NOW", 1 / 3),
        ("Can I get my UPS tracking ID?", 0.0),
        ("I ordered from IKEA before", 0.0),
        ("Do you ship to the UK?", 0.0),
        ("I", 0.0),
        ("", 0.0),
    ],
)
def test_shouting_ignores_acronyms_and_names(text, shouting):
    assert shouting_share(text) == pytest.approx(shouting)


def test_repeated_punctuation_counts_runs_not_single_marks():
    assert find_cues("where is it?!?").repeated_punctuation == ("?!?",)
    assert find_cues("Do you deliver on Sundays!").repeated_punctuation == ()


def test_negativity_is_split_by_target():
    at_service, elsewhere = clause_negativity("the weather is horrible, will the delivery come?")
    assert at_service == 0.0 and elsewhere > 0.4
    at_service, elsewhere = clause_negativity("your service is terrible")
    assert at_service > 0.4 and elsewhere == 0.0
    # "this"/"it" counts as the service when the message names the service elsewhere
    assert clause_negativity("my order is late, this is awful")[0] > 0.4
    assert clause_negativity("I hate rainy Mondays") == (0.0, pytest.approx(0.6124))


def test_negation_and_vader():
    assert find_cues("not happy").compound < 0
    assert find_cues("not a problem").compound > 0


def test_features_are_bounded_and_named():
    cues = find_cues("WHERE IS MY ORDER?!?! this is ridiculous, fucking useless, a manager NOW")
    features = cues.features()
    assert len(features) == len(FEATURE_NAMES)
    assert all(0.0 <= value <= 1.0 for value in features)


def test_signals_hide_modifiers_without_frustration():
    assert find_cues("Do you ship to the UK? thanks").as_signals() == []
    names = [s["name"] for s in find_cues("your delivery is useless!!!").as_signals()]
    assert names == ["negative_valence", "insult", "repeated_punctuation", "aimed_at_service"]


@pytest.mark.parametrize(
    "text",
    [
        "this is ridiculous, I've been waiting three weeks!!!",
        "WHERE IS MY ORDER",
        "worst service ever, I want a manager",
        "I'm sick of this",
        "this is the third time I'm asking",
    ],
)
def test_trained_model_flags_frustration(model, text):
    assert model.score(text) >= model.threshold


@pytest.mark.parametrize(
    "text",
    [
        "unfortunately my parcel is a bit late",
        "I hate rainy Mondays",
        "no problem, thanks!",
        "Do you ship to the UK?",
        "I ordered from IKEA before",
        "Hi! Where is my order?",
    ],
)
def test_trained_model_stays_low(model, text):
    assert model.score(text) < model.threshold


def test_default_model_agrees_on_clear_cases():
    default = FrustrationModel()
    assert default.weights == DEFAULT_WEIGHTS
    assert default.score("worst service ever, I want a manager") >= default.threshold
    assert default.score("Do you ship to the UK?") < default.threshold


def test_model_round_trips_through_a_dict(model):
    again = FrustrationModel.from_dict(model.to_dict())
    assert again == model
    assert 0.0 <= again.score("WHERE IS MY ORDER") <= 1.0


def test_best_f1_threshold():
    assert best_f1_threshold([0.9, 0.8, 0.3, 0.1], [True, True, False, False]) == (0.8, 1.0)
    assert best_f1_threshold([0.1], [False]) == (1.0, 0.0)


def test_fit_needs_both_classes():
    with pytest.raises(ValueError, match="both classes"):
        fit(["a", "b"], [True, True])


def test_labelled_data_is_well_formed_and_large_enough():
    rows = read_labelled(DATA)
    assert len(rows) >= 300
    assert {r.split for r in rows} == {"train", "test"}
    assert len({r.text for r in rows}) == len(rows)
    kinds = {r.kind for r in rows}
    assert {"angry", "polite_negative", "off_target", "neutral", "waiting", "sarcasm"} <= kinds


def test_read_labelled_names_the_bad_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,frustrated,split,kind\nhello,yes,train,neutral\n")
    with pytest.raises(ValueError, match="bad.csv:2"):
        read_labelled(path)
