"""Is the customer losing patience with the store? Cues found in one message, and a score.

Frustration here means *the customer is losing patience with, or is angry at, the service* —
not any negative feeling. "I hate rainy Mondays" is negative but not aimed at us; "unfortunately
my parcel is a bit late" is aimed at us but patient. So the score combines:

- **negative valence** from VADER's lexicon (its compound score already handles negation —
  "not happy" is negative, "not a problem" is not — intensifiers and ALL-CAPS emphasis);
- lexical cues: anger and insult words, profanity, escalation (manager, lawyer, unacceptable,
  scam ...), waiting-time complaints ("for an hour", "since Monday", "still waiting"), repeated
  contact ("third time I'm asking"), a few sarcasm patterns ("thanks for nothing");
- form cues: shouting (share of capitalised words; short acronyms like "UPS" or "ID" and known
  names like "IKEA" alone are not shouting) and repeated punctuation ("!!!", "?!?");
- modifiers: whether the message is aimed at the service (order, delivery, you, your company
  ...), and softeners ("a bit", "no worries", "thanks") that mark a patient customer.

Anger, insult and escalation words right after a negation ("I'm not angry", "no complaint")
do not count. The cues become a small feature vector (:data:`FEATURE_NAMES`); a logistic model
(:mod:`handoff.signals.frustration_model`) turns it into a score in [0, 1]. Framework-free.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Pattern, Tuple

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

if TYPE_CHECKING:  # pragma: no cover - the learned model is optional at run time
    from handoff.signals.affect import AffectModel


def _words(*alternatives: str) -> Pattern[str]:
    return re.compile(r"(?<![\w'])(?:" + "|".join(alternatives) + r")(?![\w'])", re.IGNORECASE)


_NUMBER = (
    r"(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|several|a few|few|\d+|a couple of)"
)
_UNIT = r"(?:minutes|mins|hours?|hrs?|days?|weeks?|wks?|months?)"
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri)"
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)

LEXICON: Dict[str, Pattern[str]] = {
    "anger": _words(
        r"angry", r"furious", r"fuming", r"livid", r"pissed(?: off)?", r"annoyed", r"irritated",
        r"frustrat\w*", r"fed up", r"sick (?:of|and tired)", r"had enough", r"enough is enough",
        r"outraged", r"disgusted", r"appalled", r"infuriat\w*", r"(?:losing|lost) (?:my )?patience",
        r"hate (?:you|this|your|dealing)", r"can'?t believe", r"cannot believe", r"unbelievable",
        r"beyond a joke", r"seriously\?+", r"are you kidding", r"you'?re kidding", r"fed-up",
        r"(?:i'?m|i am) (?:so |really |totally |completely |just )?done with",
        r"end of my tether", r"let down", r"regret (?:ordering|buying)",
        r"had it with", r"sort it out", r"straight answer", r"is anyone there", r"do you even",
        r"(?:no one|nobody) cares", r"not impressed", r"fix it", r"excuses",
        r"stop (?:giving|promising|sending|telling)", r"waste of (?:my |our )?time",
        r"(?:total|complete|absolute|utter) (?:disaster|nightmare|mess)",
        r"what(?:'?s| is) wrong with you", r"you people",
    ),
    "insult": _words(
        r"useless", r"incompetent", r"pathetic", r"idiots?", r"stupid", r"morons?", r"clowns?",
        r"a joke", r"joke of a", r"rubbish", r"garbage", r"trash", r"shambles", r"shambolic",
        r"disgrace(?:ful)?", r"awful", r"horrible", r"terrible service", r"worst", r"clueless",
        r"liars?", r"lying", r"amateurs?", r"cowboys?", r"hopeless", r"dreadful", r"appalling",
        r"not good enough", r"joke", r"disgusting", r"terr?ible (?:service|company|support)",
    ),
    "profanity": _words(
        r"f+u+c+k\w*", r"f[*#@]+k?\w*", r"wtf", r"ffs", r"shit\w*", r"sh[*#]t", r"bullshit",
        r"crap(?:py)?", r"damn(?:ed|it)?", r"bloody", r"hell", r"bs", r"piss\w*", r"arse",
        r"ass(?:hole)?", r"bastards?", r"goddamn\w*", r"bollocks",
    ),
    "escalation": _words(
        r"manager", r"supervisor", r"someone in charge", r"lawyers?", r"solicitors?",
        r"attorney", r"legal action", r"sue(?: you)?", r"court", r"small claims",
        r"trading standards", r"ombudsman", r"unacceptable", r"ridiculous", r"absurd",
        r"outrageous", r"scam(?:mers?)?", r"fraud\w*", r"rip[- ]?off", r"complaint", r"complain",
        r"chargeback", r"report you", r"trustpilot", r"bad review", r"(?:1|one)[- ]star",
        r"never (?:again|ordering|buying|shopping|order|buy|shop)", r"want my money back",
        r"immediately", r"right now", r"asap", r"last time i (?:order|buy|shop)\w*",
        r"refund me", r"escalate", r"dispute", r"daylight robbery", r"not acceptable",
    ),
    "waiting": _words(
        rf"(?:for|over|nearly|almost|more than|about|waiting|waited|after) {_NUMBER} "
        rf"(?:more )?{_UNIT}",
        rf"{_NUMBER} (?:days?|weeks?|months?) (?:ago|now|late|overdue|later)",
        rf"since (?:{_DAY}|{_MONTH}|yesterday|last \w+|the \d+\w*|early \w+|\d+\w*)",
        r"still (?:waiting|not|no|nothing|haven'?t|hasn'?t|didn'?t|don'?t|can'?t|isn'?t)",
        r"(?:been|keep|kept) waiting", r"waited (?:so long|forever|ages)", r"forever", r"ages",
        r"overdue", r"no (?:reply|response|answer|update|updates)", r"heard nothing",
        r"(?:nobody|no one|no-one) (?:has )?(?:replied|answered|got back|called|responded)",
        r"(?:nobody|no one|no-one) (?:ever )?(?:answers|replies|responds|gets back|calls back)",
        r"never (?:arrived|came|showed up|turned up|got back|received|replied)",
        rf"{_UNIT} late", r"(?:weeks|days|months) and (?:still|nothing)",
        rf"(?:now|it'?s|has) been {_NUMBER} {_UNIT}", r"going on for (?:weeks|days|months)",
        rf"{_NUMBER} (?:weeks|months) for an?",
    ),
    "repeated_contact": _words(
        r"(?:second|third|fourth|fifth|2nd|3rd|4th|5th|umpteenth|hundredth|\d+th) (?:time|email|"
        r"message|call|attempt)", r"repeating myself", r"keep being told", r"nobody ever",
        r"how many (?:more )?times", r"(?:keep|kept) (?:asking|telling|calling|emailing|writing|"
        r"chasing|getting|repeating)", r"again and again", r"over and over", r"yet again",
        r"already (?:asked|told|explained|sent|called|emailed|contacted|written|said)",
        r"(?:told|asked) you (?:already|before|twice)", r"(?:asked|called|emailed) (?:twice|"
        r"three times|several times|multiple times|many times|\d+ times)",
        r"same (?:answer|reply|message|response)", r"copy[- ]?pasted?", r"automated (?:reply|"
        r"response|messages?)", r"(?:read|listen to) (?:my|what i)", r"repeat myself",
        r"asked before",
        r"(?:called|emailed|contacted|messaged|chased|phoned) (?:you )?\w+ times",
        rf"(?:asked|told you|written|wrote|complained) {_NUMBER} times",
    ),
    "sarcasm": _words(
        r"thanks for nothing", r"yeah right", r"what a (?:joke|surprise)", r"surprise,? surprise",
        r"(?:oh|just|wow),? (?:great|brilliant|fantastic|wonderful|perfect|lovely|joy)",
        r"(?:great|brilliant|fantastic|wonderful|perfect|lovely),? (?:another|more|again)",
        r"love (?:how|that i|that you|waiting|being)", r"thanks a lot\W+for", r"/s",
        r"really helpful,? (?:not|thanks)", r"(?:so|very) helpful(?:\.\.\.| not)",
        r"great job,? (?:guys|team)", r"well done,? (?:guys|team)", r"what service",
        r"how (?:helpful|useful|convenient)", r"so glad i (?:paid|ordered|chose)",
    ),
    "softener": _words(
        r"a bit", r"a little", r"slightly", r"just wondering", r"no rush", r"no worries",
        r"no problem", r"not a (?:big )?(?:deal|problem)", r"no hurry", r"when you (?:can|get a "
        r"chance)", r"i understand", r"not urgent", r"take your time", r"happy to wait",
        r"thanks?", r"thank you", r"cheers", r"appreciated?", r"much appreciated", r"please",
        r"wondering", r"could you", r"would you", r"kind regards", r"hope you", r"sorry",
        r"can you (?:check|help|confirm|advise)", r"let me know", r"just (?:letting you know|"
        r"checking)", r"if possible", r"i'?m afraid",
    ),
    "aimed_at_service": _words(
        r"you", r"your", r"you'?re", r"yours", r"you guys", r"y'?all", r"u", r"ur",
        r"orders?", r"ordered", r"deliver(?:y|ies|ed)?", r"parcels?", r"packages?",
        r"shipments?", r"shipping", r"couriers?", r"drivers?", r"tracking", r"refunds?",
        r"returns?", r"service", r"support", r"company", r"store", r"shop", r"website", r"site",
        r"app", r"bot", r"staff", r"team", r"northwind", r"account", r"payment", r"charged?",
        r"invoice", r"arrived?", r"received?", r"sent", r"customer service",
    ),
}  # fmt: skip

NEGATABLE = ("anger", "insult", "escalation")
_NEGATORS = re.compile(
    r"(?<![\w'])(?:not|no|never|nothing|without|hardly|cannot|"
    r"(?:do|does|did|is|was|are|were|ca|wo|have|has|had|would|should|could|need)n'?t)"
    r"(?:\W+\w+){0,2}\W*$",
    re.IGNORECASE,
)
# Clause boundaries for target-awareness: negativity counts "at the service" only in a clause
# that names the service ("the weather is horrible, will the delivery still come?").
_CLAUSE_BREAK = re.compile(
    r"\.\.+|[.;:!?]+|,|\b(?:but|anyway|so|though|although|because|however)\b", re.IGNORECASE
)
_PRONOUN = re.compile(r"(?<![\w'])(?:this|that|it|it'?s)(?![\w'])", re.IGNORECASE)
_REPEATED_PUNCTUATION = re.compile(r"[!?]{2,}")
# An information question ("can I pay with PayPal?"); "why ..." is left out on purpose.
_PLAIN_QUESTION = re.compile(
    r"^\W*(?:(?:hi|hello|hey)(?: there)?\W+)?(?:can|could|do|does|is|are|what|what'?s|wat|how|"
    r"when|which|will|would|where|may|should|have you|has my|r)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
# Upper-case words that are names or acronyms, not shouting, whatever their length.
KNOWN_UPPERCASE = frozenset(
    "IKEA ASAP FAQ PDF VISA IBAN NHS HMRC BACS PAYPAL KLARNA USPS FEDEX DPD UPS DHL TNT GLS "
    "SMS OTP CEO HTML URL PIN VAT EU UK USA".split()
)
# Short upper-case words that are emphasis rather than acronyms.
EMPHATIC_SHORT = frozenset("NOW NOT WHY YOU ANY WAS".split())

FEATURE_NAMES: Tuple[str, ...] = (
    "negativity_elsewhere",
    "positivity",
    "negativity_at_service",
    "anger",
    "insult",
    "profanity",
    "escalation",
    "waiting",
    "repeated_contact",
    "sarcasm",
    "shouting",
    "repeated_punctuation",
    "softener",
    "aimed_at_service",
    "plain_question",
    "affect_at_service",
    "affect_elsewhere",
)


@functools.lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    """VADER's analyzer, created on first use (it reads its lexicon file)."""
    return SentimentIntensityAnalyzer()


