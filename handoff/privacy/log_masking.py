"""Masking e-mail addresses, order numbers and phone numbers in every log record.

Customers write personal data into the chat ("my order is #48213377, jane@example.com"), and
Rasa's and our own log lines may quote what they wrote (Rasa's debug logs print the parse
data; an exception may carry a slot value). ``PiiMaskingFilter`` rewrites each record before
a handler formats it: the message, its ``%`` arguments and an exception's traceback text.

- e-mail ``jane.doe@example.com`` → ``j…@example.com`` (the domain helps support, the person
  is gone);
- order number (``intake.order_number_pattern`` of handoff.yml) ``#48213377`` → ``<order …77>``;
- phone number ``+44 7700 900123`` / a bare 11-15 digit id such as a WhatsApp ``wa_id`` →
  ``<phone …23>``.

``install_log_masking(pattern)`` adds the filter to every handler that exists (the root
logger's and those of loggers that do not propagate, such as Sanic's); each server's
composition root calls it once logging is configured, with handoff.yml's pattern: the Rasa
server's (``connectors.services``) when the first channel creates its routes (and again before
the server starts, when Sanic has added its last handlers), the action server's
(``actions.services``) when it imports ``actions``. Calling it again replaces the filter.
"""

from __future__ import annotations

import logging
import re
from typing import Iterable, Optional, Pattern

from handoff.signals.intake import DEFAULT_ORDER_NUMBER_PATTERN

EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9])[\w.+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d[\d\s().-]{6,}\d"  # international: +44 7700 900123, +1 (555) 010-0100
    r"|\(?0\d{1,4}\)?[\s.-]\d[\d\s.-]{4,}\d"  # national: 0151 2345678, (030) 555-0200
    r"|(?<!-)\d{11,15}"  # a bare international number without "+" (WhatsApp wa_id)
    r")(?![\w])"
)
_DECIMAL_AFTER = re.compile(r"\.\d")


def _mask_email(match: re.Match[str]) -> str:
    return f"{match.group(1)}…@{match.group(2)}"


def _mask_phone(match: re.Match[str]) -> str:
    written = match.group(0)
    digits = re.sub(r"\D", "", written)
    if len(digits) < (8 if written.startswith("+") else 9):  # a date, a time, a version
        return written
    return f"<phone …{digits[-2:]}>"


class PiiMasker:
    """Replaces e-mail addresses, order numbers and phone numbers in a text.

    Args:
        order_number_pattern: the store's order-number regular expression (handoff.yml's
            ``intake.order_number_pattern``), matched case-insensitively.
    """

    def __init__(self, order_number_pattern: str = DEFAULT_ORDER_NUMBER_PATTERN) -> None:
        self.order_number: Pattern[str] = re.compile(order_number_pattern, re.IGNORECASE)

    def mask(self, text: str) -> str:
        """Return ``text`` with the personal data in it masked."""
        if not text:
            return text
        text = EMAIL.sub(_mask_email, text)
        text = PHONE.sub(_mask_phone, text)
        return self.order_number.sub(lambda match: self._mask_order(match, text), text)

    @staticmethod
    def _mask_order(match: re.Match[str], text: str) -> str:
        written = match.group(0)
        if not written or _DECIMAL_AFTER.match(text, match.end()):
            return written  # 1732456789.25 is a timestamp, not an order
        number = match.groupdict().get("number") or written
        return f"<order …{number[-2:]}>"


class PiiMaskingFilter(logging.Filter):
    """A handler filter that masks personal data in the record; it never drops a record.

    The message is rendered with its ``%`` arguments first and the whole text masked, so an
    argument never has to keep its type (``%d`` of a masked number) and nothing that a
    formatter would print escapes.
    """

    def __init__(self, masker: Optional[PiiMasker] = None) -> None:
        super().__init__()
        self.masker = masker or PiiMasker()

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record's message and traceback text in place."""
        if getattr(record, "_pii_masked", False):
            return True  # already rewritten by another handler's filter
        try:
            message = record.getMessage()
        except Exception:  # bad arguments: logging would print them raw in its error report
            message = f"{record.msg} {record.args!r}"
        try:
            record.msg, record.args = self.masker.mask(message), ()
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self.masker.mask(record.exc_text)
            if record.stack_info:
                record.stack_info = self.masker.mask(record.stack_info)
        except Exception:  # masking must never leak: withhold what it could not check
            record.msg, record.args = "<log record withheld: masking failed>", ()
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        record._pii_masked = True
        return True

    def install(self) -> PiiMaskingFilter:
        """Add this filter to every existing log handler, replacing an older masking filter."""
        for handler in _all_handlers():
            for old in [f for f in handler.filters if isinstance(f, PiiMaskingFilter)]:
                handler.removeFilter(old)
            handler.addFilter(self)
        return self


def _all_handlers() -> Iterable[logging.Handler]:
    yield from logging.getLogger().handlers
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            yield from logger.handlers


def install_log_masking(order_number_pattern: Optional[str] = None) -> PiiMaskingFilter:
    """Add a masking filter to every existing log handler (replacing an older one); return it.

    Args:
        order_number_pattern: the store's order-number expression (handoff.yml's
            ``intake.order_number_pattern``, which the servers' composition roots pass);
            default the built-in pattern.
    """
    masking = PiiMaskingFilter(PiiMasker(order_number_pattern or DEFAULT_ORDER_NUMBER_PATTERN))
    return masking.install()
