"""``HandoffTriggerPolicy``: the handoff trigger policy on every customer turn, as a Rasa policy.

The rules call ``action_decide_handoff`` only for the intents that hand over. The triggers that
read *how the conversation is going* — frustration (score and trend), looping, a repeated
question, low confidence, and an explicit request or legal threat the NLU gave another intent —
need the conversation's recent turns on every customer turn. This dialogue policy evaluates
:func:`handoff.policy.evaluate` (the same framework-free code ``action_decide_handoff`` runs)
right after each customer message — of which it serialises and reads in full only the latest
``lookback`` turns (:func:`policy_events`), so a turn at 200 costs what a turn at 2 does —
and predicts, with confidence 1.0 and a priority above ``RulePolicy``:

- ``handoff`` → ``action_decide_handoff``, then ``handoff_intake_form``; the rule
  "Intake done - hand over" runs ``action_handoff`` when the form ends;
- ``offer`` → ``action_offer_handoff`` (sends ``utter_offer_handoff`` with buttons "Talk to a
  person" / "No thanks" and records the offer), then ``action_listen``;
- an informational question about a sensitive topic ("how long do refunds take?" read as
  ``refund_request``) → its FAQ response (``sensitive_topic.faq_answers``), then
  ``action_listen`` - before the rules could hand it over;
- otherwise nothing: all-zero probabilities at priority 0, so RulePolicy, MemoizationPolicy or
  TEDPolicy decide as before.

It never predicts while a form is active or the conversation is paused, and leaves the intents
the rules hand over on (``policy.explicit_request/sensitive_topic/high_value.intents`` of
``handoff.yml``, which must match the rule's ``or:`` list) to the rules. The decision (action,
reason, signals) is recorded in the ``metadata`` of the ``action`` event it predicts. Nothing is
learned: ``train`` only checks the domain, and the settings are read from ``handoff.yml`` when
the policy is created or loaded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Set

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction, confidence_scores_for
from rasa.core.policies.rule_policy import DEFAULT_ACTION_MAPPINGS
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain, InvalidDomain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from custom_components.configured import ConfiguredComponent, GraphParts
from handoff.policy import PolicyAction, PolicyDecision, PolicySettings, evaluate
from handoff.policy.signals import SignalName
from handoff.policy.turns import EXTERNAL_MESSAGE_PREFIX
from handoff.settings import load_settings

logger = logging.getLogger(__name__)

SETTINGS_PATH = "settings_path"
"""Config key: the handoff settings file (None: ``$HANDOFF_SETTINGS`` or ``handoff.yml``)."""

DECIDE_ACTION = "action_decide_handoff"
"""Sets ``handoff_reason`` and ``handoff_signals`` (it evaluates the same policy)."""
INTAKE_FORM = "handoff_intake_form"
"""Asks what ``handoff.yml`` lists for the reason; the rules hand over when it ends."""
OFFER_ACTION = "action_offer_handoff"
"""Sends ``utter_offer_handoff`` (buttons; ``metadata: {handoff_offer: true}`` marks the offer)
and records the offer for analytics."""

DECISION_METADATA_KEY = "handoff_policy"
"""Key of the decision in the predicted ``action`` event's metadata (for analytics)."""
DEFERRED_PRIORITY = 0
"""Priority of a prediction that defers: below every policy, so it never wins a tie."""


@dataclass(frozen=True)
class NextStep:
    """What the policy predicts (``action`` None: nothing), and why, for the debug log."""

    action: Optional[str]
    why: str
    decision: Optional[PolicyDecision] = None


def decision_metadata(decision: PolicyDecision) -> Dict[str, Any]:
    """Return the decision as the predicted ``action`` event's metadata.

    Args:
        decision: what :func:`handoff.policy.evaluate` returned for the customer's turn.

    Returns:
        ``{"handoff_policy": {"action", "reason", "signals"}}`` — JSON-serialisable, so the
        tracker store keeps it with the event.
    """
    return {
        DECISION_METADATA_KEY: {
            "action": decision.action.value,
            "reason": decision.reason.value if decision.reason else None,
            "signals": decision.signals,
        }
    }


_UNDOING = (ActionReverted, UserUtteranceReverted, Restarted, SessionStarted)
"""Events after which the latest applied action is not simply the latest one in the list."""


