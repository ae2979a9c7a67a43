"""The summary benchmark (``benchmarks/summaries.py``) on the decision benchmark's sets.

Runs without the NLU model: the problem-turn choice does not read intents, so its share is
the same as in the full run (which adds the intents only for the replaced rule's column).
"""

from __future__ import annotations

import pytest

from benchmarks.summaries import SETS, TARGET, load_labelled, measure, overall, report


@pytest.fixture(scope="module")
def results():
    return measure({path.name: load_labelled(path) for path in SETS})


def test_every_handed_off_conversation_has_its_problem_turn_labelled():
    for path in SETS:
        labelled = load_labelled(path)  # raises on a missing or foreign label

        assert labelled and all(item.problem in item.conversation.turns for item in labelled)


def test_summaries_quote_the_customers_problem_at_least_95_percent_of_the_time(results):
    share = overall(results)

    assert share >= TARGET, report(results)


def test_no_summary_quotes_an_intake_answer_as_the_problem(results):
    quoted = [r.summary for rows in results.values() for r in rows]

    assert not [s for s in quoted if 'words: "I don\'t have one"' in s or 'words: "no"' in s]
