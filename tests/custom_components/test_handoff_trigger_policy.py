"""HandoffTriggerPolicy with real DialogueStateTrackers, the real domain and handoff.yml.

The events are the ones Rasa writes: ``UserUttered`` with the parse data of the bundled NLU
(``frustration``, ``bot_uncertainty``), ``ActionExecuted`` with the predicting policy,
``BotUttered`` from Rasa's own response action. The offer response is the one proposed for
domain.yml; it is merged in here until domain.yml has it.
"""

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import rasa.shared.utils.io
from rasa.core.actions.action import ActionBotResponse
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.constants import RULE_POLICY_PRIORITY
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.validation import validate
from rasa.shared.core.domain import Domain, InvalidDomain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.data import TrainingType
from rasa.shared.exceptions import InvalidConfigException

from custom_components.handoff_trigger_policy import (
    DECISION_METADATA_KEY,
    DEFERRED_PRIORITY,
    HandoffTriggerPolicy,
    latest_action,
    policy_events,
)
from handoff.policy import SignalName, evaluate
from handoff.settings import SettingsError

ROOT = Path(__file__).resolve().parents[2]
POLICY = "HandoffTriggerPolicy"

OFFER_RESPONSE_YAML = """
version: "3.1"
responses:
  utter_offer_handoff:
    - text: "Sorry, I'm not sure I understood that. You can rephrase it - or I can put you through to a person from our team."
      buttons:
        - title: "Talk to a person"
          payload: /human_handoff
        - title: "No thanks"
          payload: /deny
      metadata:
        handoff_offer: true
"""  # noqa: E501


@pytest.fixture(scope="module")
def domain() -> Domain:
    domain = Domain.load(ROOT / "domain.yml")
    if "utter_offer_handoff" in domain.responses:
        return domain
    return domain.merge(Domain.from_yaml(OFFER_RESPONSE_YAML))


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def _create(tmp_path: Path, **config: Any) -> HandoffTriggerPolicy:
    return HandoffTriggerPolicy.create(
        {"settings_path": str(ROOT / "handoff.yml"), **config},
        LocalModelStorage(tmp_path),
        Resource("handoff_trigger_policy"),
        _context(),
    )


@pytest.fixture
def policy(tmp_path) -> HandoffTriggerPolicy:
    return _create(tmp_path)


# --- real Rasa events ---


def user(
    text: str,
    intent: str = "order_status",
    confidence: float = 0.93,
    frustration: Optional[float] = 0.1,
    uncertainty: float = 0.2,
) -> UserUttered:
    """A customer message with the parse data the bundled NLU pipeline writes."""
    fallback = intent == "nlu_fallback"
    parse: Dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": [],
        "bot_uncertainty": {
            "score": uncertainty,
            "novelty": uncertainty,
            "top_confidence": confidence,
            "margin": confidence / 2,
            "entropy": 0.3,
            "fallback": fallback,
        },
    }
    if frustration is not None:
        parse["frustration"] = {"score": frustration, "cues": []}
    return UserUttered(text, parse["intent"], [], parse)


def fallback(text: str = "blorp the wardrobe gizmo") -> UserUttered:
    return user(text, "nlu_fallback", 0.71, uncertainty=0.71)


def uttered(domain: Domain, response: str) -> BotUttered:
    """The bot event Rasa's own response action writes for ``response``."""
    tracker = DialogueStateTracker.from_events("nlg", [], slots=domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    action = ActionBotResponse(response)
    (event,) = asyncio.run(action.run(CollectingOutputChannel(), nlg, tracker, domain))
    return event


def answered(domain: Domain, response: str, policy: str = "RulePolicy") -> List[Event]:
    """The bot answers with ``response`` (predicted by ``policy``) and listens."""
    return [
        ActionExecuted(response, policy=policy, confidence=1.0),
        uttered(domain, response),
        ActionExecuted("action_listen", policy=policy, confidence=1.0),
    ]


def offer_made(domain: Domain) -> List[Event]:
    """What the policy's offer leaves in the tracker: the action, its bot message, listen."""
    return [
        ActionExecuted("action_offer_handoff", policy=POLICY, confidence=1.0),
        uttered(domain, "utter_offer_handoff"),
        ActionExecuted("action_listen", policy=POLICY, confidence=1.0),
    ]


def session() -> List[Event]:
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
    ]