def latest_action(tracker: DialogueStateTracker) -> Optional[ActionExecuted]:
    """Return the latest action the tracker applied, reading from the end.

    What ``tracker.get_last_event_for(ActionExecuted)`` returns, without its cost: that first
    computes the applied events of the whole session on every call (twice per turn), which
    grows with the conversation. Reading backwards stops at the latest action; only when an
    undo (a revert, a restart) comes first is Rasa's own computation needed.
    """
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            return event
        if isinstance(event, _UNDOING):
            return tracker.get_last_event_for(ActionExecuted)
    return None


def customer_just_spoke(tracker: DialogueStateTracker) -> bool:
    """Tell whether the bot is about to answer a customer message (nothing ran since)."""
    if tracker.latest_action_name != ACTION_LISTEN_NAME:
        return False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted):
            return False
    return False


def _brief(event: Event) -> Dict[str, Any]:
    """Return what :func:`handoff.policy.evaluate` reads of an event older than its window.

    The kind (a session start, restart or resume ends the stretch), a customer message's text
    and parse data, a bot message's metadata and an action's name (the "declined an offer"
    check, and a window that reaches further because of external messages) — references,
    nothing copied or serialised.
    """
    if isinstance(event, UserUttered):
        return {"event": event.type_name, "text": event.text, "parse_data": event.parse_data}
    if isinstance(event, BotUttered):
        return {"event": event.type_name, "metadata": event.metadata}
    if isinstance(event, ActionExecuted):
        return {"event": event.type_name, "name": event.action_name}
    return {"event": event.type_name}


