"""How unsure the bot is about a message: the intent ranking plus novelty.

A classifier's top confidence alone misses much of what is out of scope: a message unlike
anything in the training data can still get a confident intent. Two views are combined:

- **ranking** — top confidence, the margin to the runner-up, and the normalised entropy of
  the whole ranking (a flat ranking means the classifier is guessing);
- **novelty** — how far the message's features are from the training examples of the intent
  the classifier picked (cosine distance to the nearest few, on IDF-weighted features so that
  common character n-grams do not make everything look alike), learned at training time.

Framework-free (numpy/scipy only), so it is tested and benchmarked without Rasa.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Union

import numpy as np
import scipy.sparse


@dataclass(frozen=True)
class RankingSignals:
    """What the intent ranking says about the classifier's certainty (all in [0, 1])."""

    top_confidence: float
    margin: float
    entropy: float

    @property
    def uncertainty(self) -> float:
        """One ranking-based uncertainty: the mean of 1-top, 1-margin and the entropy."""
        return ((1.0 - self.top_confidence) + (1.0 - self.margin) + self.entropy) / 3.0


def ranking_signals(ranking: Sequence[Mapping[str, float]]) -> RankingSignals:
    """Summarise an intent ranking (``[{"name", "confidence"}, ...]``, best first).

    Rasa's rankings are cut to the top ten; the entropy is over those, renormalised, and
    divided by ``log(n)`` so it stays in [0, 1] whatever the number of intents.
    """
    confidences = sorted((float(item.get("confidence") or 0.0) for item in ranking), reverse=True)
    if not confidences:
        return RankingSignals(top_confidence=0.0, margin=0.0, entropy=1.0)
    top = confidences[0]
    margin = top - (confidences[1] if len(confidences) > 1 else 0.0)
    total = sum(confidences)
    if len(confidences) < 2 or total <= 0:
        entropy = 0.0 if total > 0 else 1.0
    else:
        probabilities = [c / total for c in confidences if c > 0]
        entropy = -sum(p * math.log(p) for p in probabilities) / math.log(len(confidences))
    return RankingSignals(top_confidence=top, margin=margin, entropy=min(max(entropy, 0.0), 1.0))


def _l2_normalised(matrix: scipy.sparse.spmatrix) -> scipy.sparse.csr_matrix:
    matrix = scipy.sparse.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return scipy.sparse.diags(1.0 / norms).dot(matrix).tocsr()


def inverse_document_frequency(vectors: scipy.sparse.spmatrix) -> np.ndarray:
    """Return smoothed IDF weights of the feature columns: ``log((1 + n) / (1 + df)) + 1``."""
    matrix = scipy.sparse.csr_matrix(vectors)
    document_frequency = np.asarray((matrix > 0).sum(axis=0)).ravel()
    return (np.log((1.0 + matrix.shape[0]) / (1.0 + document_frequency)) + 1.0).astype(np.float32)


class NoveltyIndex:
    """The training examples' feature vectors, grouped by intent.

    ``novelty(vector, intent)`` is 1 minus the mean cosine similarity of the message to the
    ``neighbours`` most similar training examples of ``intent`` (or of all intents when the
    intent is unknown): 0 for a message seen in training, near 1 for something new. Features
    are IDF-weighted with weights learned from the training vectors (on CLINC150's validation
    split this lifts novelty's AUROC from 0.86 to 0.94 for word + character counts).
    """

    def __init__(
        self,
        vectors: scipy.sparse.spmatrix,
        labels: Sequence[str],
        neighbours: int = 3,
        idf: Optional[np.ndarray] = None,
    ) -> None:
        if vectors.shape[0] != len(labels):
            raise ValueError("one label per training vector is needed")
        self._idf = inverse_document_frequency(vectors) if idf is None else np.asarray(idf)
        self._vectors = self._weighted(vectors)
        self._labels = np.asarray(labels)
        self._neighbours = max(1, int(neighbours))
        self._by_intent = self._group(self._vectors, self._labels)

    @staticmethod
    def _group(
        vectors: scipy.sparse.csr_matrix, labels: np.ndarray
    ) -> Dict[str, scipy.sparse.csr_matrix]:
        return {label: vectors[np.flatnonzero(labels == label)] for label in sorted(set(labels))}

    def _weighted(self, vectors: scipy.sparse.spmatrix) -> scipy.sparse.csr_matrix:
        return _l2_normalised(scipy.sparse.csr_matrix(vectors).multiply(self._idf))

    @classmethod
    def restore(
        cls,
        weighted_vectors: scipy.sparse.spmatrix,
        labels: Sequence[str],
        idf: np.ndarray,
        neighbours: int = 3,
    ) -> NoveltyIndex:
        """Rebuild an index from :attr:`vectors`, :attr:`labels` and :attr:`idf`."""
        index = cls.__new__(cls)
        index._idf = np.asarray(idf, dtype=np.float32)
        index._vectors = scipy.sparse.csr_matrix(weighted_vectors)
        index._labels = np.asarray(labels)
        index._neighbours = max(1, int(neighbours))
        index._by_intent = cls._group(index._vectors, index._labels)
        return index

    @property
    def idf(self) -> np.ndarray:
        """The IDF weights learned from the training vectors (for persistence)."""
        return self._idf

    @property
    def dimension(self) -> int:
        """The feature dimension the index was built with."""
        return int(self._vectors.shape[1])

    @property
    def vectors(self) -> scipy.sparse.csr_matrix:
        """The IDF-weighted, L2-normalised training vectors (for persistence)."""
        return self._vectors

    @property
    def labels(self) -> List[str]:
        """The intent of each training vector (for persistence)."""
        return self._labels.tolist()

    def novelty(
        self, vector: Union[np.ndarray, scipy.sparse.spmatrix], intent: Optional[str] = None
    ) -> float:
        """Return the message's novelty in [0, 1] relative to ``intent``'s examples.

        Runs on every message, so the query side stays in plain numpy: one dense weighted
        vector and one sparse matrix-vector product (about 0.1 ms for a few thousand examples).
        """
        if scipy.sparse.issparse(vector):
            vector = np.asarray(vector.todense()).ravel()  # type: ignore[union-attr]
        if vector.shape[-1] != self.dimension:
            raise ValueError(
                f"feature dimension {vector.shape[-1]} differs from training ({self.dimension}); "
                "the featurizers changed without retraining"
            )
        matrix = self._by_intent.get(intent or "", self._vectors)
        if matrix.shape[0] == 0:
            return 1.0
        query = np.asarray(vector, dtype=np.float32).ravel() * self._idf
        norm = float(np.sqrt(query.dot(query)))
        if norm == 0.0:
            return 1.0
        similarities = matrix.dot(query / norm)
        k = min(self._neighbours, similarities.size)
        nearest = np.partition(similarities, -k)[-k:]
        return float(min(max(1.0 - nearest.mean(), 0.0), 1.0))

    def novelties(
        self, vectors: scipy.sparse.spmatrix, intents: Iterable[Optional[str]]
    ) -> List[float]:
        """Novelty of many messages at once (benchmarks)."""
        matrix = scipy.sparse.csr_matrix(vectors)
        return [self.novelty(matrix[i], intent) for i, intent in enumerate(intents)]


def combined_uncertainty(ranking: RankingSignals, novelty: float, novelty_weight: float) -> float:
    """Blend the ranking's uncertainty with novelty: ``w * novelty + (1 - w) * ranking``."""
    weight = min(max(novelty_weight, 0.0), 1.0)
    return weight * novelty + (1.0 - weight) * ranking.uncertainty
