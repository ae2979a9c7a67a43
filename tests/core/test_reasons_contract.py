from pathlib import Path

import pytest
import yaml

from handoff.decision import INTENT_REASONS
from handoff.reasons import HandoffReason

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


@pytest.mark.parametrize("intent", sorted(INTENT_REASONS))
def test_each_handoff_intent_is_declared_and_trained(intent):
    assert intent in _yaml("domain.yml")["intents"]
    assert len(set(_nlu_examples().get(intent, []))) >= MIN_EXAMPLES
