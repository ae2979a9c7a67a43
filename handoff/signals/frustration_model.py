"""From frustration cues to a score: a logistic model over :data:`FEATURE_NAMES`.

The weights are learned from labelled customer messages (``data/frustration/labelled.csv``,
``split == train`` rows) with scikit-learn's ``LogisticRegression``; the decision threshold
that maximises F1 is chosen by cross-validation on the same training rows, never on the test
rows. :data:`DEFAULT_WEIGHTS` serve when no labelled data is available. Framework-free.

Two of the features come from the learned negative-affect model
(:mod:`handoff.signals.affect`, trained on GoEmotions): its probability in the clauses aimed
at the service and in the others. So the text model says *how angry*, the clause split says *at
whom*, and this small model, fitted on the in-domain rows, weighs them against the cues.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from handoff.signals.affect import AffectModel
from handoff.signals.frustration import FEATURE_NAMES, FrustrationCues, find_cues

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
    # without labelled rows there is nothing to weigh the learned factor against: cues only
    "affect_at_service": 0.0,
    "affect_elsewhere": 0.0,
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
    affect_model: Optional[AffectModel] = field(default=None, compare=False, repr=False)

    def score_cues(self, cues: FrustrationCues) -> float:
        """Return the frustration score in [0, 1] of already-found cues."""
        logit = self.intercept + sum(
            self.weights.get(name, 0.0) * value
            for name, value in zip(FEATURE_NAMES, cues.features(), strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))

    def score(self, text: str) -> float:
        """Return the frustration score in [0, 1] of a message."""
        return self.score_cues(self.cues(text))

    def cues(self, text: str) -> FrustrationCues:
        """Return the cues of a message, with the affect model's when there is one."""
        return find_cues(text, self.affect_model)

    def to_dict(self) -> Dict[str, Any]:
        """Return a JSON-serialisable form (see :meth:`from_dict`)."""
        return {
            "weights": dict(self.weights),
            "intercept": self.intercept,
            "threshold": self.threshold,
            "trained_on": self.trained_on,
        }

    @classmethod
    def from_dict(
        cls, data: Dict[str, Any], affect_model: Optional[AffectModel] = None
    ) -> FrustrationModel:
        """Rebuild a model written by :meth:`to_dict`; unknown features are ignored.

        The affect model is stored apart (a binary file); pass the one it was fitted with.
        """
        weights = {name: float(data["weights"].get(name, 0.0)) for name in FEATURE_NAMES}
        return cls(
            weights=weights,
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            trained_on=int(data.get("trained_on", 0)),
            affect_model=affect_model,
        )


def best_f1_threshold(scores: Sequence[float], labels: Sequence[bool]) -> Tuple[float, float]:
    """Return ``(threshold, f1)`` maximising F1 for the rule ``score >= threshold``.

    Candidate thresholds are the scores themselves; ties go to the highest threshold
    (the most conservative one). O(n log n), so it serves the 5k-comment GoEmotions dev split.
    """
    values = np.asarray(scores, dtype=float)
    truth = np.asarray(labels, dtype=bool)
    if not truth.any():
        return (1.0, 0.0)
    order = np.argsort(-values, kind="stable")
    values, truth = values[order], truth[order]
    last_of_each = np.r_[values[1:] != values[:-1], True]  # predicted = everything up to here
    true_positives = np.cumsum(truth)[last_of_each]
    predicted = (np.arange(1, len(values) + 1))[last_of_each]
    f1 = 2 * true_positives / (predicted + truth.sum())
    f1[true_positives == 0] = 0.0
    best = int(np.argmax(f1 > f1.max() - 1e-12))  # the first (highest) candidate reaching it
    if f1[best] <= 0.0:
        return (1.0, 0.0)
    return (float(values[last_of_each][best]), float(f1[best]))


def fit(
    texts: Sequence[str],
    labels: Sequence[bool],
    regularisation: float = 1.0,
    folds: int = 5,
    affect_model: Optional[AffectModel] = None,
) -> FrustrationModel:
    """Learn weights from labelled messages; choose the threshold by cross-validation.

    Args:
        texts: the customer messages.
        labels: True where the customer is frustrated.
        regularisation: scikit-learn's ``C`` (smaller = stronger L2 regularisation).
        folds: stratified folds for the threshold (fewer if a class is too small).
        affect_model: the learned negative-affect model whose clause scores are features;
            None leaves those features at 0 (cues only).

    Returns:
        The fitted model; ``threshold`` maximises the out-of-fold F1.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    features = np.array([find_cues(text, affect_model).features() for text in texts])
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
        affect_model=affect_model,
    )
