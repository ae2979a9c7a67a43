"""FrustrationScorer with real Rasa objects: created, trained on the bundled CSV, persisted in
LocalModelStorage, loaded again, run alone and behind a real WhitespaceTokenizer, and once
through `rasa.model_training.train_nlu` and `Agent.parse_message` (tokenizer + scorer, no DIET)."""

import asyncio
import copy
import json
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from custom_components.frustration_scorer import FrustrationScorer
from handoff.signals.frustration_model import DEFAULT_WEIGHTS, FrustrationModel

DATA = Path(__file__).resolve().parents[2] / "data" / "frustration" / "labelled.csv"
AFFECT = DATA.parent / "affect_model.npz"

HIGH = [
    "this is ridiculous, I've been waiting three weeks!!!",
    "WHERE IS MY ORDER",
    "worst service ever, I want a manager",
    "I'm sick of this",
    "this is the third time I'm asking",
    "thanks for nothing",
]
LOW = [
    "unfortunately my parcel is a bit late",
    "I hate rainy Mondays",
    "no problem, thanks!",
    "Do you ship to the UK?",
    "I ordered from IKEA before",
    "Can I get my UPS tracking ID?",
    "Hi! Where is my order?",
]


def _context():
    return ExecutionContext(GraphSchema({}), "test")


def _config(**overrides):
    defaults = FrustrationScorer.get_default_config()
    return {
        **defaults,
        "calibration_path": str(DATA),
        "affect_model_path": str(AFFECT),
        **overrides,
    }


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Train on the CSV, then return (trained instance, instance loaded from storage)."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    scorer = FrustrationScorer.create(_config(), storage, Resource("frustration"), _context())
    scorer.train(TrainingData([Message(data={"text": "hi", "intent": "greet"})]))
    loaded = FrustrationScorer.load(_config(), storage, Resource("frustration"), _context())
    return scorer, loaded


def _parse(scorer, text):
    message = Message(data={"text": text})
    scorer.process([message])
    return message


@pytest.mark.parametrize("text", HIGH)
def test_frustrated_messages_score_above_the_threshold(trained, text):
    scorer = trained[1]
    result = _parse(scorer, text).get("frustration")
    assert result["score"] >= scorer.model.threshold
    assert result["cues"], "a high score must come with the cues behind it"


@pytest.mark.parametrize("text", LOW)
def test_calm_or_off_target_messages_stay_low_and_change_nothing_else(trained, text):
    scorer = trained[1]
    message = Message(
        data={"text": text, "intent": {"name": "order_status", "confidence": 0.9},
              "entities": [{"entity": "order_number", "value": "48213377"}]}
    )  # fmt: skip
    before = copy.deepcopy(message.data)
    scorer.process([message])
    assert message.get("frustration")["score"] < scorer.model.threshold
    assert {k: v for k, v in message.data.items() if k != "frustration"} == before


def test_output_shape_and_that_it_is_in_the_parse_output(trained):
    message = _parse(trained[1], "this is ridiculous, I've been waiting three weeks!!!")
    result = message.get("frustration")
    assert set(result) == {"score", "affect", "cues"}
    assert 0.0 <= result["score"] <= 1.0
    assert result["affect"] >= 0.5  # the learned negative-affect factor agrees
    assert all(set(cue) == {"name", "value"} for cue in result["cues"])
    names = {cue["name"] for cue in result["cues"]}
    assert {"escalation", "waiting", "repeated_punctuation"} <= names
    output = message.as_dict(only_output_properties=True)
    assert output["frustration"] == result
    json.dumps(output)  # the tracker stores it as JSON


def test_train_persist_load_round_trip(trained):
    scorer, loaded = trained
    assert loaded.model == scorer.model
    assert loaded.model.affect_model is not None
    assert loaded.model.trained_on > 200
    assert loaded.model.weights != DEFAULT_WEIGHTS
    for text in HIGH + LOW:
        assert _parse(loaded, text).get("frustration") == _parse(scorer, text).get("frustration")


def test_missing_calibration_file_falls_back_to_default_weights(tmp_path):
    storage = LocalModelStorage(tmp_path)
    config = _config(calibration_path=str(tmp_path / "deleted.csv"))
    scorer = FrustrationScorer.create(config, storage, Resource("frustration"), _context())
    with pytest.warns(UserWarning, match="no calibration file"):
        scorer.train(TrainingData())
    loaded = FrustrationScorer.load(config, storage, Resource("frustration"), _context())
    assert loaded.model == FrustrationModel()
    assert _parse(loaded, "worst service ever, I want a manager").get("frustration")["score"] > 0.5


def test_load_without_a_trained_model_uses_default_weights(tmp_path):
    loaded = FrustrationScorer.load(
        _config(), LocalModelStorage(tmp_path), Resource("never_trained"), _context()
    )
    assert loaded.model == FrustrationModel()


def test_empty_text_scores_zero(trained):
    assert _parse(trained[1], "").get("frustration") == {"score": 0.0, "affect": 0.0, "cues": []}


@pytest.mark.parametrize(
    "override, key",
    [
        ({"calibration_path": 5}, "calibration_path"),
        ({"calibration_path": ""}, "calibration_path"),
        ({"regularisation": 0}, "regularisation"),
        ({"regularisation": "strong"}, "regularisation"),
        ({"regularisation": True}, "regularisation"),
        ({"affect_model_path": 3}, "affect_model_path"),
        ({"affect_model_path": " "}, "affect_model_path"),
    ],
)
def test_bad_config_fails_when_the_graph_is_built(tmp_path, override, key):
    with pytest.raises(InvalidConfigException, match=f"FrustrationScorer: '{key}'"):
        FrustrationScorer.create(
            _config(**override), LocalModelStorage(tmp_path), Resource("f"), _context()
        )


