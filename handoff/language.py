"""The customer's language: the channel's hint, else what their own words are written in.

Every customer turn ``action_set_language`` (``actions/language.py``) asks :func:`choose_language`
for the ``language`` slot, and domain.yml's responses have a variation per language
(``condition: [{type: slot, name: language, value: de}]``). The rule, in order:

1. a hint from the channel (message metadata ``language``: Telegram's ``language_code``, the
   website's or a REST client's ``language``), normalised to its two-letter code ("de-AT" ->
   "de"), wins when it is one of :data:`SUPPORTED`;
2. otherwise the text is identified with lingua (`lingua-language-detector`, its models ship in
   the wheel; restricted to :data:`SUPPORTED`): a message of at least :data:`MIN_WORDS` words
   whose most likely language has a confidence of at least :data:`MIN_CONFIDENCE` switches.
   lingua's high-accuracy mode: about 0.1 ms a message, after loading the four languages'
   models on the first one (about 0.9 s and 150 MB per action server process). The
   low-accuracy mode (12 MB) read "ok thanks bye" as German with 0.82, so it is not used;
3. anything shorter or less clear ("ok", "no", "merci", an order number, an e-mail address)
   keeps the previous language, and the very first one falls back to :data:`DEFAULT`.

Words are counted without digits, e-mail addresses and links, so "48213377" never decides, and
an intent payload (a button's ``/human_handoff``, a channel's ``/send_media{...}``) has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Sequence, Tuple

if TYPE_CHECKING:  # pragma: no cover - typing only
    from lingua import LanguageDetector

SUPPORTED: Tuple[str, ...] = ("en", "de", "fr", "es")
"""The languages domain.yml has responses in (ISO 639-1); the first is the default."""

DEFAULT = "en"
MIN_WORDS = 3
"""Fewer words than this never switch the language ("ok", "no thanks", "merci beaucoup")."""
MIN_CONFIDENCE = 0.7
"""lingua's relative confidence the most likely language needs to switch (0..1)."""

_NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|[^\W\d_]*\d\S*")
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class LanguageChoice:
    """The language for the next responses and why it was chosen."""

    language: str
    reason: str  # "hint", "detected", "kept" or "default"
    confidence: Optional[float] = None


def normalise(code: Optional[str]) -> Optional[str]:
    """Return a supported two-letter code for a hint like "de", "de-AT", "fr_CA", else None."""
    if not isinstance(code, str):
        return None
    base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return base if base in SUPPORTED else None


def word_count(text: Optional[str]) -> int:
    """Count the words in ``text`` that say something about its language (no numbers, links)."""
    if not text or text.lstrip().startswith("/"):  # a button's or channel's intent payload
        return 0
    return len(_WORD.findall(_NOT_WORDS.sub(" ", text)))


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    """Return lingua's detector for :data:`SUPPORTED`, built once per process (on first use)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in SUPPORTED]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def detect(text: str) -> Tuple[Optional[str], float]:
    """Return the most likely supported language of ``text`` and lingua's confidence in it."""
    values: Sequence = detector().compute_language_confidence_values(text)
    if not values:
        return None, 0.0
    best = values[0]
    return best.language.iso_code_639_1.name.lower(), float(best.value)


def choose_language(
    hint: Optional[str], text: Optional[str], previous: Optional[str]
) -> LanguageChoice:
    """Choose the customer's language for this turn.

    Args:
        hint: the channel's language hint (message metadata ``language``), if any.
        text: what the customer wrote this turn.
        previous: the ``language`` slot before this turn.
    """
    hinted = normalise(hint)
    if hinted:
        return LanguageChoice(hinted, "hint")
    kept = normalise(previous)
    if word_count(text) >= MIN_WORDS:
        detected, confidence = detect(_NOT_WORDS.sub(" ", text or ""))
        if detected and confidence >= MIN_CONFIDENCE:
            return LanguageChoice(detected, "detected", confidence)
    if kept:
        return LanguageChoice(kept, "kept")
    return LanguageChoice(DEFAULT, "default")


def response_variation(
    domain: Mapping[str, Any], response: str, slots: Mapping[str, Any]
) -> Dict[str, Any]:
    """Return the variation of ``response`` Rasa would pick for ``slots``, ready to send.

    As Rasa's templated NLG: a variation whose every ``condition`` holds wins, else the first
    one without conditions. For an action that sets a slot and speaks in the same step (Rasa
    renders its responses with the slots from before its events). Returns the keyword
    arguments of ``dispatcher.utter_message``: ``text``, ``buttons`` and ``image``.
    """
    variations = list(((domain.get("responses") or {}).get(response)) or [])

    def holds(variation: Mapping[str, Any]) -> bool:
        return all(
            str(slots.get(c.get("name"))).casefold() == str(c.get("value")).casefold()
            for c in variation.get("condition") or []
        )

    conditioned = [v for v in variations if v.get("condition") and holds(v)]
    plain = [v for v in variations if not v.get("condition")]
    chosen = (conditioned or plain or [{}])[0]
    return {key: value for key, value in chosen.items() if key in ("text", "buttons", "image")}
