import math

import pytest
import scipy.sparse

from handoff.signals.uncertainty import NoveltyIndex, combined_uncertainty, ranking_signals


def _ranking(*confidences):
    return [{"name": f"i{n}", "confidence": c} for n, c in enumerate(confidences)]


def test_a_confident_ranking_is_certain():
    signals = ranking_signals(_ranking(0.97, 0.02, 0.01))
    assert signals.top_confidence == pytest.approx(0.97)
    assert signals.margin == pytest.approx(0.95)
    assert signals.uncertainty < 0.15


def test_a_flat_ranking_is_uncertain():
    signals = ranking_signals(_ranking(0.26, 0.25, 0.25, 0.24))
    assert signals.entropy == pytest.approx(1.0, abs=0.01)
    assert signals.uncertainty > 0.9


def test_entropy_is_normalised_by_the_number_of_intents():
    two = ranking_signals(_ranking(0.5, 0.5))
    ten = ranking_signals(_ranking(*([0.1] * 10)))
    assert two.entropy == pytest.approx(1.0)
    assert ten.entropy == pytest.approx(1.0)
    assert not math.isnan(ranking_signals(_ranking(1.0, 0.0)).entropy)


def test_an_empty_ranking_is_maximally_uncertain():
    assert ranking_signals([]).uncertainty == pytest.approx(1.0)


@pytest.fixture
def index():
    # columns: words "order", "where", "refund", "money", "sofa"
    vectors = scipy.sparse.csr_matrix(
        [[1, 1, 0, 0, 0], [1, 1, 0, 0, 1], [0, 0, 1, 1, 0], [1, 0, 1, 1, 0]]
    )
    return NoveltyIndex(vectors, ["order_status", "order_status", "refund", "refund"], 1)


def test_a_training_example_is_not_novel(index):
    assert index.novelty(scipy.sparse.csr_matrix([[1, 1, 0, 0, 0]]), "order_status") == (
        pytest.approx(0.0, abs=1e-6)
    )


def test_a_message_unlike_the_predicted_intent_is_novel(index):
    refund_like = scipy.sparse.csr_matrix([[0, 0, 1, 1, 0]])
    assert index.novelty(refund_like, "order_status") > 0.9
    assert index.novelty(refund_like, "refund") < 0.01


def test_an_unknown_intent_compares_against_everything(index):
    assert index.novelty(scipy.sparse.csr_matrix([[0, 0, 1, 1, 0]]), None) < 0.01


def test_a_changed_feature_dimension_is_refused(index):
    with pytest.raises(ValueError, match="featurizers changed"):
        index.novelty(scipy.sparse.csr_matrix([[1, 1, 0]]), "refund")


@pytest.mark.parametrize("weight", [0.0, 0.5, 1.0])
def test_the_weight_blends_novelty_and_ranking(weight):
    signals = ranking_signals(_ranking(0.8, 0.2))
    value = combined_uncertainty(signals, 0.9, weight)
    assert value == pytest.approx(weight * 0.9 + (1 - weight) * signals.uncertainty)
