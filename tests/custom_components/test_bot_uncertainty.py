"""BotUncertaintyScorer inside a real (small) Rasa NLU pipeline: tokenizer, count vectors and
logistic regression, trained on a few store intents, persisted and loaded again."""

import copy

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from custom_components.bot_uncertainty import BotUncertaintyScorer

EXAMPLES = {
    "order_status": [
        "where is my order", "has my order shipped yet", "track my parcel",
        "when will my order arrive", "what's the status of my order", "wheres my package",
        "my delivery hasn't come", "did you send my order", "order tracking please",
        "is my parcel on its way",
    ],
    "payment_methods": [
        "can i pay with paypal", "do you take credit cards", "which payment methods do you accept",
        "can I pay by klarna", "is apple pay possible", "do you accept american express",
        "pay in instalments", "can i use a gift card", "payment options", "google pay ok?",
    ],
    "shipping_times": [
        "how long does delivery take", "shipping time to germany", "how fast is express shipping",
        "when do you ship", "delivery days to the uk", "how many days for shipping",
        "do you ship to norway", "standard delivery time", "how quick is delivery",
        "how long does shipping take",
    ],
}  # fmt: skip


def _context():
    return ExecutionContext(GraphSchema({}), "test")


def _training_data():
    return TrainingData(
        [
            Message(data={"text": text, "intent": intent})
            for intent, texts in EXAMPLES.items()
            for text in texts
        ]
    )


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Train tokenizer → count vectors → logistic regression → scorer; return a parse function
    built from components *loaded* back from model storage."""
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    tokenizer = WhitespaceTokenizer.create(
        WhitespaceTokenizer.get_default_config(), storage, Resource("tok"), _context()
    )
    featurizer = CountVectorsFeaturizer.create(
        CountVectorsFeaturizer.get_default_config(), storage, Resource("cv"), _context()
    )
    classifier = LogisticRegressionClassifier.create(
        LogisticRegressionClassifier.get_default_config(), storage, Resource("lr"), _context()
    )
    scorer = BotUncertaintyScorer.create({"threshold": 0.6}, storage, Resource("unc"), _context())

    data = _training_data()
    tokenizer.process_training_data(data)
    featurizer.train(data)
    featurizer.process_training_data(data)
    classifier.train(data)
    scorer.train(data)

    featurizer = CountVectorsFeaturizer.load(
        featurizer._config, storage, Resource("cv"), _context()
    )
    loaded = BotUncertaintyScorer.load(
        {**BotUncertaintyScorer.get_default_config(), "threshold": 0.6},
        storage, Resource("unc"), _context(),
    )  # fmt: skip

    def parse(text, scorer=loaded):
        message = Message(data={"text": text})
        for component in (tokenizer, featurizer, classifier):
            component.process([message])
        scorer.process([message])
        return message

    return parse, classifier, tokenizer, featurizer


@pytest.mark.parametrize(
    "in_scope, out_of_scope",
    [
        ("where is my order?", "what's the capital of peru"),
        ("can I pay with paypal", "tell me a joke about penguins"),
        ("how long does delivery take to the uk", "set an alarm for 7am"),
    ],
)
def test_out_of_scope_messages_score_higher(pipeline, in_scope, out_of_scope):
    parse = pipeline[0]
    known, unknown = (
        parse(in_scope).get("bot_uncertainty"),
        parse(out_of_scope).get("bot_uncertainty"),
    )
    assert unknown["score"] > known["score"]
    assert unknown["novelty"] > known["novelty"]


def test_a_known_question_keeps_its_intent(pipeline):
    message = pipeline[0]("where is my order")
    assert message.get("intent")["name"] == "order_status"
    assert message.get("bot_uncertainty")["fallback"] is False


def test_a_message_far_from_everything_falls_back_like_fallback_classifier(pipeline):
    message = pipeline[0]("xylophone zebra quantum")
    assert message.get("bot_uncertainty")["fallback"] is True, message.get("bot_uncertainty")
    assert message.get("intent")["name"] == "nlu_fallback"
    assert message.get("intent_ranking")[0]["name"] == "nlu_fallback"
    assert message.get("intent_ranking")[1]["name"] in EXAMPLES  # the original ranking stays


def test_without_threshold_it_only_scores(pipeline, tmp_path):
    parse, *_ = pipeline
    scorer_only = BotUncertaintyScorer(
        {**BotUncertaintyScorer.get_default_config(), "threshold": None},
        LocalModelStorage(tmp_path),
        Resource("x"),
    )
    message = parse("xylophone zebra quantum", scorer=scorer_only)
    assert message.get("intent")["name"] in EXAMPLES
    # no trained features: novelty is off and the ranking alone decides
    assert message.get("bot_uncertainty")["novelty"] is None


def test_the_result_is_in_the_parse_output(pipeline):
    message = pipeline[0]("where is my order")
    output = message.as_dict_nlu()
    assert set(output["bot_uncertainty"]) == {
        "score", "novelty", "top_confidence", "margin", "entropy", "fallback",
    }  # fmt: skip


def test_other_message_data_is_left_alone(pipeline):
    parse, classifier, tokenizer, featurizer = pipeline
    message = Message(data={"text": "where is my order", "entities": [{"entity": "x"}]})
    for component in (tokenizer, featurizer, classifier):
        component.process([message])
    before = copy.deepcopy(message.data)
    parse.__defaults__[0].process([message])
    after = dict(message.data)
    assert after.pop("bot_uncertainty")
    assert after == before


@pytest.mark.parametrize(
    "config, key",
    [
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": "high"}, "threshold"),
        ({"novelty_weight": -0.1}, "novelty_weight"),
        ({"neighbours": 0}, "neighbours"),
        ({"featurizers": "char_counts"}, "featurizers"),
    ],
)
def test_bad_config_fails_at_build_time_naming_the_key(tmp_path, config, key):
    with pytest.raises(InvalidConfigException, match=f"BotUncertaintyScorer: '{key}'"):
        BotUncertaintyScorer.create(config, LocalModelStorage(tmp_path), Resource("u"), _context())
