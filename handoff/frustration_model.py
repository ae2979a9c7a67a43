"""From frustration cues to a score: a logistic model over :data:`FEATURE_NAMES`.

The weights are learned from labelled customer messages (``data/frustration/labelled.csv``,
``split == train`` rows) with scikit-learn's ``LogisticRegression``; the decision threshold
that maximises F1 is chosen by cross-validation on the same training rows, never on the test
rows. :data:`DEFAULT_WEIGHTS` serve when no labelled data is available. Framework-free.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from handoff.frustration import FEATURE_NAMES, FrustrationCues, find_cues

# Used when there is no labelled data: the weights learned from the bundled
# data/frustration/labelled.csv (train split), rounded. Frustration cues push the score up;
# softeners, positive valence and plain questions pull it down.
DEFAULT_WEIGHTS: Dict[str, float] = {
    "negativity_elsewhere": 0.1,
    "positivity": -0.5,
    "negativity_at_service": 1.8,
    "anger": 2.6,
    "insult": 1.5,
    "profanity": 1.4,
    "escalation": 1.9,
    "waiting": 2.3,
    "repeated_contact": 2.5,
    "sarcasm": 2.0,
    "shouting": 1.7,
    "repeated_punctuation": 0.6,
    "softener": -1.8,
    "aimed_at_service": -0.2,
    "plain_question": -0.8,
}
DEFAULT_INTERCEPT = -0.5
DEFAULT_THRESHOLD = 0.46


@dataclass(frozen=True)
class LabelledMessage:
    """One row of the labelled CSV."""

    text: str
    frustrated: bool
    split: str
    kind: str


def read_labelled(path: Path, split: Optional[str] = None) -> List[LabelledMessage]:
    """Read ``text,frustrated,split,kind`` rows, optionally only one split.

    Raises:
        ValueError: naming the file and line of a row that is not well-formed.
    """
    rows = []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row.get("frustrated") not in ("0", "1") or not (row.get("text") or "").strip():
                raise ValueError(f"{path}:{line}: needs text and frustrated 0/1, got {row}")
            message = LabelledMessage(
                text=row["text"],
                frustrated=row["frustrated"] == "1",
                split=(row.get("split") or "").strip(),
                kind=(row.get("kind") or "").strip(),
            )
            if split is None or message.split == split:
                rows.append(message)
    return rows


@dataclass(frozen=True)
class FrustrationModel:
    """A logistic model: ``score = sigmoid(intercept + sum(weight * feature))``."""

    weights: Dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    intercept: float = DEFAULT_INTERCEPT
    threshold: float = DEFAULT_THRESHOLD
    trained_on: int = 0

    def score_cues(self, cues: FrustrationCues) -> float:
        """Return the frustration score in [0, 1] of already-found cues."""
        logit = self.intercept + sum(
            self.weights.get(name, 0.0) * value
            for name, value in zip(FEATURE_NAMES, cues.features(), strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))

    def score(self, text: str) -> float:
        """Return the frustration score in [0, 1] of a message."""
        return self.score_cues(find_cues(text))

    def to_dict(self) -> Dict[str, Any]:
        """Return a JSON-serialisable form (see :meth:`from_dict`)."""
        return {
            "weights": dict(self.weights),
            "intercept": self.intercept,
            "threshold": self.threshold,
            "trained_on": self.trained_on,
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> FrustrationModel:
        """Rebuild a model written by :meth:`to_dict`; unknown features are ignored."""
        weights = {name: float(data["weights"].get(name, 0.0)) for name in FEATURE_NAMES}
        return cls(
            weights=weights,
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            trained_on=int(data.get("trained_on", 0)),
        )


def best_f1_threshold(scores: Sequence[float], labels: Sequence[bool]) -> Tuple[float, float]:
    """Return ``(threshold, f1)`` maximising F1 for the rule ``score >= threshold``.

    Candidate thresholds are the scores themselves; ties go to the highest threshold
    (the most conservative one).
    """
    best = (1.0, 0.0)
    positives = sum(labels)
    for candidate in sorted(set(scores), reverse=True):
        predicted = [s >= candidate for s in scores]
        true_positives = sum(p and y for p, y in zip(predicted, labels, strict=True))
        if true_positives == 0:
            continue
        f1 = 2 * true_positives / (sum(predicted) + positives)
        if f1 > best[1] + 1e-12:
            best = (float(candidate), f1)
    return best


def fit(
    texts: Sequence[str], labels: Sequence[bool], regularisation: float = 1.0, folds: int = 5
) -> FrustrationModel:
    """Learn weights from labelled messages; choose the threshold by cross-validation.

    Args:
        texts: the customer messages.
        labels: True where the customer is frustrated.
        regularisation: scikit-learn's ``C`` (smaller = stronger L2 regularisation).
        folds: stratified folds for the threshold (fewer if a class is too small).

    Returns:
        The fitted model; ``threshold`` maximises the out-of-fold F1.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    features = np.array([find_cues(text).features() for text in texts])
    targets = np.array([bool(label) for label in labels])
    if targets.all() or not targets.any():
        raise ValueError("labelled messages of both classes are needed")
    classifier = LogisticRegression(C=regularisation, max_iter=1000)
    folds = max(2, min(folds, int(targets.sum()), int((~targets).sum())))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    out_of_fold = cross_val_predict(
        classifier, features, targets, cv=splitter, method="predict_proba"
    )[:, 1]
    threshold, _ = best_f1_threshold(out_of_fold.tolist(), targets.tolist())
    classifier.fit(features, targets)
    return FrustrationModel(
        weights={
            name: float(w) for name, w in zip(FEATURE_NAMES, classifier.coef_[0], strict=True)
        },
        intercept=float(classifier.intercept_[0]),
        threshold=threshold,
        trained_on=len(texts),
    )
