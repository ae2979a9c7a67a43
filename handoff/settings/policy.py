"""``PolicySettings``: the trigger policy's thresholds and topic lists (``handoff.yml``).

Every default here is the shipped behaviour, so a ``handoff.yml`` without a ``policy`` key
behaves exactly as documented. Sections reject unknown keys and validate ranges with messages
that say what to write instead, because a typo in a threshold silently changes who reaches a
person.
"""

from __future__ import annotations

from typing import Any, Dict, List

from pydantic import Field, root_validator, validator

from handoff.section import Section

DEFAULT_SENSITIVE_INTENTS = ["refund_request", "billing_dispute", "account_security", "complaint"]
DEFAULT_INFORMATIONAL_INTENTS = [
    "return_policy",
    "shipping_times",
    "payment_methods",
    "opening_hours",
]
DEFAULT_LEGAL_PHRASES = [
    "i'll sue",
    "i will sue",
    "i'm going to sue",
    "sue you",
    "my lawyer",
    "my solicitor",
    "my attorney",
    "legal action",
    "take you to court",
    "see you in court",
    "small claims court",
    "legal steps",
    "legal proceedings",
    "court action",
    "a solicitor",
    "a lawyer",
    "an attorney",
    "legal advice",
    "acting for my client",
    "on behalf of my client",
    "legal correspondence",
    "legal department",
    "consumer lawyer",
]
DEFAULT_FORMAL_COMPLAINT_PHRASES = [
    "formal complaint",
    "complaint in writing",
    "written complaint",
    "register a complaint",
    "register this as a complaint",
    "log a complaint",
    "raise a complaint",
    "submit a complaint",
    "official complaint",
    "file a complaint",
    "lodge a complaint",
    "make a complaint",
    "consumer protection",
    "trading standards",
    "ombudsman",
    "formal grievance",
    "official grievance",
    "lodge a grievance",
]
DEFAULT_PHRASE_ONLY_INTENTS = ["complaint"]
DEFAULT_QUESTION_OPENERS = [
    "how long", "how many", "how much", "how do i", "how can i", "how does", "how do refunds",
    "when will", "when do", "when does", "what is your", "whats your", "what are your",
    "what is the", "is it possible", "can i", "could i", "do you", "do i", "where can i",
    "is there a way", "does the", "does it", "will i", "would i", "if i", "what do you",
    "what does", "whats the", "where do i", "where would i", "how would i", "how to",
    "what happens if", "wheres the", "wheres that", "where in my", "where on the",
    "where on your",
]  # fmt: skip
DEFAULT_PROBLEM_PHRASES = [
    "i want", "i need", "id like", "i would like", "give me", "charged me", "charged my",
    "charged twice", "twice", "i never", "never made", "never ordered", "wasnt me", "not me",
    "hacked", "stolen", "someone logged", "someone changed", "someone used", "someone has",
    "someone got", "someone is", "someone else", "broken", "damaged", "wrong", "missing",
    "my money back",
    "refund me", "dispute", "unauthorised", "unauthorized", "fraud", "still not", "still no",
    "still nothing", "never arrived", "never received", "havent received", "hasnt arrived",
]  # fmt: skip
DEFAULT_FAQ_ANSWERS = {
    "refund_request": "utter_return_policy",
    "billing_dispute": "utter_payment_methods",
    "account_security": "utter_account_help",
}
DEFAULT_VENTING_INTENTS = ["complaint"]
DEFAULT_NOT_ANSWERED_PHRASES = [
    "not what i asked",
    "not what i meant",
    "not my question",
    "you didn't answer my question",
    "you did not answer my question",
    "that doesn't answer my question",
    "that does not answer my question",
    "you're not answering my question",
    "read my question",
    "answer my question",
    "answer the question",
    "what i asked",
    "i asked if",
    "i asked whether",
    "i already asked",
    "my question was",
    "that's not an answer",
    "you haven't answered",
    "you have not answered",
    "doesn't answer it",
    "does not answer it",
    "that doesn't answer",
    "that does not answer",
]
DEFAULT_SMALLTALK_INTENTS = [
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "inform",
    "handback",
]


