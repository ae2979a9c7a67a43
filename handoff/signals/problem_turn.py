"""Which customer turn states the problem, for the summary an agent reads first.

Owns one choice: of the customer's messages before a handoff, the one that says — in their
own words — what they need, and the bot's reply to it. :func:`choose_problem_turn` returns the
choice, its reason and the evidence (which turns were passed over, and why), the way
``handoff.policy.engine.evaluate`` returns a decision; ``handoff.context.summarise`` quotes it.

The rule reads the conversation's structure and the words, not the NLU's intents (unreliable
on real text):

- never a turn the intake form asked for (after ``utter_ask_order_number``/``utter_ask_email``
  or while ``handoff_intake_form`` is active), a button payload (``/deny``), a greeting, a bare
  acknowledgement ("ok thanks", "no"), a question whether the bot is a bot, or a request for a
  person that says nothing else ("can I talk to a human");
- a request for a person that also says what it is about ("call me back about my order",
  "I want a human, my blender arrived broken") is quoted itself;
- otherwise the first remaining turn of the current topic: later turns that rephrase it, add
  to it or vent about the answers do not replace it. A new topic starts where the customer
  acknowledges an answer and goes on ("ok thanks. how do I stop my membership renewing?"), or
  turns from a general question to their own case ("how long is delivery to Finland?" →
  "then explain why mine has been stuck for 3 weeks").
- with nothing left, the request for a person itself, else the last customer message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

from handoff.policy.turns import EXTERNAL_MESSAGE_PREFIX, current_stretch
from handoff.signals.explicit_request import is_explicit_request

INTAKE_FORM = "handoff_intake_form"
INTAKE_QUESTIONS = frozenset({"utter_ask_order_number", "utter_ask_email"})
NOT_AN_ANSWER = frozenset({"utter_default", "utter_offer_handoff", "utter_out_of_scope"})
"""Bot responses that ask the customer to rephrase or offer a person: no answer given."""
LOOKBACK = 8
"""Customer turns read back from the handoff; older topics are history, not the problem."""


@dataclass(frozen=True)
class Said:
    """One message of the conversation, as the choice needs it.

    ``intake_answer`` marks a customer message the intake form asked for; ``utter_action`` is
    the domain response a bot message came from (Rasa keeps it in the event's metadata).
    """

    customer: bool
    text: str
    intake_answer: bool = False
    utter_action: Optional[str] = None


class ProblemReason(str, Enum):
    """Why the turn was chosen."""

    STATED_WITH_REQUEST = "stated_with_request"  # the request for a person says what it is about
    TOPIC_START = "topic_start"  # the first turn of the current topic
    REQUEST_ONLY = "request_only"  # nothing but a request for a person was said
    LAST_MESSAGE = "last_message"  # nothing substantive: the last message
    NOTHING = "nothing"  # the customer typed nothing (at most clicked buttons)


@dataclass(frozen=True)
class ProblemChoice:
    """The chosen turn (``text`` None when the customer said nothing), why, and the evidence.

    ``skipped`` lists ``(text, why)`` for each customer turn passed over; ``answer`` is the
    bot's reply to the chosen turn, if it gave one; ``unanswered`` is True when its reply only
    asked to rephrase or offered a person.
    """

    text: Optional[str]
    reason: ProblemReason
    answer: Optional[str] = None
    unanswered: bool = False
    skipped: List[Tuple[str, str]] = field(default_factory=list)


def said_from_events(events: Iterable[Mapping[str, Any]]) -> List[Said]:
    """Read the current stretch's messages from tracker events (plain dicts), oldest first.

    A customer message is an intake answer when the bot's last message asked an intake
    question or the intake form was active when it came.
    """
    events = list(events)
    said: List[Said] = []
    form_active = asked = False
    for event in current_stretch(events):
        kind, text = event.get("event"), event.get("text") or ""
        if kind == "active_loop":
            form_active = event.get("name") == INTAKE_FORM
        elif kind == "bot" and text:
            utter = (event.get("metadata") or {}).get("utter_action")
            asked = utter in INTAKE_QUESTIONS
            said.append(Said(customer=False, text=text, utter_action=utter))
        elif kind == "user" and text and not text.startswith(EXTERNAL_MESSAGE_PREFIX):
            said.append(Said(customer=True, text=text, intake_answer=form_active or asked))
            asked = False
    return said


_GREETING = re.compile(
    r"^\W*(?:hi+|hello+|hey+|heya|hiya|hallo|hallöchen|howdy|yo|greetings|morning|evening|"
    r"good\s+(?:morning|afternoon|evening|day))\b",
    re.IGNORECASE,
)
_ACK_WORDS = frozenset(
    "ok okay k kk yes yeah yep yup no nope nah thanks thank you so much thx ty cheers great "
    "cool nice alright fine sure perfect bye goodbye got it i see figured hm hmm ah oh right "
    "good grand lovely brilliant whatever then please pls well wow".split()
)
_SWITCH = re.compile(
    r"^\W*(?:oh\s+|ah\s+)?(?:ok(?:ay)?|thanks|thank\s+you|great|cool|nice|alright|right|"
    r"whatever|grand|good|fine|perfect|brilliant|lovely)\b",
    re.IGNORECASE,
)
_REPHRASE = re.compile(
    r"^\W*(?:no\b|nope\b|that'?s\s+not|that\s+isn'?t|that\s+doesn'?t|you\s+(?:didn'?t|"
    r"haven'?t|did\s+not|have\s+not)|i\s+(?:asked|meant|mean)\b|asking\s+again|once\s+more)",
    re.IGNORECASE,
)
_BOT_CHALLENGE = re.compile(
    r"\b(?:are|r|am|is)\s+(?:you|u|i|this|it|that)\b[^.?!]{0,30}?"
    r"\b(?:bot|robot|chatbot|program|machine|computer|ai|human|person)\b"
    r"(?=\s*(?:$|[?.!,]|or\b|typing|talking|writing|answering|here\b|there\b))",
    re.IGNORECASE,
)
_OWN_CASE = re.compile(
    r"\b(?:my|mine|our)\b(?!\s+(?:time|patience|question|mind|life|god|goodness)\b)"
    r"|\d{5,}|#\s?\d+|\bord-\d+",
    re.IGNORECASE,
)
_TOPIC_MARKERS = re.compile(
    r"\d{4,}|[\w.+-]+@[\w-]+\.[\w.]+"
    r"|\b(?:about|regarding|concerning|because)\s+(?!(?:it|this|that|them|the rest)\b)\w"
    r"|\bi\s+need\s+to\s+(?!(?:talk|speak|chat)\b)\w",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-zà-ÿ']+", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?;])\s+")


def _words(text: str) -> List[str]:
    return [word.lower().strip("'") for word in _WORD.findall(text)]


def is_acknowledgement(text: str) -> bool:
    """Tell whether ``text`` is acknowledgement words only: "ok thanks", "no", "hmm"."""
    words = _words(text)
    return len(words) <= 5 and all(word in _ACK_WORDS for word in words)


def is_greeting(text: str) -> bool:
    """Tell whether ``text`` only greets: "hello from Lyon!" (not "hi, where is ...?")."""
    return bool(_GREETING.search(text)) and "?" not in text and not _OWN_CASE.search(text)


def is_bot_challenge(text: str) -> bool:
    """Tell whether ``text`` asks if the bot is a bot: "r u a chatbot?", "am I typing to an AI?"."""
    return bool(_BOT_CHALLENGE.search(text)) and not is_explicit_request(text)


def request_states_problem(text: str) -> bool:
    """Tell whether a request for a person also says what it is about.

    It does with an order or phone number, an e-mail address, "about <something>" or "I need
    to <do something>"; or with a sentence that is not the request (three words or more), or a
    clause about the customer's own case ("I want a human, my blender arrived broken").
    """
    if _TOPIC_MARKERS.search(text):
        return True
    for sentence in _SENTENCES.split(text):
        if is_explicit_request(sentence) or is_acknowledgement(sentence):
            for clause in sentence.split(","):
                if not is_explicit_request(clause) and _OWN_CASE.search(clause):
                    return True
        elif len(_words(sentence)) >= 3 and not is_bot_challenge(sentence):
            return True
    return False


def _why_not(text: str) -> Optional[str]:
    """Why a customer message cannot state the problem, or None when it may."""
    if text.startswith("/"):
        return "button"
    if is_acknowledgement(text):
        return "acknowledgement"
    if is_greeting(text):
        return "greeting"
    if is_bot_challenge(text):
        return "bot_challenge"
    if is_explicit_request(text) and not request_states_problem(text):
        return "request_only"
    return None


def _starts_topic(text: str, earlier: Sequence[str]) -> bool:
    """Tell whether ``text`` opens a topic: "ok, and ...", or one's own case after questions."""
    if _SWITCH.search(text):
        return True
    own_case_first_time = not any(_OWN_CASE.search(turn) for turn in earlier)
    return own_case_first_time and bool(_OWN_CASE.search(text)) and not _REPHRASE.search(text)


def choose_problem_turn(said: Sequence[Said]) -> ProblemChoice:
    """Choose the customer turn that states the problem, and the bot's reply to it.

    Args:
        said: the conversation's messages, oldest first (:func:`said_from_events`).

    Returns:
        The choice: the turn's text, the reason, the bot's answer, the turns passed over.
    """
    customer = [(i, s) for i, s in enumerate(said) if s.customer and not s.intake_answer]
    customer = customer[-LOOKBACK:]
    skipped: List[Tuple[str, str]] = [(s.text, "intake_answer") for s in said if s.intake_answer]
    candidates: List[Tuple[int, str]] = []
    for index, turn in customer:
        why = _why_not(turn.text)
        if why:
            skipped.append((turn.text, why))
        else:
            candidates.append((index, turn.text))
    if not candidates:
        requests = [(i, s.text) for i, s in customer if is_explicit_request(s.text)]
        if requests:
            return ProblemChoice(requests[-1][1], ProblemReason.REQUEST_ONLY, skipped=skipped)
        typed = [s.text for _, s in customer if not s.text.startswith("/")]
        if not typed:
            return ProblemChoice(None, ProblemReason.NOTHING, skipped=skipped)
        return ProblemChoice(typed[-1], ProblemReason.LAST_MESSAGE, skipped=skipped)
    last_index, last_text = candidates[-1]
    if is_explicit_request(last_text):
        index, text, reason = last_index, last_text, ProblemReason.STATED_WITH_REQUEST
    else:
        start = 0
        for position in range(1, len(candidates)):
            earlier = [text for _, text in candidates[start:position]]
            if _starts_topic(candidates[position][1], earlier):
                start = position
        index, text = candidates[start]
        reason = ProblemReason.TOPIC_START
    answer, unanswered = _bot_reply(said, index)
    return ProblemChoice(text, reason, answer, unanswered, skipped)


def _bot_reply(said: Sequence[Said], index: int) -> Tuple[Optional[str], bool]:
    """Return the bot's reply to ``said[index]`` and whether it only asked to rephrase.

    Only a reply before the customer wrote again or the intake form asked counts; a reply that
    asked to rephrase or offered a person gives ``(None, True)``.
    """
    for message in said[index + 1 :]:
        if message.customer or message.utter_action in INTAKE_QUESTIONS:
            break
        if message.utter_action in NOT_AN_ANSWER:
            return None, True
        return message.text, False
    return None, False
