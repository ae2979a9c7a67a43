"""What every kit component does with its configuration, written once.

Rasa hands a component the config of ``config.yml`` merged over nothing; each kit component
merges its defaults, checks every key when the graph is built (so ``rasa train`` fails naming
``Component: key: problem`` instead of a customer meeting the mistake) and then builds itself.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, NamedTuple, Optional

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import InvalidConfigException

logger = logging.getLogger(__name__)


class GraphParts(NamedTuple):
    """What Rasa hands every graph component besides its config."""

    model_storage: ModelStorage
    resource: Resource
    execution_context: ExecutionContext


class ConfiguredComponent:
    """Mixin for a ``GraphComponent``: ``create`` = defaults merged, validated, then built.

    A component lists it before ``GraphComponent``/``Policy`` and implements
    ``get_default_config``, ``validate_config`` and, when its constructor needs more than
    ``(config, model_storage, resource)``, :meth:`build`.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Return the component's defaults (overridden by each component)."""
        return {}

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Raise ``InvalidConfigException`` naming the key at fault (overridden)."""

    @classmethod
    def checked_config(cls, config: Dict[str, Any]) -> Dict[str, Any]:
        """Return the defaults merged with ``config``, validated."""
        merged = {**cls.get_default_config(), **config}
        cls.validate_config(merged)
        return merged

    @classmethod
    def invalid(cls, key: str, problem: str) -> InvalidConfigException:
        """Return the error for one bad key, in the form ``Component: key: problem``."""
        return InvalidConfigException(f"{cls.__name__}: {key}: {problem}")

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Any:
        """Build the component from a checked config (see ``GraphComponent.create``)."""
        parts = GraphParts(model_storage, resource, execution_context)
        return cls.build(cls.checked_config(config), parts)

    @classmethod
    def build(cls, config: Dict[str, Any], parts: GraphParts) -> Any:
        """Construct from a checked config; the default suits ``cls(config, storage, resource)``."""
        return cls(config, parts.model_storage, parts.resource)  # type: ignore[call-arg]


class PersistedComponent(ConfiguredComponent):
    """Mixin for a trainable component that reads back what its ``train`` wrote.

    A model trained before the component persisted anything (or with nothing to learn from)
    still loads: the component warns once, saying what it does without, and runs on its
    defaults rather than failing every message.
    """

    #: The warning when nothing readable was persisted: what the component does instead.
    WITHOUT_PERSISTED = "nothing persisted; running on defaults"

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        persisted: Optional[Any] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.restore(persisted)

    def restore(self, persisted: Optional[Any]) -> None:
        """Take what :meth:`read_persisted` returned (``None`` when nothing was)."""

    @classmethod
    def read_persisted(cls, directory: Path, config: Dict[str, Any]) -> Any:
        """Return what ``train`` wrote into ``directory`` (each component overrides this).

        Raises:
            ValueError, FileNotFoundError, KeyError: nothing (readable) was persisted.
        """
        raise FileNotFoundError(directory)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Any:
        """Rebuild the trained component as ``cls(config, storage, resource, persisted)``."""
        config = {**cls.get_default_config(), **config}
        persisted: Optional[Any] = None
        try:
            with model_storage.read_from(resource) as directory:
                persisted = cls.read_persisted(directory, config)
        except (ValueError, FileNotFoundError, KeyError):
            logger.warning(f"{cls.__name__}: {cls.WITHOUT_PERSISTED}")
        return cls(config, model_storage, resource, persisted)
