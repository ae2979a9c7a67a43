"""The committed negative-affect model: what it is made of, how it scores, how it fails.

A sanity check of the shipped file; its quality is measured by `python -m benchmarks.frustration`
on GoEmotions test (it misses some, e.g. "what a pathetic excuse for a company" scores 0.29)."""

from pathlib import Path

import numpy as np
import pytest

from handoff.signals.affect import AffectModel, fit

COMMITTED = Path(__file__).resolve().parents[3] / "data" / "frustration" / "affect_model.npz"


@pytest.fixture(scope="module")
def model() -> AffectModel:
    return AffectModel.load(COMMITTED)


def test_the_committed_model_is_small_and_says_where_it_comes_from(model):
    assert COMMITTED.stat().st_size < 3_000_000
    assert "GoEmotions" in model.provenance["data"]
    assert "Apache" in model.provenance["data"]
    assert model.provenance["positives"] == ["anger", "annoyance", "disgust"]
    assert 0.0 < model.threshold < 1.0


@pytest.mark.parametrize(
    "text, angry",
    [
        ("this is absolutely infuriating, nobody answers", True),
        ("what the hell is wrong with your site", True),
        ("thank you so much, that was really helpful", False),
        ("when do you open on saturday?", False),
    ],
)
def test_it_separates_angry_from_calm_messages(model, text, angry):
    assert (model.probability(text) >= model.threshold) is angry


def test_the_fast_path_computes_the_same_as_the_sparse_features(model):
    texts = ["WHERE IS MY ORDER?!", "ok", "my landlord is useless, do you sell wardrobes?"]
    expected = np.asarray(model.features(texts) @ np.concatenate(model.coef).astype(float))
    assert model.logits(texts) == pytest.approx(expected.ravel() + model.intercept)


def test_empty_text_has_no_affect(model):
    assert model.probabilities(["", "   "]).tolist() == [0.0, 0.0]


def test_save_and_load_keep_the_scores(tmp_path):
    texts = ["you are useless", "lovely sofa, thanks", "so annoyed right now", "what time is it"]
    trained = fit(texts, [True, False, True, False], regularisation=1.0)
    path = tmp_path / "affect.npz"
    trained.save(path)
    loaded = AffectModel.load(path)
    assert loaded.probabilities(texts) == pytest.approx(trained.probabilities(texts), abs=1e-2)


def test_a_file_that_is_not_a_model_is_refused_by_name(tmp_path):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="broken.npz: not an affect model"):
        AffectModel.load(path)