def test_null_calibration_path_is_allowed(tmp_path):
    scorer = FrustrationScorer.create(
        _config(calibration_path=None), LocalModelStorage(tmp_path), Resource("f"), _context()
    )
    with pytest.warns(UserWarning):
        scorer.train(TrainingData())


def test_fingerprint_follows_the_calibration_file(tmp_path):
    path = tmp_path / "labelled.csv"
    path.write_text(DATA.read_text())
    first = FrustrationScorer.fingerprint_addon(_config(calibration_path=str(path)))
    path.write_text(DATA.read_text() + "you are useless,1,train,angry\n")
    assert FrustrationScorer.fingerprint_addon(_config(calibration_path=str(path))) != first
    missing = FrustrationScorer.fingerprint_addon(_config(calibration_path=str(tmp_path / "x")))
    assert missing not in (first, FrustrationScorer.fingerprint_addon(_config()))


def test_fingerprint_follows_the_affect_model_file(tmp_path):
    path = tmp_path / "affect.npz"
    path.write_bytes(AFFECT.read_bytes())
    first = FrustrationScorer.fingerprint_addon(_config(affect_model_path=str(path)))
    path.write_bytes(AFFECT.read_bytes() + b"\0")
    assert FrustrationScorer.fingerprint_addon(_config(affect_model_path=str(path))) != first


def test_a_configured_affect_model_that_is_missing_fails_training(tmp_path):
    config = _config(affect_model_path=str(tmp_path / "gone.npz"))
    scorer = FrustrationScorer.create(
        config, LocalModelStorage(tmp_path), Resource("f"), _context()
    )
    with pytest.raises(InvalidConfigException, match="'affect_model_path'.*does not exist"):
        scorer.train(TrainingData())


def test_without_the_affect_model_the_cues_alone_score(tmp_path):
    storage = LocalModelStorage(tmp_path)
    config = _config(affect_model_path=None)
    scorer = FrustrationScorer.create(config, storage, Resource("f"), _context())
    scorer.train(TrainingData())
    loaded = FrustrationScorer.load(config, storage, Resource("f"), _context())
    assert loaded.model.affect_model is None
    result = _parse(loaded, "worst service ever, I want a manager").get("frustration")
    assert result["affect"] == 0.0 and result["score"] >= loaded.model.threshold
    assert "negative_affect" not in {cue["name"] for cue in result["cues"]}


# Anger the hand-written cue lists do not know: real people's words (in the style of
# GoEmotions, not from it) aimed at the store. The learned factor must see them.
UNLISTED_ANGER = [
    "seriously your checkout just ate my payment twice",
    "your delivery guy was rude as hell to my mum",
]


@pytest.mark.parametrize("text", UNLISTED_ANGER)
def test_the_learned_factor_sees_anger_the_cue_lists_miss(trained, text):
    result = _parse(trained[1], text).get("frustration")
    assert result["affect"] >= trained[1].model.affect_model.threshold
    assert "negative_affect" in {cue["name"] for cue in result["cues"]}


@pytest.mark.parametrize(
    "at_us, elsewhere",
    [
        ("your delivery service is useless", "my landlord is useless"),
        ("I'm furious with your support team", "I'm furious with my landlord"),
    ],
)
def test_the_same_anger_scores_lower_when_it_is_not_aimed_at_us(trained, at_us, elsewhere):
    score = trained[1].model.score
    assert score(elsewhere) < score(at_us)


def test_behind_a_real_tokenizer_in_a_tiny_pipeline(tmp_path):
    storage = LocalModelStorage(tmp_path)
    tokenizer = WhitespaceTokenizer.create(
        WhitespaceTokenizer.get_default_config(), storage, Resource("tok"), _context()
    )
    scorer = FrustrationScorer.create(_config(), storage, Resource("frustration"), _context())
    data = TrainingData([Message(data={"text": "where is my order", "intent": "order_status"})])
    tokenizer.process_training_data(data)
    scorer.train(scorer.process_training_data(data))
    loaded = FrustrationScorer.load(_config(), storage, Resource("frustration"), _context())

    message = Message(data={"text": "worst service ever, I want a manager"})
    tokenizer.process([message])
    tokens = copy.deepcopy(message.get("text_tokens"))
    loaded.process([message])
    assert message.get("frustration")["score"] >= loaded.model.threshold
    assert [t.text for t in message.get("text_tokens")] == [t.text for t in tokens]


def test_through_rasa_train_nlu_and_agent_parse(tmp_path, monkeypatch):
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "cache"))
    config = tmp_path / "config.yml"
    config.write_text(
        "recipe: default.v1\nassistant_id: frustration-test\nlanguage: en\npipeline:\n"
        "  - name: WhitespaceTokenizer\n"
        "  - name: custom_components.frustration_scorer.FrustrationScorer\n"
        f"    calibration_path: '{DATA}'\n"
    )
    nlu = tmp_path / "nlu.yml"
    nlu.write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n    - hello\n'
        "- intent: order_status\n  examples: |\n    - where is my order\n    - track it\n"
    )
    model = train_nlu(str(config), str(nlu), str(tmp_path / "models"))
    agent = Agent.load(model)
    angry = asyncio.run(agent.parse_message("worst service ever, I want a manager"))
    calm = asyncio.run(agent.parse_message("Do you ship to the UK?"))
    assert angry["frustration"]["score"] > 0.5
    assert {"insult", "escalation"} <= {cue["name"] for cue in angry["frustration"]["cues"]}
    assert calm["frustration"]["score"] < 0.5
