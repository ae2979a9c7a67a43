"""Negative affect in a message, learned from text real people wrote (GoEmotions).

The hand-written cues of :mod:`handoff.signals.frustration` were tuned on messages the team
wrote, and
they do not carry to other people's words. This module holds the part of the frustration score
that is learned instead: a logistic regression over hashed word 1-2-grams and character 2-5-grams
(each block TF-IDF weighted with sublinear term frequency and L2-normalised), trained by
``scripts/build_affect_model.py`` on GoEmotions *train* (43k Reddit comments labelled by crowd
raters; Apache-2.0). The in-domain rows are not mixed in here: the small model of
:mod:`handoff.signals.frustration_model` is fitted on them *on top of* this one's scores, and
scores of
rows it had trained on would look better than they are (it then leaned on them and lost 0.2 F1
on the in-domain test). Positives are the comments
labelled anger, annoyance or disgust: the three of the 27 emotions that say "this makes me
angry"; disapproval and disappointment were tried as extra positives and lowered dev F1 (they
are as often calm), see ``docs/frustration-model.md``.

Hashing keeps the artefact small and vocabulary-free: the committed ``.npz`` holds, per block,
the IDF and the coefficient of each of the 2^18 buckets in float16 (~1 MB compressed), plus its
provenance. It measures *affect*, whoever it is aimed at; whether it is aimed at the service is
a separate factor (:func:`handoff.signals.frustration.clause_negativity`'s clauses), combined in
:mod:`handoff.signals.frustration_model`. Framework-free; scoring a message costs ~0.1 ms.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 2**18
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)


@functools.lru_cache(maxsize=1)
def _vectorizers() -> List[HashingVectorizer]:
    """Return the two hashed n-gram blocks, raw counts (weighting and norm applied later)."""
    return [
        HashingVectorizer(
            ngram_range=WORD_NGRAMS, n_features=N_FEATURES, alternate_sign=False, norm=None
        ),
        HashingVectorizer(
            analyzer="char_wb",
            ngram_range=CHAR_NGRAMS,
            n_features=N_FEATURES,
            alternate_sign=False,
            norm=None,
        ),
    ]


@dataclass(frozen=True)
class AffectModel:
    """``P(negative affect | text)`` = sigmoid(intercept + sum over blocks of w · tfidf_l2).

    Attributes:
        idf: one array of ``N_FEATURES`` IDF weights per block.
        coef: one array of ``N_FEATURES`` coefficients per block.
        intercept: the logistic intercept.
        threshold: the probability cut-off that maximised F1 on GoEmotions dev.
        provenance: where the weights come from (data set, licence, labels, metrics).
    """

    idf: Sequence[np.ndarray]
    coef: Sequence[np.ndarray]
    intercept: float
    threshold: float
    provenance: Dict[str, Any]
    _idf64: List[np.ndarray] = field(init=False, repr=False, compare=False)
    _coef64: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # float64 copies made once: converting 2 x 2^18 weights per message would cost ~ms
        object.__setattr__(self, "_idf64", [np.asarray(i, dtype=np.float64) for i in self.idf])
        object.__setattr__(
            self,
            "_coef64",
            np.concatenate([np.asarray(c, dtype=np.float64) for c in self.coef])
            if len(self.coef)
            else np.zeros(0),
        )

    def features(self, texts: Sequence[str]) -> Any:
        """Return the TF-IDF (sublinear, L2 per block) sparse matrix of ``texts``."""
        from scipy import sparse

        blocks = []
        for vectorizer, idf in zip(_vectorizers(), self._idf64, strict=True):
            weighted = vectorizer.transform(texts).tocsr().astype(np.float64)
            weighted.data = (1.0 + np.log(weighted.data)) * idf[weighted.indices]
            norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
            norms[norms == 0.0] = 1.0
            blocks.append(sparse.diags(1.0 / norms) @ weighted)
        return sparse.hstack(blocks).tocsr()

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Return the logit of negative affect for each text.

        The same arithmetic as ``features(texts) @ coef`` on the same hashed n-grams, counted
        with numpy instead of scipy's sparse matrices: those cost ~0.3 ms of set-up a message,
        a third of the kit's whole parse budget (``benchmarks.nlu_latency``).
        """
        if not len(self._coef64):
            raise ValueError("the model has no coefficients yet")
        result = np.full(len(texts), self.intercept)
        for block, (analyse, idf) in enumerate(zip(_analysers(), self._idf64, strict=True)):
            rows, buckets, counts = _hashed_counts([analyse(text) for text in texts])
            weighted = (1.0 + np.log(counts)) * idf[buckets]
            products = weighted * self._coef64[block * N_FEATURES + buckets]
            norms = np.sqrt(np.bincount(rows, weighted * weighted, minlength=len(texts)))
            dots = np.bincount(rows, products, minlength=len(texts))
            result += dots / np.where(norms > 0, norms, 1.0)
        return result

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Return ``P(negative affect)`` for each text (0 for an empty one)."""
        if not texts:
            return np.zeros(0)
        probabilities = 1.0 / (1.0 + np.exp(-np.clip(self.logits(texts), -50.0, 50.0)))
        return np.where([bool(t.strip()) for t in texts], probabilities, 0.0)

    def probability(self, text: str) -> float:
        """Return ``P(negative affect)`` of one message."""
        return float(self.probabilities([text])[0])

    def save(self, path: Path) -> None:
        """Write the model as a compressed ``.npz`` (float16 weights, JSON provenance)."""
        np.savez_compressed(
            path,
            idf=np.stack(self.idf).astype(np.float16),
            coef=np.stack(self.coef).astype(np.float16),
            intercept=np.array(self.intercept),
            threshold=np.array(self.threshold),
            provenance=np.array(json.dumps(self.provenance, sort_keys=True)),
        )

    @classmethod
    def load(cls, path: Path) -> AffectModel:
        """Read a model written by :meth:`save`.

        Raises:
            ValueError: naming the file, when it is not such a model.
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                idf, coef = data["idf"], data["coef"]
                if idf.shape != (2, N_FEATURES) or coef.shape != (2, N_FEATURES):
                    raise ValueError(f"expected 2 x {N_FEATURES} weights, got {idf.shape}")
                return cls(
                    idf=list(idf),
                    coef=list(coef),
                    intercept=float(data["intercept"]),
                    threshold=float(data["threshold"]),
                    provenance=json.loads(str(data["provenance"])),
                )
        except (KeyError, OSError, ValueError) as error:
            raise ValueError(f"{path}: not an affect model ({error})") from error