def vader_compound(text: str) -> float:
    """Return VADER's compound valence of ``text`` in [-1, 1] (negative below 0)."""
    return float(_vader().polarity_scores(text)["compound"])


@dataclass(frozen=True)
class FrustrationCues:
    """What one message shows. Word cues hold the matched phrases, lower-cased."""

    compound: float
    shouting: float
    repeated_punctuation: Tuple[str, ...]
    words: Dict[str, Tuple[str, ...]]
    plain_question: bool = False
    negativity_at_service: float = 0.0
    negativity_elsewhere: float = 0.0
    affect: float = 0.0
    affect_at_service: float = 0.0
    affect_elsewhere: float = 0.0
    affect_threshold: float = 1.0

    def features(self) -> List[float]:
        """Return the feature vector in :data:`FEATURE_NAMES` order, every value in [0, 1]."""
        on_target = 1.0 if self.words["aimed_at_service"] else 0.0
        longest = max((len(run) for run in self.repeated_punctuation), default=1)
        values = {
            "negativity_elsewhere": self.negativity_elsewhere,
            "positivity": max(0.0, self.compound),
            "negativity_at_service": self.negativity_at_service,
            "shouting": self.shouting,
            "repeated_punctuation": min(longest - 1, 3) / 3.0,
            "aimed_at_service": on_target,
            "plain_question": 1.0 if self.plain_question else 0.0,
            "affect_at_service": self.affect_at_service,
            "affect_elsewhere": self.affect_elsewhere,
        }
        for name in FEATURE_NAMES:
            if name not in values:
                values[name] = min(len(self.words[name]), 2) / 2.0
        return [values[name] for name in FEATURE_NAMES]

    def as_signals(self) -> List[Dict[str, Any]]:
        """Return the cues that fired as ``[{"name", "value"}]`` for the parse output.

        ``aimed_at_service`` and ``softener`` are listed only alongside a frustration cue;
        on their own they say nothing about frustration.
        """
        signals: List[Dict[str, Any]] = []
        if self.compound <= -0.05:
            signals.append({"name": "negative_valence", "value": round(self.compound, 4)})
        if self.affect >= self.affect_threshold:
            signals.append({"name": "negative_affect", "value": round(self.affect, 4)})
        for name in ("anger", "insult", "profanity", "escalation", "waiting"):
            if self.words[name]:
                signals.append({"name": name, "value": list(self.words[name])})
        for name in ("repeated_contact", "sarcasm"):
            if self.words[name]:
                signals.append({"name": name, "value": list(self.words[name])})
        if self.shouting > 0:
            signals.append({"name": "shouting", "value": round(self.shouting, 4)})
        if self.repeated_punctuation:
            signals.append(
                {"name": "repeated_punctuation", "value": list(self.repeated_punctuation)}
            )
        if signals:
            for name in ("aimed_at_service", "softener"):
                if self.words[name]:
                    signals.append({"name": name, "value": list(self.words[name])})
        return signals