def _intent_list(values: List[str]) -> List[str]:
    """Strip the names; reject blanks and duplicates (a duplicate is usually a typo)."""
    names = [str(value).strip() for value in values]
    if any(not name for name in names):
        raise ValueError("an intent name is empty")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"listed twice: {', '.join(duplicates)}")
    return names


def _phrase_list(values: List[str]) -> List[str]:
    phrases = [str(value).strip().lower() for value in values]
    if any(len(phrase) < 3 for phrase in phrases):
        raise ValueError("a phrase must have at least 3 characters (short ones match everywhere)")
    return phrases


class ExplicitRequestSettings(Section):
    """The customer asks for a person: always handed over at once."""

    intents: List[str] = Field(default_factory=lambda: ["human_handoff"])

    _names = validator("intents", allow_reuse=True)(_intent_list)


class InformationalQuestionSettings(Section):
    """What makes a message about a sensitive topic an FAQ question (``policy.informational``)."""

    # the message opens with one of these (after a greeting): it asks how something works
    openers: List[str] = Field(default_factory=lambda: list(DEFAULT_QUESTION_OPENERS))
    # ... unless it also states a problem of the customer's own
    problem_phrases: List[str] = Field(default_factory=lambda: list(DEFAULT_PROBLEM_PHRASES))

    _lists = validator("openers", "problem_phrases", allow_reuse=True)(_phrase_list)


class SensitiveTopicSettings(Section):
    """Topics only a person may handle (``topic`` signal: the intent, or the phrase topic)."""

    intents: List[str] = Field(default_factory=lambda: list(DEFAULT_SENSITIVE_INTENTS))
    # topic -> phrases: a narrow safety net for what the NLU has no intent for (legal threats)
    phrases: Dict[str, List[str]] = Field(
        default_factory=lambda: {
            "legal": DEFAULT_LEGAL_PHRASES,
            "formal_complaint": DEFAULT_FORMAL_COMPLAINT_PHRASES,
        }
    )
    # intents that are sensitive only together with one of the phrases: a complaint is a
    # formal complaint or a legal threat only when it says so; otherwise the customer is
    # venting, and frustration decides (``frustration.intents``)
    phrase_only_intents: List[str] = Field(
        default_factory=lambda: list(DEFAULT_PHRASE_ONLY_INTENTS)
    )
    # sensitive intent -> the FAQ response the bot gives when the message is only a question
    # about the topic ("how long do refunds take?"); intents not listed always go to a person
    faq_answers: Dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_FAQ_ANSWERS))
    informational: InformationalQuestionSettings = Field(
        default_factory=InformationalQuestionSettings
    )
    # FAQ intents about the same topics ("how long do refunds take?"): never sensitive
    informational_intents: List[str] = Field(
        default_factory=lambda: list(DEFAULT_INFORMATIONAL_INTENTS)
    )

    _names = validator("intents", "informational_intents", "phrase_only_intents", allow_reuse=True)(
        _intent_list
    )

    @root_validator(pre=True)
    def _defaults_follow_intents(cls, values: Dict[str, Any]) -> Dict[str, Any]:  # noqa: N805
        """Apply the default FAQ answers and phrase-only intents only to listed intents.

        A designer who narrows ``intents`` should not have to clear defaults that name the
        intents they removed; values they write themselves are checked strictly.
        """
        if "intents" not in values:
            return values
        listed = set(values["intents"] or [])
        values = dict(values)
        if "faq_answers" not in values:
            values["faq_answers"] = {
                intent: answer for intent, answer in DEFAULT_FAQ_ANSWERS.items() if intent in listed
            }
        if "phrase_only_intents" not in values:
            values["phrase_only_intents"] = [i for i in DEFAULT_PHRASE_ONLY_INTENTS if i in listed]
        return values

    @validator("phrases")
    def _phrases(cls, phrases: Dict[str, List[str]]) -> Dict[str, List[str]]:  # noqa: N805
        return {topic: _phrase_list(values) for topic, values in phrases.items()}

    @root_validator(skip_on_failure=True)
    def _faq_is_not_sensitive(cls, values: Dict[str, List[str]]) -> Dict[str, List[str]]:  # noqa: N805
        both = sorted(set(values["intents"]) & set(values["informational_intents"]))
        if both:
            raise ValueError(
                f"{', '.join(both)}: listed both as sensitive and as informational; "
                "keep each intent in one list"
            )
        unanswerable = sorted(set(values["faq_answers"]) - set(values["intents"]))
        if unanswerable:
            raise ValueError(
                f"faq_answers: {', '.join(unanswerable)} must also be listed in intents"
            )
        stray = sorted(set(values["phrase_only_intents"]) - set(values["intents"]))
        if stray:
            raise ValueError(
                f"phrase_only_intents: {', '.join(stray)} must also be listed in intents"
            )
        return values


