"""``IntakeEntityExtractor``: order numbers and e-mail addresses as entities, before the intake.

The handoff intake form asks for an order number and an e-mail address unless the customer
already wrote them. This component extracts both from every message (spaCy tokenizer + Matcher
rules, see ``handoff.signals.intake_matcher``), normalised, so the form and anything else reading
``parse_data.entities`` sees them::

    {"entity": "order_number", "value": "1234567", "start": 12, "end": 20,
     "confidence_entity": 1.0, "extractor": "IntakeEntityExtractor"}

It is not trainable: the rules come from the configuration and ``handoff.yml``.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import ENTITY_ATTRIBUTE_CONFIDENCE_TYPE
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from custom_components.configured import ConfiguredComponent, GraphParts
from handoff.settings import SettingsError, SettingsMissing, load_settings
from handoff.signals.intake import DEFAULT_ORDER_NUMBER_PATTERN, IntakeField, OrderNumberFormat
from handoff.signals.intake_matcher import IntakeEntity, IntakeMatcher

logger = logging.getLogger(__name__)

ORDER_NUMBER_PATTERN = "order_number_pattern"
"""Config key: the order-number regular expression (None: the one in ``handoff.yml``)."""

ENTITIES_TO_EXTRACT = "entities"
"""Config key: which intake entities to extract (``order_number``, ``email``)."""

CONFIDENCE = 1.0
"""Rule matches are certain; ``confidence_entity`` of every extracted entity."""


def resolve_order_number_format(pattern: Optional[str]) -> OrderNumberFormat:
    """Return the order-number format the component uses.

    Args:
        pattern: the configured pattern; None means ``intake.order_number_pattern`` of the
            handoff settings file (``$HANDOFF_SETTINGS`` or ``handoff.yml`` in the working
            directory), or the bundled default when that file does not exist.

    Raises:
        SettingsError: the settings file exists but is invalid.
    """
    if pattern is not None:
        return OrderNumberFormat(pattern)
    try:
        return load_settings().intake.order_number_format
    except SettingsMissing as error:
        logger.warning("%s; IntakeEntityExtractor uses the default order-number pattern", error)
        return OrderNumberFormat(DEFAULT_ORDER_NUMBER_PATTERN)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class IntakeEntityExtractor(ConfiguredComponent, GraphComponent, EntityExtractorMixin):
    """Extracts the intake entities ``order_number`` and ``email`` with spaCy Matcher rules."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Return the component's default config."""
        return {
            # Regular expression of the store's order numbers; its group named `number` is the
            # entity value (else the whole match, upper-cased). None: handoff.yml's
            # intake.order_number_pattern, so the NLU and the intake form agree; the bundled
            # default (6-10 digits, optionally "#"/"ORD-") if handoff.yml does not exist.
            ORDER_NUMBER_PATTERN: None,
            # Which intake entities to extract.
            ENTITIES_TO_EXTRACT: [field.value for field in IntakeField],
        }

    @staticmethod
    def required_packages() -> List[str]:
        """Return the packages the component needs (spaCy, for its tokenizer and Matcher)."""
        return ["spacy"]

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Reject a bad configuration when the graph is built, naming the key.

        Raises:
            InvalidConfigException: an invalid regular expression or an unknown entity.
        """
        pattern = config.get(ORDER_NUMBER_PATTERN)
        if pattern is not None:
            if not isinstance(pattern, str) or not pattern:
                raise cls.invalid(ORDER_NUMBER_PATTERN, f"expected a regex, got {pattern!r}")
            try:
                re.compile(f"(?i:{pattern})")
            except re.error as error:
                raise cls.invalid(
                    ORDER_NUMBER_PATTERN, f"not a valid regular expression ({error})"
                ) from None
        names = config.get(ENTITIES_TO_EXTRACT)
        known = [field.value for field in IntakeField]
        if not isinstance(names, list) or not names:
            raise cls.invalid(ENTITIES_TO_EXTRACT, f"expected a non-empty list of {known}")
        unknown = [name for name in names if name not in known]
        if unknown:
            raise cls.invalid(ENTITIES_TO_EXTRACT, f"unknown entity {unknown}; use {known}")

    @classmethod
    def build(cls, config: Dict[str, Any], parts: GraphParts) -> IntakeEntityExtractor:
        """Build the component from a checked config, resolving the order-number format."""
        try:
            order_format = resolve_order_number_format(config[ORDER_NUMBER_PATTERN])
        except SettingsError as error:
            raise cls.invalid(ORDER_NUMBER_PATTERN, str(error)) from None
        return cls(config, order_format)

    def __init__(self, config: Dict[str, Any], order_format: OrderNumberFormat) -> None:
        """Build the spaCy tokenizer and Matcher once (a fraction of a second)."""
        self._config = config
        fields = [IntakeField(name) for name in config[ENTITIES_TO_EXTRACT]]
        self._matcher = IntakeMatcher(order_format, fields)

    def process(self, messages: List[Message]) -> List[Message]:
        """Append the intake entities of each message to its ``entities``.

        Entities other extractors found are kept; a value another extractor already found
        under the same entity name, overlapping the same characters, is not added again.
        """
        for message in messages:
            existing = message.get(ENTITIES, [])
            new = []
            for found in self._matcher.find(message.get(TEXT)):
                skip, reason = self._already_extracted(found, existing)
                if skip:
                    logger.debug("%s: skipped %s: %s", self.name, found.field.value, reason)
                    continue
                new.append(self._as_entity(found))
            message.set(ENTITIES, existing + self.add_extractor_name(new), add_to_output=True)
        return messages

    @staticmethod
    def _already_extracted(found: IntakeEntity, existing: List[Dict[str, Any]]) -> Tuple[bool, str]:
        for entity in existing:
            if (
                entity.get(ENTITY_ATTRIBUTE_TYPE) == found.field.value
                and entity.get(ENTITY_ATTRIBUTE_START, -1) < found.end
                and found.start < entity.get(ENTITY_ATTRIBUTE_END, -1)
            ):
                return True, f"already extracted by {entity.get(EXTRACTOR, 'another extractor')}"
        return False, "new"

    @staticmethod
    def _as_entity(found: IntakeEntity) -> Dict[str, Any]:
        return {
            ENTITY_ATTRIBUTE_TYPE: found.field.value,
            ENTITY_ATTRIBUTE_START: found.start,
            ENTITY_ATTRIBUTE_END: found.end,
            ENTITY_ATTRIBUTE_VALUE: found.value,
            ENTITY_ATTRIBUTE_CONFIDENCE_TYPE: CONFIDENCE,
        }