def _negated(text: str, start: int) -> bool:
    """Whether a negation word is among the (up to) three words before ``start``."""
    return bool(_NEGATORS.search(text[max(0, start - 40) : start]))


def find_phrases(name: str, text: str) -> Tuple[str, ...]:
    """Return the phrases of lexicon ``name`` found in ``text`` (negated ones skipped).

    Args:
        name: a key of :data:`LEXICON`.
        text: the customer's message.

    Returns:
        The matched phrases, lower-cased, in order of appearance.
    """
    found = []
    for match in LEXICON[name].finditer(text):
        if name in NEGATABLE and _negated(text, match.start()):
            continue
        found.append(match.group(0).lower())
    return tuple(found)


def shouting_share(text: str) -> float:
    """Return the share of words written in capitals, or 0 if nothing is shouted.

    Words of one letter are ignored. Known names/acronyms (:data:`KNOWN_UPPERCASE`) never count;
    other capitalised words of two or three letters ("ID", "TV") count only when the message
    also has a capitalised word of four or more letters or an emphatic one ("NOW", "NOT").
    """
    words = [word for word in _WORD.findall(text) if len(word.replace("'", "")) >= 2]
    if not words:
        return 0.0
    capitals = [w for w in words if w.isupper() and w.upper() not in KNOWN_UPPERCASE]
    if not any(len(w) >= 4 or w in EMPHATIC_SHORT for w in capitals):
        return 0.0
    return len(capitals) / len(words)


