"""What every kit component does with its configuration, written once.

Rasa hands a component the config of ``config.yml`` merged over nothing; each kit component
merges its defaults, checks every key when the graph is built (so ``rasa train`` fails naming
``Component: key: problem`` instead of a customer meeting the mistake) and then builds itself.
"""

from __future__ import annotations

from typing import Any, Dict

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import InvalidConfigException


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
        return cls.build(cls.checked_config(config), model_storage, resource, execution_context)

    @classmethod
    def build(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Any:
        """Construct from a checked config; the default suits ``cls(config, storage, resource)``."""
        return cls(config, model_storage, resource)  # type: ignore[call-arg]
