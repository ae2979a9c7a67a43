"""The GoEmotions reader and the affect-model build, on a tiny folder of the same shape.

The real data set is not in the repository (``../shared/datasets/goemotions``); these rows are
made up here in its format: ``text<TAB>label ids<TAB>comment id``, ``labels.txt`` one a line.
"""

from pathlib import Path

import pytest

from benchmarks.goemotions import read_split
from handoff.signals.affect import AffectModel
from scripts.build_affect_model import build

LABELS = ["admiration", "anger", "annoyance", "disgust", "joy", "neutral"]
ANGRY = ["this is infuriating", "so annoying honestly", "disgusting behaviour", "I am furious"]
CALM = ["what a lovely day", "thanks, that helps", "the bus comes at nine", "nice work team"]


def _write(folder: Path) -> Path:
    folder.mkdir()
    (folder / "labels.txt").write_text("\n".join(LABELS) + "\n")
    rows = [f"{text}\t{1 + i % 3}\tid{i}" for i, text in enumerate(ANGRY)]
    rows += [f"{text}\t{4 if i % 2 else '0,5'}\tc{i}" for i, text in enumerate(CALM)]
    for split in ("train", "dev", "test"):
        (folder / f"{split}.tsv").write_text("\n".join(rows) + "\n")
    return folder


def test_a_comment_is_negative_affect_when_a_label_is_anger_annoyance_or_disgust(tmp_path):
    comments = read_split(_write(tmp_path / "goemotions"), "dev")

    assert [c.negative_affect for c in comments] == [True] * 4 + [False] * 4
    assert comments[4].emotions == {"admiration", "neutral"}


def test_a_split_that_does_not_exist_is_refused(tmp_path):
    with pytest.raises(ValueError, match="split must be one of"):
        read_split(_write(tmp_path / "goemotions"), "validation")


def test_the_build_learns_the_data_and_records_where_it_comes_from(tmp_path):
    model = build(_write(tmp_path / "goemotions"), regularisation=10.0)
    path = tmp_path / "affect.npz"
    model.save(path)
    loaded = AffectModel.load(path)

    scores = loaded.probabilities(ANGRY + CALM)
    assert min(scores[:4]) > max(scores[4:])
    assert "dev (8 comments)" in loaded.provenance["threshold"]
    assert loaded.provenance["positives"] == ["anger", "annoyance", "disgust"]