@functools.lru_cache(maxsize=1)
def _analysers() -> List[Any]:
    """Return each block's analyser (text -> its n-grams), as the vectorizers use them."""
    return [vectorizer.build_analyzer() for vectorizer in _vectorizers()]


def _hashed_counts(ngrams: Sequence[List[str]]) -> Any:
    """Return ``(row, bucket, count)`` arrays: how often each text's n-grams hit each bucket.

    The hashing is scikit-learn's own (``FeatureHasher``'s MurmurHash3, seed 0, no alternating
    sign), so the buckets are those the model was trained on.
    """
    from sklearn.feature_extraction._hashing_fast import transform as hash_features

    indices, indptr, _ = hash_features(
        (((gram, 1) for gram in grams) for grams in ngrams), N_FEATURES, np.float64, False, seed=0
    )
    rows = np.repeat(np.arange(len(ngrams), dtype=np.int64), np.diff(indptr))
    keys, counts = np.unique(rows * N_FEATURES + indices, return_counts=True)
    return keys // N_FEATURES, keys % N_FEATURES, counts.astype(np.float64)


def fit(texts: Sequence[str], labels: Sequence[bool], regularisation: float = 0.5) -> AffectModel:
    """Learn IDF and a class-balanced logistic regression (threshold set later, on dev).

    Args:
        texts: training messages.
        labels: True for negative affect.
        regularisation: scikit-learn's ``C``.

    Returns:
        The model with ``threshold`` 0.5 and empty provenance (the build script fills both).
    """
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    idf = [
        TfidfTransformer(sublinear_tf=True).fit(vectorizer.transform(texts)).idf_
        for vectorizer in _vectorizers()
    ]
    untrained = AffectModel(idf=idf, coef=[], intercept=0.0, threshold=0.5, provenance={})
    classifier = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=3000)
    classifier.fit(untrained.features(texts), np.asarray(labels))
    weights = classifier.coef_[0]
    return AffectModel(
        idf=idf,
        coef=[weights[:N_FEATURES], weights[N_FEATURES:]],
        intercept=float(classifier.intercept_[0]),
        threshold=0.5,
        provenance={},
    )