class HighValueSettings(Section):
    """Requests that bypass the bot (the routing maps the ``topic`` signal to a team)."""

    intents: List[str] = Field(default_factory=lambda: ["cancel_account", "enterprise_pricing"])

    _names = validator("intents", allow_reuse=True)(_intent_list)


class FrustrationSettings(Section):
    """When the customer's frustration (the NLU's ``frustration.score``) hands over."""

    threshold: float = Field(default=0.75, ge=0, le=1)  # the current message alone
    # intents that mean the customer is venting ("worst service ever"): frustrated whatever
    # the score (a formal complaint or legal threat is a sensitive topic first)
    intents: List[str] = Field(default_factory=lambda: list(DEFAULT_VENTING_INTENTS))
    window: int = Field(default=3, ge=2, le=10)  # customer turns the trend looks at
    trend_threshold: float = Field(default=0.55, ge=0, le=1)  # mean score over the window
    trend_floor: float = Field(default=0.5, ge=0, le=1)  # a turn "counts" as frustrated from here
    trend_min_turns: int = Field(default=2, ge=1)  # at least this many turns at or above the floor

    _names = validator("intents", allow_reuse=True)(_intent_list)

    @root_validator(skip_on_failure=True)
    def _consistent(cls, values: Dict[str, float]) -> Dict[str, float]:  # noqa: N805
        if values["trend_threshold"] > values["threshold"]:
            raise ValueError(
                f"trend_threshold ({values['trend_threshold']}) must not be above threshold "
                f"({values['threshold']}): the trend catches what a single message does not"
            )
        if values["trend_min_turns"] > values["window"]:
            raise ValueError(
                f"trend_min_turns ({values['trend_min_turns']}) must not exceed window "
                f"({values['window']})"
            )
        return values


class LoopingSettings(Section):
    """The bot fell back or asked to rephrase several times in a row."""

    max_fallbacks: int = Field(default=2, ge=1, le=10)
    fallback_intents: List[str] = Field(default_factory=lambda: ["nlu_fallback"])
    rephrase_actions: List[str] = Field(
        default_factory=lambda: [
            "utter_default",
            "utter_ask_rephrase",
            "action_default_fallback",
            "action_default_ask_rephrase",
        ]
    )

    _names = validator("fallback_intents", "rephrase_actions", allow_reuse=True)(_intent_list)


