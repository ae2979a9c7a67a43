"""The trigger policy over tracker events (plain dicts), with real frustration scores."""

import json
from functools import cache
from typing import Any, Dict, List, Optional

import pytest
from pydantic import ValidationError

from handoff.policy import (
    OFFER_METADATA_KEY,
    PRIORITY,
    PolicyAction,
    PolicyDecision,
    PolicySettings,
    SignalName,
    evaluate,
)
from handoff.reasons import HandoffReason
from handoff.signals.frustration import find_cues
from handoff.signals.frustration_model import FrustrationModel

_UNSET: Any = object()

SESSION = {"event": "session_started"}
PAUSE = {"event": "pause"}
RESUME = {"event": "resume"}
LISTEN = {"event": "action", "name": "action_listen"}
HANDBACK = {
    "event": "user",
    "text": "EXTERNAL: handback",
    "parse_data": {"intent": {"name": "handback", "confidence": 1.0}},
}


@cache
def real_score(text: str) -> float:
    """The FrustrationScorer's score with its default (calibrated, rounded) weights."""
    return round(FrustrationModel().score(text), 4)


def user(
    text: str,
    intent: Optional[str] = "order_status",
    confidence: float = 0.93,
    frustration: Optional[float] = _UNSET,
    uncertainty: Optional[float] = 0.2,
    fallback: bool = False,
) -> Dict[str, Any]:
    """A user event as rasa_sdk's tracker.events holds it; frustration from the real scorer."""
    parse: Dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": [],
    }
    score = real_score(text) if frustration is _UNSET else frustration
    if score is not None:
        parse["frustration"] = {"score": score, "cues": find_cues(text).as_signals()}
    if uncertainty is not None:
        parse["bot_uncertainty"] = {
            "score": uncertainty,
            "novelty": uncertainty,
            "top_confidence": confidence,
            "margin": confidence / 2,
            "entropy": 0.3,
            "fallback": fallback,
        }
    return {"event": "user", "text": text, "parse_data": parse, "timestamp": 1_700_000_000.0}


def bot(text: str = "Here you go.", utter: Optional[str] = None, offer: bool = False) -> Dict:
    metadata: Dict[str, Any] = {}
    if utter:
        metadata["utter_action"] = utter
    if offer:
        metadata[OFFER_METADATA_KEY] = True
    return {"event": "bot", "text": text, "metadata": metadata}


def action(name: str) -> Dict[str, Any]:
    return {"event": "action", "name": name}


