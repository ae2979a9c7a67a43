from pathlib import Path

import pytest
import yaml

from handoff.reasons import HandoffReason
from handoff.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
MIN_EXAMPLES = 15


def _yaml(name):
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def _nlu_examples():
    examples = {}
    for block in _yaml("data/nlu.yml")["nlu"]:
        if "intent" in block:
            lines = block["examples"].splitlines()
            examples[block["intent"]] = [line[2:] for line in lines if line.startswith("- ")]
    return examples


def test_the_reason_slot_lists_exactly_the_reason_codes_in_order():
    slot = _yaml("domain.yml")["slots"]["handoff_reason"]

    assert slot["type"] == "categorical"
    assert slot["values"] == HandoffReason.codes()


def _handoff_intents():
    policy = load_settings(ROOT / "handoff.yml").policy
    return sorted(
        set(policy.explicit_request.intents)
        | set(policy.sensitive_topic.intents)
        | set(policy.high_value.intents)
    )


@pytest.mark.parametrize("intent", _handoff_intents())
def test_each_handoff_intent_is_declared_and_trained(intent):
    assert intent in _yaml("domain.yml")["intents"]
    assert len(set(_nlu_examples().get(intent, []))) >= MIN_EXAMPLES


def test_the_handoff_rule_lists_every_intent_the_policy_hands_over_on():
    rules = _yaml("data/rules.yml")["rules"]
    (handoff_rule,) = (rule for rule in rules if "action_decide_handoff" in str(rule["steps"]))
    listed = sorted(step["intent"] for step in handoff_rule["steps"][0]["or"])
    assert listed == _handoff_intents()