def policy_events(events: Sequence[Event], lookback: int) -> List[Dict[str, Any]]:
    """Return ``events`` as :func:`handoff.policy.evaluate` reads them, cheaply.

    The latest ``lookback`` customer messages and what follows them are serialised in full
    (``as_dict``), everything older briefly (:func:`_brief`): ``evaluate`` reads only the
    latest turns in full, so serialising a whole long session on every turn would be work
    that grows with the conversation and is thrown away. The window counted here is at least
    the one ``evaluate`` counts (every user message counts, each rewind reaches one further).
    """
    needed, start = lookback + 1, 0
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, UserUtteranceReverted):
            needed += 1
        elif isinstance(event, UserUttered):
            needed -= 1
            if needed == 0:
                start = index
                break
    return [_brief(event) for event in events[:start]] + [
        event.as_dict() for event in events[start:]
    ]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class HandoffTriggerPolicy(ConfiguredComponent, Policy):
    """Hands over or offers a person on every customer turn, by the handoff trigger policy.

    Registered as trainable because the recipe trains and loads every policy
    (``_add_core_train_nodes``); ``train`` learns nothing.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Return the policy's default config."""
        return {
            # Above RulePolicy (4 in Rasa 3.6): a handoff or offer wins over the FAQ rule
            # of the same turn.
            # Predictions that defer use priority 0 whatever this says.
            POLICY_PRIORITY: RULE_POLICY_PRIORITY + 1,
            # The handoff settings file; None: $HANDOFF_SETTINGS or handoff.yml in the working
            # directory, like the action server, so both decide with the same thresholds.
            SETTINGS_PATH: None,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[Any] = None,
        settings: Optional[PolicySettings] = None,
    ) -> None:
        """Build the policy with already-loaded settings (see :meth:`create`)."""
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.settings = settings or PolicySettings()

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """Reject a bad configuration when the graph is built, naming the key.

        Raises:
            InvalidConfigException: a priority not above RulePolicy's, or a bad path.
        """
        priority = config.get(POLICY_PRIORITY)
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise cls.invalid(POLICY_PRIORITY, f"expected an integer, got {priority!r}")
        if priority <= RULE_POLICY_PRIORITY:
            raise cls.invalid(
                POLICY_PRIORITY,
                f"{priority} is not above RulePolicy's ({RULE_POLICY_PRIORITY}): the FAQ rules "
                "would answer frustrated or stuck customers instead of handing over",
            )
        path = config.get(SETTINGS_PATH)
        if path is not None and (not isinstance(path, str) or not path.strip()):
            raise cls.invalid(SETTINGS_PATH, f"expected a file path or null, got {path!r}")

    @classmethod
    def build(cls, config: Dict[str, Any], parts: GraphParts) -> HandoffTriggerPolicy:
        """Read the handoff settings and build the policy from a checked config.

        Raises:
            handoff.settings.SettingsError: the settings file is missing or invalid (naming
                the file and the key).
        """
        settings = load_settings(config[SETTINGS_PATH]).policy
        return cls(
            config, parts.model_storage, parts.resource, parts.execution_context, settings=settings
        )

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> HandoffTriggerPolicy:
        """Build the policy for a loaded model: nothing is persisted, settings are read now."""
        return cls.create(config, model_storage, resource, execution_context)

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Learn nothing; fail the training if the domain lacks an action the policy predicts.

        Raises:
            InvalidDomain: naming the missing actions or responses.
        """
        faq_answers = self.settings.sensitive_topic.faq_answers.values()
        missing = [
            name
            for name in (DECIDE_ACTION, INTAKE_FORM, OFFER_ACTION, *faq_answers)
            if name not in domain.action_names_or_texts
        ]
        if missing:
            raise InvalidDomain(
                f"{self.__class__.__name__} predicts {', '.join(missing)}, which the domain "
                "does not define (add the action, form or response to domain.yml)"
            )
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Predict the handoff step for this point of the conversation, or defer."""
        step = self._follow_up(tracker) or self._after_customer_turn(tracker)
        logger.debug("%s: %s (%s)", self.__class__.__name__, step.action or "defers", step.why)
        if step.action is None:
            return PolicyPrediction(
                self._default_predictions(domain),
                self.__class__.__name__,
                policy_priority=DEFERRED_PRIORITY,
            )
        return PolicyPrediction(
            confidence_scores_for(step.action, 1.0, domain),
            self.__class__.__name__,
            policy_priority=self.priority,
            # not in any story, like the handoff rules: TEDPolicy does not see these turns
            hide_rule_turn=True,
            action_metadata=decision_metadata(step.decision) if step.decision else None,
        )

    # --- decisions ---

    def _follow_up(self, tracker: DialogueStateTracker) -> Optional[NextStep]:
        """Continue what this policy started: no rule knows these steps for every intent."""
        latest = latest_action(tracker)
        if latest is None or latest.policy != self.__class__.__name__:
            return None
        if latest.action_name == DECIDE_ACTION:
            return NextStep(INTAKE_FORM, "the intake follows the handoff decision")
        if latest.action_name == OFFER_ACTION:
            return NextStep(ACTION_LISTEN_NAME, "the customer answers the offer")
        if latest.action_name in self.settings.sensitive_topic.faq_answers.values():
            return NextStep(ACTION_LISTEN_NAME, "the FAQ answer was given")
        return None

    def _after_customer_turn(self, tracker: DialogueStateTracker) -> NextStep:
        """Evaluate the trigger policy on the customer's latest message."""
        if tracker.is_paused():
            return NextStep(None, "paused: a person has the conversation")
        if tracker.active_loop_name:
            return NextStep(None, f"the loop {tracker.active_loop_name} is active")
        if not customer_just_spoke(tracker):
            return NextStep(None, "not right after a customer message")
        message = tracker.latest_message
        intent = message.intent_name if message else None
        if message is None or (message.text or "").startswith(EXTERNAL_MESSAGE_PREFIX):
            return NextStep(None, "an external event, not the customer")
        if intent in DEFAULT_ACTION_MAPPINGS:
            return NextStep(None, f"Rasa's default action answers {intent}")
        events = policy_events(list(tracker.events), self.settings.lookback)
        decision = evaluate(events, self.settings)
        answer = decision.signal(SignalName.FAQ_ANSWER)
        if decision.action is PolicyAction.NONE and answer:
            return NextStep(answer, f"an informational question about {intent}", decision)
        if decision.action is PolicyAction.OFFER:
            return NextStep(OFFER_ACTION, "low confidence: offer a person", decision)
        if decision.action is not PolicyAction.HANDOFF:
            return NextStep(None, "no trigger fired", decision)
        reason = decision.reason.value if decision.reason else "handoff"
        if intent in self._rule_intents():
            return NextStep(None, f"the rules hand over on the intent {intent}", decision)
        return NextStep(DECIDE_ACTION, f"hand over: {reason}", decision)

    def _rule_intents(self) -> Set[str]:
        """Return the intents the rules hand over on (the handoff rule's ``or:`` list)."""
        return {
            *self.settings.explicit_request.intents,
            *self.settings.sensitive_topic.intents,
            *self.settings.high_value.intents,
        }