def tracker(domain: Domain, *events: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("customer-1", [*session(), *events], slots=domain.slots)


def predicted(policy, tracker, domain) -> Optional[str]:
    """The action the policy predicts, or None when it defers (all zeros)."""
    prediction = policy.predict_action_probabilities(tracker, domain)
    if prediction.max_confidence == 0:
        assert prediction.policy_priority == DEFERRED_PRIORITY
        return None
    assert prediction.max_confidence == 1.0
    assert prediction.policy_priority == RULE_POLICY_PRIORITY + 1  # 5
    assert prediction.policy_name == POLICY
    assert prediction.hide_rule_turn
    return domain.action_names_or_texts[prediction.max_confidence_index]


def decision(policy, tracker, domain) -> Dict[str, Any]:
    metadata = policy.predict_action_probabilities(tracker, domain).action_metadata
    return metadata[DECISION_METADATA_KEY]


# --- every-turn triggers: hand over ---


def test_a_rising_frustration_trend_hands_over(policy, domain):
    # each message below the single-message threshold (0.75); mean 0.57, rising
    t = tracker(
        domain,
        user("where is my sofa", frustration=0.45),
        *answered(domain, "utter_order_status"),
        user("it's been two weeks, where is it", frustration=0.58),
        *answered(domain, "utter_order_status"),
        user("this is ridiculous, still nothing", "shipping_times", frustration=0.68),
    )
    assert predicted(policy, t, domain) == "action_decide_handoff"
    assert decision(policy, t, domain)["reason"] == "frustration"
    assert decision(policy, t, domain)["action"] == "handoff"


def test_one_polite_complaint_is_not_enough(policy, domain):
    t = tracker(domain, user("unfortunately my parcel is a bit late", frustration=0.3))
    assert predicted(policy, t, domain) is None


def test_the_second_fallback_in_a_row_hands_over_instead_of_asking_again(policy, domain):
    t = tracker(
        domain,
        fallback(),
        *offer_made(domain),
        fallback("wibble the flange thingy"),
    )
    assert predicted(policy, t, domain) == "action_decide_handoff"
    signals = decision(policy, t, domain)["signals"]
    assert decision(policy, t, domain)["reason"] == "looping"
    assert {"name": "fallbacks_in_a_row", "value": 2} in signals


def test_the_same_question_a_third_time_hands_over(policy, domain):
    t = tracker(
        domain,
        user("where is my order"),
        *answered(domain, "utter_order_status"),
        user("ok but where is my order now"),
        *answered(domain, "utter_order_status"),
        user("WHERE is the order"),
    )
    assert predicted(policy, t, domain) == "action_decide_handoff"
    assert decision(policy, t, domain)["reason"] == "repeated_question"


def test_an_explicit_phrase_under_another_intent_hands_over(policy, domain):
    # the rules answer bot_challenge with utter_iamabot; the customer asked for a person
    t = tracker(domain, user("stop it, let me speak to a real person", "bot_challenge"))
    assert predicted(policy, t, domain) == "action_decide_handoff"
    assert decision(policy, t, domain)["reason"] == "explicit_request"


# --- low confidence: offer ---


def test_low_confidence_offers_a_person(policy, domain):
    t = tracker(domain, user("flibber my ottoman", "out_of_scope", 0.41, uncertainty=0.55))
    assert predicted(policy, t, domain) == "action_offer_handoff"
    assert decision(policy, t, domain)["reason"] == "low_confidence"
    assert decision(policy, t, domain)["action"] == "offer"


def test_the_first_fallback_offers_a_person(policy, domain):
    t = tracker(domain, fallback())
    assert predicted(policy, t, domain) == "action_offer_handoff"


def test_the_offer_is_marked_in_the_bot_event_rasa_writes(domain):
    event = uttered(domain, "utter_offer_handoff").as_dict()
    # Rasa 3.6 nests the response's metadata in the bot event's metadata
    assert event["metadata"]["metadata"] == {"handoff_offer": True}
    assert event["metadata"]["utter_action"] == "utter_offer_handoff"
    assert [b["payload"] for b in event["data"]["buttons"]] == ["/human_handoff", "/deny"]


def test_a_declined_offer_is_not_made_again(policy, domain):
    t = tracker(
        domain,
        user("flibber my ottoman", "out_of_scope", 0.41, uncertainty=0.55),
        *offer_made(domain),
        user("/deny", "deny", 1.0, frustration=None, uncertainty=0.0),
    )
    assert predicted(policy, t, domain) is None  # the rule answers the "no"
    t = tracker(
        domain,
        *t.events,
        *answered(domain, "utter_deny_ack"),
        user("zorp the couch cushions", "out_of_scope", 0.38, uncertainty=0.56),
    )
    assert predicted(policy, t, domain) is None


def test_yes_to_the_offer_hands_over(policy, domain):
    # the rule for a bare "affirm" would only say "Great. What else can I help with?"
    t = tracker(
        domain,
        user("flibber my ottoman", "out_of_scope", 0.41, uncertainty=0.55),
        *offer_made(domain),
        user("yes please", "affirm", 0.97),
    )
    assert predicted(policy, t, domain) == "action_decide_handoff"
    assert decision(policy, t, domain)["reason"] == "explicit_request"


# --- a long session: what it sees after a hundred turns ---

FAQ_TOPICS = ("order_status", "shipping_times", "return_policy", "payment_methods", "opening_hours")


def faq_turns(domain: Domain, count: int) -> List[Event]:
    """``count`` different FAQ questions, the five topics taking turns, each answered."""
    answers = {topic: answered(domain, f"utter_{topic}") for topic in FAQ_TOPICS}
    events: List[Event] = []
    for n in range(count):
        topic = FAQ_TOPICS[n % 5]
        events += [user(f"question {n} about {topic.replace('_', ' ')}", topic), *answers[topic]]
    return events


def test_a_long_session_of_faq_questions_is_left_to_the_rules(policy, domain):
    t = tracker(domain, *faq_turns(domain, 150)[:-3])

    assert len([e for e in t.events if isinstance(e, UserUttered)]) == 150
    assert predicted(policy, t, domain) is None


def test_rising_frustration_after_a_hundred_turns_hands_over(policy, domain):
    t = tracker(
        domain,
        *faq_turns(domain, 120),
        user("the parcel is late again", "inform", frustration=0.45),
        *answered(domain, "utter_deny_ack"),
        user("it's been two weeks, where is it", "inform", frustration=0.58),
        *answered(domain, "utter_deny_ack"),
        user("this is ridiculous, still nothing", "inform", frustration=0.68),
    )
    assert predicted(policy, t, domain) == "action_decide_handoff"
    assert decision(policy, t, domain)["reason"] == "frustration"
    assert {"name": "frustration_trend", "value": [0.45, 0.58, 0.68]} in decision(
        policy, t, domain
    )["signals"]


def test_looping_after_a_hundred_turns_hands_over(policy, domain):
    t = tracker(
        domain,
        *faq_turns(domain, 120),
        fallback(),
        *offer_made(domain),
        fallback("wibble the flange thingy"),
    )
    assert predicted(policy, t, domain) == "action_decide_handoff"
    assert decision(policy, t, domain)["reason"] == "looping"
    assert {"name": "fallbacks_in_a_row", "value": 2} in decision(policy, t, domain)["signals"]


def test_the_same_question_a_third_time_after_a_hundred_turns_hands_over(policy, domain):
    t = tracker(
        domain,
        *faq_turns(domain, 120),
        user("can I get a gift card", "out_of_scope", uncertainty=0.2),
        *answered(domain, "utter_out_of_scope"),
        user("CAN I GET A GIFT CARD??", "out_of_scope", uncertainty=0.2),
        *answered(domain, "utter_out_of_scope"),
        user("can i get a gift card", "out_of_scope", uncertainty=0.2),
    )
    assert predicted(policy, t, domain) == "action_decide_handoff"
    assert decision(policy, t, domain)["reason"] == "repeated_question"


def test_older_events_read_briefly_decide_like_the_whole_serialised_session(policy, domain):
    t = tracker(
        domain,
        user("flibber my ottoman", "out_of_scope", 0.41, uncertainty=0.55),
        *offer_made(domain),
        user("/deny", "deny", 1.0, frustration=None, uncertainty=0.0),
        *answered(domain, "utter_deny_ack"),
        *faq_turns(domain, 60),
        user("zorp the couch cushions", "out_of_scope", 0.38, uncertainty=0.56),
    )
    settings = policy.settings

    brief = evaluate(policy_events(list(t.events), settings.lookback), settings)

    assert brief == evaluate([event.as_dict() for event in t.events], settings)
    assert brief.signal(SignalName.OFFER_DECLINED) is True  # 60 turns back, still respected


@pytest.mark.parametrize("undo", [None, UserUtteranceReverted(), ActionReverted(), Restarted()])
def test_the_latest_action_is_the_one_rasa_applied(domain, undo):
    events = [*faq_turns(domain, 3), user("where is my sofa")]
    t = tracker(domain, *events, *answered(domain, "utter_order_status")[:1])
    if undo is not None:
        t.update(undo)

    assert latest_action(t) == t.get_last_event_for(ActionExecuted)


# --- the steps after its own prediction ---


def test_after_its_handoff_decision_the_intake_form_runs(policy, domain):
    t = tracker(
        domain,
        fallback(),
        ActionExecuted("action_decide_handoff", policy=POLICY, confidence=1.0),
        SlotSet("handoff_reason", "looping"),
    )
    assert predicted(policy, t, domain) == "handoff_intake_form"


def test_after_its_offer_the_bot_listens(policy, domain):
    t = tracker(
        domain,
        fallback(),
        ActionExecuted("action_offer_handoff", policy=POLICY, confidence=1.0),
        uttered(domain, "utter_offer_handoff"),
    )
    assert predicted(policy, t, domain) == "action_listen"


def test_the_rules_own_handoff_chain_is_left_to_the_rules(policy, domain):
    t = tracker(
        domain,
        user("I want to talk to a human", "human_handoff"),
        ActionExecuted("action_decide_handoff", policy="RulePolicy", confidence=1.0),
    )
    assert predicted(policy, t, domain) is None


def test_nothing_after_the_intake_form_which_the_rules_finish(policy, domain):
    t = tracker(
        domain,
        fallback(),
        ActionExecuted("action_decide_handoff", policy=POLICY, confidence=1.0),
        ActionExecuted("handoff_intake_form", policy=POLICY, confidence=1.0),
        ActiveLoop("handoff_intake_form"),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
    )
    assert predicted(policy, t, domain) is None


# --- informational questions about sensitive topics ---


@pytest.mark.parametrize(
    "text, intent, answer",
    [
        ("how long do refunds take?", "refund_request", "utter_return_policy"),
        ("how do I change the password on my account?", "account_security",
         "utter_account_help"),
    ],
)  # fmt: skip
def test_an_informational_question_gets_the_faq_answer_before_the_rules_hand_over(
    policy, domain, text, intent, answer
):
    t = tracker(domain, user(text, intent))
    assert predicted(policy, t, domain) == answer
    assert decision(policy, t, domain)["action"] == "none"


def test_after_the_faq_answer_the_bot_listens(policy, domain):
    t = tracker(
        domain,
        user("how long do refunds take?", "refund_request"),
        ActionExecuted("utter_return_policy", policy=POLICY, confidence=1.0),
        uttered(domain, "utter_return_policy"),
    )
    assert predicted(policy, t, domain) == "action_listen"


def test_the_same_topic_as_a_problem_is_left_to_the_rules_handoff(policy, domain):
    t = tracker(domain, user("I want a refund for the broken mirror", "refund_request"))
    assert predicted(policy, t, domain) is None


# --- no prediction ---


def test_a_plain_faq_turn_is_left_to_the_rules(policy, domain):
    t = tracker(domain, user("how long does shipping take", "shipping_times"))
    assert predicted(policy, t, domain) is None


@pytest.mark.parametrize(
    "intent", ["human_handoff", "refund_request", "complaint", "cancel_account"]
)
def test_the_intents_the_rules_hand_over_on_are_left_to_the_rules(policy, domain, intent):
    t = tracker(domain, user("I want a person, this is a joke", intent, frustration=0.9))
    assert predicted(policy, t, domain) is None


def test_nothing_while_the_intake_form_is_active(policy, domain):
    t = tracker(
        domain,
        user("I want to talk to a human", "human_handoff"),
        ActionExecuted("action_decide_handoff"),
        ActionExecuted("handoff_intake_form"),
        ActiveLoop("handoff_intake_form"),
        SlotSet("requested_slot", "order_number"),
        ActionExecuted("action_listen"),
        fallback("this is useless!!! useless bot"),
    )
    assert predicted(policy, t, domain) is None


def test_nothing_while_paused(policy, domain):
    t = tracker(domain, ConversationPaused(), fallback(), fallback("still there??"))
    assert predicted(policy, t, domain) is None


def test_nothing_once_the_bot_answered(policy, domain):
    t = tracker(
        domain,
        user("this is ridiculous", frustration=0.9),
        ActionExecuted("utter_order_status", policy="RulePolicy", confidence=1.0),
    )
    assert predicted(policy, t, domain) is None


def test_slots_extracted_after_the_message_do_not_hide_it(policy, domain):
    # action_extract_slots appends SlotSet events after the message, before the prediction
    t = tracker(domain, user("you are useless", frustration=0.9), SlotSet("email", None))
    assert predicted(policy, t, domain) == "action_decide_handoff"


def test_restart_is_left_to_rasa(policy, domain):
    t = tracker(domain, fallback(), *answered(domain, "utter_default"), user("/restart", "restart"))
    assert predicted(policy, t, domain) is None


# --- the ensemble: above RulePolicy when predicting, never winning when deferring ---


def _rule(domain: Domain, action: str, confidence: float = 1.0) -> PolicyPrediction:
    prediction = PolicyPrediction.for_action_name(domain, action, "RulePolicy", confidence)
    prediction.policy_priority = RULE_POLICY_PRIORITY
    return prediction


def _winner(domain, tracker, *predictions) -> str:
    best = DefaultPolicyPredictionEnsemble().combine_predictions(list(predictions), tracker, domain)
    return domain.action_names_or_texts[best.max_confidence_index]


def test_a_handoff_wins_over_the_rules_answer(policy, domain):
    t = tracker(domain, fallback(), *answered(domain, "utter_default"), fallback("huh? gizmo"))
    ours = policy.predict_action_probabilities(t, domain)
    assert _winner(domain, t, _rule(domain, "utter_default"), ours) == "action_decide_handoff"


def test_a_deferring_prediction_never_wins(policy, domain):
    t = tracker(domain, user("how long does shipping take", "shipping_times"))
    ours = policy.predict_action_probabilities(t, domain)
    assert _winner(domain, t, _rule(domain, "utter_shipping_times"), ours) == "utter_shipping_times"
    # even against a policy that has nothing either (RulePolicy without fallback prediction)
    nothing = PolicyPrediction([0.0] * domain.num_actions, "RulePolicy", RULE_POLICY_PRIORITY)
    nothing.probabilities[domain.index_for_action("utter_default")] = 0.0
    best = DefaultPolicyPredictionEnsemble().combine_predictions([ours, nothing], t, domain)
    assert best.policy_name == "RulePolicy"


# --- configuration, training, loading ---


def test_the_priority_must_be_above_rule_policy(tmp_path):
    with pytest.raises(InvalidConfigException, match="HandoffTriggerPolicy: priority: 4"):
        _create(tmp_path, priority=RULE_POLICY_PRIORITY)


def test_an_invalid_settings_file_fails_when_the_policy_is_built(tmp_path):
    bad = tmp_path / "handoff.yml"
    bad.write_text(
        (ROOT / "handoff.yml").read_text().replace("max_fallbacks: 2", "max_fallbacks: 0")
    )
    with pytest.raises(SettingsError, match="policy.looping.max_fallbacks"):
        _create(tmp_path, settings_path=str(bad))


def test_the_settings_file_decides(tmp_path, domain):
    lenient = tmp_path / "handoff.yml"
    lenient.write_text(
        (ROOT / "handoff.yml").read_text().replace("max_fallbacks: 2", "max_fallbacks: 3")
    )
    policy = _create(tmp_path, settings_path=str(lenient))
    t = tracker(
        domain,
        fallback(),
        *offer_made(domain),
        fallback("wibble the flange thingy"),
    )
    assert predicted(policy, t, domain) == "action_offer_handoff"


def test_train_checks_the_domain_and_load_needs_nothing_persisted(tmp_path, domain):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("train_HandoffTriggerPolicy3")
    config = {"settings_path": str(ROOT / "handoff.yml")}
    trained = HandoffTriggerPolicy.create(config, storage, resource, _context())
    assert trained.train([], domain) == resource
    as_dict = domain.as_dict()
    as_dict["actions"] = [a for a in as_dict["actions"] if a != "action_offer_handoff"]
    with pytest.raises(InvalidDomain, match="action_offer_handoff"):
        trained.train([], Domain.from_dict(as_dict))
    loaded = HandoffTriggerPolicy.load(config, storage, resource, _context())
    assert predicted(loaded, tracker(domain, fallback()), domain) == "action_offer_handoff"


def test_the_policy_fits_rasas_default_recipe():
    """config.yml plus the policy builds a valid graph (nothing is trained)."""
    config = rasa.shared.utils.io.read_yaml_file(ROOT / "config.yml")
    name = "custom_components.handoff_trigger_policy.HandoffTriggerPolicy"
    if name not in [policy["name"] for policy in config["policies"]]:
        config["policies"].append({"name": name})
    graph = DefaultV1Recipe().graph_config_for_recipe(config, {}, TrainingType.BOTH)
    validate(graph)
    (train,) = (n for key, n in graph.train_schema.nodes.items() if name in key)
    (run,) = (n for key, n in graph.predict_schema.nodes.items() if name in key)
    assert (train.constructor_name, train.fn) == ("create", "train")
    assert (run.constructor_name, run.fn) == ("load", "predict_action_probabilities")
