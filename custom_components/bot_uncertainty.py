"""``BotUncertaintyScorer``: how unsure the bot is about each message, and when to fall back.

Rasa's FallbackClassifier thresholds only the top intent's confidence. This component adds
novelty — the message's distance to the training examples of the intent the classifier
picked, learned at training time from the pipeline's own sparse sentence features — and
blends it with the ranking's top confidence, margin and entropy (see
:mod:`handoff.signals.uncertainty`). It can replace FallbackClassifier: above ``threshold`` it
predicts ``nlu_fallback`` exactly as FallbackClassifier does.

Output, in the parse result (and so in the tracker's ``latest_message``)::

    "bot_uncertainty": {"score": 0.71, "novelty": 0.83, "top_confidence": 0.44,
                        "margin": 0.12, "entropy": 0.61, "fallback": true}
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Type

import numpy as np
import scipy.sparse
from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from custom_components.configured import PersistedComponent
from handoff.signals.uncertainty import NoveltyIndex, combined_uncertainty, ranking_signals

logger = logging.getLogger(__name__)

OUTPUT_KEY = "bot_uncertainty"
THRESHOLD = "threshold"
NOVELTY_WEIGHT = "novelty_weight"
NEIGHBOURS = "neighbours"
FEATURIZERS = "featurizers"

_VECTORS_FILE = "vectors.npz"
_LABELS_FILE = "labels.json"
_IDF_FILE = "idf.npy"
PERSISTED_FORMAT = "novelty-index-v1"
"""Changes whenever what ``train`` stores changes (benchmarks key their model cache on it)."""


def sentence_vector(message: Message, featurizers: List[str]) -> Optional[np.ndarray]:
    """Return the message's sparse sentence features as one dense row, or None if it has none.

    The featurizers' sentence features side by side, in pipeline order (sequence features
    summed when no featurizer gives sentence features). Read straight from
    ``message.features`` into a dense vector because this runs on every message and Rasa's
    general-purpose ``get_sparse_features`` costs milliseconds.
    """

    def parts(kind: str) -> List[Any]:
        return [
            feature.features
            for feature in message.features
            if feature.attribute == TEXT
            and feature.is_sparse()
            and feature.type == kind
            and (not featurizers or feature.origin in featurizers)
        ]

    sentence = parts(FEATURE_TYPE_SENTENCE)
    if not sentence:
        sequence = parts(FEATURE_TYPE_SEQUENCE)
        if not sequence:
            return None
        sentence = [scipy.sparse.coo_matrix(part.sum(axis=0)) for part in sequence]
    row = np.zeros(sum(part.shape[1] for part in sentence), dtype=np.float32)
    offset = 0
    for part in sentence:
        part = part.tocoo()
        np.add.at(row, part.col + offset, part.data)
        offset += part.shape[1]
    return row


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class BotUncertaintyScorer(PersistedComponent, GraphComponent, IntentClassifier):
    """Scores the bot's uncertainty per message; optionally predicts ``nlu_fallback``.

    Place it after the intent classifier (instead of FallbackClassifier).

    Parameters (config.yml):
        threshold: score at or above which the message becomes ``nlu_fallback``; ``null``
            only scores and never falls back. Default 0.6.
        novelty_weight: share of novelty in the score (the rest is the ranking's
            uncertainty). Default 0.8, the weight with the best AUROC on CLINC150's
            validation split (see benchmarks/out_of_scope.py).
        neighbours: how many nearest training examples of the predicted intent novelty
            averages over. Default 3.
        featurizers: names of the featurizers whose sparse features are used; empty means
            all. Default ``[]``.
    """

    WITHOUT_PERSISTED = "no trained features found; novelty is off"

    @classmethod
    def required_components(cls) -> List[Type]:
        """Return no hard requirement (see below).

        It reads the intent classifier's ranking, so config.yml lists it after the classifier;
        declaring the classifier as required would fail Rasa's *training* graph check, where
        this component's train node depends on the featurizers only.
        """
        return []

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Return the defaults (see the class docstring)."""
        return {
            # fall back to `nlu_fallback` at or above this score; None: score only
            THRESHOLD: 0.6,
            # weight of novelty against the ranking's uncertainty
            NOVELTY_WEIGHT: 0.8,
            # nearest training examples of the predicted intent to average over
            NEIGHBOURS: 3,
            # featurizers whose sparse sentence features are compared; [] = all
            FEATURIZERS: [],
        }

    def restore(self, persisted: Optional[NoveltyIndex]) -> None:
        """Use the training features read back at load (``None``: novelty is off)."""
        self._index = persisted

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Fail at graph build time, naming the component and the key."""
        threshold = config.get(THRESHOLD)
        if threshold is not None and not (
            isinstance(threshold, (int, float)) and 0.0 <= threshold <= 1.0
        ):
            raise InvalidConfigException(
                f"{cls.__name__}: '{THRESHOLD}' must be a number in [0, 1] or null, "
                f"got {threshold!r}"
            )
        weight = config.get(NOVELTY_WEIGHT)
        if not (isinstance(weight, (int, float)) and 0.0 <= weight <= 1.0):
            raise InvalidConfigException(
                f"{cls.__name__}: '{NOVELTY_WEIGHT}' must be a number in [0, 1], got {weight!r}"
            )
        neighbours = config.get(NEIGHBOURS)
        if not (isinstance(neighbours, int) and neighbours >= 1):
            raise InvalidConfigException(
                f"{cls.__name__}: '{NEIGHBOURS}' must be a whole number >= 1, got {neighbours!r}"
            )
        if not isinstance(config.get(FEATURIZERS), list):
            raise InvalidConfigException(f"{cls.__name__}: '{FEATURIZERS}' must be a list")

    def train(self, training_data: TrainingData) -> Resource:
        """Remember the training examples' features per intent, and persist them."""
        vectors, labels = [], []
        for example in training_data.intent_examples:
            vector = sentence_vector(example, self._config[FEATURIZERS])
            if vector is not None and example.get(INTENT):
                vectors.append(scipy.sparse.csr_matrix(vector))
                labels.append(example.get(INTENT))
        if not vectors:
            logger.warning(f"{type(self).__name__}: no featurised intent examples; novelty is off")
            return self._resource
        self._index = NoveltyIndex(scipy.sparse.vstack(vectors), labels, self._config[NEIGHBOURS])
        with self._model_storage.write_to(self._resource) as directory:
            scipy.sparse.save_npz(directory / _VECTORS_FILE, self._index.vectors)
            (directory / _LABELS_FILE).write_text(json.dumps(self._index.labels))
            np.save(directory / _IDF_FILE, self._index.idf)
        return self._resource

    @classmethod
    def read_persisted(cls, directory: Path, config: Dict[str, Any]) -> NoveltyIndex:
        """Read back the training features ``train`` wrote (novelty is off without them)."""
        vectors = scipy.sparse.load_npz(directory / _VECTORS_FILE)
        labels = json.loads((directory / _LABELS_FILE).read_text())
        idf = np.load(directory / _IDF_FILE)
        return NoveltyIndex.restore(vectors, labels, idf, config[NEIGHBOURS])

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to training data."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Add ``bot_uncertainty`` to each message; predict ``nlu_fallback`` above threshold."""
        for message in messages:
            self._score(message)
        return messages

    def _score(self, message: Message) -> None:
        intent = message.get(INTENT) or {}
        ranking = message.get(INTENT_RANKING_KEY) or ([intent] if intent else [])
        signals = ranking_signals(ranking)
        novelty = self._novelty(message, intent.get(INTENT_NAME_KEY))
        if novelty is None:
            score = signals.uncertainty
        else:
            score = combined_uncertainty(signals, novelty, self._config[NOVELTY_WEIGHT])
        threshold = self._config[THRESHOLD]
        fallback = (
            threshold is not None
            and score >= threshold
            and intent.get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME
        )
        message.set(
            OUTPUT_KEY,
            {
                "score": round(float(score), 4),
                "novelty": None if novelty is None else round(float(novelty), 4),
                "top_confidence": round(signals.top_confidence, 4),
                "margin": round(signals.margin, 4),
                "entropy": round(signals.entropy, 4),
                "fallback": bool(fallback),
            },
            add_to_output=True,
        )
        if fallback:
            fallback_intent = {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: float(np.round(score, 4)),
            }
            message.data[INTENT] = fallback_intent
            message.data.setdefault(INTENT_RANKING_KEY, [])
            message.data[INTENT_RANKING_KEY].insert(0, dict(fallback_intent))

    def _novelty(self, message: Message, intent: Optional[str]) -> Optional[float]:
        if self._index is None:
            return None
        vector = sentence_vector(message, self._config[FEATURIZERS])
        if vector is None:
            return None
        return self._index.novelty(vector, intent)
