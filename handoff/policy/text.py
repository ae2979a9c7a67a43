"""Plain-text helpers: phrase lists and near-duplicate messages, standard library only.

Text is compared after :func:`normalise`: lower case, apostrophes dropped ("didn't" and
"didnt" are the same), everything that is not a letter or digit a single space. Phrases match
whole words only, so "sue" never matches "issue".
"""

from __future__ import annotations

import re
from typing import FrozenSet, Iterable, Optional

_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_NEGATION = re.compile(
    r"\b(?:not|no|never|dont|doesnt|didnt|wont|wouldnt|isnt|arent|cant|cannot|without)"
    r"(?: (?!hesitate\b)\w+){0,2} $"  # "I won't hesitate to sue" is still a threat
)


def normalise(text: Optional[str]) -> str:
    """Return ``text`` lower-cased, without apostrophes, words separated by single spaces."""
    lowered = _APOSTROPHES.sub("", (text or "").lower())
    return _NON_WORD.sub(" ", lowered).strip()


_AUXILIARIES = frozenset(
    ("do", "does", "did", "would", "will", "should", "shall", "can", "could", "must")
)


def find_phrase(
    text: Optional[str],
    phrases: Iterable[str],
    skip_negated: bool = False,
    skip_asked: bool = False,
) -> Optional[str]:
    """Return the first of ``phrases`` found in ``text`` as whole words, or None.

    Args:
        text: the customer's message.
        phrases: the phrases, in any spelling (they are normalised too).
        skip_negated: ignore a phrase with "not"/"never"/"don't" ... at most two words before
            it ("I'm not going to sue you" is no legal threat; "I won't hesitate to sue" is).
        skip_asked: ignore a phrase starting with "I" right after an auxiliary verb: "do I
            need to ask someone?" asks, it does not say "I need".
    """
    padded = f" {normalise(text)} "
    for phrase in phrases:
        needle = f" {normalise(phrase)} "
        start = padded.find(needle)
        while start != -1:
            negated = skip_negated and _NEGATION.search(padded[: start + 1])
            asked = (
                skip_asked
                and needle.startswith(" i ")
                and bool(set(padded[:start].split()[-1:]) & _AUXILIARIES)
            )
            if not (negated or asked):
                return phrase
            start = padded.find(needle, start + 1)
    return None


def tokens(text: Optional[str]) -> FrozenSet[str]:
    """Return the set of normalised words of ``text``."""
    return frozenset(normalise(text).split())


def jaccard(first: FrozenSet[str], second: FrozenSet[str]) -> float:
    """Return the Jaccard similarity of two token sets (0 when either is empty)."""
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)
