"""The labelled conversation sets of ``benchmarks/handoff_decisions.py`` stay usable and unseen.

Each set must load (every label a ``HandoffReason`` or ``none``, every kind one the report
knows), and no customer message of any set may be an NLU training example: the benchmark
measures how the bot handles words it was not trained on. A one- or two-word opener ("hi",
"good morning") is in both by nature and is not counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Set

import pytest
import yaml

from benchmarks.handoff_decisions import CONVERSATIONS, load_conversations

SETS = sorted(CONVERSATIONS.parent.glob("handoff_conversations*.yml"))
KINDS = {"explicit", "faq", "faq_hard", "sensitive", "high_value", "frustration", "looping",
         "repeated", "low_confidence"}  # fmt: skip
# kinds a later set added: messages that name a person without asking for one (test8 on)
LATER_KINDS = {"person_mention"}


def _training_examples() -> Set[str]:
    examples = set()
    for block in yaml.safe_load(Path("data/nlu.yml").read_text())["nlu"]:
        for line in (block.get("examples") or "").splitlines():
            if line.strip().startswith("- "):
                examples.add(line.strip()[2:].strip().lower())
    return examples


def test_the_development_and_blind_sets_are_all_there():
    names = {path.stem for path in SETS}
    assert {"handoff_conversations", "handoff_conversations_heldout"} <= names
    assert {"handoff_conversations_test", "handoff_conversations_test2"} <= names
    assert {"handoff_conversations_test3", "handoff_conversations_test4"} <= names
    assert {"handoff_conversations_test5", "handoff_conversations_test6"} <= names
    assert {"handoff_conversations_test7", "handoff_conversations_test8"} <= names


@pytest.mark.parametrize("path", SETS, ids=lambda path: path.stem)
def test_a_set_loads_with_valid_labels_and_kinds(path):
    conversations = load_conversations(path)

    assert len(conversations) >= 60
    assert len({c.id for c in conversations}) == len(conversations)
    assert KINDS <= {c.kind for c in conversations} <= KINDS | LATER_KINDS
    assert all(c.turns for c in conversations)


@pytest.mark.parametrize("path", SETS, ids=lambda path: path.stem)
def test_no_customer_message_is_a_training_example(path):
    trained = _training_examples()
    turns = [turn for c in load_conversations(path) for turn in c.turns]

    assert [t for t in turns if len(t.split()) > 2 and t.strip().lower() in trained] == []
