"""GoEmotions (Demszky et al., ACL 2020; Apache-2.0) as labelled messages: negative affect or not.

The data set is not in this repository: pass its folder (``train.tsv``, ``dev.tsv``,
``test.tsv``, ``labels.txt``, as in ``../shared/datasets/goemotions``). A comment is negative
affect when the raters gave it anger, annoyance or disgust — the positives the issue measures
the scorer on, and the ones the affect model trains on.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, List

NEGATIVE_AFFECT: FrozenSet[str] = frozenset({"anger", "annoyance", "disgust"})
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Comment:
    """One GoEmotions comment with its emotion labels."""

    text: str
    emotions: FrozenSet[str]

    @property
    def negative_affect(self) -> bool:
        """Whether a rater-agreed label is anger, annoyance or disgust."""
        return bool(self.emotions & NEGATIVE_AFFECT)


def read_split(directory: Path, split: str) -> List[Comment]:
    """Read one split (``train``, ``dev`` or ``test``) of the simplified GoEmotions release.

    Raises:
        FileNotFoundError: when the folder does not hold the split or ``labels.txt``.
        ValueError: naming the file and line of a row that is not ``text<TAB>ids<TAB>id``.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    directory = Path(directory)
    names = (directory / "labels.txt").read_text(encoding="utf-8").split()
    comments = []
    path = directory / f"{split}.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if len(row) < 2:
                raise ValueError(f"{path}:{line}: expected text, label ids and comment id")
            ids = [int(i) for i in row[1].split(",")]
            comments.append(Comment(row[0], frozenset(names[i] for i in ids)))
    return comments
