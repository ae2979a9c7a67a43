"""Find intake values (order numbers, e-mail addresses) in a message with spaCy's rule Matcher.

The NLU component ``IntakeEntityExtractor`` wraps this, so it is testable without Rasa. spaCy
tokenises the message (a blank English pipeline: tokenizer only, nothing to download) and the
Matcher marks the tokens that can hold a value. The value itself, and its offsets, come from the
parsers in ``handoff.signals.intake`` -- the ones the intake form falls back to for messages without
entities -- restricted to what the Matcher marked, so the component never finds a value the form
would not, and normalises it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterable, List

from handoff.signals.intake import Found, IntakeField, OrderNumberFormat, find_all_emails

if TYPE_CHECKING:  # spaCy (and the TensorFlow it pulls in) is imported when a matcher is built
    from spacy.tokens import Span

TokenPattern = List[Dict[str, Any]]


def matcher_patterns(order_number_pattern: str) -> Dict[IntakeField, List[TokenPattern]]:
    """Return the spaCy Matcher token patterns that mark where each intake value can be.

    Args:
        order_number_pattern: the store's order-number regular expression (matched without
            regard to case, like ``handoff.signals.intake.OrderNumberFormat``).

    Returns:
        Per field, a list of token patterns:

        - ``email``: a token spaCy finds ``LIKE_EMAIL``, or one with an ``@`` inside that
          spaCy's tokenizer glued to punctuation (``mail:jane@example.com``).
        - ``order_number``: a token the order-number pattern matches inside (``1234567``,
          ``ORD-1234567``, ``ord1234567``), optionally after a ``#`` token (spaCy splits
          ``#1234567`` into ``#`` and ``1234567``). "order no. 1234567" is the bare number.
    """
    number = {"TEXT": {"REGEX": f"(?i:{order_number_pattern})"}}
    return {
        IntakeField.EMAIL: [
            [{"LIKE_EMAIL": True}],
            [{"TEXT": {"REGEX": r"[^\s@]@[^\s@]"}}],
        ],
        IntakeField.ORDER_NUMBER: [
            [number],
            [{"ORTH": "#"}, number],
        ],
    }


@dataclass(frozen=True)
class IntakeEntity:
    """An intake value in a message.

    Attributes:
        field: which intake value (its entity and slot name is ``field.value``).
        value: normalised: the order number's ``number`` group, the e-mail lower-cased.
        start: character offset where the customer's writing of it starts.
        end: offset after it ends: ``text[start:end]`` is what the customer wrote.
    """

    field: IntakeField
    value: str
    start: int
    end: int


class IntakeMatcher:
    """spaCy tokenizer + Matcher rules for the intake values. Build once, call per message."""

    def __init__(
        self,
        order_format: OrderNumberFormat | None = None,
        fields: Iterable[IntakeField] = tuple(IntakeField),
    ) -> None:
        """Build the blank English pipeline and the Matcher (a fraction of a second).

        Args:
            order_format: the store's order-number format; the bundled default if None.
            fields: which values to find.
        """
        import spacy
        from spacy.matcher import Matcher

        self._order_format = order_format or OrderNumberFormat()
        self._fields = tuple(dict.fromkeys(fields))
        self._nlp = spacy.blank("en")
        self._matcher = Matcher(self._nlp.vocab, validate=True)
        patterns = matcher_patterns(self._order_format.pattern)
        for field in self._fields:
            self._matcher.add(field.value, patterns[field])

    @property
    def fields(self) -> tuple[IntakeField, ...]:
        """The values this matcher finds."""
        return self._fields

    def find(self, text: str | None) -> List[IntakeEntity]:
        """Return the intake values written in ``text``, ordered by offset.

        A value is reported where a parser of ``handoff.signals.intake`` finds it *inside* a span
        the
        Matcher marked for that field.
        """
        if not text or not self._fields:
            return []
        doc = self._nlp.make_doc(text)
        marked: Dict[str, List[Span]] = {}
        for span in self._matcher(doc, as_spans=True):
            marked.setdefault(span.label_, []).append(span)
        entities: List[IntakeEntity] = []
        for field in self._fields:
            spans = marked.get(field.value, [])
            entities.extend(
                IntakeEntity(field, found.value, found.start, found.end)
                for found in self._parse(field, text)
                if _inside_any(found, spans)
            )
        return sorted(entities, key=lambda entity: (entity.start, entity.end))

    def _parse(self, field: IntakeField, text: str) -> List[Found]:
        if field is IntakeField.ORDER_NUMBER:
            return self._order_format.find_all(text)
        return find_all_emails(text)


def _inside_any(found: Found, spans: List[Span]) -> bool:
    return any(span.start_char <= found.start and found.end <= span.end_char for span in spans)