def answered(*turns: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Customer turns, each answered by the bot (an FAQ answer, then listening)."""
    events: List[Dict[str, Any]] = [SESSION, LISTEN]
    for turn in turns:
        events += [turn, action("utter_answer"), bot(utter="utter_answer"), LISTEN]
    return events


def fallback(text: str = "blorp the wardrobe gizmo") -> Dict[str, Any]:
    return user(text, "nlu_fallback", 0.71, uncertainty=0.71, fallback=True)


def fell_back(text: str = "blorp the wardrobe gizmo") -> List[Dict[str, Any]]:
    """A turn the bot did not understand, answered with the rephrase request."""
    return [fallback(text), action("utter_default"), bot("Sorry, could you rephrase?"), LISTEN]


def offered(text: str = "flibber my ottoman") -> List[Dict[str, Any]]:
    """An uncertain turn answered with the offer of a person."""
    return [
        user(text, "out_of_scope", 0.41, uncertainty=0.62),
        action("utter_offer_handoff"),
        bot("I'm not sure I got that. Shall I put you through to a person?", offer=True),
        LISTEN,
    ]


def triggers(decision: PolicyDecision) -> List[str]:
    return decision.signal(SignalName.TRIGGERS) or []


def assert_none(decision: PolicyDecision) -> None:
    assert decision.action is PolicyAction.NONE
    assert decision.reason is None
    assert triggers(decision) == []


# --- explicit request ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, intent, phrase",
    [
        ("I want to talk to a human", "human_handoff", True),
        ("/human_handoff", "human_handoff", False),  # the button's payload
        ("I'd rather deal with an employee", "human_handoff", False),
        ("let me speak to a real person please", "out_of_scope", True),  # NLU missed it
        ("agent pls", "inform", True),
        ("no, just get me a person", "deny", True),
    ],
)
def test_an_explicit_request_hands_over_at_once(text, intent, phrase):
    decision = evaluate([SESSION, user(text, intent)])

    assert decision.action is PolicyAction.HANDOFF
    assert decision.reason is HandoffReason.EXPLICIT_REQUEST
    assert decision.signal(SignalName.INTENT)["name"] == intent
    assert (decision.signal(SignalName.EXPLICIT_PHRASE) is True) is phrase


@pytest.mark.parametrize(
    "text",
    [
        "I don't need to speak to anyone, just tell me whether you take Google Pay",
        "no need for a person, do you deliver to Austria?",
    ],
)
def test_saying_no_person_is_needed_is_no_request_even_if_the_nlu_says_so(text):
    decision = evaluate([SESSION, user(text, "human_handoff", frustration=0.1)])

    assert decision.reason is not HandoffReason.EXPLICIT_REQUEST


def test_a_button_payload_without_parse_data_is_read_as_its_intent():
    event = {"event": "user", "text": "/human_handoff", "parse_data": {}}

    assert evaluate([SESSION, event]).reason is HandoffReason.EXPLICIT_REQUEST


@pytest.mark.parametrize(
    "text, intent",
    [
        ("do you sell cleaning agents?", "out_of_scope"),
        ("are your cleaning agents eco friendly?", "out_of_scope"),
        ("are you a real person?", "bot_challenge"),
        ("how many people fit on the corner sofa", "out_of_scope"),
        ("my colleague ordered the desk for me", "order_status"),
    ],
)
def test_look_alikes_are_not_explicit_requests(text, intent):
    assert_none(evaluate([SESSION, user(text, intent)]))


def test_yes_to_an_offered_person_is_an_explicit_request():
    decision = evaluate([SESSION, *offered(), user("/affirm", "affirm", 1.0)])

    assert decision.reason is HandoffReason.EXPLICIT_REQUEST
    assert decision.signal(SignalName.OFFER_ACCEPTED) is True


def test_a_yes_the_nlu_is_unsure_about_does_not_accept_the_offer():
    shaky = user("\U0001f636\U0001f636\U0001f636", "affirm", 0.73, uncertainty=0.6)
    decision = evaluate([SESSION, *offered(), shaky])

    assert decision.reason is not HandoffReason.EXPLICIT_REQUEST


def test_yes_without_an_offer_is_just_yes():
    assert_none(
        evaluate(answered(user("where is my order", "order_status"))[:-1] + [user("yes", "affirm")])
    )


# --- sensitive topics and high value -------------------------------------------------------


@pytest.mark.parametrize(
    "text, intent",
    [
        ("I want my money back for the broken lamp", "refund_request"),
        ("you charged my card twice", "billing_dispute"),
        ("someone logged into my account", "account_security"),
    ],
)
def test_a_sensitive_topic_hands_over_with_its_topic(text, intent):
    decision = evaluate([SESSION, user(text, intent)])

    assert decision.reason is HandoffReason.SENSITIVE_TOPIC
    assert decision.action is PolicyAction.HANDOFF
    assert decision.signal(SignalName.TOPIC) == intent


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("I want to make a formal complaint about the driver", "formal complaint"),
        ("how do I lodge a complaint with you", "lodge a complaint"),
        ("I'm reporting you to consumer protection", "consumer protection"),
        (
            "please keep this on file as a written complaint, the fitter damaged our stairs",
            "written complaint",
        ),
    ],
)
def test_a_formal_complaint_is_a_sensitive_topic(text, phrase):
    decision = evaluate([SESSION, user(text, "complaint", frustration=0.2)])

    assert decision.reason is HandoffReason.SENSITIVE_TOPIC
    assert decision.signal(SignalName.TOPIC) == "formal_complaint"
    assert decision.signal(SignalName.SENSITIVE_PHRASE) == phrase


@pytest.mark.parametrize(
    "text",
    [
        "this is the worst service i've ever had",
        "it's been three weeks, this is ridiculous",
        "the sofa arrived broken and I'm furious",
    ],
)
def test_a_complaint_without_formal_words_is_venting_so_frustration(text):
    # scored low on purpose: the NLU reading the message as a complaint is enough
    decision = evaluate([SESSION, user(text, "complaint", frustration=0.3)])

    assert decision.reason is HandoffReason.FRUSTRATION
    assert decision.signal(SignalName.VENTING_INTENT) == "complaint"
    assert HandoffReason.SENSITIVE_TOPIC.value not in triggers(decision)


def test_phrase_only_intents_must_be_sensitive_intents():
    with pytest.raises(ValueError, match="phrase_only_intents: order_status must also be listed"):
        PolicySettings.parse_obj(
            {
                "sensitive_topic": {
                    "intents": ["refund_request"],
                    "phrase_only_intents": ["order_status"],
                    "faq_answers": {},
                }
            }
        )


@pytest.mark.parametrize(
    "text, intent, phrase",
    [
        ("my lawyer will hear about this", "order_status", "my lawyer"),
        ("I'll sue you if the sofa doesn't come", "out_of_scope", "i'll sue"),
        ("I won't hesitate to take legal action", "order_status", "legal action"),
        ("see you in court", "goodbye", "see you in court"),
        # a lawyer writing for a customer, venting intent or not
        ("I write on behalf of my client about order 55120934", "complaint",
         "on behalf of my client"),
        ("please forward this to your legal department", "complaint", "legal department"),
    ],
)  # fmt: skip
def test_a_legal_threat_is_sensitive_whatever_the_intent(text, intent, phrase):
    decision = evaluate([SESSION, user(text, intent)])

    assert decision.reason is HandoffReason.SENSITIVE_TOPIC
    assert decision.signal(SignalName.TOPIC) == "legal"
    assert decision.signal(SignalName.SENSITIVE_PHRASE) == phrase


@pytest.mark.parametrize(
    "text, intent",
    [
        ("I'm not going to sue you, I just want my table", "order_status"),
        ("do I need to issue a return label?", "return_policy"),
        ("is the lawyer's desk in stock?", "out_of_scope"),
        # informational FAQ intents never escalate, not even through a phrase
        ("how long do refunds take?", "return_policy"),
        ("my lawyer asked: what is your return policy?", "return_policy"),
        ("can I return a chair after 30 days?", "return_policy"),
        ("when will my refund show up on my card?", "return_policy"),
    ],
)
def test_faqs_and_non_threats_stay_with_the_bot(text, intent):
    assert_none(evaluate([SESSION, user(text, intent)]))


@pytest.mark.parametrize(
    "text, intent, answer",
    [
        ("how long do refunds take?", "refund_request", "utter_return_policy"),
        ("roughly how many days until a refund shows up on my card?", "refund_request",
         "utter_return_policy"),
        ("can I send back a lamp I bought two weeks ago?", "refund_request",
         "utter_return_policy"),
        ("hi, how do I change the password on my account?", "account_security",
         "utter_account_help"),
        ("what is your policy on double charges?", "billing_dispute", "utter_payment_methods"),
        # the question follows a statement, or is hypothetical
        ("moved house, where's the setting for my delivery address?", "account_security",
         "utter_account_help"),
        ("I think my password is too weak, where can I change it?", "account_security",
         "utter_account_help"),
        ("if I send a table back, does the refund go to my PayPal?", "refund_request",
         "utter_return_policy"),
        # an emoji ends a clause too; "do I need" asks, it does not state a need
        ("lost my password again 🙈 where do I reset it", "account_security",
         "utter_account_help"),
        ("is there a way to unlock my account myself or do I need to call someone?",
         "account_security", "utter_account_help"),
        ("to be safe I update my password every month. where do I do that?",
         "account_security", "utter_account_help"),
        ("where in my profile settings can I turn on two-step login?", "account_security",
         "utter_account_help"),
    ],
)  # fmt: skip
def test_an_informational_question_on_a_sensitive_intent_gets_the_faq_answer(text, intent, answer):
    decision = evaluate([SESSION, user(text, intent, frustration=0.1)])

    assert decision.action is PolicyAction.NONE
    assert decision.signal(SignalName.FAQ_ANSWER) == answer


@pytest.mark.parametrize(
    "text, intent",
    [
        ("I want a refund for the broken mirror", "refund_request"),
        ("can I get my money back? the chair arrived damaged", "refund_request"),
        ("how do I stop someone using my account, it was hacked", "account_security"),
        ("you charged me twice for order 55120934", "billing_dispute"),
        ("do I really have to wait, I never ordered this", "billing_dispute"),
        # no opener: a statement about the customer's own case
        ("my refund hasn't arrived", "refund_request"),
        # a question after the customer's own problem
        ("I returned the sofa in May and still nothing, when will I get it?", "refund_request"),
        ("the chair was broken, if I send it back do I get all my money?", "refund_request"),
        ("where do I send the form? I need my money back for the bed", "refund_request"),
    ],
)
def test_a_question_that_states_a_problem_stays_a_sensitive_topic(text, intent):
    decision = evaluate([SESSION, user(text, intent, frustration=0.1)])

    assert decision.reason is HandoffReason.SENSITIVE_TOPIC
    assert decision.signal(SignalName.FAQ_ANSWER) is None


@pytest.mark.parametrize(
    "text", ["if you don't replace it I'll be taking legal steps", "expect court action"]
)
def test_legal_steps_and_court_action_are_legal_threats(text):
    decision = evaluate([SESSION, user(text, "complaint", frustration=0.5)])

    assert decision.reason is HandoffReason.SENSITIVE_TOPIC
    assert decision.signal(SignalName.TOPIC) == "legal"


@pytest.mark.parametrize(
    "text, topic",
    [
        ("I am contacting a solicitor unless you take it back", "legal"),
        ("How do I lodge a formal grievance about your courier?", "formal_complaint"),
    ],
)
def test_solicitors_and_grievances_are_sensitive_even_as_questions(text, topic):
    decision = evaluate([SESSION, user(text, "complaint", frustration=0.4)])

    assert decision.reason is HandoffReason.SENSITIVE_TOPIC
    assert decision.signal(SignalName.TOPIC) == topic


def test_asking_someone_is_not_a_stranger_in_the_account():
    text = "is there a way to set a new password myself or should I ask someone?"
    decision = evaluate([SESSION, user(text, "account_security", frustration=0.1)])

    assert decision.action is PolicyAction.NONE
    assert decision.signal(SignalName.FAQ_ANSWER) == "utter_account_help"


def test_a_sensitive_intent_on_you_did_not_answer_is_about_the_answer():
    events = [*answered(user("when are you open", "opening_hours")),
              user("no, you didn't answer my question", "account_security")]  # fmt: skip

    assert evaluate(events).reason is HandoffReason.REPEATED_QUESTION


def test_a_legal_threat_inside_a_question_is_still_sensitive():
    text = "how long until my lawyer hears about the refund?"
    decision = evaluate([SESSION, user(text, "refund_request", frustration=0.1)])

    assert decision.reason is HandoffReason.SENSITIVE_TOPIC
    assert decision.signal(SignalName.TOPIC) == "legal"


def test_faq_answers_must_name_sensitive_intents():
    with pytest.raises(ValueError, match="faq_answers: order_status must also be listed"):
        PolicySettings.parse_obj(
            {"sensitive_topic": {"faq_answers": {"order_status": "utter_order_status"}}}
        )


def test_a_whole_faq_conversation_about_refunds_never_escalates():
    turns = [
        user("hi", "greet"),
        user("how long do refunds take?", "return_policy"),
        user("can I return a chair after 30 days?", "return_policy"),
        user("which cards do you take?", "payment_methods"),
        user("thanks, that helps", "thank"),
    ]
    events = answered(*turns)
    for end in range(1, len(events) + 1):
        assert evaluate(events[:end]).action is PolicyAction.NONE


@pytest.mark.parametrize(
    "text, intent",
    [
        ("I want to cancel my account", "cancel_account"),
        ("we need pricing for 40 offices", "enterprise_pricing"),
    ],
)
def test_high_value_requests_bypass_the_bot_with_their_topic(text, intent):
    decision = evaluate([SESSION, user(text, intent)])

    assert decision.reason is HandoffReason.HIGH_VALUE
    assert decision.signal(SignalName.TOPIC) == intent


def test_topic_lists_are_configurable():
    settings = PolicySettings.parse_obj(
        {
            "sensitive_topic": {"intents": ["complaint"], "phrases": {}},
            "high_value": {"intents": ["enterprise_pricing", "bulk_order"]},
        }
    )

    assert (
        evaluate(
            [SESSION, user("money back now", "refund_request", frustration=0.3)], settings
        ).action
        is PolicyAction.NONE
    )
    assert (
        evaluate([SESSION, user("my lawyer", "order_status")], settings).action is PolicyAction.NONE
    )
    assert (
        evaluate([SESSION, user("200 chairs", "bulk_order")], settings).reason
        is HandoffReason.HIGH_VALUE
    )


# --- frustration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "this is ridiculous, I have been waiting three weeks!!!",
        "USELESS BOT. WHERE IS MY SOFA",
        "it's been two weeks and still no delivery",
        "seriously?? still waiting",
        "I have been waiting since Monday",
    ],
)
def test_one_clearly_frustrated_message_is_enough(text):
    assert real_score(text) >= 0.75  # the scorer's own view, not an invented number
    decision = evaluate([SESSION, user(text, "order_status")])

    assert decision.reason is HandoffReason.FRUSTRATION
    assert decision.signal(SignalName.FRUSTRATION_SCORE) == real_score(text)
    assert decision.signal(SignalName.FRUSTRATION_TREND) == [real_score(text)]
    assert decision.signal(SignalName.FRUSTRATION_CUES) == find_cues(text).as_signals() != []


@pytest.mark.parametrize(
    "text",
    [
        "unfortunately my parcel is a bit late",  # a single polite complaint
        "I am not angry, just wondering where my order is",  # negation
        "that's not a problem, no rush",
        "I hate rainy Mondays, will the delivery still come?",  # negative, not at us
        "my order hasn't arrived yet",
        "unfortunately the lamp arrived damaged",
    ],
)
def test_polite_or_negated_complaints_are_not_frustration(text):
    assert_none(evaluate([SESSION, user(text, "order_status")]))


def test_rising_frustration_over_three_turns_hands_over():
    texts = [
        "not happy with the delivery",
        "it still hasn't arrived",
        "are you kidding me? still no update",
    ]
    scores = [real_score(text) for text in texts]
    assert max(scores) < 0.75  # no single message would do it
    events = answered(*(user(text, "order_status") for text in texts))[:-3]

    decision = evaluate(events)

    assert decision.reason is HandoffReason.FRUSTRATION
    assert decision.signal(SignalName.FRUSTRATION_TREND) == scores
    assert evaluate(events[:-4]).action is PolicyAction.NONE  # two turns are not a trend


def _scored(*scores: Optional[float]) -> List[Dict[str, Any]]:
    return answered(*(user(f"message {i}", "inform", frustration=s) for i, s in enumerate(scores)))


@pytest.mark.parametrize(
    "scores, fires",
    [
        ((0.75,), True),  # the threshold itself counts
        ((0.7499,), False),
        ((0.5, 0.55, 0.6), True),  # mean exactly 0.55, two at or above 0.5, rising
        ((0.5, 0.5497, 0.6), False),  # mean 0.5499
        ((0.1, 0.2, 0.5, 0.55, 0.6), True),  # only the last three count
        ((0.45, 0.49, 0.74), False),  # mean 0.56 but one turn above 0.5
        ((0.7, 0.6, 0.55), False),  # sustained but calming down: not rising
        ((0.6, 0.6, 0.6), False),  # flat
        ((0.55, 0.7), False),  # not a full window yet
        ((0.5, None, 0.55, 0.6), True),  # turns without a score (button payloads) are skipped
        ((0.5, 0.55, 0.6, 0.1), False),  # the latest message calmed down
    ],
)
def test_frustration_thresholds_and_trend_at_the_boundaries(scores, fires):
    decision = evaluate(_scored(*scores))

    assert (decision.reason is HandoffReason.FRUSTRATION) is fires


def test_frustration_settings_change_the_thresholds():
    settings = PolicySettings.parse_obj({"frustration": {"threshold": 0.9, "window": 2}})

    assert evaluate(_scored(0.8), settings).action is PolicyAction.NONE
    assert evaluate(_scored(0.55, 0.7), settings).reason is HandoffReason.FRUSTRATION


# --- looping -------------------------------------------------------------------------------


def test_two_fallbacks_in_a_row_hand_over():
    decision = evaluate([SESSION, *fell_back(), fallback("grmbl the thingy on my delivery")])

    assert decision.reason is HandoffReason.LOOPING
    assert decision.signal(SignalName.FALLBACKS_IN_A_ROW) == 2
    assert triggers(decision) == ["looping", "low_confidence"]


def test_one_fallback_only_offers_a_person():
    decision = evaluate([SESSION, fallback()])

    assert decision.reason is HandoffReason.LOW_CONFIDENCE
    assert decision.action is PolicyAction.OFFER


def test_a_handled_turn_in_between_starts_the_count_again():
    events = [SESSION, *fell_back(), *answered(user("where is my order", "order_status"))[1:]]

    assert evaluate([*events, fallback("zorp")]).reason is HandoffReason.LOW_CONFIDENCE


@pytest.mark.parametrize("rephrase", ["utter_default", "action_default_fallback"])
def test_a_rephrase_action_after_a_confident_intent_counts_as_a_fallback(rephrase):
    misunderstood = [
        user("the thing with the legs wobbles", "out_of_scope", uncertainty=0.3),
        action(rephrase),
        bot("Sorry, could you rephrase?"),
        LISTEN,
    ]
    events = [SESSION, *misunderstood, fallback("the wobbly leg thing")]

    assert evaluate(events).reason is HandoffReason.LOOPING


def test_the_utter_action_in_bot_metadata_counts_too():
    events = [SESSION, user("mmh", "out_of_scope"), bot("Rephrase?", utter="utter_default")]

    assert evaluate([*events, fallback()]).reason is HandoffReason.LOOPING


def test_max_fallbacks_is_configurable():
    settings = PolicySettings.parse_obj({"looping": {"max_fallbacks": 3}})
    events = [SESSION, *fell_back(), fallback("grmbl")]

    assert evaluate(events, settings).reason is HandoffReason.LOW_CONFIDENCE
    assert evaluate([SESSION, *fell_back(), *fell_back("b"), fallback()], settings).reason is (
        HandoffReason.LOOPING
    )


# --- repeated question ---------------------------------------------------------------------


def test_the_same_request_three_times_hands_over():
    texts = ["where is my order?", "I gave you the number, where is it", "so when does it come"]
    events = answered(*(user(text, "order_status", frustration=0.3) for text in texts))

    decision = evaluate(events[:-3])

    assert decision.reason is HandoffReason.REPEATED_QUESTION
    assert decision.signal(SignalName.REPEATED_INTENT) == {"name": "order_status", "times": 3}
    assert evaluate(events[:-7]).action is PolicyAction.NONE  # twice is fine


def test_near_duplicate_texts_count_whatever_the_intent():
    texts = ["can you deliver to Spain", "CAN YOU DELIVER TO SPAIN??", "can you deliver to spain"]
    turns = [user(t, "out_of_scope", frustration=0.2) for t in texts]

    decision = evaluate(answered(*turns)[:-3])

    assert decision.reason is HandoffReason.REPEATED_QUESTION
    assert decision.signal(SignalName.REPEATED_TEXT) == {"times": 3, "similarity": 1.0}


@pytest.mark.parametrize(
    "third, fires",
    [
        ("where is my sofa order", True),  # Jaccard 4/5 = 0.8: the threshold itself counts
        ("where is my big sofa order", False),  # 4/6
    ],
)
def test_near_duplicates_at_the_similarity_boundary(third, fires):
    turns = [user(t, "out_of_scope", frustration=0.2) for t in ("where is my order",) * 2]
    events = answered(*turns)[:-3] + [user(third, "out_of_scope", frustration=0.2)]
    # the intent is a catch-all, so only the texts can make this a repetition
    decision = evaluate(events)

    assert (decision.reason is HandoffReason.REPEATED_QUESTION) is fires


@pytest.mark.parametrize(
    "text",
    [
        "that's not what I asked",
        "you didn't answer my question",
        "Thats NOT what i meant!",
        "no, that isn't what I asked, I meant on Sundays",
        "you didn't answer what I asked - do you deliver on Sundays?",
    ],
)
def test_saying_the_answer_missed_the_question_hands_over(text):
    decision = evaluate(
        [*answered(user("can I pay in instalments", "payment_methods")), user(text, "deny")]
    )

    assert decision.reason is HandoffReason.REPEATED_QUESTION
    assert decision.signal(SignalName.NOT_ANSWERED_PHRASE)


@pytest.mark.parametrize(
    "text", ["that's not what I asked", "can you answer my question about delivery to Spain?"]
)
def test_an_opening_message_cannot_miss_an_answer(text):
    assert_none(evaluate([SESSION, user(text, "out_of_scope", frustration=0.3)]))


@pytest.mark.parametrize(
    "texts, intent",
    [
        (["thanks", "thanks", "thanks"], "thank"),
        (["ok", "ok", "ok"], "affirm"),
        (["hi", "hello", "hi"], "greet"),
    ],
)
def test_repeated_small_talk_is_not_a_repeated_question(texts, intent):
    assert_none(evaluate(answered(*(user(t, intent, frustration=0.1) for t in texts))))


@pytest.mark.parametrize(
    "first, again",
    [
        (
            "can I change the delivery address of my order?",
            "can I change the delivery address of my order?",
        ),
        ("is the green sofa back in stock", "is the green sofa back in stock??"),
        ("do you deliver on sundays?", "Do you deliver on Sundays??"),
    ],
)
def test_asking_again_what_the_bot_did_not_understand_is_a_repeated_question(first, again):
    events = [SESSION, *fell_back(first), fallback(again)]

    decision = evaluate(events)

    assert decision.reason is HandoffReason.REPEATED_QUESTION
    assert decision.signal(SignalName.REPEATED_TEXT)["unanswered"] is True
    assert triggers(decision)[:2] == ["repeated_question", "looping"]


@pytest.mark.parametrize("rephrased", ["the blue one from last time", "you know, the wobbly thing"])
def test_rephrasing_what_the_bot_did_not_understand_stays_looping(rephrased):
    events = [SESSION, *fell_back("the thing with the stuff"), fallback(rephrased)]

    assert evaluate(events).reason is HandoffReason.LOOPING


def test_asking_again_after_an_answer_needs_three_times():
    asked = user("can I change the delivery address of my order?", "out_of_scope", frustration=0.2)

    assert_none(evaluate(answered(asked, asked)))


@pytest.mark.parametrize(
    "text", ["I asked if you deliver on Sundays", "my question was about Sunday delivery"]
)
def test_restating_the_question_counts_as_the_answer_missing_it(text):
    decision = evaluate(
        [*answered(user("do you deliver on sundays", "shipping_times")), user(text)]
    )

    assert decision.reason is HandoffReason.REPEATED_QUESTION
    assert decision.signal(SignalName.NOT_ANSWERED_PHRASE)


def test_the_latest_turn_must_be_one_of_the_repetitions():
    turns = [user("where is my order", "order_status", frustration=0.2)] * 3
    events = answered(*turns, user("thanks, bye", "goodbye"))

    assert_none(evaluate(events))


# --- low confidence and the offer ----------------------------------------------------------


@pytest.mark.parametrize(
    "uncertainty, fallback_flag, action",
    [
        (0.60, False, PolicyAction.OFFER),  # the threshold itself counts
        (0.5999, False, PolicyAction.NONE),
        (0.3, True, PolicyAction.OFFER),  # the scorer fell back
        (None, False, PolicyAction.NONE),  # no uncertainty scorer in the pipeline
    ],
)
def test_low_confidence_offers_a_person(uncertainty, fallback_flag, action):
    event = user(
        "my ottoman makes a noise", "out_of_scope", uncertainty=uncertainty, fallback=fallback_flag
    )

    decision = evaluate([SESSION, event])

    assert decision.action is action
    if action is PolicyAction.OFFER:
        assert decision.reason is HandoffReason.LOW_CONFIDENCE
        assert decision.signal(SignalName.BOT_UNCERTAINTY)["score"] == uncertainty


UNANSWERED = PolicySettings.parse_obj(
    {
        "low_confidence": {"unanswered_intents": ["out_of_scope"]},
        "looping": {"rephrase_actions": ["utter_default", "utter_offer_handoff"]},
    }
)


def test_a_question_the_bot_has_no_answer_for_offers_a_person_however_sure_the_nlu_is():
    sure = user("do you do gift wrapping", "out_of_scope", confidence=0.97, uncertainty=0.1)

    assert evaluate([SESSION, sure]).action is PolicyAction.NONE  # not listed: the bot answers
    decision = evaluate([SESSION, sure], UNANSWERED)
    assert decision.action is PolicyAction.OFFER
    assert decision.reason is HandoffReason.LOW_CONFIDENCE


def test_a_second_unanswerable_question_after_the_offer_is_looping():
    first = user("can my cat eat the packaging foam", "out_of_scope", uncertainty=0.1)
    offer = bot("Shall I put you through to a person?", utter="utter_offer_handoff", offer=True)
    events = [SESSION, first, action("action_offer_handoff"), offer, LISTEN]
    second = user("what about the cardboard then", "out_of_scope", uncertainty=0.1)

    decision = evaluate([*events, second], UNANSWERED)

    assert decision.reason is HandoffReason.LOOPING
    assert decision.action is PolicyAction.HANDOFF


def test_the_stock_fallback_intent_alone_offers_a_person():
    event = user("gizmo", "nlu_fallback", uncertainty=None)

    decision = evaluate([SESSION, event])

    assert decision.action is PolicyAction.OFFER
    assert decision.signal(SignalName.BOT_UNCERTAINTY) == {
        "fallback": True,
        "intent": "nlu_fallback",
    }


def test_a_declined_offer_is_recorded_and_not_repeated():
    declined = [SESSION, *offered(), user("/deny", "deny", 1.0)]

    at_decline = evaluate(declined)
    later = evaluate(
        [
            *declined,
            bot("OK, let's keep going."),
            LISTEN,
            user("frobnicate the couch", "out_of_scope", uncertainty=0.8),
        ]
    )

    assert_none(at_decline)
    assert at_decline.signal(SignalName.OFFER_DECLINED) is True
    assert_none(later)
    assert later.signal(SignalName.OFFER_DECLINED) is True


def test_a_no_that_does_not_follow_an_offer_is_no_decline():
    events = [*answered(user("can I pay by invoice", "payment_methods")), user("no", "deny")]

    assert evaluate(events).signal(SignalName.OFFER_DECLINED) is None


def test_declining_the_offer_does_not_block_stronger_triggers():
    declined = [SESSION, *offered(), user("no", "deny"), bot("OK."), LISTEN]

    assert evaluate([*declined, user("get me a human", "human_handoff")]).reason is (
        HandoffReason.EXPLICIT_REQUEST
    )
    assert evaluate([*declined, fallback(), *fell_back()[1:], fallback("x y")]).reason is (
        HandoffReason.LOOPING
    )


@pytest.mark.parametrize("fresh_start", [SESSION, RESUME, {"event": "restart"}])
def test_a_new_session_or_a_handback_offers_again(fresh_start):
    declined = [SESSION, *offered(), user("no", "deny"), bot("OK."), LISTEN]
    uncertain = user("frobnicate the couch", "out_of_scope", uncertainty=0.8)

    decision = evaluate([*declined, PAUSE, fresh_start, HANDBACK, LISTEN, uncertain])

    assert decision.action is PolicyAction.OFFER
    assert decision.signal(SignalName.OFFER_DECLINED) is None


# --- what counts: session, resume, external messages, rewind -------------------------------


@pytest.mark.parametrize("boundary", [SESSION, RESUME])
def test_a_session_start_or_a_resume_resets_the_counts(boundary):
    order = user("where is my order", "order_status", frustration=0.2)
    before = [*answered(order, order), *fell_back()]
    after = [PAUSE, boundary, HANDBACK, action("utter_welcome_back"), LISTEN]

    assert evaluate([*before, fallback("grmbl the thingy")]).reason is HandoffReason.LOOPING
    assert evaluate([*before, order]).reason is HandoffReason.REPEATED_QUESTION
    assert evaluate([*before, *after, fallback()]).action is PolicyAction.OFFER
    assert_none(evaluate([*before, *after, order]))


def test_a_frustration_trend_does_not_survive_a_handback():
    events = [
        *_scored(0.5, 0.55),
        PAUSE,
        RESUME,
        HANDBACK,
        LISTEN,
        user("and now?", "inform", frustration=0.6),
    ]

    assert_none(evaluate(events))


def test_external_messages_are_not_customer_turns():
    assert_none(evaluate([SESSION, RESUME, HANDBACK, action("utter_welcome_back")]))
    assert_none(evaluate([]))


def test_a_rewound_message_does_not_count():
    settings = PolicySettings.parse_obj({"looping": {"max_fallbacks": 3}})
    rewound = [fallback("grr"), {"event": "rewind"}, LISTEN]

    assert evaluate([SESSION, *fell_back(), *rewound, fallback("zzz")], settings).reason is (
        HandoffReason.LOW_CONFIDENCE
    )
    assert evaluate([SESSION, *fell_back(), *rewound[:1], fallback("zzz")], settings).reason is (
        HandoffReason.LOOPING
    )


# --- priority ------------------------------------------------------------------------------


def test_the_priority_order_is_the_documented_one():
    assert [reason.value for reason, _ in PRIORITY] == [
        "explicit_request",
        "sensitive_topic",
        "high_value",
        "frustration",
        "repeated_question",
        "looping",
        "low_confidence",
    ]


_ANGRY_REFUND = "this is ridiculous, I want my money back NOW!!!"
_ANGRY_CANCEL = "I'm fed up with you, cancel my account NOW!!!"


@pytest.mark.parametrize(
    "events, expected",
    [
        (
            [SESSION, user("I want my money back, get me a human", "refund_request")],
            ["explicit_request", "sensitive_topic"],
        ),
        (
            [SESSION, user("cancel my account or I'll sue", "cancel_account")],
            ["sensitive_topic", "high_value"],
        ),
        ([SESSION, user(_ANGRY_REFUND, "refund_request")], ["sensitive_topic", "frustration"]),
        ([SESSION, user(_ANGRY_CANCEL, "cancel_account")], ["high_value", "frustration"]),
        (
            answered(*[user("WHERE IS MY ORDER", "order_status", frustration=0.8)] * 3)[:-3],
            ["frustration", "repeated_question"],
        ),
        (
            [
                SESSION,
                *fell_back("fix the wobbly leg thing"),
                *fell_back("fix the wobbly leg thing"),
                fallback("fix the wobbly leg thing"),
            ],
            ["repeated_question", "looping", "low_confidence"],
        ),
        ([SESSION, *fell_back(), fallback("wat")], ["looping", "low_confidence"]),
    ],
)
def test_the_highest_priority_trigger_is_the_reason_and_all_are_signals(events, expected):
    decision = evaluate(events)

    assert triggers(decision) == expected
    assert decision.reason is HandoffReason(expected[0])
    assert decision.action is PolicyAction.HANDOFF


def test_signals_are_json_ready_and_named_in_the_enum():
    events = [SESSION, *offered(), user("no", "deny"), bot("OK."), LISTEN, *fell_back()]
    decision = evaluate(
        [*events, user("cancel my account or I'll sue, this is ridiculous!!!", "cancel_account")]
    )

    json.dumps(decision.signals)
    assert {s["name"] for s in decision.signals} <= {name.value for name in SignalName}
    assert decision.signals[0] == {
        "name": "intent",
        "value": {"name": "cancel_account", "confidence": 0.93},
    }
    topics = [s["value"] for s in decision.signals if s["name"] == "topic"]
    assert topics == ["legal", "cancel_account"]  # the primary reason's topic first


# --- settings ------------------------------------------------------------------------------


def test_the_defaults_are_the_documented_ones():
    settings = PolicySettings()

    assert settings.frustration.threshold == 0.75
    assert settings.frustration.window == 3
    assert settings.frustration.trend_threshold == 0.55
    assert settings.looping.max_fallbacks == 2
    assert settings.repeated_question.times == 3
    assert settings.repeated_question.similarity == 0.8
    assert settings.low_confidence.offer_threshold == 0.60
    assert settings.sensitive_topic.intents == [
        "refund_request",
        "billing_dispute",
        "account_security",
        "complaint",
    ]
    assert settings.high_value.intents == ["cancel_account", "enterprise_pricing"]


@pytest.mark.parametrize(
    "raw, problem",
    [
        ({"frustration": {"treshold": 0.8}}, "extra fields not permitted"),
        ({"frustration": {"threshold": 1.5}}, "less than or equal to 1"),
        ({"frustration": {"threshold": 0.5}}, "trend_threshold (0.55) must not be above threshold"),
        ({"frustration": {"trend_min_turns": 4}}, "must not exceed window"),
        ({"looping": {"max_fallbacks": 0}}, "greater than or equal to 1"),
        ({"repeated_question": {"times": 1}}, "greater than or equal to 2"),
        ({"repeated_question": {"phrases": ["no"]}}, "at least 3 characters"),
        ({"high_value": {"intents": ["cancel_account", "cancel_account"]}}, "listed twice"),
        (
            {"high_value": {"intents": ["complaint"]}},
            "in both sensitive_topic.intents and high_value",
        ),
        (
            {"sensitive_topic": {"informational_intents": ["refund_request"]}},
            "listed both as sensitive and as informational",
        ),
        (
            {"sensitive_topic": {"informational_intents": ["cancel_account"]}},
            "informational intents never hand over",
        ),
    ],
)
def test_invalid_settings_say_what_is_wrong(raw, problem):
    with pytest.raises(ValidationError) as error:
        PolicySettings.parse_obj(raw)

    assert problem in str(error.value)


def test_an_unsure_turn_right_after_a_fallback_is_the_second_in_a_row():
    unsure = user("zzkq frumble wibble", "out_of_scope", 0.45, uncertainty=0.62)
    decision = evaluate([SESSION, LISTEN, *fell_back(), unsure])
    assert decision.reason is HandoffReason.LOOPING
    assert {"name": "fallbacks_in_a_row", "value": 2} in decision.signals


def test_with_the_shipped_settings_an_ignored_offer_counts_as_not_understood():
    from pathlib import Path

    from handoff.settings import load_settings

    shipped = load_settings(Path(__file__).resolve().parents[3] / "handoff.yml").policy
    unsure = user("zzkq frumble wibble", "out_of_scope", 0.45, uncertainty=0.57)
    decision = evaluate([SESSION, LISTEN, *offered(), unsure], shipped)
    assert decision.reason is HandoffReason.LOOPING
    # a confident question after the offer is not a loop
    confident = user("how long does delivery take", "shipping_times", 0.97, uncertainty=0.1)
    assert evaluate([SESSION, LISTEN, *offered(), confident], shipped).reason is None


def test_a_person_named_without_asking_gets_the_offer_of_one():
    decision = evaluate([SESSION, user("do real people ever read these chats?", "out_of_scope")])

    assert decision.action is PolicyAction.OFFER
    assert decision.reason is HandoffReason.LOW_CONFIDENCE
    assert decision.signal(SignalName.PERSON_MENTIONED) is True


def test_a_question_the_bot_answers_is_answered_whoever_it_names():
    settings = PolicySettings.parse_obj(
        {"sensitive_topic": {"informational_intents": ["opening_hours"]}}
    )
    text = "what time does your support team open on Saturday?"

    assert_none(evaluate([SESSION, user(text, "opening_hours")], settings))


def test_the_offer_on_a_mention_can_be_switched_off():
    settings = PolicySettings.parse_obj({"low_confidence": {"offer_on_person_mention": False}})
    events = [SESSION, user("do real people ever read these chats?", "out_of_scope")]

    assert_none(evaluate(events, settings))


def test_a_mention_after_a_declined_offer_is_not_offered_again():
    events = [
        SESSION,
        user("is anyone from the team around?", "out_of_scope"),
        bot("Would you like a person?", utter="utter_offer_handoff", offer=True),
        user("no thanks", "deny"),
        user("does your staff assemble the wardrobe?", "out_of_scope"),
    ]

    assert_none(evaluate(events))


# --- a long session: the same decisions at turn 150 as at turn 5 ---------------------------

FAQ_TOPICS = ("order_status", "shipping_times", "return_policy", "payment_methods", "opening_hours")
PRODUCTS = ("oak table", "sofa", "floor lamp", "bookshelf", "desk chair", "wardrobe", "rug")


def faq_session(turns: int) -> List[Dict[str, Any]]:
    """A session of ``turns`` different FAQ questions, the five topics taking turns, answered."""
    asked = [
        user(
            f"question {n} on {FAQ_TOPICS[n % 5].replace('_', ' ')}: the {PRODUCTS[n % 7]} no {n}",
            FAQ_TOPICS[n % 5],
            frustration=0.1,
        )
        for n in range(turns)
    ]
    return answered(*asked)


def test_a_long_session_of_different_faq_questions_fires_nothing():
    events = faq_session(150)

    decisions = [
        evaluate(events[: end + 1]) for end, e in enumerate(events) if e["event"] == "user"
    ]

    assert len(decisions) == 150
    for decision in decisions:
        assert_none(decision)


def test_the_same_topic_far_apart_is_not_a_repeated_question():
    # order_status at turns 0, 5, 10, ...: each topic 30 times in the session, never three
    # times within repeated_question.window (10) customer turns
    settings = PolicySettings()
    assert settings.repeated_question.window == 10

    assert_none(evaluate(faq_session(150)[:-3]))


def test_rising_frustration_after_a_hundred_turns_hands_over():
    texts = [
        "not happy with the delivery",
        "it still hasn't arrived",
        "are you kidding me? still no update",
    ]
    scores = [real_score(text) for text in texts]
    # "inform": no FAQ topic, so the session's questions cannot make it a repeated question
    events = faq_session(120) + answered(*(user(t, "inform") for t in texts))[2:-3]

    decision = evaluate(events)

    assert decision.reason is HandoffReason.FRUSTRATION
    assert decision.signal(SignalName.FRUSTRATION_TREND) == scores
    assert evaluate(events[:-4]).action is PolicyAction.NONE  # two turns are not a trend


def test_a_frustration_trend_across_turns_without_a_score_after_a_hundred_turns():
    scores = (0.5, None, None, 0.55, None, 0.6)  # None: a button payload, no score
    scored = answered(
        *(user(f"message {i}", "inform", frustration=s) for i, s in enumerate(scores))
    )

    decision = evaluate(faq_session(110) + scored[2:-3])

    assert decision.reason is HandoffReason.FRUSTRATION
    assert decision.signal(SignalName.FRUSTRATION_TREND) == [0.5, 0.55, 0.6]


def test_looping_after_a_hundred_turns_hands_over():
    events = [
        *faq_session(120),
        *fell_back("the thing with the stuff"),
        fallback("you know, the wobbly one"),
    ]

    decision = evaluate(events)

    assert decision.reason is HandoffReason.LOOPING
    assert {"name": "fallbacks_in_a_row", "value": 2} in decision.signals
    assert evaluate(events[:-1]).reason is not HandoffReason.LOOPING  # one fallback: an offer


def test_the_same_request_three_times_after_a_hundred_turns_hands_over():
    texts = ["where is my order?", "I gave you the number, where is it", "so when does it come"]
    asked = answered(*(user(text, "order_status", frustration=0.3) for text in texts))[2:-3]

    decision = evaluate(faq_session(121) + asked)

    assert decision.reason is HandoffReason.REPEATED_QUESTION
    # of the session's order_status questions (every fifth turn, 25 of them) only the two in
    # the window of the latest 10 customer turns count (turns 115 and 120)
    assert decision.signal(SignalName.REPEATED_INTENT) == {"name": "order_status", "times": 5}


def test_the_same_request_three_times_within_the_window_hands_over():
    # order_status, three other questions, order_status, three more, order_status: 9 turns
    spread: List[Dict[str, Any]] = []
    for n, text in enumerate(["where is my order?", "when does my order come", "order status pls"]):
        spread.append(user(text, "order_status", frustration=0.2))
        spread += [user(f"card {n}{k} ok", "payment_methods", frustration=0.1) for k in range(3)]
    asked = answered(*spread[:-3])[2:-3]

    decision = evaluate(faq_session(100) + asked)

    assert decision.reason is HandoffReason.REPEATED_QUESTION
    assert decision.signal(SignalName.REPEATED_INTENT)["name"] == "order_status"


def test_an_offer_declined_a_hundred_turns_ago_is_not_made_again():
    declined = [SESSION, LISTEN, *offered(), user("/deny", "deny", 1.0), bot("OK."), LISTEN]
    unsure = user("frobnicate the couch", "out_of_scope", uncertainty=0.8)

    decision = evaluate([*declined, *faq_session(120)[2:], unsure])

    assert_none(decision)
    assert decision.signal(SignalName.OFFER_DECLINED) is True


def test_a_window_below_the_repetitions_is_refused():
    with pytest.raises(ValidationError) as error:
        PolicySettings.parse_obj({"repeated_question": {"times": 4, "window": 3}})

    assert "window (3) must not be below times (4)" in str(error.value)
