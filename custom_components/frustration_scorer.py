"""``FrustrationScorer``: how frustrated the customer is with the service, per message.

A thin Rasa adapter over :mod:`handoff.signals.frustration` (the cues),
:mod:`handoff.signals.affect` (negative affect learned from GoEmotions, a committed file) and
:mod:`handoff.signals.frustration_model` (the calibrated score). Training does not use the NLU data:
it fits the model on a labelled CSV (``split == train`` rows) on top of the affect model's
scores, and persists both in the Rasa model.

Output, in the parse result (and so in the tracker's ``latest_message``)::

    "frustration": {"score": 0.93,
                    "affect": 0.88,
                    "cues": [{"name": "negative_affect", "value": 0.88},
                             {"name": "escalation", "value": ["ridiculous"]},
                             {"name": "waiting", "value": ["waiting three weeks"]},
                             {"name": "repeated_punctuation", "value": ["!!!"]}]}
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional

import rasa.shared.utils.io
from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from custom_components.configured import PersistedComponent
from handoff.signals.affect import AffectModel
from handoff.signals.frustration_model import FrustrationModel, fit, read_labelled

logger = logging.getLogger(__name__)

OUTPUT_KEY = "frustration"
CALIBRATION_PATH = "calibration_path"
REGULARISATION = "regularisation"
AFFECT_MODEL_PATH = "affect_model_path"

_MODEL_FILE = "frustration_model.json"
_AFFECT_FILE = "affect_model.npz"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FrustrationScorer(PersistedComponent, GraphComponent):
    """Adds ``frustration`` (``{"score", "cues"}``) to every parsed message.

    Place it after the tokenizer and featurizers (it reads only the text). It is registered as
    an intent classifier so Rasa trains it once and runs it at parse time, without running it
    over every NLU training example; it never changes the intent.

    Parameters (config.yml):
        calibration_path: CSV with ``text,frustrated,split,kind`` rows, relative to the
            directory ``rasa train`` runs in; the ``split == train`` rows calibrate the weights
            and the threshold. ``null`` or a missing file: the documented default weights
            (``handoff.signals.frustration_model.DEFAULT_WEIGHTS``), with a warning. Default
            ``data/frustration/labelled.csv``.
        regularisation: inverse L2 strength (scikit-learn's ``C``) of the logistic model; lower
            means smaller weights. Default 1.0.
        affect_model_path: the negative-affect model built from GoEmotions by
            ``scripts/build_affect_model.py`` (``.npz``), relative to where ``rasa train`` runs.
            ``null``: cues only. A configured file that is missing fails training (a silently
            weaker model would be worse). Default ``data/frustration/affect_model.npz``.
    """

    WITHOUT_PERSISTED = "no trained model found; using the default weights"

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Return the defaults (see the class docstring)."""
        return {
            # labelled messages that calibrate the score; None or missing file: default weights
            CALIBRATION_PATH: "data/frustration/labelled.csv",
            # scikit-learn's C for the logistic model (smaller = stronger regularisation)
            REGULARISATION: 1.0,
            # negative affect learned from GoEmotions (scripts/build_affect_model.py); None: off
            AFFECT_MODEL_PATH: "data/frustration/affect_model.npz",
        }

    def restore(self, persisted: Optional[FrustrationModel]) -> None:
        """Use the calibrated model read back at load (``None``: the default weights)."""
        self._model = persisted or FrustrationModel()

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Fail at graph build time, naming the component and the key.

        A calibration file that does not exist is not an error (training warns and uses the
        default weights), so designers can delete the data without breaking training.
        """
        path = config.get(CALIBRATION_PATH)
        if path is not None and not (isinstance(path, str) and path.strip()):
            raise InvalidConfigException(
                f"{cls.__name__}: '{CALIBRATION_PATH}' must be a file path or null, got {path!r}"
            )
        affect = config.get(AFFECT_MODEL_PATH)
        if affect is not None and not (isinstance(affect, str) and affect.strip()):
            raise InvalidConfigException(
                f"{cls.__name__}: '{AFFECT_MODEL_PATH}' must be a file path or null, got {affect!r}"
            )
        value = config.get(REGULARISATION)
        if isinstance(value, bool) or not (isinstance(value, (int, float)) and value > 0):
            raise InvalidConfigException(
                f"{cls.__name__}: '{REGULARISATION}' must be a number > 0, got {value!r}"
            )

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Make Rasa retrain this component when the calibration or affect file changes.

        Neither file is part of the NLU training data, so Rasa's cache would not notice them.
        """
        config = {**cls.get_default_config(), **config}
        digest = hashlib.sha256()
        for key in (CALIBRATION_PATH, AFFECT_MODEL_PATH):
            path = _existing_file(config, key)
            digest.update(path.read_bytes() if path is not None else b"none")
        return digest.hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the model on the calibration CSV's train rows (not on NLU data); persist it."""
        affect_path = _existing_file(self._config, AFFECT_MODEL_PATH)
        self._model = self._calibrated_model(self._affect_model(affect_path))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _MODEL_FILE).write_text(json.dumps(self._model.to_dict(), indent=2))
            if affect_path is not None and self._model.affect_model is not None:
                shutil.copyfile(affect_path, directory / _AFFECT_FILE)
        return self._resource

    def _affect_model(self, path: Optional[Path]) -> Optional[AffectModel]:
        """Load the configured affect model; a configured file that is missing is an error."""
        configured = self._config.get(AFFECT_MODEL_PATH)
        if configured is None:
            return None
        if path is None:
            raise InvalidConfigException(
                f"{type(self).__name__}: '{AFFECT_MODEL_PATH}' {configured!r} does not exist "
                f"(build it with scripts/build_affect_model.py, or set it to null)"
            )
        return AffectModel.load(path)

    def _calibrated_model(self, affect_model: Optional[AffectModel]) -> FrustrationModel:
        path = _existing_file(self._config, CALIBRATION_PATH)
        if path is None:
            rasa.shared.utils.io.raise_warning(
                f"{type(self).__name__}: no calibration file "
                f"('{CALIBRATION_PATH}': {self._config[CALIBRATION_PATH]!r}); "
                f"using the default weights."
            )
            return FrustrationModel()
        rows = read_labelled(path, split="train")
        model = fit(
            [row.text for row in rows],
            [row.frustrated for row in rows],
            regularisation=float(self._config[REGULARISATION]),
            affect_model=affect_model,
        )
        logger.info(
            f"{type(self).__name__}: calibrated on {len(rows)} messages from {path}, "
            f"threshold {model.threshold:.3f}"
        )
        return model

    @classmethod
    def read_persisted(cls, directory: Path, config: Dict[str, Any]) -> FrustrationModel:
        """Read back the calibrated model ``train`` wrote (default weights without it)."""
        affect_file = directory / _AFFECT_FILE
        affect = AffectModel.load(affect_file) if affect_file.is_file() else None
        return FrustrationModel.from_dict(json.loads((directory / _MODEL_FILE).read_text()), affect)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to training data."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Add ``frustration`` to each message; nothing else is changed."""
        for message in messages:
            message.set(OUTPUT_KEY, self._assess(message.get(TEXT) or ""), add_to_output=True)
        return messages

    def _assess(self, text: str) -> Dict[str, Any]:
        """Return the score, the affect and the cues behind them (0/empty for no text)."""
        if not text.strip():
            return {"score": 0.0, "affect": 0.0, "cues": []}
        cues = self._model.cues(text)
        return {
            "score": round(self._model.score_cues(cues), 4),
            "affect": round(cues.affect, 4),
            "cues": cues.as_signals(),
        }

    @property
    def model(self) -> FrustrationModel:
        """The model in use (its ``threshold`` maximised F1 in cross-validation)."""
        return self._model


def _existing_file(config: Dict[str, Any], key: str) -> Optional[Path]:
    """Return the file configured under ``key`` if it exists, else None."""
    path = config.get(key)
    if not isinstance(path, str) or not path.strip():
        return None
    path = Path(path)
    return path if path.is_file() else None