class RepeatedQuestionSettings(Section):
    """The customer asks the same thing again, or says the answer missed the question."""

    times: int = Field(default=3, ge=2, le=10)
    # ... within the latest `window` customer turns: asking about one's order at turns 3, 40
    # and 90 of a long chat is three questions, not one repeated (and the policy's work per
    # turn stays bounded, see PolicySettings.lookback)
    window: int = Field(default=10, ge=2, le=50)
    similarity: float = Field(default=0.8, gt=0, le=1)  # token Jaccard of near-duplicate messages
    phrases: List[str] = Field(default_factory=lambda: list(DEFAULT_NOT_ANSWERED_PHRASES))
    # intents that are not a "request" (repeating "thanks" is not a repeated question)
    ignore_intents: List[str] = Field(default_factory=lambda: list(DEFAULT_SMALLTALK_INTENTS))

    _names = validator("ignore_intents", allow_reuse=True)(_intent_list)
    _phrases = validator("phrases", allow_reuse=True)(_phrase_list)

    @root_validator(skip_on_failure=True)
    def _window_holds_times(cls, values: Dict[str, Any]) -> Dict[str, Any]:  # noqa: N805
        if values["window"] < values["times"]:
            raise ValueError(
                f"window ({values['window']}) must not be below times ({values['times']}): "
                "the repetitions must fit in it"
            )
        return values


class LowConfidenceSettings(Section):
    """The bot is unsure: *offer* a person with buttons, do not force a handoff."""

    offer_threshold: float = Field(default=0.60, ge=0, le=1)  # the NLU's ``bot_uncertainty.score``
    # intents that mean "the bot has no answer for this" however sure the NLU is
    unanswered_intents: List[str] = Field(default_factory=list)
    accept_intents: List[str] = Field(default_factory=lambda: ["affirm"])
    decline_intents: List[str] = Field(default_factory=lambda: ["deny"])
    # a message that names people/staff/a human without asking for one gets the offer too
    offer_on_person_mention: bool = True

    _names = validator("unanswered_intents", "accept_intents", "decline_intents", allow_reuse=True)(
        _intent_list
    )


class PolicySettings(Section):
    """The ``policy`` section of ``handoff.yml``: when the bot hands over, and why."""

    explicit_request: ExplicitRequestSettings = Field(default_factory=ExplicitRequestSettings)
    sensitive_topic: SensitiveTopicSettings = Field(default_factory=SensitiveTopicSettings)
    high_value: HighValueSettings = Field(default_factory=HighValueSettings)
    frustration: FrustrationSettings = Field(default_factory=FrustrationSettings)
    looping: LoopingSettings = Field(default_factory=LoopingSettings)
    repeated_question: RepeatedQuestionSettings = Field(default_factory=RepeatedQuestionSettings)
    low_confidence: LowConfidenceSettings = Field(default_factory=LowConfidenceSettings)

    @property
    def lookback(self) -> int:
        """Return how many of the latest customer turns the triggers read in full.

        The longest look back of any trigger (the frustration trend's window, the fallbacks
        in a row that make a loop, the repeated question's window) plus the turn before
        them: the policy reads no further, so a turn costs the same at turn 200 as at turn
        2. Only "the customer declined an offer in this stretch" needs older turns, and
        reads just their intents (:func:`handoff.policy.turns.declined_in`).
        """
        return 1 + max(
            self.frustration.window, self.looping.max_fallbacks, self.repeated_question.window
        )

    @root_validator(skip_on_failure=True)
    def _one_reason_per_intent(cls, values: Dict[str, Any]) -> Dict[str, Any]:  # noqa: N805
        lists = {
            "explicit_request.intents": values["explicit_request"].intents,
            "sensitive_topic.intents": values["sensitive_topic"].intents,
            "high_value.intents": values["high_value"].intents,
        }
        seen: Dict[str, str] = {}
        for key, intents in lists.items():
            for intent in intents:
                if intent in seen:
                    raise ValueError(
                        f"{intent}: in both {seen[intent]} and {key}; an intent gives one reason"
                    )
                seen[intent] = key
        faq = set(values["sensitive_topic"].informational_intents) & set(seen)
        if faq:
            raise ValueError(
                f"{', '.join(sorted(faq))}: informational intents never hand over; "
                "remove them from sensitive_topic.informational_intents"
            )
        return values