def aimed_clauses(text: str) -> List[Tuple[str, bool]]:
    """Split ``text`` into clauses, each with whether it is aimed at the service.

    A clause is aimed at the service when it names it (:data:`LEXICON` ``aimed_at_service``),
    or when it only says "this"/"it" and another clause names the service.
    """
    clauses = [c for c in _CLAUSE_BREAK.split(text) if c and c.strip()]
    names = [bool(LEXICON["aimed_at_service"].search(c)) for c in clauses]
    message_aimed = any(names)
    return [
        (clause, named or (message_aimed and bool(_PRONOUN.search(clause))))
        for clause, named in zip(clauses, names, strict=True)
    ]


def _split_by_aim(values: List[float], aims: List[bool]) -> Tuple[float, float]:
    """Return the largest value of aimed clauses and of the others (0 where there are none)."""
    at_service = max((v for v, aimed in zip(values, aims, strict=True) if aimed), default=0.0)
    elsewhere = max((v for v, aimed in zip(values, aims, strict=True) if not aimed), default=0.0)
    return at_service, elsewhere


def clause_negativity(text: str) -> Tuple[float, float]:
    """Return the strongest VADER negativity in clauses aimed at the service, and elsewhere.

    Returns:
        ``(at_service, elsewhere)``, each ``max(0, -compound)`` over its clauses, or 0.
    """
    clauses = aimed_clauses(text)
    negativity = [max(0.0, -vader_compound(clause)) for clause, _ in clauses]
    return _split_by_aim(negativity, [aimed for _, aimed in clauses])


def find_cues(text: str, affect_model: Optional[AffectModel] = None) -> FrustrationCues:
    """Find the frustration cues of one message.

    Args:
        text: the customer's message, as written (case and punctuation matter).
        affect_model: the learned negative-affect model; without it the ``affect*`` cues are 0.
            With it, the whole message and each clause are scored in one call, so the score
            can tell anger at the service from anger at something else.

    Returns:
        The cues; ``FrustrationCues.features()`` gives the model's input.
    """
    text = text or ""
    clauses = aimed_clauses(text)
    aims = [aimed for _, aimed in clauses]
    negativity = [max(0.0, -vader_compound(clause)) for clause, _ in clauses]
    at_service, elsewhere = _split_by_aim(negativity, aims)
    affect, affect_at_service, affect_elsewhere, affect_threshold = 0.0, 0.0, 0.0, 1.0
    if affect_model is not None and text.strip():
        scored = affect_model.probabilities([text] + [clause for clause, _ in clauses]).tolist()
        affect, affect_threshold = scored[0], affect_model.threshold
        affect_at_service, affect_elsewhere = _split_by_aim(scored[1:], aims)
    return FrustrationCues(
        compound=vader_compound(text),
        shouting=shouting_share(text),
        repeated_punctuation=tuple(_REPEATED_PUNCTUATION.findall(text)),
        words={name: find_phrases(name, text) for name in LEXICON if name != "softener"}
        | {"softener": find_phrases("softener", LEXICON["sarcasm"].sub(" ", text))},
        plain_question=bool(_PLAIN_QUESTION.match(text)),
        negativity_at_service=at_service,
        negativity_elsewhere=elsewhere,
        affect=affect,
        affect_at_service=affect_at_service,
        affect_elsewhere=affect_elsewhere,
        affect_threshold=affect_threshold,
    )
